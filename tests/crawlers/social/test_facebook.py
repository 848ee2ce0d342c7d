"""The Facebook Page connector against the local replay server (never the internet), fed the Graph API's
documented answers (fixtures/REFERENCES-facebook.md)."""

from __future__ import annotations

import json
import random
import string
import traceback
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.settings import Settings
from crawlers.social.base import (
    AuthExpired,
    BadResponse,
    ConnectorError,
    NotConfigured,
    Page,
    RateLimited,
)
from crawlers.social.facebook import (
    COMMENT_FIELDS,
    DEFAULT_GRAPH_VERSION,
    POST_FIELDS,
    FacebookPage,
    graph_retry_at,
)
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
# A Page access token as Meta issues them (EAA..., about 200 letters and digits); never a real one.
TOKEN = "EAAGm0PX4ZCpsBOZBk7" + "".join(
    random.Random(190).choices(string.ascii_letters + string.digits, k=170)
)
PAGE = "104857362519283"
VERSION = "/v27.0"
POSTS = f"{VERSION}/{PAGE}/posts"
P3, P2, P1 = (f"{PAGE}_{n}" for n in ("8812345003", "8812345002", "8812345001"))
C3, C2, C1 = (f"{VERSION}/{p}/comments" for p in (P3, P2, P1))
NAMES = ["siti aminah", "darto tlk lingga", "rina kutim"]
USER_IDS = ["7712345000111", "7712345000222", "7712345000333"]
P3_TIME = int(datetime(2026, 11, 21, 9, 15, 42, tzinfo=UTC).timestamp())
P2_TIME = int(datetime(2026, 11, 20, 3, 0, 10, tzinfo=UTC).timestamp())
P1_TIME = int(datetime(2026, 11, 18, 1, 30, tzinfo=UTC).timestamp())
BEFORE_P1 = str(P1_TIME - 3600)
SUBCODES = {
    "facebook_error_190_458.json": "458 (app not installed)",
    "facebook_error_190_460.json": "460 (password changed)",
    "facebook_error_190_463.json": "463 (expired)",
    "facebook_error_190_467.json": "467 (invalid access token)",
    "facebook_error_190_malformed.json": "without subcode",
}


def connector(replay: Any, hash_key: str, token: str | None = TOKEN, **kwargs: Any) -> FacebookPage:
    return FacebookPage(PAGE, token, hash_key, base_url=replay.base_url, **kwargs)


def body(fixture_bytes: Any, name: str, token: str = TOKEN) -> bytes:
    """A fixture with the test's token where Graph puts one (paging.next URLs, echoed error messages)."""
    return bytes(fixture_bytes(name)).replace(b"__TOKEN__", token.encode())


def script_all(replay: Any, fixture_bytes: Any) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_page1.json"))
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_page2.json"))
    replay.add(C3, 200, JSON, body(fixture_bytes, "facebook_comments_8812345003.json"))
    replay.add(C3, 200, JSON, body(fixture_bytes, "facebook_comments_8812345003_page2.json"))
    replay.add(C2, 200, JSON, body(fixture_bytes, "facebook_comments_8812345002.json"))
    replay.add(C1, 200, JSON, body(fixture_bytes, "facebook_comments_8812345001.json"))


def post(
    item_id: str, when: int, message: str | None = "Jalan di Desa Sepaso berlubang lagi", **extra: Any
) -> Any:
    """One post of a Page feed answer, in the documented shape."""
    item: dict[str, Any] = {
        "created_time": datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "id": item_id,
        "comments": {"data": [], "summary": {"order": "ranked", "total_count": 0, "can_comment": True}},
    }
    if message is not None:
        item["message"] = message
    return {**item, **extra}


def feed(*items: Any, next_url: str | None = None) -> str:
    paging: dict[str, Any] = {"cursors": {"before": "QVFIUmJlZm9yZQ", "after": "QVFIUmFmdGVy"}}
    if next_url:
        paging["next"] = next_url
    return json.dumps({"data": list(items), "paging": paging})


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


def test_reads_new_posts_and_their_comments_following_paging_next(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert [p.post_id for p in page.posts] == [
        "8812345003_99004",
        "8812345003_99003",
        "8812345003_99002",
        "8812345003_99001",
        P3,
        "8812345002_97001",
        "8812345001_98001",
        P1,
    ]
    assert page.cursor == str(P3_TIME)
    assert [r.path for r in replay.requests] == [POSTS, POSTS, C1, C2, C3, C3]
    first, second = replay.requests[:2]
    assert first.param("fields") == POST_FIELDS
    assert first.param("limit") == "25"
    assert first.param("since") == BEFORE_P1
    assert second.param("after") == "QVFIUkt1dGltQWZ0ZXIx"
    for comments in replay.requests[2:5]:
        assert comments.param("fields") == COMMENT_FIELDS
        assert comments.param("filter") == "stream"
        assert comments.param("order") == "reverse_chronological"
    assert replay.requests[5].param("after") == "WTI5dGJXVnVkRG81T1RBd01nPT0ZD"
    assert all(r.param("access_token") == TOKEN for r in replay.requests)


def test_maps_posts_and_comments(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = {p.post_id: p for p in connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50).posts}

    top = posts[P3]
    assert top.platform == "facebook"
    assert top.permalink == f"https://www.facebook.com/{PAGE}/posts/pfbid0Ktm8812345003"
    assert top.author_hash == hash_handle("facebook", f"id:{PAGE}", hash_key)
    assert top.posted_at == datetime(2026, 11, 21, 9, 15, 42, tzinfo=UTC)
    assert top.engagement == {"reactions": 152, "comments": 3, "shares": 7}
    assert top.in_reply_to is None
    assert top.text.startswith("PENGUMUMAN: Perbaikan jalan poros")
    comment = posts["8812345003_99003"]
    assert comment.in_reply_to == P3
    assert comment.author_hash == hash_handle("facebook", "id:7712345000111", hash_key)
    assert comment.engagement == {"likes": 12, "replies": 0}
    assert comment.permalink.endswith("?comment_id=99003")
    assert comment.posted_at == datetime(2026, 11, 21, 11, 2, 18, tzinfo=UTC)
    assert posts["8812345003_99002"].author_hash == hash_handle("facebook", "unknown", hash_key)  # no from
    assert posts["8812345003_99001"].engagement == {"likes": 0, "replies": 1}


def test_a_reply_read_with_filter_stream_keeps_its_real_parent(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    posts = {p.post_id: p for p in connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50).posts}

    assert "parent" in COMMENT_FIELDS.split(",")[-1]
    assert posts["8812345003_99004"].in_reply_to == "8812345003_99001"  # a reply to a comment
    assert posts["8812345003_99001"].in_reply_to == P3  # top-level: the post
    assert posts["8812345001_98001"].in_reply_to == P1


def test_a_photo_post_without_message_is_skipped_as_no_text_but_its_comments_are_read(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    ids = {p.post_id for p in page.posts}
    assert P2 not in ids
    assert all(p.text.strip() for p in page.posts)
    assert page.skipped == {"no_text": 1}
    assert "8812345002_97001" in ids
    assert {p.in_reply_to for p in page.posts if p.post_id == "8812345002_97001"} == {P2}


def test_the_page_counts_every_item_it_read(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert page.read == 3 + 6  # three posts, six comments
    assert accounted(page)


def test_a_first_run_reads_the_newest_page_only(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [r.path for r in replay.requests] == [POSTS, C2, C3, C3]
    assert replay.requests[0].param("since") is None
    assert {p.post_id for p in page.posts if p.in_reply_to is None} == {P3}
    assert page.cursor == str(P3_TIME)


def test_names_and_user_ids_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50).posts

    for item in posts:
        flat = repr({k: v for k, v in asdict(item).items() if k not in {"text", "permalink"}}).lower()
        for secret in NAMES + USER_IDS:
            assert secret not in flat
        assert len(item.author_hash) == 64


def test_passes_since_and_keeps_it_when_nothing_new(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_empty.json"))

    page = connector(replay, hash_key).fetch(since=str(P3_TIME), limit=20)

    assert page == Page(posts=[], cursor=str(P3_TIME), read=0, skipped={})
    assert replay.requests[0].param("since") == str(P3_TIME)


# -- the cursor


def test_posts_at_or_before_the_cursor_are_already_read_and_paging_stops(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)  # a server that ignores since: the connector filters too

    page = connector(replay, hash_key).fetch(since=str(P2_TIME), limit=50)

    assert {p.post_id for p in page.posts if p.in_reply_to is None} == {P3}
    assert page.skipped == {"already_read": 1}  # P2, at the cursor
    assert page.cursor == str(P3_TIME)
    assert [r.path for r in replay.requests] == [POSTS, C3, C3]  # page 1 reached the cursor: no page 2


def test_a_cursor_newer_than_anything_the_platform_has_stays(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_page1.json"))
    future = str(int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()))

    page = connector(replay, hash_key).fetch(since=future, limit=50)

    assert page.posts == []
    assert page.cursor == future  # never backwards
    assert page.skipped == {"already_read": 2}
    assert page.read == 2


def test_an_unreadable_cursor_is_read_as_a_first_run(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since="2026-11-21T09:15:42+00:00", limit=50)

    assert replay.requests[0].param("since") is None
    assert page.cursor == str(P3_TIME)


def test_the_limit_keeps_the_oldest_new_posts_and_the_cursor_waits_for_the_rest(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)
    source = connector(replay, hash_key)

    first = source.fetch(since=BEFORE_P1, limit=3)

    assert {p.post_id for p in first.posts} == {P1, "8812345001_98001", "8812345002_97001"}
    assert first.cursor == str(P2_TIME)  # P3 and its comments are not read yet: the cursor stays before them
    assert first.skipped == {"no_text": 1, "over_limit": 1}  # P2 (a photo), P3 (not fetched: limit reached)
    assert accounted(first)
    replay.requests.clear()
    replay.script.clear()
    script_all(replay, fixture_bytes)

    second = source.fetch(since=first.cursor, limit=50)

    assert {p.post_id for p in second.posts} == {
        P3,
        "8812345003_99004",
        "8812345003_99003",
        "8812345003_99002",
        "8812345003_99001",
    }
    assert not {p.post_id for p in first.posts} & {p.post_id for p in second.posts}
    assert second.cursor == str(P3_TIME)


def test_a_post_whose_comments_do_not_fit_waits_for_the_next_run(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=5)

    assert {p.post_id for p in page.posts} == {P1, "8812345001_98001", "8812345002_97001"}
    assert page.cursor == str(P2_TIME)
    assert page.skipped == {"no_text": 1, "over_limit": 5}  # P3 and the four comments read for it
    assert accounted(page)


def test_a_page_of_10000_posts(replay: Any, hash_key: str) -> None:
    start = P1_TIME
    items = [post(f"{PAGE}_{9000000 + n}", start + n * 60) for n in reversed(range(10_000))]
    replay.add(POSTS, 200, JSON, feed(*items))

    page = connector(replay, hash_key).fetch(since=str(start - 1), limit=200)

    assert len(page.posts) == 200
    assert [p.post_id for p in page.posts][-1] == f"{PAGE}_9000000"  # the oldest ones
    assert page.cursor == str(start + 199 * 60)
    assert page.read == 10_000
    assert page.skipped == {"over_limit": 9_800}
    assert len({p.post_id for p in page.posts}) == 200


def test_bad_items_are_skipped_and_the_rest_read(replay: Any, hash_key: str) -> None:
    good = post(f"{PAGE}_1", P3_TIME, "Air PDAM keruh lagi di Sangatta Selatan")
    replay.add(
        POSTS,
        200,
        JSON,
        feed(
            good,
            "not an object",
            {"message": "tanpa id", "created_time": "2026-11-21T09:00:00+0000"},
            {"id": f"{PAGE}_2", "message": "tanpa waktu"},
            {"id": f"{PAGE}_3", "message": "waktu rusak", "created_time": "kemarin sore"},
            good,  # the same post twice
        ),
    )

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert [p.post_id for p in page.posts] == [f"{PAGE}_1"]
    assert page.skipped == {"malformed": 4, "already_read": 1}
    assert page.read == 6


def test_a_comment_without_id_is_malformed_and_the_others_read(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, feed(post(P3, P3_TIME, comments={"summary": {"total_count": 2}})))
    comments = {
        "data": [
            {"created_time": "2026-11-21T10:00:00+0000", "message": "Jalan rusak parah"},
            {"created_time": "2026-11-21T10:01:00+0000", "message": "Setuju", "id": "8812345003_5"},
            {"created_time": "2026-11-21T10:02:00+0000", "id": "8812345003_6"},  # a sticker: no message
        ]
    }
    replay.add(C3, 200, JSON, json.dumps(comments))

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert {p.post_id for p in page.posts} == {P3, "8812345003_5"}
    assert page.skipped == {"malformed": 1, "no_text": 1}


def test_text_in_another_script_is_skipped(replay: Any, hash_key: str) -> None:
    replay.add(
        POSTS,
        200,
        JSON,
        feed(
            post(f"{PAGE}_1", P3_TIME, "道路损坏严重,请尽快修复"),
            post(f"{PAGE}_2", P3_TIME - 60, "الطريق مكسور منذ شهر"),
            post(f"{PAGE}_3", P3_TIME - 120, "Jalan rusak 🙏 mohon diperbaiki"),
        ),
    )

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert [p.post_id for p in page.posts] == [f"{PAGE}_3"]
    assert page.skipped == {"other_script": 2}


def test_paging_next_to_another_host_is_not_followed(replay: Any, hash_key: str) -> None:
    evil = f"https://evil.example{POSTS}?access_token={TOKEN}&after=x"
    replay.add(POSTS, 200, JSON, feed(post(P3, P3_TIME), next_url=evil))

    with pytest.raises(BadResponse, match="another host") as caught:
        connector(replay, hash_key).fetch(since=BEFORE_P1, limit=10)

    assert len(replay.requests) == 1
    assert leaks(caught.value, TOKEN) == []


def test_a_time_far_ahead_is_malformed_and_does_not_carry_the_cursor(replay: Any, hash_key: str) -> None:
    replay.add(
        POSTS,
        200,
        JSON,
        feed(
            post(f"{PAGE}_9", int(datetime(2099, 1, 1, tzinfo=UTC).timestamp()), "Tanggal rusak dari server"),
            post(f"{PAGE}_1", P3_TIME, "Air PDAM keruh lagi di Sangatta Selatan"),
        ),
    )

    page = connector(replay, hash_key).fetch(since=BEFORE_P1, limit=50)

    assert [p.post_id for p in page.posts] == [f"{PAGE}_1"]
    assert page.skipped == {"malformed": 1}
    assert page.cursor == str(P3_TIME)


@pytest.mark.parametrize(
    "next_url", ["http://[kutim/posts?after=x", "__BASE_URL__/v27.0/1/posts?after=a b\r\nX: y"]
)
def test_a_paging_next_that_is_not_a_url_is_a_bad_response(replay: Any, hash_key: str, next_url: str) -> None:
    replay.add(POSTS, 200, JSON, feed(post(P3, P3_TIME), next_url=next_url))

    with pytest.raises(BadResponse):
        connector(replay, hash_key).fetch(since=BEFORE_P1, limit=10)


def test_json_nested_too_deep_is_a_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, b"[" * 100_000 + b"]" * 100_000)

    with pytest.raises(BadResponse):
        connector(replay, hash_key).fetch(since=None, limit=10)


# -- Graph errors


def test_the_error_object_is_read_whatever_its_length(replay: Any, hash_key: str) -> None:
    message = "Malformed access token " + TOKEN + " " + "x" * 3000
    error = {
        "error": {"message": message, "type": "OAuthException", "code": 190, "fbtrace_id": "AaKtmLongQz"}
    }
    replay.add(POSTS, 400, JSON, json.dumps(error))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert "190" in str(caught.value)
    assert "AaKtmLongQz" in str(caught.value)
    assert leaks(caught.value, TOKEN) == []


@pytest.mark.parametrize("fixture", sorted(SUBCODES))
def test_code_190_with_any_subcode_is_auth_expired_and_says_which(
    replay: Any, fixture_bytes: Any, hash_key: str, fixture: str
) -> None:
    replay.add(POSTS, 400, JSON, body(fixture_bytes, fixture))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 400
    assert SUBCODES[fixture] in str(caught.value)
    assert leaks(caught.value, TOKEN) == []


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 401, JSON, b'{"error": {"message": "Unauthorized", "type": "OAuthException"}}')

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize(
    "fixture",
    [
        "facebook_error_4.json",
        "facebook_error_17.json",
        "facebook_error_32.json",
        "facebook_error_613.json",
        "facebook_error_80001.json",
    ],
)
def test_rate_limit_codes_are_rate_limited_for_the_hour_without_usage_headers(
    replay: Any, fixture_bytes: Any, hash_key: str, fixture: str
) -> None:
    replay.add(POSTS, 403, JSON, body(fixture_bytes, fixture))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=59) <= caught.value.retry_at - before <= timedelta(minutes=61)
    assert caught.value.status == 403


def test_business_use_case_usage_says_when_access_is_regained(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    usage = {
        PAGE: [
            {"type": "pages", "call_count": 100, "total_cputime": 30, "total_time": 40,
             "estimated_time_to_regain_access": 17},
        ],
        "1893456702214478": [{"type": "pages", "call_count": 12, "estimated_time_to_regain_access": 0}],
    }  # fmt: skip
    headers = {**JSON, "X-Business-Use-Case-Usage": json.dumps(usage)}
    replay.add(POSTS, 400, headers, body(fixture_bytes, "facebook_error_80001.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=16) <= caught.value.retry_at - before <= timedelta(minutes=18)
    assert "X-Business-Use-Case-Usage" in str(caught.value)


def test_app_usage_is_reported_and_waits_out_its_hour(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    headers = {**JSON, "X-App-Usage": '{"call_count":100,"total_cputime":12,"total_time":15}'}
    replay.add(POSTS, 400, headers, body(fixture_bytes, "facebook_error_4.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=59) <= caught.value.retry_at - before <= timedelta(minutes=61)
    assert "call_count 100%" in str(caught.value)


def test_ad_account_usage_reset_time_is_honoured(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    usage = '{"acc_id_util_pct": 100, "reset_time_duration": 300, "ads_api_access_tier": "standard_access"}'
    replay.add(
        POSTS, 400, {**JSON, "X-Ad-Account-Usage": usage}, body(fixture_bytes, "facebook_error_17.json")
    )
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert timedelta(minutes=4) <= caught.value.retry_at - before <= timedelta(minutes=6)


def test_http_429_honours_retry_after(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 429, {"Retry-After": "90"}, b"")
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429
    assert timedelta(seconds=85) <= caught.value.retry_at - before <= timedelta(seconds=95)


def test_rate_limit_on_the_comments_request(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_page2.json"))
    replay.add(C1, 403, JSON, body(fixture_bytes, "facebook_error_4.json"))

    with pytest.raises(RateLimited):
        connector(replay, hash_key).fetch(since=BEFORE_P1, limit=10)


def test_other_graph_error_stays_a_connector_error(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 400, JSON, body(fixture_bytes, "facebook_error_10.json"))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError
    assert caught.value.status == 400
    assert "pages_read_engagement" in str(caught.value)
    assert "code 10" in str(caught.value)


def test_graph_retry_at_without_a_usable_header_is_an_hour() -> None:
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    assert graph_retry_at({}, now) == now + timedelta(hours=1)
    assert graph_retry_at({"x-business-use-case-usage": "not json"}, now) == now + timedelta(hours=1)
    zero = '{"1":[{"type":"pages","estimated_time_to_regain_access":0}]}'
    assert graph_retry_at({"x-business-use-case-usage": zero}, now) == now + timedelta(hours=1)
    assert graph_retry_at({"x-business-use-case-usage": '{"1": "pages"}'}, now) == now + timedelta(hours=1)
    longest = '{"1":[{"estimated_time_to_regain_access":5}],"2":[{"estimated_time_to_regain_access":9}]}'
    assert graph_retry_at({"x-business-use-case-usage": longest}, now) == now + timedelta(minutes=9)


# -- bad answers


def test_a_200_answer_with_an_error_body_is_that_error(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_error_190_463.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 200


def test_truncated_json_is_a_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, b'{"data": [{"id": "104857362519283_1", "message": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON") as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert leaks(caught.value, TOKEN) == []


def test_a_body_shorter_than_its_length_is_a_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    page = body(fixture_bytes, "facebook_posts_page1.json")
    replay.add(POSTS, 200, {**JSON, "Content-Length": str(len(page))}, page, truncate_to=len(page) // 2)

    with pytest.raises(BadResponse, match="truncated") as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert leaks(caught.value, TOKEN) == []


def test_html_where_json_was_expected_is_a_bad_response(replay: Any, hash_key: str) -> None:
    html = b"<!DOCTYPE html><html><head><title>Facebook</title></head><body>Masuk ke Facebook</body></html>"
    replay.add(POSTS, 200, {"Content-Type": "text/html; charset=utf-8"}, html)

    with pytest.raises(BadResponse, match="HTML"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_an_html_error_page_is_a_connector_error_with_its_status(replay: Any, hash_key: str) -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    replay.add(POSTS, 502, {"Content-Type": "text/html"}, html)

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 502


@pytest.mark.parametrize(
    "answer",
    [b'{"data": {"id": "104857362519283_1"}}', b'{"paging": {}}', b"[]", b'{"data": [], "error": 7}'],
)
def test_an_answer_of_the_wrong_shape_is_a_bad_response(replay: Any, hash_key: str, answer: bytes) -> None:
    replay.add(POSTS, 200, JSON, answer)

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert isinstance(caught.value, BadResponse) or caught.value.status == 200


# -- tokens


@pytest.mark.parametrize(
    "token",
    [
        TOKEN,
        "1893456702214478|" + "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=27)),
        "kutim-token_2026",  # a shape no pattern knows: the token itself is taken out
    ],
)
def test_a_token_echoed_in_an_error_body_never_surfaces(
    replay: Any, fixture_bytes: Any, hash_key: str, token: str
) -> None:
    source = connector(replay, hash_key, token=token)
    replay.add(POSTS, 400, JSON, body(fixture_bytes, "facebook_error_190_malformed.json", token))

    with pytest.raises(AuthExpired) as caught:
        source.fetch(since=None, limit=10)

    assert "Malformed access token REDACTED" in str(caught.value)
    assert leaks(caught.value, token) == []
    assert token not in repr(source)


def test_a_token_in_paging_next_never_surfaces_when_that_page_fails(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(POSTS, 200, JSON, body(fixture_bytes, "facebook_posts_page1.json"))
    replay.add(POSTS, 500, {"Content-Type": "text/plain"}, f"internal error for token {TOKEN}")

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=BEFORE_P1, limit=10)

    assert replay.requests[1].param("access_token") == TOKEN  # the token came from paging.next
    assert caught.value.status == 500
    assert leaks(caught.value, TOKEN) == []


def test_an_unreachable_host_never_surfaces_the_token(hash_key: str) -> None:
    source = FacebookPage(PAGE, TOKEN, hash_key, base_url="http://127.0.0.1:9", timeout=2)

    with pytest.raises(ConnectorError) as caught:
        source.fetch(since=None, limit=10)

    assert leaks(caught.value, TOKEN) == []


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_not_configured_without_a_request(
    replay: Any, hash_key: str, token: str | None
) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, token=token).fetch(since=None, limit=10)

    assert replay.requests == []


# -- the Graph API version


def test_the_graph_api_version_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANTAU_GRAPH_API_VERSION", raising=False)
    assert Settings().graph_api_version == DEFAULT_GRAPH_VERSION == VERSION.lstrip("/")
    monkeypatch.setenv("PANTAU_GRAPH_API_VERSION", "v26.0")
    assert Settings().graph_api_version == "v26.0"
    monkeypatch.setenv("PANTAU_GRAPH_API_VERSION", "19.0")
    with pytest.raises(ValueError, match="graph_api_version"):
        Settings()


def test_the_connector_asks_the_configured_version(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(f"/v26.0/{PAGE}/posts", 200, JSON, body(fixture_bytes, "facebook_posts_empty.json"))

    connector(replay, hash_key, graph_version="v26.0").fetch(since=None, limit=10)

    assert [r.path for r in replay.requests] == [f"/v26.0/{PAGE}/posts"]
    with pytest.raises(ValueError, match="Graph API version"):
        connector(replay, hash_key, graph_version="latest")
