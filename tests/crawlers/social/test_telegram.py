"""The Telegram web-preview connector against the local replay server (never the internet).

The fixtures follow the ``t.me/s/CHANNEL`` markup as public scrapers of it read it (see
fixtures/REFERENCES-telegram.md): ``telegram_infokutim*`` is a channel read over three pages (newest first),
``telegram_kinds.html`` holds every kind of message the preview shows, ``telegram_malformed.html`` messages
without what a post needs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from crawlers.social.base import BadResponse, ConnectorError, Page, decode_body
from crawlers.social.telegram import TelegramChannel, parse_count
from nlp.privacy import hash_handle

HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
CHANNEL = "infokutim"
PREVIEW = f"/s/{CHANNEL}"
KINDS = "wargakutim"
PARENT = "Warga Desa Sangatta Selatan mengeluhkan air PDAM keruh dan berbau sejak tiga hari terakhir."
CAPTION = "Foto kiriman warga: tumpukan sampah di tepi Sungai Sangatta belum diangkut sejak Senin."


def channel(replay: Any, hash_key: str, name: str = CHANNEL) -> TelegramChannel:
    return TelegramChannel(name, hash_key, base_url=replay.base_url)


def script_channel(replay: Any, fixture_bytes: Any) -> None:
    replay.add(PREVIEW, 200, HTML, fixture_bytes("telegram_infokutim.html"))
    replay.add(f"{PREVIEW}?before=4497", 200, HTML, fixture_bytes("telegram_infokutim_before_4497.html"))
    replay.add(f"{PREVIEW}?before=4490", 200, HTML, fixture_bytes("telegram_infokutim_before_4490.html"))


def fetch_kinds(replay: Any, fixture_bytes: Any, hash_key: str, since: str | None = None) -> Page:
    replay.add(f"/s/{KINDS}", 200, HTML, fixture_bytes("telegram_kinds.html"))
    return accounted(channel(replay, hash_key, KINDS).fetch(since=since, limit=100))


def accounted(page: Page) -> Page:
    """Every item the platform gave is either a post or skipped for one reason."""
    assert page.read == len(page.posts) + sum(page.skipped.values())
    assert len({p.post_id for p in page.posts}) == len(page.posts)  # no post twice
    return page


def by_id(page: Page) -> dict[str, Any]:
    return {p.post_id.rpartition("/")[2]: p for p in page.posts}


# --- reading a channel over its pages -----------------------------------------------------------------------


def test_fetch_pages_with_before_until_the_start(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since=None, limit=100))

    ids = [p.post_id for p in page.posts]
    assert ids == [f"infokutim/{n}" for n in (4501, 4500, 4499, 4497, 4496, 4494, 4493, 4492, 4491)]
    assert page.cursor == "4501"
    assert [r.param("before") for r in replay.requests] == [None, "4497", "4490"]
    # 4498 is a photo without a caption; 4490 (photo updated) and 1 (channel created) are service messages
    assert page.read == 12
    assert page.skipped == {"no_text": 1, "not_a_post": 2}
    post = page.posts[0]
    assert post.platform == "telegram"
    assert post.permalink == "https://t.me/infokutim/4501"
    assert post.author_hash == hash_handle("telegram", CHANNEL, hash_key)
    assert CHANNEL not in post.author_hash
    assert post.posted_at == datetime(2026, 11, 21, 1, 15, 2, tzinfo=UTC)  # +07:00 to UTC
    assert post.engagement == {"views": 1200}
    assert page.posts[2].engagement == {"views": 15300}
    assert page.posts[3].engagement == {"views": 987}
    assert page.posts[4].engagement == {"views": 1500}
    assert page.posts[7].engagement == {"views": 2_000_000}


def test_a_reply_is_stored_with_its_own_text_not_the_quoted_parent(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_channel(replay, fixture_bytes)

    posts = by_id(accounted(channel(replay, hash_key).fetch(since=None, limit=100)))

    assert posts["4500"].text == (
        "Update: petugas PDAM sudah turun ke Sangatta Selatan, warga diminta melapor bila air masih keruh."
    )
    assert posts["4500"].in_reply_to == "infokutim/4497"
    assert posts["4497"].text == PARENT
    assert posts["4497"].in_reply_to is None


def test_br_keeps_line_breaks(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    posts = by_id(channel(replay, hash_key).fetch(since=None, limit=100))

    assert posts["4499"].text == (
        "Lampu jalan padam di simpang Jl. APT Pranoto, Sangatta Utara.\n"
        "Pengendara diminta berhati-hati saat malam hari."
    )


@pytest.mark.parametrize(
    ("shown", "count"),
    [("987", 987), ("1.2K", 1200), ("15.3K", 15300), ("2M", 2_000_000), ("1,5K", 1500), ("n/a", None)],
)
def test_parse_count(shown: str, count: int | None) -> None:
    assert parse_count(shown) == count


# --- the kinds of message the preview shows -----------------------------------------------------------------


def test_service_messages_are_not_posts(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    page = fetch_kinds(replay, fixture_bytes, hash_key)

    # 1 channel created, 2 channel photo updated, 9 a pinned message
    assert page.skipped["not_a_post"] == 3
    assert not {"1", "2", "9"} & set(by_id(page))
    assert not [p for p in page.posts if "pinned" in p.text or "Channel" in p.text]


def test_media_without_a_caption_has_no_text_and_a_caption_is_a_post(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    page = fetch_kinds(replay, fixture_bytes, hash_key)

    # 3 a photo, 4 a video, 5 a sticker, none with a caption
    assert page.skipped["no_text"] == 3
    assert not {"3", "4", "5"} & set(by_id(page))
    assert by_id(page)["6"].text == CAPTION


def test_a_forwarded_message_is_the_forwarded_text_in_this_channel(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    post = by_id(fetch_kinds(replay, fixture_bytes, hash_key))["7"]

    assert post.text == (
        "Pengangkutan sampah di Kecamatan Sangatta Utara tertunda dua hari karena truk pengangkut rusak."
    )
    assert post.permalink == "https://t.me/wargakutim/7"
    assert post.author_hash == hash_handle("telegram", KINDS, hash_key)
    assert post.in_reply_to is None


def test_block_quotes_keep_their_line_breaks(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    posts = by_id(fetch_kinds(replay, fixture_bytes, hash_key))

    assert posts["8"].text == (
        "Keluhan warga Desa Swarga Bara:\n"
        "Sudah dua minggu jalan depan sekolah berlubang.\n"
        "Anak-anak harus turun dari motor saat lewat.\n"
        "Mohon perhatian Dinas PUPR."
    )
    assert posts["12"].text == (  # an expandable quote
        "Rangkuman laporan pekan ini:\nJalan rusak: 12 laporan\n"
        "Lampu jalan mati: 7 laporan\nAir PDAM keruh: 5 laporan"
    )


def test_a_reply_to_a_photo_keeps_its_parent(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    post = by_id(fetch_kinds(replay, fixture_bytes, hash_key))["10"]

    assert (
        post.text == "Sampah di tepi Sungai Sangatta sudah diangkut pagi ini, terima kasih atas laporannya."
    )
    assert post.in_reply_to == "wargakutim/6"


def test_text_in_another_script_is_skipped(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    page = fetch_kinds(replay, fixture_bytes, hash_key)

    assert page.skipped["other_script"] == 1
    assert "11" not in by_id(page)


def test_every_message_of_a_page_is_counted_once(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    page = fetch_kinds(replay, fixture_bytes, hash_key)

    assert [p.post_id for p in page.posts] == [f"wargakutim/{n}" for n in (12, 10, 8, 7, 6)]
    assert page.read == 12
    assert page.skipped == {"not_a_post": 3, "no_text": 3, "other_script": 1}
    assert page.cursor == "12"
    assert len(replay.requests) == 1  # no link to older messages: the start of the channel


# --- the cursor ---------------------------------------------------------------------------------------------


def test_stops_at_since(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since="4499", limit=100))

    assert [p.post_id for p in page.posts] == ["infokutim/4501", "infokutim/4500"]
    assert page.cursor == "4501"
    assert page.skipped == {"already_read": 3}  # 4497, 4498, 4499
    assert len(replay.requests) == 1  # 4497 <= since is on the first page: no older page asked for


def test_stops_at_since_on_an_older_page(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since="4493", limit=100))

    assert [p.post_id for p in page.posts][-2:] == ["infokutim/4496", "infokutim/4494"]
    assert [r.param("before") for r in replay.requests] == [None, "4497"]
    assert page.skipped == {"already_read": 4, "no_text": 1}  # 4490-4493 read before; 4498 a photo


def test_nothing_new_keeps_the_cursor(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since="4501", limit=100))

    assert page.posts == []
    assert page.cursor == "4501"
    assert page.skipped == {"already_read": 5}


def test_a_cursor_newer_than_the_channel_never_moves_back(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since="9000", limit=100))

    assert page.posts == []
    assert page.cursor == "9000"
    assert page.skipped == {"already_read": 5}
    assert len(replay.requests) == 1


def test_an_older_page_that_repeats_a_newer_one_gives_no_post_twice(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    first = fixture_bytes("telegram_infokutim.html")
    replay.add(PREVIEW, 200, HTML, first)
    replay.add(f"{PREVIEW}?before=4497", 200, HTML, first)  # the platform ignores ?before

    page = accounted(channel(replay, hash_key).fetch(since=None, limit=100))

    assert [p.post_id for p in page.posts] == [f"infokutim/{n}" for n in (4501, 4500, 4499, 4497)]
    assert page.read == 10
    assert page.skipped == {"no_text": 1, "already_read": 5}
    assert page.cursor == "4501"
    assert len(replay.requests) == 2  # no progress: no third page


def test_limit_on_a_first_run_keeps_the_newest(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_channel(replay, fixture_bytes)

    page = accounted(channel(replay, hash_key).fetch(since=None, limit=3))

    assert [p.post_id for p in page.posts] == ["infokutim/4501", "infokutim/4500", "infokutim/4499"]
    assert page.cursor == "4501"
    assert page.skipped == {"over_limit": 2}
    assert len(replay.requests) == 1


def test_limit_after_a_cursor_reads_the_oldest_first_and_the_rest_next_time(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_channel(replay, fixture_bytes)
    connector = channel(replay, hash_key)

    first = accounted(connector.fetch(since="4491", limit=3))
    second = accounted(connector.fetch(since=first.cursor, limit=3))
    third = accounted(connector.fetch(since=second.cursor, limit=3))

    assert [p.post_id for p in first.posts] == [f"infokutim/{n}" for n in (4494, 4493, 4492)]
    assert first.cursor == "4494"  # not past 4496, which was not read
    assert first.skipped == {"already_read": 2, "over_limit": 6}
    assert [p.post_id for p in second.posts] == [f"infokutim/{n}" for n in (4499, 4497, 4496)]
    assert second.cursor == "4499"
    assert [p.post_id for p in third.posts] == ["infokutim/4501", "infokutim/4500"]
    assert third.cursor == "4501"


def test_limit_below_one_reads_nothing(replay: Any, hash_key: str) -> None:
    page = accounted(channel(replay, hash_key).fetch(since="4501", limit=0))

    assert page == Page(posts=[], cursor="4501", read=0, skipped={})
    assert replay.requests == []


# --- bad input ----------------------------------------------------------------------------------------------


def test_messages_without_an_id_or_a_time_are_malformed_and_the_page_goes_on(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(f"/s/{KINDS}", 200, HTML, fixture_bytes("telegram_malformed.html"))

    page = accounted(channel(replay, hash_key, KINDS).fetch(since=None, limit=100))

    assert [p.post_id for p in page.posts] == ["wargakutim/23"]
    assert page.read == 5
    assert page.skipped == {"malformed": 4}  # no data-post, no time, a bad id, a bad time
    assert page.cursor == "23"


@pytest.mark.parametrize("headers", [JSON, HTML], ids=["declared-json", "json-labelled-html"])
def test_json_instead_of_the_preview_is_a_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str, headers: dict[str, str]
) -> None:
    replay.add(PREVIEW, 200, headers, fixture_bytes("telegram_error.json"))  # a 200 with an error body

    with pytest.raises(BadResponse, match=r"JSON.*Too Many Requests: retry after 35"):
        channel(replay, hash_key).fetch(since=None, limit=10)


def test_an_empty_body_is_a_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(PREVIEW, 200, HTML, b"")

    with pytest.raises(BadResponse, match="empty"):
        channel(replay, hash_key).fetch(since=None, limit=10)


def test_a_truncated_page_is_a_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(PREVIEW, 200, HTML, fixture_bytes("telegram_infokutim.html"), truncate_to=4000)

    with pytest.raises(BadResponse, match="truncated"):
        channel(replay, hash_key).fetch(since=None, limit=10)


def test_an_older_page_that_is_not_a_preview_is_a_bad_response(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(PREVIEW, 200, HTML, fixture_bytes("telegram_infokutim.html"))
    replay.add(f"{PREVIEW}?before=4497", 200, HTML, fixture_bytes("telegram_no_preview.html"))

    with pytest.raises(BadResponse, match="before=4497"):
        channel(replay, hash_key).fetch(since="4490", limit=100)


def test_a_page_of_ten_thousand_messages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    page_html = fixture_bytes("telegram_infokutim.html").decode("utf-8")
    wrap = re.search(
        r'( *<div class="tgme_widget_message_wrap js-widget_message_wrap">\s*'
        r'<div [^>]*data-post="infokutim/4497".*?\n {12}</div>\n)',
        page_html,
        re.DOTALL,
    )
    assert wrap is not None
    many = "".join(wrap.group(1).replace("infokutim/4497", f"infokutim/{n}") for n in range(1, 10_001))
    start = page_html.index('<div class="tgme_widget_message_centered')
    end = page_html.rindex("</section>")
    replay.add(PREVIEW, 200, HTML, page_html[:start] + many + page_html[end:])

    page = accounted(channel(replay, hash_key).fetch(since=None, limit=50))

    assert page.read == 10_000
    assert [p.post_id for p in page.posts][:2] == ["infokutim/10000", "infokutim/9999"]
    assert len(page.posts) == 50
    assert page.skipped == {"over_limit": 9_950}
    assert page.cursor == "10000"


def test_windows_1252_page_declared_in_content_type(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("telegram_cp1252.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    replay.add(PREVIEW, 200, {"Content-Type": "text/html; charset=windows-1252"}, body)

    page = accounted(channel(replay, hash_key).fetch(since=None, limit=10))

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


def test_a_page_without_a_message_history_means_no_public_preview(
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


@pytest.mark.parametrize("since", ["kemarin", "infokutim/"])
def test_a_cursor_that_is_not_a_message_id_is_a_connector_error(
    replay: Any, hash_key: str, since: str
) -> None:
    with pytest.raises(ConnectorError, match="not a message id"):
        channel(replay, hash_key).fetch(since=since, limit=10)
