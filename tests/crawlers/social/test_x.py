"""The X recent-search connector against the local replay server (never the internet), fed answers in the
documented X API v2 formats (fixtures/REFERENCES-x.md says which page each fixture follows)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social.base import (
    AuthExpired,
    BadResponse,
    ConnectorError,
    NotConfigured,
    RateLimited,
    get_json,
)
from crawlers.social.x import QUERY_LIMIT, SEARCH_PATH, XRecentSearch, search_query
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=utf-8"}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAtest%2Ftoken"
HANDLES = ["wargasangatta88", "rinakutim", "darto_tlingga"]
QUERY = search_query(["jalan rusak", "lampu jalan mati", "air PDAM"])
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # the fixtures' posts are from the day before
NEWEST = "1859012345678901250@2026-11-21T23:41:07Z"  # the cursor after reading x_search_page1.json
WINDOW_START = "2026-11-15T06:10:00Z"  # NOW - 7 days + the 10-minute margin


def connector(replay: Any, hash_key: str, token: str | None = TOKEN, now: datetime = NOW) -> XRecentSearch:
    return XRecentSearch(QUERY, token, hash_key, base_url=replay.base_url, clock=lambda: now)


def script_two_pages(replay: Any, fixture_bytes: Any) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page1.json"))
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page2.json"))


def as_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- paging, fields and the mapping of a post ---------------------------------------------------------------


def test_follows_next_token_over_two_pages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [
        "1859012345678901250",
        "1859009876543210240",
        "1858990011223344556",
    ]
    assert page.cursor == NEWEST  # the newest post read, with its time
    assert (page.read, page.skipped) == (3, {})
    first, second = replay.requests
    assert first.param("next_token") is None
    assert second.param("next_token") == "b26v89c19zqg8o3fpzbkk7k9wz2ys2ky9x1d3k0ppb0b1"
    for request in replay.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.param("query") == QUERY
        assert request.param("expansions") == "author_id,referenced_tweets.id"
        assert request.param("user.fields") == "username"
        fields = (request.param("tweet.fields") or "").split(",")
        assert {"created_at", "public_metrics", "referenced_tweets", "note_tweet"} <= set(fields)
        assert request.param("since_id") is None and request.param("start_time") is None
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
    reply = posts[2]
    assert reply.in_reply_to == "1858980000111222333"
    assert "Air PDAM di Sangatta Utara mati lagi" not in reply.text  # a reply keeps its own text only
    assert len({p.author_hash for p in posts}) == 3


def test_author_handles_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        fields = {k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}
        flat = repr(fields).lower()
        for handle in HANDLES:
            assert handle not in flat
    assert all(len(p.author_hash) == 64 for p in posts)


def test_text_is_html_unescaped(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_escaped.json"))

    (post,) = connector(replay, hash_key).fetch(since=None, limit=10).posts

    assert post.text == (
        "Antrean solar di SPBU Sangatta > 2 km & stok kosong lagi. "
        "Sopir truk menunggu < 10 jam? Tolong @pertamina"
    )


def test_a_long_post_is_read_whole_from_note_tweet(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("x_search_note_tweet.json")
    replay.add(SEARCH_PATH, 200, JSON, body)

    (post,) = connector(replay, hash_key).fetch(since=None, limit=10).posts

    full = unescaped(json.loads(body)["data"][0]["note_tweet"]["text"])
    assert post.text == full
    assert len(post.text) > 280 and "…" not in post.text and "&amp;" not in post.text
    assert post.text.endswith("drainase di km 12 sampai km 15. #KutaiTimur")


def test_quotes_and_reposts_carry_the_referenced_text(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_quotes.json"))

    quote, repost, reply = connector(replay, hash_key).fetch(since=None, limit=10).posts

    # the quoted post follows the quote's own text after a blank line, each of its lines marked "> "
    assert quote.text == (
        "Ini! Sudah seminggu belum ada yang datang.\n\n"
        "> Jembatan di Desa Sepaso, Bengalon retak & miring, warga takut lewat.\n"
        "> Anak-anak tetap menyeberang tiap pagi."
    )
    assert quote.post_id == "1859050000000000333" and quote.in_reply_to is None
    own, _, original = repost.text.partition("\n\n> ")
    assert own.startswith("RT @rinakutim: Lampu jalan di Jl. Yos Sudarso")
    assert original.endswith("terutama di depan SD 004 & pasar.")  # the whole original, from its note_tweet
    assert reply.text == "@sari_bgl Di Sepaso juga, jembatan kayunya sudah miring & papannya bolong."
    assert reply.in_reply_to == "1858970000000000444"


def test_partial_errors_keep_the_data_and_count_the_unusable_items(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_partial_errors.json"))

    page = connector(replay, hash_key).fetch(since=None, limit=10)

    assert [p.post_id for p in page.posts] == ["1859060000000000888", "1859059000000000101"]
    # the quoted post could not be found: the quote keeps its own text
    assert page.posts[0].text == "Ini juga terjadi di Rantau Pulung, sudah tiga hari listrik padam."
    assert page.skipped == {"not_a_post": 1}
    assert page.read == 3


# --- the cursor -------------------------------------------------------------------------------------------


def test_passes_since_id_and_keeps_the_cursor_when_nothing_new(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_empty.json"))

    page = connector(replay, hash_key).fetch(since=NEWEST, limit=20)

    assert page.posts == [] and (page.read, page.skipped) == (0, {})
    assert page.cursor == NEWEST
    (request,) = replay.requests
    assert request.param("since_id") == "1859012345678901250"
    assert request.param("start_time") is None


def test_reads_a_cursor_in_the_old_plain_id_form(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="1858990011223344556", limit=50)

    assert replay.requests[0].param("since_id") == "1858990011223344556"
    # the platform gave the cursor's own post again: skipped, not returned twice
    assert [p.post_id for p in page.posts] == ["1859012345678901250", "1859009876543210240"]
    assert page.skipped == {"already_read": 1}
    assert page.cursor == NEWEST


def test_a_cursor_older_than_seven_days_searches_from_start_time(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="1858000000000000001@2026-11-10T08:00:00Z", limit=50)

    for request in replay.requests:  # recent search refuses a since_id older than 7 days
        assert request.param("since_id") is None
        assert request.param("start_time") == WINDOW_START
    assert len(page.posts) == 3
    assert page.cursor == NEWEST  # moved on


def test_since_id_refused_as_too_old_falls_back_to_start_time(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 400, JSON, fixture_bytes("x_error_400_since_id.json"))
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_page2.json"))

    page = connector(replay, hash_key).fetch(since="1858000000000000001", limit=50)

    refused, retried = replay.requests
    assert refused.param("since_id") == "1858000000000000001"
    assert retried.param("since_id") is None and retried.param("start_time") == WINDOW_START
    assert [p.post_id for p in page.posts] == ["1858990011223344556"]
    assert page.cursor == "1858990011223344556@2026-11-21T20:17:33Z"
    assert (page.read, page.skipped) == (1, {})


def test_a_quiet_query_does_not_keep_failing_on_an_old_since_id(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 400, JSON, fixture_bytes("x_error_400_since_id.json"))
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_empty.json"))

    quiet = connector(replay, hash_key).fetch(since="1858000000000000001", limit=50)

    assert quiet.posts == []
    # the cursor moves on: its id is known to be older than the window that was searched
    assert quiet.cursor == "1858000000000000001@" + WINDOW_START
    later = connector(replay, hash_key, now=NOW + timedelta(hours=1)).fetch(since=quiet.cursor, limit=50)
    assert later.cursor == quiet.cursor
    assert len(replay.requests) == 3  # the next run goes straight to start_time: no second refusal
    assert replay.requests[-1].param("since_id") is None
    assert replay.requests[-1].param("start_time") == "2026-11-15T07:10:00Z"


def test_another_400_is_not_retried(replay: Any, hash_key: str) -> None:
    body = {
        "errors": [{"parameters": {"query": ["(("]}, "message": "There were errors processing your request"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    replay.add(SEARCH_PATH, 400, JSON, as_json(body))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=NEWEST, limit=10)

    assert caught.value.status == 400
    assert len(replay.requests) == 1


def test_the_cursor_never_moves_backwards(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)
    ahead = "1859999999999999999@2026-11-22T05:00:00Z"  # newer than anything the platform has

    page = connector(replay, hash_key).fetch(since=ahead, limit=50)

    assert page.posts == []
    assert page.skipped == {"already_read": 3} and page.read == 3
    assert page.cursor == ahead


def test_the_cursor_never_moves_past_an_item_not_given(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    first = json.loads(fixture_bytes("x_search_page1.json"))
    first["meta"]["newest_id"] = "1859999999999999999"  # claimed, but not in data
    del first["meta"]["next_token"]
    replay.add(SEARCH_PATH, 200, JSON, as_json(first))

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert page.cursor == NEWEST


def test_an_unreadable_cursor_reads_the_whole_window(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="kemarin", limit=50)

    assert replay.requests[0].param("since_id") is None
    assert len(page.posts) == 3 and page.cursor == NEWEST


# --- limits -----------------------------------------------------------------------------------------------


def test_limit_respected(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=2)

    assert [p.post_id for p in page.posts] == ["1859012345678901250", "1859009876543210240"]
    assert len(replay.requests) == 1  # the limit was reached on the first page: no second request
    assert replay.requests[0].param("max_results") == "10"  # the API's minimum
    assert (page.read, page.skipped) == (2, {})


def test_limit_cuts_inside_a_page(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=1)

    assert len(page.posts) == 1
    assert page.cursor == NEWEST
    assert (page.read, page.skipped) == (2, {"over_limit": 1})


def test_a_zero_limit_asks_nothing(replay: Any, hash_key: str) -> None:
    page = connector(replay, hash_key).fetch(since=NEWEST, limit=0)

    assert (page.posts, page.cursor, page.read, page.skipped) == ([], NEWEST, 0, {})
    assert replay.requests == []


def test_a_page_of_ten_thousand_items(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    template = json.loads(fixture_bytes("x_search_page1.json"))
    item = template["data"][0]
    newest = 1859100000000000000
    template["data"] = [{**item, "id": str(newest - n)} for n in range(10_000)]
    template["meta"] = {"newest_id": str(newest), "oldest_id": str(newest - 9_999), "result_count": 10_000}
    replay.add(SEARCH_PATH, 200, JSON, as_json(template))

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert len(page.posts) == 50 and len({p.post_id for p in page.posts}) == 50
    assert (page.read, page.skipped) == (10_000, {"over_limit": 9_950})
    assert page.cursor == f"{newest}@2026-11-21T23:41:07Z"
    assert len(replay.requests) == 1


# --- bad items and bad pages ------------------------------------------------------------------------------


def test_bad_items_are_skipped_by_reason_and_the_page_goes_on(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_search_bad_items.json"))

    page = connector(replay, hash_key).fetch(since=NEWEST, limit=10)

    (post,) = page.posts
    assert post.post_id == "1859066000000000005"
    assert post.text == "Pasar Induk Sangatta becek & sampah menumpuk sejak Jumat."
    assert page.read == 8
    assert page.skipped == {
        "malformed": 3,  # not an object, no id, an unreadable time
        "other_script": 1,  # Arabic script
        "no_text": 1,  # a link alone (a photo without a caption)
        "already_read": 2,  # the same post twice, and the cursor's own post
    }
    # the newest item handled (skipped for its unreadable time); never the string the platform called newest
    assert page.cursor == "1859069000000000002@2026-11-22T06:00:00Z"


def test_odd_field_shapes_in_one_item_never_fail_the_page(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    page = json.loads(fixture_bytes("x_search_page1.json"))
    del page["meta"]["next_token"]
    good, other = page["data"]
    odd = [
        {**good, "referenced_tweets": 5, "note_tweet": "teks", "public_metrics": [1, 2]},
        {**other, "created_at": "9999-12-31T23:59:59-05:00"},  # past what a UTC datetime holds
        {**other, "id": "1859009876543210241", "text": 42, "note_tweet": {"text": ["x"]}},
    ]
    page["data"] = odd
    replay.add(SEARCH_PATH, 200, JSON, as_json(page))

    result = connector(replay, hash_key).fetch(since=None, limit=10)

    (post,) = result.posts
    assert post.post_id == good["id"] and post.engagement == {} and post.in_reply_to is None
    assert result.skipped == {"malformed": 1, "no_text": 1}


def test_malformed_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 200, JSON, b'{"data": [{"id": "1", "text": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_html_instead_of_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    html = b"<!DOCTYPE html><html><head><title>X</title></head><body>Something went wrong</body></html>"
    replay.add(SEARCH_PATH, 200, {"Content-Type": "text/html; charset=utf-8"}, html)

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


def test_a_problem_answered_with_200_raises_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 200, JSON, fixture_bytes("x_error_429_usage_capped.json"))

    with pytest.raises(BadResponse, match="UsageCapExceeded"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("x_search_page1.json")
    replay.add(SEARCH_PATH, 200, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=len(body) // 2)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


# --- errors: rate limits, usage cap, refusals -------------------------------------------------------------


def test_the_15_minute_window_retries_at_its_reset(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
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
    assert "15-minute" in str(caught.value)


def test_429_with_retry_after_seconds(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 429, {"Retry-After": "120"}, b"")
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    waited = (caught.value.retry_at - before).total_seconds()
    assert 119 <= waited <= 125


@pytest.mark.parametrize("scope", ["app", "user"])
def test_a_24_hour_limit_retries_at_its_reset(
    replay: Any, fixture_bytes: Any, hash_key: str, scope: str
) -> None:
    window_reset = int((NOW + timedelta(minutes=9)).timestamp())
    day_reset = int((NOW + timedelta(hours=17)).timestamp())
    headers = {
        **JSON,
        "x-rate-limit-limit": "60",
        "x-rate-limit-remaining": "41",
        "x-rate-limit-reset": str(window_reset),
        f"x-{scope}-limit-24hour-limit": "17",
        f"x-{scope}-limit-24hour-remaining": "0",
        f"x-{scope}-limit-24hour-reset": str(day_reset),
    }
    replay.add(SEARCH_PATH, 429, headers, fixture_bytes("x_error_429.json"))

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.retry_at == datetime.fromtimestamp(day_reset, tz=UTC)
    assert "24-hour" in str(caught.value)


def test_a_24_hour_limit_without_its_reset_waits_a_day(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    headers = {**JSON, "x-app-limit-24hour-limit": "17", "x-app-limit-24hour-remaining": "0"}
    replay.add(SEARCH_PATH, 429, headers, fixture_bytes("x_error_429.json"))

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.retry_at == NOW + timedelta(hours=24)
    assert "24-hour" in str(caught.value)


@pytest.mark.parametrize("period", ["Monthly", "Daily"])
def test_the_usage_cap_waits_a_day_not_the_15_minute_window(
    replay: Any, fixture_bytes: Any, hash_key: str, period: str
) -> None:
    capped = json.loads(fixture_bytes("x_error_429_usage_capped.json"))
    capped["period"] = period
    headers = {  # the cap answers 429 while the request window still has room
        **JSON,
        "x-rate-limit-limit": "60",
        "x-rate-limit-remaining": "59",
        "x-rate-limit-reset": str(int((NOW + timedelta(minutes=15)).timestamp())),
    }
    replay.add(SEARCH_PATH, 429, headers, as_json(capped))

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.retry_at == NOW + timedelta(hours=24)
    assert caught.value.status == 429
    message = str(caught.value)
    assert f"{period.lower()} usage cap" in message and "UsageCapExceeded" in message


def test_401_raises_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 401, JSON, fixture_bytes("x_error_401.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 401
    assert "bearer token" in str(caught.value) and "Unauthorized" in str(caught.value)


def test_403_client_not_enrolled_says_what_an_operator_must_do(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(SEARCH_PATH, 403, JSON, fixture_bytes("x_error_403_client_not_enrolled.json"))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError and caught.value.status == 403
    message = str(caught.value)
    assert "Client Forbidden" in message
    assert "not enrolled" in message and "Project" in message  # what to fix; retrying will not help


def test_server_error_is_a_connector_error_with_status(replay: Any, hash_key: str) -> None:
    replay.add(SEARCH_PATH, 503, {"Content-Type": "text/plain"}, b"Service Unavailable")

    with pytest.raises(Exception) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value).__name__ == "ConnectorError"
    assert getattr(caught.value, "status", None) == 503
    assert "503" in str(caught.value)


# --- HTTP and configuration -------------------------------------------------------------------------------


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
