"""The YouTube comment-thread connector against the local replay server (never the internet).

Fixtures follow the documented commentThreads.list response and Google's error body (see
fixtures/REFERENCES-youtube.md); scenarios the fixtures do not cover are built from a fixture's own thread.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import crawlers.social.youtube as youtube
from crawlers.social.base import (
    SKIP_REASONS,
    AuthExpired,
    BadResponse,
    ConnectorError,
    NotConfigured,
    Page,
    RateLimited,
)
from crawlers.social.youtube import MAX_PAGES, THREADS_PATH, YouTubeComments, quota_reset
from nlp.privacy import hash_handle

JSON = {"Content-Type": "application/json; charset=UTF-8"}
KEY = "AIzaSyTestKeyForPantau000000000000"
CHANNEL = "UCkutimPemkab0000000001"
NAMES = ["wargabengalon", "ibu_rina_sangatta", "dartoteluklingga"]
CHANNEL_IDS = ["UCwargaBengalon00000001", "UCrinaSangatta000000002", "UCdartoTelukLingga00003"]
NEWEST = "UgzKutim001AaBbCcDd4AaABAg"
SECOND = "UgyKutim002EeFfGgHh4AaABAg"
THIRD = "UgwKutim003IiJjKkLl4AaABAg"
NEWEST_AT = "2026-11-21T22:05:13+00:00"


def connector(replay: Any, hash_key: str, key: str | None = KEY) -> YouTubeComments:
    return YouTubeComments(CHANNEL, key, hash_key, base_url=replay.base_url)


def script_two_pages(replay: Any, fixture_bytes: Any) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page1.json"))
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page2.json"))


def accounted(page: Page) -> Page:
    """``page``, checked: every item the platform gave is a post or a skip with a known reason."""
    assert set(page.skipped) <= set(SKIP_REASONS)
    assert page.read == len(page.posts) + sum(page.skipped.values())
    assert len({p.post_id for p in page.posts}) == len(page.posts)
    times = [p.posted_at for p in page.posts]
    assert times == sorted(times, reverse=True)  # newest first
    return page


def template(fixture_bytes: Any) -> dict[str, Any]:
    """The first thread of the first fixture page: the documented shape the built scenarios vary."""
    item: dict[str, Any] = json.loads(fixture_bytes("youtube_threads_page1.json"))["items"][0]
    return item


def thread(base: dict[str, Any], number: int, at: datetime, text: str | None = None) -> dict[str, Any]:
    """A copy of ``base`` as comment ``number`` published ``at`` (with ``text``, if given)."""
    item = copy.deepcopy(base)
    comment_id = f"UgzBuilt{number:010d}4AaABAg"
    item["id"] = comment_id
    item["snippet"]["topLevelComment"]["id"] = comment_id
    snippet = item["snippet"]["topLevelComment"]["snippet"]
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    snippet["publishedAt"] = snippet["updatedAt"] = stamp
    if text is not None:
        snippet["textDisplay"] = snippet["textOriginal"] = text
    return item


def answer(items: list[dict[str, Any]], token: str | None = None) -> bytes:
    """A commentThreads.list response (the documented envelope) holding ``items``."""
    body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": "builtEtag"}
    if token:
        body["nextPageToken"] = token
    body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": 100}
    body["items"] = items
    return json.dumps(body).encode()


# --- requests, paging, mapping ------------------------------------------------------------------------


def test_follows_page_token_over_two_pages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert [p.post_id for p in page.posts] == [NEWEST, SECOND, THIRD]
    assert page.cursor == NEWEST_AT
    assert page.read == 3 and page.skipped == {}
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


def test_asks_for_plain_text(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    connector(replay, hash_key).fetch(since=None, limit=50)

    assert [request.param("textFormat") for request in replay.requests] == ["plainText", "plainText"]


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
    assert posts[2].permalink == f"https://www.youtube.com/watch?v=vKtm2026b07&lc={THIRD}"
    assert posts[2].engagement == {"likes": 0, "replies": 1}
    assert len({p.author_hash for p in posts}) == 3


def test_names_and_channel_ids_never_stored(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    posts = connector(replay, hash_key).fetch(since=None, limit=50).posts

    for post in posts:
        flat = repr({k: v for k, v in asdict(post).items() if k not in {"text", "permalink"}}).lower()
        for name in NAMES + [c.lower() for c in CHANNEL_IDS]:
            assert name not in flat
        assert len(post.author_hash) == 64


# --- threads about the channel itself -----------------------------------------------------------------


def test_a_thread_about_the_channel_itself_is_skipped_and_the_page_goes_on(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_channel.json"))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    # the middle thread has snippet.channelId and no videoId: no public page shows it, so no permalink
    assert [p.post_id for p in page.posts] == ["UgxKutim004MmNnOoPp4AaABAg", "UgyKutim006UuVvWwXx4AaABAg"]
    assert page.skipped == {"not_a_post": 1}
    assert page.read == 3
    assert page.cursor == "2026-11-22T03:10:00+00:00"


def test_a_channel_thread_newest_of_all_still_moves_the_cursor(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    channel_thread = json.loads(fixture_bytes("youtube_threads_channel.json"))["items"][1]
    replay.add(THREADS_PATH, 200, JSON, answer([channel_thread]))

    first = accounted(connector(replay, hash_key).fetch(since="2026-11-22T00:00:00Z", limit=50))
    again = accounted(connector(replay, hash_key).fetch(since=first.cursor, limit=50))

    assert first.posts == [] and first.skipped == {"not_a_post": 1}
    assert first.cursor == "2026-11-22T02:45:30+00:00"  # judged once: not counted again next cycle
    assert again.skipped == {"already_read": 1} and again.cursor == first.cursor


def test_a_thread_on_a_community_post_links_to_the_post(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    item = template(fixture_bytes)
    del item["snippet"]["videoId"]
    item["snippet"]["postId"] = "UgkxKutimPost0001AbCdEfGh"
    replay.add(THREADS_PATH, 200, JSON, answer([item]))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert [p.permalink for p in page.posts] == [
        f"https://www.youtube.com/post/UgkxKutimPost0001AbCdEfGh?lc={NEWEST}"
    ]


def test_a_thread_that_is_not_public_is_skipped(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    item = template(fixture_bytes)
    item["snippet"]["isPublic"] = False
    replay.add(THREADS_PATH, 200, JSON, answer([item]))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert page.posts == [] and page.skipped == {"not_a_post": 1}


# --- text -----------------------------------------------------------------------------------------------


def test_html_text_display_is_stored_as_plain_text(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_html.json"))

    first, second = accounted(connector(replay, hash_key).fetch(since=None, limit=50)).posts

    assert first.text == (
        "Jalan poros Sangatta\u2013Bengalon berlubang lagi di km 12.\n\n"
        "Lihat di menit 1:35 video ini, belum ada perbaikan.\n"
        'Kata petugas "tunggu anggaran", padahal sudah 3 bulan & motor warga sering jatuh. '
        "Jangan cuma janji, Pak, ini keluhan 'serius'."
    )
    # plain text that merely has a ">" in it is not taken for HTML
    assert (
        second.text
        == "Harga elpiji 3 kg di Muara Wahau > Rp50.000, padahal HET Rp22.000. Tolong ditertibkan."
    )


@pytest.mark.parametrize(
    ("display", "plain"),
    [
        ("satu<br>dua<br/>tiga<br />empat", "satu\ndua\ntiga\nempat"),
        (
            "<b>Banjir</b> di <i>Rantau Pulung</i> &amp; <s>Sangkulirang</s>",
            "Banjir di Rantau Pulung & Sangkulirang",
        ),
        ("harga &lt;Rp10.000&gt; &#8211; murah", "harga <Rp10.000> \u2013 murah"),
        ("<div>Banjir</div>Rantau Pulung", "Banjir\nRantau Pulung"),
        ("a < b dan c > d", "a < b dan c > d"),
        ("tanpa tag sama sekali", "tanpa tag sama sekali"),
    ],
)
def test_plain_text(display: str, plain: str) -> None:
    assert youtube.plain_text(display) == plain


def test_a_comment_without_text_is_skipped_as_no_text(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_empty_text.json"))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert [p.post_id for p in page.posts] == ["UgyKutim010KkLlMmNn4AaABAg"]
    assert page.skipped == {"no_text": 1}
    assert page.cursor == "2026-11-24T08:00:00+00:00"  # the skipped comment was judged: not read again


def test_text_in_another_script_is_skipped(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    base = template(fixture_bytes)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    items = [
        thread(base, 1, at, "这条路坏了三个月了,请尽快修理"),
        thread(base, 2, at - timedelta(minutes=1), "الطريق مكسور منذ ثلاثة أشهر"),
        thread(base, 3, at - timedelta(minutes=2), "Jalan rusak 🚧🚧 tolong diperbaiki 🙏"),
    ]
    replay.add(THREADS_PATH, 200, JSON, answer(items))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert [p.post_id for p in page.posts] == ["UgzBuilt00000000034AaABAg"]
    assert page.skipped == {"other_script": 2}


# --- cursor ---------------------------------------------------------------------------------------------


def test_since_stops_paging_and_skips_seen_comments(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)

    page = accounted(connector(replay, hash_key).fetch(since="2026-11-21T19:40:00+00:00", limit=50))

    assert [p.post_id for p in page.posts] == [NEWEST]  # the comment at since itself is not new
    assert page.skipped == {"already_read": 1}
    assert page.cursor == NEWEST_AT
    assert len(replay.requests) == 1  # page 1 reached since: page 2 is older still


def test_cursor_round_trips_to_nothing_new(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    script_two_pages(replay, fixture_bytes)
    first = connector(replay, hash_key).fetch(since=None, limit=50)
    replay.requests.clear()
    replay.script.clear()
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page1.json"))

    again = accounted(connector(replay, hash_key).fetch(since=first.cursor, limit=50))

    assert again.posts == []
    assert again.cursor == first.cursor
    assert again.skipped == {"already_read": 2}


def test_empty_answer_keeps_since(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_empty.json"))

    page = accounted(connector(replay, hash_key).fetch(since="2026-11-21T22:05:13Z", limit=20))

    assert page.posts == [] and page.read == 0
    assert page.cursor == "2026-11-21T22:05:13Z"


def test_a_stored_cursor_newer_than_anything_never_moves_back(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_two_pages(replay, fixture_bytes)

    page = accounted(connector(replay, hash_key).fetch(since="2026-12-01T00:00:00Z", limit=50))

    assert page.posts == []
    assert page.cursor == "2026-12-01T00:00:00Z"
    assert page.skipped == {"already_read": 2}
    assert len(replay.requests) == 1


def test_old_comments_given_among_new_ones_are_already_read(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    base = template(fixture_bytes)
    since = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    items = [
        thread(base, 1, since + timedelta(minutes=5), "Drainase di Sangatta Baru mampet, air masuk rumah."),
        thread(base, 2, since - timedelta(days=3), "Komentar lama yang sudah dibaca."),
        thread(base, 3, since, "Komentar tepat di kursor, sudah dibaca."),
        thread(
            base, 4, since + timedelta(minutes=1), "Angkot ke Teluk Pandan jarang lewat sejak bulan lalu."
        ),
        thread(base, 1, since + timedelta(minutes=5), "Drainase di Sangatta Baru mampet, air masuk rumah."),
    ]
    replay.add(THREADS_PATH, 200, JSON, answer(items, token="dGhlLW5leHQtcGFnZQ"))

    page = accounted(connector(replay, hash_key).fetch(since=since.isoformat(), limit=50))

    assert [p.post_id for p in page.posts] == ["UgzBuilt00000000014AaABAg", "UgzBuilt00000000044AaABAg"]
    assert page.skipped == {"already_read": 3}  # two at or before the cursor, one given twice
    assert page.cursor == (since + timedelta(minutes=5)).isoformat()
    assert len(replay.requests) == 1  # the page reached the cursor: no further page


def test_an_invalid_stored_cursor_is_a_connector_error(replay: Any, hash_key: str) -> None:
    with pytest.raises(ConnectorError, match="cursor"):
        connector(replay, hash_key).fetch(since="kemarin sore", limit=10)

    assert replay.requests == []


# --- limit ----------------------------------------------------------------------------------------------


def test_limit_returns_the_oldest_new_comments_and_leaves_the_rest_for_next_run(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_two_pages(replay, fixture_bytes)

    page = accounted(connector(replay, hash_key).fetch(since="2026-11-20T00:00:00Z", limit=2))

    assert [p.post_id for p in page.posts] == [SECOND, THIRD]
    assert page.skipped == {"over_limit": 1}
    assert page.cursor == "2026-11-21T19:40:00+00:00"  # below the comment left over: read next run
    replay.requests.clear()
    replay.script.clear()
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_threads_page1.json"))
    following = accounted(connector(replay, hash_key).fetch(since=page.cursor, limit=2))
    assert [p.post_id for p in following.posts] == [NEWEST]
    assert following.cursor == NEWEST_AT


def test_first_run_reads_the_first_page_only_up_to_the_limit(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    script_two_pages(replay, fixture_bytes)

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=1))

    assert [p.post_id for p in page.posts] == [SECOND]
    assert page.skipped == {"over_limit": 1}
    assert page.cursor == "2026-11-21T19:40:00+00:00"
    assert len(replay.requests) == 1


def test_the_limit_never_splits_comments_of_the_same_second(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    base = template(fixture_bytes)
    at = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    items = [
        thread(base, 1, at + timedelta(seconds=1), "Listrik padam lagi di Sangatta Utara malam ini."),
        thread(base, 2, at, "Listrik padam juga di Swarga Bara, sudah tiga jam."),
        thread(base, 3, at, "Di Singa Gembara juga padam, kulkas warga rusak."),
        thread(base, 4, at - timedelta(seconds=1), "Genset puskesmas tidak menyala saat listrik padam."),
    ]
    replay.add(THREADS_PATH, 200, JSON, answer(items))
    since = (at - timedelta(hours=1)).isoformat()

    page = accounted(connector(replay, hash_key).fetch(since=since, limit=2))

    # the second post would be one of two at the same second; the next run resumes after that second
    assert [p.post_id for p in page.posts] == ["UgzBuilt00000000044AaABAg"]
    assert page.skipped == {"over_limit": 3}
    assert page.cursor == (at - timedelta(seconds=1)).isoformat()


def test_zero_limit_makes_no_request(replay: Any, hash_key: str) -> None:
    page = accounted(connector(replay, hash_key).fetch(since="2026-11-21T22:05:13Z", limit=0))

    assert page.posts == [] and page.cursor == "2026-11-21T22:05:13Z"
    assert replay.requests == []


def test_a_page_of_ten_thousand_items(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    base = template(fixture_bytes)
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    items = [
        thread(base, n, start - timedelta(seconds=n), f"Keluhan warga nomor {n} soal jalan rusak.")
        for n in range(10_000)
    ]
    replay.add(THREADS_PATH, 200, JSON, answer(items))
    since = (start - timedelta(seconds=10_000)).isoformat()

    page = accounted(connector(replay, hash_key).fetch(since=since, limit=200))

    assert page.read == 10_000
    assert len(page.posts) == 200
    assert page.posts[-1].post_id == "UgzBuilt00000099994AaABAg"  # the oldest new comments first
    assert page.skipped == {"over_limit": 9_800}
    assert page.cursor == (start - timedelta(seconds=9_800)).isoformat()


def test_paging_stops_after_max_pages(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    base = template(fixture_bytes)
    at = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    # a server that hands out the same page and a next token for ever
    replay.add(THREADS_PATH, 200, JSON, answer([thread(base, 1, at, "Jalan rusak.")], token="c2FtZQ"))

    page = accounted(connector(replay, hash_key).fetch(since="2026-11-01T00:00:00Z", limit=50))

    assert len(replay.requests) == MAX_PAGES
    assert len(page.posts) == 1 and page.skipped == {"already_read": MAX_PAGES - 1}


# --- bad items ------------------------------------------------------------------------------------------


def test_malformed_threads_are_skipped_and_the_page_goes_on(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    base = template(fixture_bytes)
    at = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    no_time = thread(base, 2, at)
    del no_time["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
    bad_time = thread(base, 3, at)
    bad_time["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "kemarin"
    no_comment = thread(base, 4, at)
    del no_comment["snippet"]["topLevelComment"]
    no_id = thread(base, 5, at)
    del no_id["id"], no_id["snippet"]["topLevelComment"]["id"]
    odd_types = thread(base, 6, at - timedelta(seconds=1), "Pasar Induk Sangatta becek, atapnya bocor.")
    odd_snippet = odd_types["snippet"]["topLevelComment"]["snippet"]
    odd_snippet.update({"likeCount": "banyak", "authorChannelId": "UCx", "textOriginal": 7})
    odd_types["snippet"]["totalReplyCount"] = None
    items = [
        thread(base, 1, at + timedelta(seconds=1), "Sampah menumpuk di TPS Sangatta Utara."),
        "not a thread",
        None,
        {"snippet": []},
        no_time,
        bad_time,
        no_comment,
        no_id,
        odd_types,
    ]
    replay.add(THREADS_PATH, 200, JSON, answer(items))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert [p.post_id for p in page.posts] == ["UgzBuilt00000000014AaABAg", "UgzBuilt00000000064AaABAg"]
    assert page.skipped == {"malformed": 7}
    assert page.posts[1].engagement == {}
    assert page.posts[1].text == "Pasar Induk Sangatta becek, atapnya bocor."


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a JSON object (nested objects included)."""
    paths: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            paths.append((*prefix, key))
            paths.extend(_paths(child, (*prefix, key)))
    return paths


def test_any_field_of_any_odd_type_never_fails_the_page(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    base = template(fixture_bytes)
    at = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    items: list[Any] = []
    for path in _paths(base):
        for odd in (None, [], {}, 7, -1.5, True, "", "x" * 300, "<br>&#39;"):
            item = thread(base, len(items), at - timedelta(seconds=len(items)), "Jalan rusak di Sangatta.")
            parent = item
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = odd
            items.append(item)
    replay.add(THREADS_PATH, 200, JSON, answer(items))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=len(items)))

    assert page.read == len(items)
    assert page.posts and page.skipped  # odd fields cost some threads, never the page
    assert all(p.text and p.permalink.startswith("https://www.youtube.com/") for p in page.posts)


def test_an_item_of_another_kind_is_not_a_post(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    item = template(fixture_bytes)
    item["kind"] = "youtube#video"
    replay.add(THREADS_PATH, 200, JSON, answer([item]))

    page = accounted(connector(replay, hash_key).fetch(since=None, limit=50))

    assert page.posts == [] and page.skipped == {"not_a_post": 1}


# --- errors ---------------------------------------------------------------------------------------------


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
    assert "quotaExceeded" in str(caught.value)
    assert retry_at in {quota_reset(before), quota_reset(datetime.now(UTC))}
    assert retry_at.astimezone(UTC).hour == 8 and retry_at.minute == 0  # 00:00 at UTC-8
    assert timedelta(0) < retry_at - before <= timedelta(hours=24)


def test_quota_reset_is_the_next_midnight_at_utc_minus_8() -> None:
    assert quota_reset(datetime(2026, 11, 22, 7, 59, tzinfo=UTC)) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert quota_reset(datetime(2026, 11, 22, 8, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert quota_reset(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)


def test_rate_limit_exceeded_403_is_rate_limited_for_a_minute(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 403, JSON, fixture_bytes("youtube_error_rate_limit.json"))
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 403
    assert "rateLimitExceeded" in str(caught.value)
    assert timedelta(seconds=59) <= caught.value.retry_at - before <= timedelta(seconds=70)


def test_daily_limit_reason_is_read_from_the_json_body(replay: Any, hash_key: str) -> None:
    message = (
        "Daily Limit Exceeded. The quota will be reset at midnight Pacific Time (PT). You may monitor your "
        "quota usage and adjust limits in the API Console: "
        "https://console.developers.google.com/apis/api/youtube.googleapis.com/quotas?project=123456789"
    )
    body = {
        "error": {
            "code": 403,
            "message": message,
            "errors": [{"message": message, "domain": "usageLimits", "reason": "dailyLimitExceeded"}],
            "status": "PERMISSION_DENIED",
        }
    }
    replay.add(THREADS_PATH, 403, JSON, json.dumps(body).encode())

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.retry_at.astimezone(UTC).hour == 8


def test_a_reason_named_in_the_message_text_only_is_not_taken_for_the_reason(
    replay: Any, hash_key: str
) -> None:
    message = "Access forbidden. Not a quotaExceeded nor a keyInvalid: the request is not authorized."
    body = {
        "error": {
            "code": 403,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "forbidden"}],
            "status": "PERMISSION_DENIED",
        }
    }
    replay.add(THREADS_PATH, 403, JSON, json.dumps(body).encode())

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError
    assert caught.value.status == 403


def test_http_429_is_rate_limited(replay: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 429, {"Retry-After": "30"}, b"")
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 429
    assert timedelta(seconds=29) <= caught.value.retry_at - before <= timedelta(seconds=40)


def test_comments_disabled_403_stays_a_connector_error(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 403, JSON, fixture_bytes("youtube_error_comments_disabled.json"))

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert type(caught.value) is ConnectorError
    assert caught.value.status == 403
    assert "commentsDisabled" in str(caught.value)
    assert "has disabled comments" in str(caught.value) and "<a" not in str(caught.value)


def test_invalid_key_is_auth_expired(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 400, JSON, fixture_bytes("youtube_error_bad_key.json"))

    with pytest.raises(AuthExpired) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 400
    assert "keyInvalid" in str(caught.value)
    assert KEY not in str(caught.value)


def test_http_401_is_auth_expired(replay: Any, hash_key: str) -> None:
    replay.add(
        THREADS_PATH, 401, JSON, b'{"error": {"code": 401, "message": "Request is missing credentials"}}'
    )

    with pytest.raises(AuthExpired):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_a_200_answer_with_an_error_body_is_that_error(
    replay: Any, fixture_bytes: Any, hash_key: str
) -> None:
    replay.add(THREADS_PATH, 200, JSON, fixture_bytes("youtube_error_quota.json"))

    with pytest.raises(RateLimited):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_a_200_answer_with_an_unknown_error_is_a_bad_response(replay: Any, hash_key: str) -> None:
    body = {"error": {"code": 500, "message": "Backend Error", "errors": [{"reason": "backendError"}]}}
    replay.add(THREADS_PATH, 200, JSON, json.dumps(body).encode())

    with pytest.raises(BadResponse, match="backendError"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_a_server_error_page_is_a_connector_error(replay: Any, hash_key: str) -> None:
    replay.add(
        THREADS_PATH, 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
    )

    with pytest.raises(ConnectorError) as caught:
        connector(replay, hash_key).fetch(since=None, limit=10)

    assert caught.value.status == 503
    assert KEY not in str(caught.value)


def test_malformed_json_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(THREADS_PATH, 200, JSON, b'{"kind": "youtube#commentThreadListResponse", "items": [{"id": ')

    with pytest.raises(BadResponse, match="invalid JSON"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_html_where_json_was_expected_raises_bad_response(replay: Any, hash_key: str) -> None:
    replay.add(
        THREADS_PATH, 200, {"Content-Type": "text/html"}, b"<!doctype html><html><p>Sign in</p></html>"
    )

    with pytest.raises(BadResponse, match="invalid JSON"):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize(
    "body",
    [b'["a list"]', b'{"kind": "youtube#commentThreadListResponse"}', b'{"items": {"id": "x"}}'],
)
def test_an_answer_of_the_wrong_shape_raises_bad_response(replay: Any, hash_key: str, body: bytes) -> None:
    replay.add(THREADS_PATH, 200, JSON, body)

    with pytest.raises(BadResponse):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_truncated_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("youtube_threads_page1.json")
    replay.add(
        THREADS_PATH, 200, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=len(body) // 2
    )

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


def test_an_unreachable_server_is_a_connector_error(hash_key: str) -> None:
    with pytest.raises(ConnectorError, match="cannot reach"):
        YouTubeComments(CHANNEL, KEY, hash_key, base_url="http://127.0.0.1:9").fetch(since=None, limit=10)


def test_a_truncated_error_body_raises_bad_response(replay: Any, fixture_bytes: Any, hash_key: str) -> None:
    body = fixture_bytes("youtube_error_quota.json")
    replay.add(THREADS_PATH, 403, {**JSON, "Content-Length": str(len(body))}, body, truncate_to=40)

    with pytest.raises(BadResponse, match="truncated"):
        connector(replay, hash_key).fetch(since=None, limit=10)


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_not_configured_without_a_request(replay: Any, hash_key: str, key: str | None) -> None:
    with pytest.raises(NotConfigured):
        connector(replay, hash_key, key=key).fetch(since=None, limit=10)

    assert replay.requests == []


def test_does_not_lean_on_the_meta_connector() -> None:
    assert not hasattr(youtube, "redact")  # base already strips credentials from every ConnectorError
