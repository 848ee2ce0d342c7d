"""The Telegram web-preview connector against the local replay server (never the internet)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crawlers.social.base import ConnectorError, decode_body
from crawlers.social.telegram import TelegramChannel, parse_count, parse_preview
from nlp.privacy import hash_handle

HTML = {"Content-Type": "text/html; charset=utf-8"}
CHANNEL = "infokutim"
PREVIEW = f"/s/{CHANNEL}"


def channel(replay: Any, hash_key: str, name: str = CHANNEL) -> TelegramChannel:
    return TelegramChannel(name, hash_key, base_url=replay.base_url)


def script_channel(replay: Any, fixture_bytes: Any) -> None:
    replay.add(PREVIEW, 200, HTML, fixture_bytes("telegram_infokutim.html"))
    replay.add(f"{PREVIEW}?before=4497", 200, HTML, fixture_bytes("telegram_infokutim_before_4497.html"))
    replay.add(f"{PREVIEW}?before=4490", 200, HTML, fixture_bytes("telegram_infokutim_before_4490.html"))


def test_parses_a_saved_preview_page(fixture_bytes: Any) -> None:
    messages = parse_preview(fixture_bytes("telegram_infokutim.html").decode("utf-8"))

    # 4498 is a photo without a caption: no text, skipped
    assert [m.message_id for m in messages] == [4497, 4499, 4500, 4501]
    by_id = {m.message_id: m for m in messages}
    assert by_id[4499].text == (
        "Lampu jalan padam di simpang Jl. APT Pranoto, Sangatta Utara.\n"
        "Pengendara diminta berhati-hati saat malam hari."
    )
    assert by_id[4501].posted_at == datetime(2026, 11, 21, 1, 15, 2, tzinfo=UTC)  # +07:00 to UTC
    assert by_id[4501].views == 1200
    assert by_id[4499].views == 15300
    assert by_id[4497].views == 987
    assert by_id[4500].reply_to == "infokutim/4497"
    assert "keruh..." not in by_id[4500].text  # the quoted reply is not part of the text


@pytest.mark.parametrize(
    ("shown", "count"),
    [("987", 987), ("1.2K", 1200), ("15.3K", 15300), ("2M", 2_000_000), ("1,5K", 1500), ("n/a", None)],
)
def test_parse_count(shown: str, count: int | None) -> None:
    assert parse_count(shown) == count


def test_fetch_pages_with_before_until_the_start(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = channel(replay, hash_key).fetch(since=None, limit=100)

    ids = [p.post_id for p in page.posts]
    assert ids == [f"infokutim/{n}" for n in (4501, 4500, 4499, 4497, 4496, 4494, 4493, 4492, 4491)]
    assert page.cursor == "4501"
    assert [r.param("before") for r in replay.requests] == [None, "4497", "4490"]
    post = page.posts[0]
    assert post.platform == "telegram"
    assert post.permalink == "https://t.me/infokutim/4501"
    assert post.author_hash == hash_handle("telegram", CHANNEL, hash_key)
    assert CHANNEL not in post.author_hash
    assert post.engagement == {"views": 1200}
    assert page.posts[4].engagement == {"views": 1500}
    assert page.posts[7].engagement == {"views": 2_000_000}


def test_stops_at_since(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = channel(replay, hash_key).fetch(since="4499", limit=100)

    assert [p.post_id for p in page.posts] == ["infokutim/4501", "infokutim/4500"]
    assert page.cursor == "4501"
    assert len(replay.requests) == 1  # 4497 <= since is on the first page: no older page asked for


def test_stops_at_since_on_an_older_page(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = channel(replay, hash_key).fetch(since="4493", limit=100)

    assert [p.post_id for p in page.posts][-2:] == ["infokutim/4496", "infokutim/4494"]
    assert [r.param("before") for r in replay.requests] == [None, "4497"]


def test_nothing_new_keeps_the_cursor(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = channel(replay, hash_key).fetch(since="4501", limit=100)

    assert page.posts == []
    assert page.cursor == "4501"


def test_limit_keeps_the_newest(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = channel(replay, hash_key).fetch(since=None, limit=3)

    assert [p.post_id for p in page.posts] == ["infokutim/4501", "infokutim/4500", "infokutim/4499"]
    assert len(replay.requests) == 1


def test_windows_1252_page_declared_in_content_type(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("telegram_cp1252.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    replay.add(PREVIEW, 200, {"Content-Type": "text/html; charset=windows-1252"}, body)

    page = channel(replay, hash_key).fetch(since=None, limit=10)

    assert page.posts[0].text == (
        "Keluhan warga: “jalan rusak” di Kaubun — perbaikan dijanjikan sejak 2025, "
        "café di ujung jalan pun sepi."
    )
    assert page.posts[0].engagement == {"views": 1200}


def test_decode_body_falls_back_without_a_declared_charset() -> None:
    text = "café — “jalan”"
    assert decode_body(text.encode("cp1252"), None) == text
    assert decode_body(text.encode("utf-8"), None) == text
    assert decode_body("café".encode("latin-1"), "ISO-8859-1") == "café"
    assert decode_body("café".encode("cp1252"), "no-such-charset") == "café"
    assert decode_body(b"\x81\xe9", None) == "\x81é"  # a byte windows-1252 leaves undefined


def test_redirect_to_the_channel_page_means_no_public_preview(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add("/s/privatkutim", 302, {"Location": "__BASE_URL__/privatkutim"}, b"")
    replay.add("/privatkutim", 200, HTML, fixture_bytes("telegram_no_preview.html"))

    with pytest.raises(ConnectorError, match="no public preview"):
        channel(replay, hash_key, "privatkutim").fetch(since=None, limit=10)


def test_page_without_messages_means_no_public_preview(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add("/s/privatkutim", 200, HTML, fixture_bytes("telegram_no_preview.html"))

    with pytest.raises(ConnectorError, match="no public preview"):
        channel(replay, hash_key, "privatkutim").fetch(since=None, limit=10)


def test_http_error_is_a_connector_error(replay: Any, hash_key: str) -> None:
    replay.add(PREVIEW, 500, {"Content-Type": "text/plain"}, b"oops")

    with pytest.raises(ConnectorError) as caught:
        channel(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 500


@pytest.mark.parametrize("name", ["", "ab", "../etc", "s/infokutim", "nama channel"])
def test_rejects_a_bad_channel_name(name: str, hash_key: str) -> None:
    with pytest.raises(ValueError):
        TelegramChannel(name, hash_key)
