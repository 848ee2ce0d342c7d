"""The Instagram hashtag connector against the local replay server (never the internet), fed the Instagram
Graph API's documented answers (fixtures/REFERENCES-instagram.md)."""

from __future__ import annotations

import json
import random
import string
import traceback
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social.base import AuthExpired, BadResponse, ConnectorError, NotConfigured, Page, RateLimited
from crawlers.social.instagram import MEDIA_FIELDS, MEDIA_PAGES_PER_RUN, InstagramHashtag
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
# A Facebook User access token, which hashtag search takes (EAA..., some 200 letters and digits); fictional.
TOKEN = "EAAJkutimIGZBzq" + "".join(random.Random(80002).choices(string.ascii_letters + string.digits, k=175))
IG_USER = "17841400123456789"
TAG_ID = "17843826142015921"
VERSION = "/v27.0"
SEARCH = f"{VERSION}/ig_hashtag_search"
MEDIA = f"{VERSION}/{TAG_ID}/recent_media"
M1, M2, M3, M4 = (f"1803456789012340{n}" for n in range(1, 5))
LIMIT_CURSOR = 200  # source_state.cursor is a String(200)


def connector(
    replay: Any, hash_key: str, token: str | None = TOKEN, ig_user: str | None = IG_USER, **kwargs: Any
) -> InstagramHashtag:
    return InstagramHashtag("#KutaiTimur", ig_user, token, hash_key, base_url=replay.base_url, **kwargs)


def body(fixture_bytes: Any, name: str, token: str = TOKEN) -> bytes:
    """A fixture with the test's token where Graph puts one (paging.next URLs, echoed error messages)."""
    return bytes(fixture_bytes(name)).replace(b"__TOKEN__", token.encode())


def script_all(replay: Any, fixture_bytes: Any) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, body(fixture_bytes, "instagram_recent_page1.json"))
    replay.add(MEDIA, 200, JSON, body(fixture_bytes, "instagram_recent_page2.json"))


def media(media_id: str, when: datetime, caption: str | None = "Jalan rusak lagi #kutaitimur") -> Any:
    """One media object of a recent_media answer, in the documented shape."""
    item: dict[str, Any] = {"id": media_id, "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S+0000")}
    if caption is not None:
        item["caption"] = caption
    return {**item, "permalink": f"https://www.instagram.com/p/K{media_id[-6:]}/", "comments_count": 1}


def recent(*items: Any, more: bool = False) -> str:
    """A recent_media answer: its after cursor is the same on every page, as documented."""
    paging: dict[str, Any] = {"cursors": {"after": "QVFIUmtpdGltQWZ0ZXIx"}}
    if more:
        paging["next"] = (
            f"__BASE_URL__{MEDIA}?user_id={IG_USER}&access_token={TOKEN}&after=QVFIUmtpdGltQWZ0ZXIx"
        )
    return json.dumps({"data": list(items), "paging": paging})


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 21, hour, minute, second, tzinfo=UTC)


def accounted(page: Page) -> bool:
    """Every item the platform gave is a post or skipped for one reason."""
    return page.read == len(page.posts) + sum(page.skipped.values())


def leaks(error: BaseException, secret: str) -> list[str]:
    """Where ``secret`` shows in ``error``, its chain (cause and context), their attributes and traceback."""
    found = ["traceback"] if secret in "".join(traceback.format_exception(error)) else []
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for label, text in (("str", str(current)), ("repr", repr(current)), ("vars", repr(vars(current)))):
            if secret in text:
                found.append(f"{type(current).__name__} {label}")
        pending.extend(link for link in (current.__cause__, current.__context__) if link is not None)
    return found


# -- reading


def test_looks_up_the_hashtag_then_follows_paging_next(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [M1, M2, M3]  # newest first
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
    assert posts[M3].engagement == {"comments": 11}  # like_count omitted: hidden by the owner
    assert len({p.author_hash for p in posts.values()}) == 1


def test_a_media_without_caption_is_skipped_as_no_text(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert M4 not in {p.post_id for p in page.posts}
    assert page.skipped == {"no_text": 1}
    assert page.read == 4
    assert accounted(page)


def test_no_handle_outside_text_and_permalink(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        flat = repr({k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}).lower()
        assert "pemkabkutim" not in flat
        assert IG_USER not in flat
        assert len(post.author_hash) == 64


# -- recent_media is not chronological: a look-back by id


def test_older_media_not_yet_read_are_read_after_a_page_of_read_ones(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    replay.add(MEDIA, 200, JSON, recent(media(M1, at(23, 10))))
    source = connector(replay, hash_key)
    first = source.fetch(since=None, limit=50)
    replay.script.pop(MEDIA)
    replay.add(MEDIA, 200, JSON, recent(media(M1, at(23, 10)), more=True))  # all read already
    replay.add(MEDIA, 200, JSON, recent(media(M2, at(20, 45)), media(M3, at(8, 2))))  # older, never read

    second = source.fetch(since=first.cursor, limit=50)

    assert [p.post_id for p in first.posts] == [M1]
    assert [p.post_id for p in second.posts] == [M2, M3]
    assert second.skipped == {"already_read": 1}


def test_read_media_are_not_returned_again_whatever_their_time(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)
    first = source.fetch(since=None, limit=50)
    replay.script.pop(MEDIA)
    replay.add(MEDIA, 200, JSON, body(fixture_bytes, "instagram_recent_page2.json"))  # the oldest, again

    again = source.fetch(since=first.cursor, limit=50)

    assert again.posts == []
    assert again.skipped == {"already_read": 2}
    assert again.cursor == first.cursor


def test_the_limit_keeps_the_oldest_and_the_cursor_waits_for_the_rest(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)

    first = source.fetch(since=None, limit=2)

    assert [p.post_id for p in first.posts] == [M2, M3]
    assert first.skipped == {"no_text": 1, "over_limit": 1}
    assert accounted(first)
    replay.script.clear()
    script_all(replay, fixture_bytes)

    second = source.fetch(since=first.cursor, limit=50)

    assert [p.post_id for p in second.posts] == [M1]
    assert second.skipped == {"already_read": 3}


def test_each_run_reads_a_bounded_number_of_pages(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    replay.add(MEDIA, 200, JSON, recent(media(M1, at(23, 10)), more=True))  # next, and next, and next ...

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [r.path for r in replay.requests] == [SEARCH] + [MEDIA] * MEDIA_PAGES_PER_RUN
    assert [p.post_id for p in page.posts] == [M1]
    assert page.skipped == {"already_read": MEDIA_PAGES_PER_RUN - 1}  # the same media on every page


def test_a_page_of_10000_media_and_a_cursor_that_stays_bounded(replay: Any, hash_key: str) -> None:
    start = at(0)
    items = [media(str(18000000000000000 + n), start + timedelta(seconds=8 * n)) for n in range(10_000)]
    random.Random(4).shuffle(items)  # not chronological
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    replay.add(MEDIA, 200, JSON, recent(*items))
    source = connector(replay, hash_key)

    first = source.fetch(since=None, limit=200)
    second = source.fetch(since=first.cursor, limit=200)

    assert first.read == second.read == 10_000
    assert [p.post_id for p in first.posts][-1] == "18000000000000000"  # the oldest first
    assert first.skipped == {"over_limit": 9_800}
    assert second.skipped == {"already_read": 200, "over_limit": 9_600}
    first_ids, second_ids = {p.post_id for p in first.posts}, {p.post_id for p in second.posts}
    assert len(first_ids) == len(second_ids) == 200
    assert not first_ids & second_ids
    assert min(p.posted_at for p in second.posts) == start + timedelta(seconds=8 * 200)
    assert first.cursor is not None and second.cursor is not None
    assert len(first.cursor) <= LIMIT_CURSOR and len(second.cursor) <= LIMIT_CURSOR


def test_a_cursor_of_the_earlier_version_is_read_as_a_time(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="2026-11-21T20:45:00+00:00", limit=50)

    assert [p.post_id for p in page.posts] == [M1]
    assert page.skipped == {"already_read": 3}


def test_a_cursor_newer_than_anything_the_platform_has_stays(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)

    page = source.fetch(since="2030-01-01T00:00:00+00:00", limit=50)
    replay.script.clear()
    script_all(replay, fixture_bytes)
    again = source.fetch(since=page.cursor, limit=50)

    assert page.posts == again.posts == []
    assert page.skipped == again.skipped == {"already_read": 4}
    assert again.cursor == page.cursor


def test_an_unreadable_cursor_is_read_as_a_first_run(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="not:a:cursor", limit=50)

    assert [p.post_id for p in page.posts] == [M1, M2, M3]


def test_the_hashtag_id_is_looked_up_once_per_connector(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)
    first = source.fetch(since=None, limit=50)

    source.fetch(since=first.cursor, limit=50)

    assert [r.path for r in replay.requests].count(SEARCH) == 1


def test_bad_items_are_skipped_and_the_rest_read(replay: Any, hash_key: str) -> None:
    good = media(M1, at(23, 10), "Banjir lagi di Sangatta Utara, drainase tersumbat #kutaitimur")
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    items = [good, 42, {"caption": "tanpa id", "timestamp": "2026-11-21T09:00:00+0000"}, {"id": M2}]
    replay.add(MEDIA, 200, JSON, recent(*items, {"id": M3, "timestamp": "besok"}, good))

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [M1]
    assert page.skipped == {"malformed": 4, "already_read": 1}
    assert page.read == 6


def test_a_time_far_ahead_is_malformed_and_never_read_as_newest(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    items = [media(M1, datetime(9999, 12, 31, tzinfo=UTC)), media(M2, at(22))]
    replay.add(MEDIA, 200, JSON, recent(*items))

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [M2]
    assert page.skipped == {"malformed": 1}
    assert page.cursor is not None and len(page.cursor) <= LIMIT_CURSOR


def test_text_in_another_script_is_skipped(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    items = [
        media(M1, at(23), "道路损坏严重,请政府尽快修复这条路 #kutaitimur"),
        media(M2, at(22), "Jalan rusak 😭 #kutaitimur"),
    ]
    replay.add(MEDIA, 200, JSON, recent(*items))

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [M2]
    assert page.skipped == {"other_script": 1}


# -- errors and bad answers


def test_unknown_hashtag_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search_empty.json"))

    with pytest.raises(BadResponse, match="no id for #kutaitimur"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_code_190_is_auth_expired_and_says_which(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 400, JSON, body(fixture_bytes, "instagram_error_190.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert "463 (expired)" in str(caught.value)


def test_a_token_echoed_in_an_error_body_never_surfaces(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    source = connector(replay, hash_key)
    replay.add(SEARCH, 400, JSON, body(fixture_bytes, "instagram_error_malformed.json"))

    with pytest.raises(AuthExpired) as caught:
        source.fetch(since=None, limit=10)

    assert "without subcode" in str(caught.value)
    assert leaks(caught.value, TOKEN) == []
    assert TOKEN not in repr(source)


def test_a_token_in_paging_next_never_surfaces_when_that_page_fails(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, body(fixture_bytes, "instagram_recent_page1.json"))
    replay.add(MEDIA, 400, JSON, body(fixture_bytes, "instagram_error_malformed.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert replay.requests[2].param("access_token") == TOKEN  # from paging.next
    assert leaks(caught.value, TOKEN) == []


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 401, JSON, b'{"error": {"message": "Unauthorized"}}')

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize("fixture", ["instagram_error_4.json", "instagram_error_613.json"])
def test_rate_limit_codes_on_media_are_rate_limited(
    replay: Any, fixture_bytes: Any, hash_key: str, fixture: str
) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 400, JSON, body(fixture_bytes, fixture))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=59) <= caught.value.retry_at - before <= timedelta(minutes=61)


def test_the_instagram_business_use_case_limit_says_when_access_is_regained(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    usage = {IG_USER: [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 42}]}
    headers = {**JSON, "X-Business-Use-Case-Usage": json.dumps(usage)}
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 400, headers, body(fixture_bytes, "instagram_error_80002.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=41) <= caught.value.retry_at - before <= timedelta(minutes=43)


def test_http_429_is_rate_limited(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 429, {"Retry-After": "90"}, b"")

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429


def test_a_200_answer_with_an_error_body_is_that_error(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, body(fixture_bytes, "instagram_error_613.json"))

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 200


def test_truncated_json_is_a_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, b'{"data": [{"id": "18034567890123401", "caption": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON") as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert leaks(caught.value, TOKEN) == []


def test_a_body_shorter_than_its_length_is_a_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    page = body(fixture_bytes, "instagram_recent_page1.json")
    replay.add(MEDIA, 200, {**JSON, "Content-Length": str(len(page))}, page, truncate_to=len(page) // 2)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_html_where_json_was_expected_is_a_bad_response(replay: Any, hash_key: str) -> None:
    html = b"<!DOCTYPE html><html><head><title>Instagram</title></head><body>Login</body></html>"
    replay.add(SEARCH, 200, {"Content-Type": "text/html; charset=utf-8"}, html)

    with pytest.raises(BadResponse, match="HTML"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_an_answer_of_the_wrong_shape_is_a_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH, 200, JSON, body(fixture_bytes, "instagram_hashtag_search.json"))
    replay.add(MEDIA, 200, JSON, b'{"data": {"id": "18034567890123401"}}')

    with pytest.raises(BadResponse, match="not a list"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_an_html_error_page_is_a_connector_error_with_its_status(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH, 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>")

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("token", "ig_user"), [(None, IG_USER), ("", IG_USER), ("  ", IG_USER), (TOKEN, None)]
)
def test_missing_credentials_are_not_configured_without_a_request(
    replay: Any, hash_key: str, token: str | None, ig_user: str | None
) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, token=token, ig_user=ig_user).fetch(since=None, limit=10)

    assert replay.requests == []


def test_the_connector_asks_the_configured_version(replay: Any, hash_key: str) -> None:
    replay.add("/v26.0/ig_hashtag_search", 200, JSON, b'{"data": [{"id": "17843826142015921"}]}')
    replay.add(f"/v26.0/{TAG_ID}/recent_media", 200, JSON, b'{"data": []}')

    connector(replay, hash_key, graph_version="v26.0").fetch(since=None, limit=10)

    assert [r.path for r in replay.requests] == ["/v26.0/ig_hashtag_search", f"/v26.0/{TAG_ID}/recent_media"]
