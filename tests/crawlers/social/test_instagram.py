"""The Instagram hashtag connector against the local replay server (never the internet)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social.base import AuthExpired, BadResponse, NotConfigured, RateLimited
from crawlers.social.instagram import MEDIA_FIELDS, InstagramHashtag
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
TOKEN = "IGQtesttoken"
IG_USER = "17841400123456789"
TAG_ID = "17843826142015921"
SEARCH = "/v19.0/ig_hashtag_search"
MEDIA = f"/v19.0/{TAG_ID}/recent_media"
M1, M2, M3, M4 = (f"1803456789012340{n}" for n in range(1, 5))
NEWEST = "2026-11-21T23:10:05+00:00"


def connector(
    replay: Any, hash_key: str, token: str | None = TOKEN, ig_user: str | None = IG_USER
) -> InstagramHashtag:
    return InstagramHashtag("#KutaiTimur", ig_user, token, hash_key, base_url=replay.base_url)


def script_all(replay: Any, fixture_bytes: Any) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, fixture_bytes("instagram_recent_page1.json"))
    replay.add(MEDIA, 200, JSON, fixture_bytes("instagram_recent_page2.json"))


def test_looks_up_the_hashtag_then_follows_paging_next(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [M1, M2, M3, M4]
    assert page.cursor == NEWEST
    search, first, second = replay.requests
    assert search.path == SEARCH
    assert search.param("q") == "kutaitimur"
    assert search.param("user_id") == IG_USER
    assert first.path == second.path == MEDIA
    assert first.param("fields") == MEDIA_FIELDS
    assert first.param("limit") == "50"
    assert first.param("after") is None
    assert second.param("after") == "QVFIUmtpdGltQWZ0ZXIx"
    for request in replay.requests:
        assert request.param("access_token") == TOKEN
        assert request.param("user_id") == IG_USER


def test_maps_media_to_posts(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = {p.post_id: p for p in connector(replay, hash_key).fetch(since=None, limit=50).posts}

    top = posts[M1]
    assert top.platform == "instagram"
    assert top.permalink == "https://www.instagram.com/p/DCkutim01aA/"
    assert top.author_hash == hash_handle("instagram", "hashtag:kutaitimur", hash_key)
    assert top.posted_at == datetime(2026, 11, 21, 23, 10, 5, tzinfo=UTC)
    assert top.engagement == {"likes": 231, "comments": 18}
    assert top.in_reply_to is None
    assert "kayak sungai kalau hujan" in top.text
    assert posts[M3].engagement == {"comments": 11}  # like_count hidden by the owner
    assert posts[M4].text == ""
    assert len({p.author_hash for p in posts.values()}) == 1


def test_no_handle_outside_text_and_permalink(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        flat = repr({k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}).lower()
        assert "pemkabkutim" not in flat
        assert IG_USER not in flat
        assert len(post.author_hash) == 64


def test_since_drops_seen_media_and_stops_paging(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="2026-11-21T20:45:00+00:00", limit=50)

    assert [p.post_id for p in page.posts] == [M1]
    assert page.cursor == NEWEST
    assert [r.path for r in replay.requests] == [SEARCH, MEDIA, MEDIA]  # page 1 still had a new one


def test_cursor_round_trips_and_hashtag_id_is_looked_up_once(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)
    first = source.fetch(since=None, limit=50)
    replay.requests.clear()
    replay.add(MEDIA, 200, JSON, fixture_bytes("instagram_recent_page1.json"))

    again = source.fetch(since=first.cursor, limit=50)

    assert again.posts == []
    assert again.cursor == first.cursor
    assert [r.path for r in replay.requests] == [MEDIA]  # all of page 1 seen: no next page, no search


def test_limit_respected(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=2)

    assert [p.post_id for p in page.posts] == [M1, M2]
    assert page.cursor == NEWEST
    assert [r.path for r in replay.requests] == [SEARCH, MEDIA]


def test_unknown_hashtag_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search_empty.json"))

    with pytest.raises(BadResponse, match="no id for #kutaitimur"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_code_190_is_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 400, JSON, fixture_bytes("instagram_error_190.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert TOKEN not in str(caught.value)


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 401, JSON, b'{"error": {"message": "Unauthorized"}}')

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_code_613_on_media_is_rate_limited(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search.json"))
    replay.add(MEDIA, 400, JSON, fixture_bytes("instagram_error_613.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=59) <= caught.value.retry_at - before <= timedelta(minutes=61)


def test_code_4_is_rate_limited(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 403, JSON, fixture_bytes("instagram_error_4.json"))

    with pytest.raises(RateLimited):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_http_429_is_rate_limited(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 429, {"Retry-After": "90"}, b"")

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429


def test_malformed_json_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, b'{"data": [{"id": "18034567890123401", "caption": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON") as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert TOKEN not in str(caught.value)


def test_unexpected_shape_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, b'{"data": {"id": "18034567890123401"}}')

    with pytest.raises(BadResponse, match="not a list"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, fixture_bytes("instagram_hashtag_search.json"))
    body = fixture_bytes("instagram_recent_page1.json")
    replay.add(MEDIA, 200, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=len(body) // 2)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize(
    ("token", "ig_user"), [(None, IG_USER), ("", IG_USER), ("  ", IG_USER), (TOKEN, None)]
)
def test_missing_credentials_are_not_configured_without_a_request(
    replay: Any, hash_key: str, token: str | None, ig_user: str | None
) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, token=token, ig_user=ig_user).fetch(since=None, limit=10)

    assert replay.requests == []
