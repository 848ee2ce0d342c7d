"""The YouTube comment-thread connector against the local replay server (never the internet)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social.base import AuthExpired, BadResponse, ConnectorError, NotConfigured, RateLimited
from crawlers.social.youtube import THREADS_PATH, YouTubeComments, quota_reset
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
KEY = "AIzaSyTestKeyForPantau000000000000"
CHANNEL = "UCkutimPemkab0000000001"
NAMES = ["wargabengalon", "ibu_rina_sangatta", "darto teluk lingga"]
CHANNEL_IDS = ["UCwargaBengalon00000001", "UCrinaSangatta000000002", "UCdartoTelukLingga00003"]
NEWEST = "UgzKutim001AaBbCcDd4AaABAg"


def connector(replay: Any, hash_key: str, key: str | None = KEY) -> YouTubeComments:
    return YouTubeComments(CHANNEL, key, hash_key, base_url=replay.base_url)


def script_two_pages(replay: Any, fixture_bytes: Any) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page1.json"))
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page2.json"))


def test_follows_page_token_over_two_pages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [
        NEWEST,
        "UgyKutim002EeFfGgHh4AaABAg",
        "UgwKutim003IiJjKkLl4AaABAg",
    ]
    assert page.cursor == "2026-11-21T22:05:13+00:00"
    first, second = replay.requests
    assert first.param("pageToken") is None
    assert second.param("pageToken") == "QURTSl9pMlRmVXZ0TjVvTGtOQ2hLZ0Fr"
    for request in replay.requests:
        assert request.param("part") == "snippet"
        assert request.param("allThreadsRelatedToChannelId") == CHANNEL
        assert request.param("order") == "time"
        assert request.param("maxResults") == "100"
        assert request.param("key") == KEY
        assert "authorization" not in request.headers


def test_maps_comments_to_posts(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    top = posts[0]
    assert top.platform == "youtube"
    assert top.permalink == f"https://www.youtube.com/watch?v=vKtm2026a01&lc={NEWEST}"
    assert top.author_hash == hash_handle("youtube", "channel:UCwargaBengalon00000001", hash_key)
    assert top.posted_at == datetime(2026, 11, 21, 22, 5, 13, tzinfo=UTC)
    assert top.engagement == {"likes": 14, "replies": 3}
    assert top.in_reply_to is None
    assert top.text.startswith("Pak Bupati, jalan di Desa Sepaso Bengalon")
    assert posts[2].engagement == {"likes": 0, "replies": 1}
    assert len({p.author_hash for p in posts}) == 3
    assert all(p.posted_at.tzinfo is not None for p in posts)


def test_names_and_channel_ids_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        flat = repr({k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}).lower()
        for name in NAMES + [c.lower() for c in CHANNEL_IDS]:
            assert name not in flat
        assert len(post.author_hash) == 64


def test_since_stops_paging_and_skips_seen_comments(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="2026-11-21T19:40:00+00:00", limit=50)

    assert [p.post_id for p in page.posts] == [NEWEST]  # the comment at since itself is not new
    assert page.cursor == "2026-11-21T22:05:13+00:00"
    assert len(replay.requests) == 1  # page 1 reached since: page 2 is older still


def test_cursor_round_trips_to_nothing_new(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)
    first = connector(replay, hash_key).fetch(since=None, limit=50)
    replay.requests.clear()
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page1.json"))

    again = connector(replay, hash_key).fetch(since=first.cursor, limit=50)

    assert again.posts == []
    assert again.cursor == first.cursor


def test_empty_answer_keeps_since(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_empty.json"))

    page = connector(replay, hash_key).fetch(since="2026-11-21T22:05:13Z", limit=20)

    assert page.posts == []
    assert page.cursor == "2026-11-21T22:05:13Z"


def test_limit_respected(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=1)

    assert [p.post_id for p in page.posts] == [NEWEST]
    assert page.cursor == "2026-11-21T22:05:13+00:00"
    assert len(replay.requests) == 1


def test_zero_limit_makes_no_request(replay: Any, hash_key: str) -> None:
    page = connector(replay, hash_key).fetch(since="2026-11-21T22:05:13Z", limit=0)

    assert page.posts == [] and page.cursor == "2026-11-21T22:05:13Z"
    assert replay.requests == []


def test_quota_exceeded_403_is_rate_limited_until_pacific_midnight(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 403, JSON, fixture_bytes("youtube_error_quota.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    retry_at = caught.value.retry_at
    assert caught.value.status == 403
    assert KEY not in str(caught.value)  # the URL in the message is redacted
    assert retry_at in {quota_reset(before), quota_reset(datetime.now(UTC))}
    assert retry_at.astimezone(UTC).hour == 8 and retry_at.minute == 0  # 00:00 at UTC-8
    assert timedelta(0) < retry_at - before <= timedelta(hours=24)


def test_quota_reset_is_the_next_midnight_at_utc_minus_8() -> None:
    assert quota_reset(datetime(2026, 11, 22, 7, 59, tzinfo=UTC)) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert quota_reset(datetime(2026, 11, 22, 8, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert quota_reset(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)


def test_http_429_is_rate_limited(replay: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 429, {"Retry-After": "30"}, b"")

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429


def test_comments_disabled_403_stays_a_connector_error(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 403, JSON, fixture_bytes("youtube_error_comments_disabled.json"))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError
    assert caught.value.status == 403


def test_invalid_key_is_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 400, JSON, fixture_bytes("youtube_error_bad_key.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 400


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(
        THREADS_PATH, 401, JSON, b'{"error": {"code": 401, "message": "Request is missing credentials"}}'
    )

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_malformed_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, b'{"kind": "youtube#commentThreadListResponse", "items": [{"id": ')

    with pytest.raises(BadResponse, match="invalid JSON"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_unexpected_shape_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, b'{"items": [{"id": "x", "snippet": {"videoId": "v"}}]}')

    with pytest.raises(BadResponse, match="topLevelComment"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("youtube_threads_page1.json")
    replay.add(
        THREADS_PATH, 200, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=len(body) // 2
    )

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_not_configured_without_a_request(replay: Any, hash_key: str, key: str | None) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, key=key).fetch(since=None, limit=10)

    assert replay.requests == []
