"""Social sources through the cycle: connectors against a local replay server in the platforms' formats,
posts stored as Documents (authors hashed), cursors, not-configured and rate-limited connectors, triage."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import cli
from config.settings import Settings, get_settings
from db.models import Detection, Document
from db.source_state import cursor
from flows.runtime import Runtime
from flows.setup import initialise
from flows.social import collect_social
from flows.source_health import health
from flows.triage_service import triage_pending
from nlp.triage import triage_text

FIXTURES = Path(__file__).parents[1] / "crawlers" / "social" / "fixtures"
JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
SEARCH = "/2/tweets/search/recent"
PREVIEW = "/s/infokutim"
HANDLES = ["wargasangatta88", "rinakutim", "darto_tlingga", "infokutim"]
X_CURSOR = "1859012345678901250@2026-11-21T23:41:07Z"  # after reading x_search_page1.json


def _script(replay: Any, x_reset: int | None = None) -> None:
    if x_reset is not None:
        headers = {"x-rate-limit-reset": str(x_reset), **JSON}
        replay.add(SEARCH, 429, headers, (FIXTURES / "x_error_429.json").read_bytes())
    else:
        replay.add(SEARCH, 200, JSON, (FIXTURES / "x_search_page1.json").read_bytes())
        replay.add(SEARCH, 200, JSON, (FIXTURES / "x_search_page2.json").read_bytes())
        replay.add(SEARCH, 200, JSON, (FIXTURES / "x_search_empty.json").read_bytes())
    replay.add(PREVIEW, 200, HTML, (FIXTURES / "telegram_infokutim.html").read_bytes())
    for before in ("4497", "4490"):
        page = (FIXTURES / f"telegram_infokutim_before_{before}.html").read_bytes()
        replay.add(f"{PREVIEW}?before={before}", 200, HTML, page)


@pytest.fixture
def runtime(
    settings: Settings, replay: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    sources = tmp_path / "social.yaml"
    sources.write_text(
        f"""sources:
  - slug: x-kutim
    name: X (pencarian Kutai Timur)
    region: "64.08"
    platform: x
    url: {replay.base_url}
    terms: ["jalan rusak", "lampu jalan mati", "air PDAM"]
  - slug: tg-infokutim
    name: Info Kutim (Telegram)
    region: "64.08"
    platform: telegram
    url: {replay.base_url}/s/infokutim
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(sources))
    monkeypatch.setenv("PANTAU_X_BEARER_TOKEN", "test-token")
    get_settings.cache_clear()
    rt = Runtime(get_settings())
    initialise(rt)
    yield rt
    rt.close()


def test_posts_are_stored_as_documents_with_hashed_authors_and_a_cursor(
    runtime: Runtime, replay: Any
) -> None:
    _script(replay)
    summary = collect_social(runtime, list(runtime.catalog.sources))
    assert summary.stored == {"x-kutim": 3, "tg-infokutim": 9}
    assert summary.not_configured == [] and summary.failed == {}
    searches = [r for r in replay.requests if r.path == SEARCH]
    assert searches[0].headers["authorization"] == "Bearer test-token"
    assert "Sangatta Utara" in (searches[0].param("query") or "")  # the region's kecamatan are searched
    with runtime.sessions() as session:
        documents = session.scalars(select(Document)).all()
        assert all(d.author_hash and len(d.author_hash) == 64 and d.author is None for d in documents)
        assert all(handle not in (d.author_hash or "") for d in documents for handle in HANDLES)
        # a person's handle is in no stored link either (links are cited in reports); a channel's name may be
        people = HANDLES[:3]
        assert not [d.url for d in documents if any(handle in d.url for handle in people)]
        assert all(d.published_at is not None and d.engagement for d in documents)
        assert cursor(session, "x-kutim") == X_CURSOR  # the newest post's id and time
        assert cursor(session, "tg-infokutim") == "4501"

    again = collect_social(runtime, list(runtime.catalog.sources))  # nothing new on either platform
    assert sum(again.stored.values()) == 0
    assert replay.requests[-1].param("before") is None  # the channel's newest page ended the run
    # the newest post (2026-11-21) is over seven days old, and recent search refuses such a since_id: the
    # next search runs from the start of the 7-day window (less a 10-minute margin) and the cursor stays
    last_search = [r for r in replay.requests if r.path == SEARCH][-1]
    assert last_search.param("since_id") is None
    started = datetime.fromisoformat(last_search.param("start_time") or "")
    assert timedelta(days=7) - timedelta(minutes=11) <= datetime.now(UTC) - started <= timedelta(days=7)
    with runtime.sessions() as session:
        assert cursor(session, "x-kutim") == X_CURSOR

    triaged = triage_pending(runtime)
    assert triaged.documents == 12
    with runtime.sessions() as session:
        detections = session.scalars(select(Detection)).all()
        assert len(detections) == 12
        # a post is scored by the model's detector of social posts, not by the one for news
        model = runtime.triager.model
        assert model.social is not None
        differ = 0
        for detection in detections:
            document = session.get(Document, detection.document_id)
            assert document is not None
            text = triage_text(document.title or "", document.text or "")
            (as_post,) = model.predict([text], social=[True])
            (as_news,) = model.predict([text])
            assert detection.complaint_score == pytest.approx(as_post.complaint_score, abs=1e-6)
            differ += abs(as_post.complaint_score - as_news.complaint_score) > 0.01
        assert differ  # the two detectors disagree on these posts: the check above tells which one scored


def test_a_connector_without_credentials_or_rate_limited_does_not_stop_the_others(
    runtime: Runtime, replay: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reset = int(time.time()) + 3600
    _script(replay, x_reset=reset)
    monkeypatch.setenv("PANTAU_X_BEARER_TOKEN", "")
    get_settings.cache_clear()
    runtime.settings = get_settings()
    unconfigured = collect_social(runtime, list(runtime.catalog.sources))
    assert unconfigured.not_configured == ["x-kutim"] and unconfigured.failed == {}
    assert unconfigured.stored == {"tg-infokutim": 9}
    assert not [r for r in replay.requests if r.path == SEARCH]

    monkeypatch.setenv("PANTAU_X_BEARER_TOKEN", "test-token")
    get_settings.cache_clear()
    runtime.settings = get_settings()
    until = datetime.fromtimestamp(reset, UTC).isoformat(timespec="minutes")
    limited = collect_social(runtime, list(runtime.catalog.sources))
    assert limited.failed == {"x-kutim": f"rate limited until {until}"}
    waiting = collect_social(runtime, list(runtime.catalog.sources))  # the platform asked to wait an hour
    assert waiting.failed == {"x-kutim": f"rate limited until {until}; not called"}
    assert len([r for r in replay.requests if r.path == SEARCH]) == 1

    with runtime.sessions() as session:  # source health reads social sources like news sources
        x, telegram = (
            health(session, runtime.catalog.source(slug), 72) for slug in ("x-kutim", "tg-infokutim")
        )
    assert telegram.status == "sehat" and telegram.documents_per_day == round(9 / 7, 1)
    assert x.status == "bermasalah" and "rate_limited x1" in (x.last_error or "")


def test_each_source_says_what_it_read_and_skipped_and_why(runtime: Runtime, replay: Any) -> None:
    _script(replay)
    first = collect_social(runtime, list(runtime.catalog.sources))
    telegram = first.skipped["tg-infokutim"]
    assert first.read["tg-infokutim"] == first.stored["tg-infokutim"] + sum(telegram.values())
    assert telegram["not_a_post"] >= 1 and telegram["no_text"] >= 1  # the channel's service and photo posts

    again = collect_social(runtime, list(runtime.catalog.sources))  # the channel's newest page, all read
    assert sum(again.stored.values()) == 0 and again.read["tg-infokutim"] > 0
    with runtime.sessions() as session:
        shown = health(session, runtime.catalog.source("tg-infokutim"), 72)
    assert shown.last_read == again.read["tg-infokutim"]
    assert shown.last_skipped == dict(again.skipped["tg-infokutim"])
    assert sum(shown.last_skipped.values()) == shown.last_read  # nothing new: every message was passed over

    listed = CliRunner().invoke(cli.app, ["sources", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    row = next(r for r in json.loads(listed.stdout) if r["slug"] == "tg-infokutim")
    assert (row["last_read"], row["last_skipped"]) == (shown.last_read, shown.last_skipped)
    assert cli._social_run(3, {"no_text": 2, "not_a_post": 1}) == (
        "dibaca 3; dilewati 3 (tanpa teks 2, bukan unggahan 1)"
    )  # as the table shows it


def test_youtube_facebook_and_instagram_sources_read_through_the_same_cycle(
    settings: Settings, replay: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "social.yaml"
    sources.write_text(
        f"""sources:
  - {{slug: yt-kutim, name: YouTube Kutim, region: "64.08", platform: youtube, url: "{replay.base_url}",
      account: UCkutimTV}}
  - {{slug: fb-kutim, name: Facebook Kutim, region: "64.08", platform: facebook, url: "{replay.base_url}",
      account: "104523"}}
  - {{slug: ig-kutim, name: Instagram Kutim, region: "64.08", platform: instagram, url: "{replay.base_url}",
      account: kutimbangun}}
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(sources))
    monkeypatch.setenv("PANTAU_YOUTUBE_API_KEY", "")  # YouTube not configured: reported, the others read
    monkeypatch.setenv("PANTAU_FACEBOOK_ACCESS_TOKEN", "graph-token")
    monkeypatch.setenv("PANTAU_INSTAGRAM_USER_ID", "1784")
    get_settings.cache_clear()
    runtime = Runtime(get_settings())
    initialise(runtime)
    replay.add("/v27.0/104523/posts", 500, {"Content-Type": "text/plain"}, b"oops")
    expired = b'{"error": {"message": "Error validating access token: Session has expired", "code": 190}}'
    replay.add("/v27.0/ig_hashtag_search", 400, JSON, expired)
    summary = collect_social(runtime, list(runtime.catalog.sources))
    runtime.close()
    assert summary.not_configured == ["yt-kutim"]
    assert summary.failure_kinds == {"fb-kutim": "ConnectorError", "ig-kutim": "AuthExpired"}
    assert "graph-token" not in " ".join(summary.failed.values())  # tokens never reach reports


def test_a_graph_source_without_an_account_is_a_configuration_error(tmp_path: Path) -> None:
    from config.catalog import load_catalog
    from config.errors import ConfigError
    from config.settings import CONFIG_DATA_DIR

    sources = tmp_path / "social.yaml"
    sources.write_text(
        'sources:\n  - {slug: fb, name: FB, region: "64.08", platform: facebook, url: "https://graph.facebook.com"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="needs an `account`"):
        load_catalog(CONFIG_DATA_DIR, sources)
