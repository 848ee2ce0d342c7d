"""The Facebook page connector against the local replay server (never the internet)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social.base import AuthExpired, BadResponse, ConnectorError, NotConfigured, RateLimited
from crawlers.social.facebook import COMMENT_FIELDS, POST_FIELDS, FacebookPage, graph_retry_at
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
TOKEN = "EAAtesttoken"
PAGE = "104857362519283"
POSTS = f"/v19.0/{PAGE}/posts"
P3, P2, P1 = (f"{PAGE}_{n}" for n in ("8812345003", "8812345002", "8812345001"))
NAMES = ["siti aminah", "darto tlk lingga", "rina kutim"]
USER_IDS = ["7712345000111", "7712345000222", "7712345000333"]
P3_TIME = int(datetime(2026, 11, 21, 9, 15, 42, tzinfo=UTC).timestamp())


def connector(replay: Any, hash_key: str, token: str | None = TOKEN) -> FacebookPage:
    return FacebookPage(PAGE, token, hash_key, base_url=replay.base_url)


def script_all(replay: Any, fixture_bytes: Any) -> None:
    replay.add(POSTS, 200, JSON, fixture_bytes("facebook_posts_page1.json"))
    replay.add(POSTS, 200, JSON, fixture_bytes("facebook_posts_page2.json"))
    replay.add(f"/v19.0/{P3}/comments", 200, JSON, fixture_bytes("facebook_comments_8812345003.json"))
    replay.add(f"/v19.0/{P1}/comments", 200, JSON, fixture_bytes("facebook_comments_8812345001.json"))


def test_follows_paging_next_and_reads_comments(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=50)

    assert [p.post_id for p in page.posts] == [
        "8812345003_99003",
        "8812345003_99002",
        "8812345003_99001",
        P3,
        P2,
        "8812345001_98001",
        P1,
    ]
    assert page.cursor == str(P3_TIME)
    paths = [r.path for r in replay.requests]
    assert paths == [POSTS, POSTS, f"/v19.0/{P3}/comments", f"/v19.0/{P1}/comments"]  # P2: 0 comments
    first, second = replay.requests[:2]
    assert first.param("fields") == POST_FIELDS
    assert first.param("limit") == "25"
    assert first.param("since") is None
    assert second.param("after") == "QVFIUkt1dGltQWZ0ZXIx"
    for comments in replay.requests[2:]:
        assert comments.param("fields") == COMMENT_FIELDS
        assert comments.param("filter") == "stream"
        assert comments.param("order") == "reverse_chronological"
        assert comments.param("limit") == "50"
    assert all(r.param("access_token") == TOKEN for r in replay.requests)


def test_maps_posts_and_comments(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = {p.post_id: p for p in connector(replay, hash_key).fetch(since=None, limit=50).posts}

    top = posts[P3]
    assert top.platform == "facebook"
    assert top.permalink == f"https://www.facebook.com/{PAGE}/posts/pfbid0Ktm8812345003"
    assert top.author_hash == hash_handle("facebook", f"id:{PAGE}", hash_key)
    assert top.posted_at == datetime(2026, 11, 21, 9, 15, 42, tzinfo=UTC)
    assert top.engagement == {"reactions": 152, "comments": 3, "shares": 7}
    assert top.in_reply_to is None
    assert top.text.startswith("PENGUMUMAN: Perbaikan jalan poros")
    assert posts[P2].text == ""  # a photo without a caption
    assert posts[P2].engagement == {"reactions": 40, "comments": 0}
    comment = posts["8812345003_99003"]
    assert comment.in_reply_to == P3
    assert comment.author_hash == hash_handle("facebook", "id:7712345000111", hash_key)
    assert comment.engagement == {"likes": 12}
    assert comment.permalink.endswith("?comment_id=99003")
    assert comment.posted_at == datetime(2026, 11, 21, 11, 2, 18, tzinfo=UTC)
    assert posts["8812345003_99002"].author_hash == hash_handle("facebook", "unknown", hash_key)  # no from
    assert posts["8812345001_98001"].in_reply_to == P1


def test_names_and_user_ids_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        flat = repr({k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}).lower()
        for secret in NAMES + USER_IDS:
            assert secret not in flat
        assert len(post.author_hash) == 64


def test_passes_since_and_keeps_it_when_nothing_new(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, fixture_bytes("facebook_posts_empty.json"))

    page = connector(replay, hash_key).fetch(since=str(P3_TIME), limit=20)

    assert page.posts == []
    assert page.cursor == str(P3_TIME)
    assert replay.requests[0].param("since") == str(P3_TIME)


def test_since_drops_posts_at_or_before_it_and_stops_paging(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_all(replay, fixture_bytes)  # a server that ignores since: the connector filters too
    since = int(datetime(2026, 11, 20, 3, 0, 10, tzinfo=UTC).timestamp())  # P2's time

    page = connector(replay, hash_key).fetch(since=str(since), limit=50)

    assert {p.post_id for p in page.posts if p.in_reply_to is None} == {P3}
    assert page.cursor == str(P3_TIME)
    assert [r.path for r in replay.requests] == [POSTS, f"/v19.0/{P3}/comments"]


def test_limit_respected(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_all(replay, fixture_bytes)

    page = connector(replay, hash_key).fetch(since=None, limit=2)

    assert len(page.posts) == 2
    assert {p.post_id for p in page.posts} == {P3, "8812345003_99003"}  # the post, then its newest comment
    assert page.cursor == str(P3_TIME)
    assert [r.path for r in replay.requests] == [POSTS, f"/v19.0/{P3}/comments"]


def test_paging_next_to_another_host_is_not_followed(replay: Any, hash_key: str) -> None:
    body = (
        '{"data": [], "paging": {"next": '
        '"https://evil.example/v19.0/104857362519283/posts?access_token=EAAtesttoken&after=x"}}'
    )
    replay.add(POSTS, 200, JSON, body)

    with pytest.raises(BadResponse, match="another host"):
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert len(replay.requests) == 1


def test_code_190_is_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 400, JSON, fixture_bytes("facebook_error_190.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 400
    assert TOKEN not in str(caught.value)  # the URL in the message is redacted


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 401, JSON, b'{"error": {"message": "Unauthorized", "type": "OAuthException"}}')

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_code_4_is_rate_limited_for_an_hour(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    usage = {"x-app-usage": '{"call_count":100,"total_cputime":12,"total_time":15}'}
    replay.add(POSTS, 400, {**JSON, **usage}, fixture_bytes("facebook_error_4.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    waited = caught.value.retry_at - before
    assert timedelta(minutes=59) <= waited <= timedelta(minutes=61)
    assert caught.value.status == 400
    assert TOKEN not in str(caught.value)


def test_code_613_uses_business_use_case_usage(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    usage = {
        "x-business-use-case-usage": (
            '{"104857362519283":[{"type":"pages","call_count":100,"total_cputime":30,'
            '"total_time":40,"estimated_time_to_regain_access":17}]}'
        )
    }
    replay.add(POSTS, 400, {**JSON, **usage}, fixture_bytes("facebook_error_613.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    waited = caught.value.retry_at - before
    assert timedelta(minutes=16) <= waited <= timedelta(minutes=18)


def test_rate_limit_on_the_comments_request(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, fixture_bytes("facebook_posts_page2.json"))
    replay.add(f"/v19.0/{P1}/comments", 403, JSON, fixture_bytes("facebook_error_4.json"))

    with pytest.raises(RateLimited):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_http_429_is_rate_limited(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 429, {"Retry-After": "60"}, b"")

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429


def test_other_graph_error_stays_a_connector_error(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(POSTS, 400, JSON, fixture_bytes("facebook_error_10.json"))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError
    assert caught.value.status == 400
    assert "pages_read_engagement" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_graph_retry_at_without_headers_is_an_hour() -> None:
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    assert graph_retry_at({}, now) == now + timedelta(hours=1)
    assert graph_retry_at({"x-business-use-case-usage": "not json"}, now) == now + timedelta(hours=1)
    zero = '{"1":[{"type":"pages","estimated_time_to_regain_access":0}]}'
    assert graph_retry_at({"x-business-use-case-usage": zero}, now) == now + timedelta(hours=1)


def test_malformed_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, b'{"data": [{"id": "104857362519283_1", "message": "jalan rusak"')

    with pytest.raises(BadResponse, match="invalid JSON") as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert TOKEN not in str(caught.value)


def test_unexpected_shape_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(POSTS, 200, JSON, b'{"data": [{"id": "104857362519283_1", "message": "x"}]}')

    with pytest.raises(BadResponse, match="created_time"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("facebook_posts_page1.json")
    headers = {**JSON, "Content-Length": str(len(body))}
    replay.add(POSTS, 200, headers, body, truncate_to=len(body) // 2)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_not_configured_without_a_request(
    replay: Any, hash_key: str, token: str | None
) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, token=token).fetch(since=None, limit=10)

    assert replay.requests == []
