"""The X recent-search connector against the local replay server (never the internet)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest

from crawlers.social.base import AuthExpired, BadResponse, NotConfigured, RateLimited, get_json
from crawlers.social.x import QUERY_LIMIT, SEARCH_PATH, XRecentSearch, search_query
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=utf-8"}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAtest%2Ftoken"
HANDLES = ["wargasangatta88", "rinakutim", "darto_tlingga"]
QUERY = search_query(["jalan rusak", "lampu jalan mati", "air PDAM"])


def connector(replay: Any, hash_key: str, token: str | None = TOKEN) -> XRecentSearch:
    return XRecentSearch(QUERY, token, hash_key, base_url=replay.base_url)


def script_two_pages(replay: Any, fixture_bytes: Any) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page1.json"))
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page2.json"))


def test_follows_next_token_over_two_pages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [
        "1859012345678901250",
        "1859009876543210240",
        "1858990011223344556",
    ]
    assert page.cursor == "1859012345678901250"  # newest_id of the first page
    first, second = replay.requests
    assert first.param("next_token") is None
    assert second.param("next_token") == "b26v89c19zqg8o3fpzbkk7k9wz2ys2ky9x1d3k0ppb0b1"
    for request in replay.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.param("query") == QUERY
        assert request.param("expansions") == "author_id"
        assert request.param("user.fields") == "username"
        assert "public_metrics" in (request.param("tweet.fields") or "")
    assert [r.param("max_results") for r in replay.requests] == ["50", "48"]  # what is still wanted


def test_maps_tweets_to_posts(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    top = posts[0]
    assert top.platform == "x"
    # the link cited in reports names no handle (personal data): X resolves it to the post
    assert top.permalink == "https://x.com/i/web/status/1859012345678901250"
    assert "wargasangatta88" not in top.permalink
    assert top.author_hash == hash_handle("x", "wargasangatta88", hash_key)
    assert top.posted_at == datetime(2026, 11, 21, 23, 41, 7, tzinfo=UTC)
    assert top.engagement == {
        "likes": 87, "reposts": 12, "replies": 4, "quotes": 1, "bookmarks": 2, "views": 3410,
    }  # fmt: skip
    assert top.in_reply_to is None
    assert "Bengalon rusak parah" in top.text
    assert posts[2].in_reply_to == "1858980000111222333"
    assert len({p.author_hash for p in posts}) == 3


def test_author_handles_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        fields = {k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}
        flat = repr(fields).lower()
        for handle in HANDLES:
            assert handle not in flat
    # the permalink is the public URL (it names the account, as the platform does); the hash is not the handle
    assert all(len(p.author_hash) == 64 for p in posts)


def test_passes_since_id_and_keeps_it_when_nothing_new(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_empty.json"))

    page = connector(replay, hash_key).fetch(since="1859012345678901250", limit=20)

    assert page.posts == []
    assert page.cursor == "1859012345678901250"
    assert replay.requests[0].param("since_id") == "1859012345678901250"


def test_limit_respected(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=2)

    assert [p.post_id for p in page.posts] == ["1859012345678901250", "1859009876543210240"]
    assert len(replay.requests) == 1  # the limit was reached on the first page: no second request
    assert replay.requests[0].param("max_results") == "10"  # the API's minimum


def test_limit_cuts_inside_a_page(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=1)

    assert len(page.posts) == 1
    assert page.cursor == "1859012345678901250"


def test_429_raises_rate_limited_with_reset(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    reset = 1_795_000_000
    headers = {
        **JSON,
        "x-rate-limit-limit": "60",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
    }
    replay.add(SEARCH_PATH, 429, headers, fixture_bytes("x_error_429.json"))

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.retry_at == datetime.fromtimestamp(reset, tz=UTC)
    assert caught.value.status == 429


def test_429_with_retry_after_seconds(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 429, {"Retry-After": "120"}, b"")
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    waited = (caught.value.retry_at - before).total_seconds()
    assert 119 <= waited <= 125


def test_401_raises_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 401, JSON, fixture_bytes("x_error_401.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 401


def test_server_error_is_a_connector_error_with_status(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 503, {"Content-Type": "text/plain"}, b"Service Unavailable")

    with pytest.raises(Exception) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value).__name__ == "ConnectorError"
    assert getattr(caught.value, "status", None) == 503
    assert "503" in str(caught.value)


def test_malformed_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 200, JSON, b'{"data": [{"id": "1", "text": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_unexpected_shape_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 200, JSON, b'{"data": {"id": "1"}, "meta": {"result_count": 1}}')

    with pytest.raises(BadResponse, match="not a list"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_errors_only_body_raises_bad_response(replay: Any, hash_key: str) -> None:
    body = (
        b'{"errors": [{"message": "Invalid query", "detail": "There were errors processing your request"}]}'
    )
    replay.add(SEARCH_PATH, 200, JSON, body)

    with pytest.raises(BadResponse, match="errors processing"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("x_search_page1.json")
    replay.add(SEARCH_PATH, 200, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=len(body) // 2)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_follows_a_301_redirect(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 301, {"Location": "__BASE_URL__/moved" + SEARCH_PATH + "?q=1"}, b"")
    replay.add("/moved" + SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page2.json"))

    page = connector(replay, hash_key).fetch(since=None, limit=10)

    assert [p.post_id for p in page.posts] == ["1858990011223344556"]
    assert [r.path for r in replay.requests] == [SEARCH_PATH, "/moved" + SEARCH_PATH]
    assert replay.requests[1].headers["authorization"] == f"Bearer {TOKEN}"  # same host: token kept


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_not_configured_without_a_request(
    replay: Any, hash_key: str, token: str | None
) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, token=token).fetch(since=None, limit=10)

    assert replay.requests == []


def test_get_json_rejects_a_non_object(replay: Any) -> None:
    replay.add("/list", 200, JSON, b"[1, 2]")

    with pytest.raises(BadResponse, match="JSON object"):
        get_json(replay.base_url + "/list")


def test_search_query_ors_quoted_terms() -> None:
    assert search_query(["jalan rusak"]) == '"jalan rusak" lang:id -is:retweet'
    assert (
        search_query(["jalan rusak", " PDAM ", "jalan  RUSAK", "", 'lampu "PJU"'])
        == '("jalan rusak" OR "PDAM" OR "lampu PJU") lang:id -is:retweet'
    )
    assert search_query(["banjir"], lang="") == '"banjir" -is:retweet'


def test_search_query_stays_within_the_limit_deterministically() -> None:
    terms = [f"keluhan warga kutai timur nomor {n}" for n in range(40)]

    query = search_query(terms)

    assert len(query) <= QUERY_LIMIT
    kept = query.count('"') // 2
    assert 5 < kept < 40
    assert query == search_query(terms)
    assert f'"{terms[kept - 1]}"' in query and f'"{terms[kept]}"' not in query  # a prefix of the terms
    assert query.endswith(" lang:id -is:retweet")
    with pytest.raises(ValueError):
        search_query(["x" * 600])
