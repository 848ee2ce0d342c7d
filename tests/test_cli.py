"""The command line fails cleanly: crawled data is shown as it is (never as markup, never as terminal
control), every PantauError is one line with exit code 2, a database that was never initialised is named
without being created, deadlines read in the region's local time, and a crawl that dies ends a command in one
line.

Commands run in-process through typer's CliRunner on SQLite and PostgreSQL; ``pantau run`` (Prefect) runs as a
subprocess.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

import cli
from config.settings import Settings, get_settings
from db.models import Agency, CrawlRun, Detection, Document, Issue, Region, Report, Source
from db.session import transaction
from flows.runtime import Runtime
from flows.setup import initialise
from tests.conftest import PrefectServer

LINE_BREAKS = "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
DEADLINE = datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)  # 23:59:59 WITA in Kutai Timur (Asia/Makassar)
HOSTILE = [
    "Lampu PJU padam [/] di Teluk Lingga",
    "Jalan ambles [/b] Sangatta Utara",
    "[bold red]x",
    "[link=http://x]y[/link]",
    "Banjir :emoji: :warning: :smile: Bengalon",
    "\x1b[2J\x1b[31mlayar dihapus dan merah",
    "baris pertama\rditimpa baris kedua",
    "garis\\miring \\[bold]bukan markup\\",
    "[",
    "]",
    "طريق مكسور في سانغاتا",
    "\u202eteks terbalik\u202c lalu normal",
    "\x9b31mCSI satu bita",
    "tab\tdan\nbaris baru",
    ("jalan rusak parah di Kaliorang " * 9).strip(),
]
NUL = "sampah\x00menumpuk"  # PostgreSQL text cannot hold NUL: SQLite only

runner = CliRunner()


def visible(value: str) -> str:
    """What a terminal may show of ``value``: control characters gone, line breaks and tabs as spaces."""
    return "".join(
        " " if c in LINE_BREAKS else c
        for c in value
        if c in LINE_BREAKS or not (unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS)
    )


def no_terminal_control(output: str) -> list[str]:
    return [c for c in output if c != "\n" and (unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS)]


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def assert_clean(result: Result, exit_code: int = 0) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert no_terminal_control(result.output) == []


def assert_one_error_line(result: Result) -> str:
    assert_clean(result, exit_code=2)
    assert result.stdout == ""
    line = result.stderr.rstrip("\n")
    assert "\n" not in line
    assert line.startswith("Galat: ")
    return line


def is_sqlite(settings: Settings) -> bool:
    return settings.resolved_database_url.startswith("sqlite")


def use_sources(monkeypatch: pytest.MonkeyPatch, path: Path, sources: list[dict[str, str]]) -> Settings:
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(path))
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as their content, so that a long cell is not folded over lines."""
    monkeypatch.setattr(cli.console, "width", 100_000)


@pytest.fixture
def hostile(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A database whose sources, documents, detections, issues, reports and crawl errors hold hostile text."""
    strings = [*HOSTILE, NUL] if is_sqlite(settings) else list(HOSTILE)
    sources = [
        {"slug": f"sumber{i}", "name": value[:200], "region": "64.08", "platform": "rss",
         "url": f"https://sumber{i}.example/feed.xml"}
        for i, value in enumerate(strings)
    ]  # fmt: skip
    runtime = Runtime(use_sources(monkeypatch, tmp_path / "sources.yaml", sources))
    initialise(runtime)
    with transaction(runtime.sessions) as session:
        region = session.scalars(select(Region).where(Region.code == "64.08")).one()
        agency = session.scalars(select(Agency).where(Agency.region_id == region.id)).first()
        assert agency is not None
        for i, value in enumerate(strings):
            source = session.scalars(select(Source).where(Source.slug == f"sumber{i}")).one()
            document = Document(
                source_id=source.id,
                url=f"https://sumber{i}.example/berita/{i}",
                canonical_url=f"https://sumber{i}.example/berita/{i}",
                title=value,
                text=f"{value}. Warga mengeluhkan jalan rusak dan lampu jalan padam sejak sepekan.",
            )
            issue = Issue(region_id=region.id, title=value, function="JALAN", agency_id=agency.id)
            session.add_all([document, issue])
            session.flush()
            detection = Detection(
                document_id=document.id,
                issue_id=issue.id,
                model_version="fuzz",
                band="review",
                complaint_score=0.4,
                function="JALAN",
                region_id=region.id,
                location_label=value,
                explanation={"terms": [value]},
            )
            report = Report(
                issue_id=issue.id,
                region_id=region.id,
                agency_id=agency.id,
                judul=value,
                isi=value,
                kategori=value[:120],
                lokasi=value,
                verification_due_at=DEADLINE,
                source_links=[value],
            )
            crawl = CrawlRun(sources=[source.slug], status="failed", finished_at=DEADLINE, error=value)
            session.add_all([detection, report, crawl])
    runtime.close()
    return strings


def test_hostile_data_is_shown_as_it_is_in_every_listing(hostile: list[str], wide: None) -> None:
    triaged = invoke("triage")
    assert_clean(triaged)
    assert "Ditriase" in triaged.stdout

    queue = invoke("queue")
    assert_clean(queue)
    review = invoke("review")
    assert_clean(review)
    sources = invoke("sources", "list")
    assert_clean(sources)
    for value in hostile:
        shown = visible(value).strip()
        assert shown in queue.stdout, repr(value)
        assert shown in review.stdout, repr(value)
        assert visible(value[:200]).strip() in sources.stdout, repr(value)
    assert "2026-12-02 23:59 WITA" in queue.stdout
    assert "\U0001f604" not in queue.stdout + review.stdout  # ":smile:" stays text


def test_hostile_data_stays_exact_in_json(hostile: list[str]) -> None:
    queue = invoke("queue", "--json")
    review = invoke("review", "--json")
    sources = invoke("sources", "list", "--json")
    for result in (queue, review, sources):
        assert_clean(result)
    reports = json.loads(queue.stdout)
    assert {r["judul"] for r in reports} >= set(hostile)
    assert {r["lokasi"] for r in reports} >= set(hostile)
    ours = [r for r in reports if r["judul"] in hostile and r["sumber"] == [r["judul"]]]
    assert {r["verifikasi_paling_lambat"] for r in ours} == {"2026-12-02T23:59:59+08:00"}
    detections = json.loads(review.stdout)
    assert {d["judul"] for d in detections} >= set(hostile)
    assert {d["alasan"] for d in detections} >= set(hostile)
    health = json.loads(sources.stdout)
    assert [s["name"] for s in health] == [value[:200] for value in hostile]
    assert all(s["last_error"].endswith(value[:200]) for s, value in zip(health, hostile, strict=True))


def test_a_config_error_with_hostile_text_is_one_line(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    assert_database_untouched: Callable[[str], None],
) -> None:
    folder = tmp_path / "konfig [/b] [bold red]x :smile: \x1b[2J\rtimpa"
    folder.mkdir(parents=True)
    broken = folder / "sources.yaml"
    broken.write_text("sources:\n  - slug: a\n    slug: b\n", encoding="utf-8")
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(broken))
    get_settings.cache_clear()

    for command in (("init",), ("sources", "enable", "[/b]\x1b[31m")):
        line = assert_one_error_line(invoke(*command))
        assert visible(str(broken)) in line
    assert_database_untouched(get_settings().resolved_database_url)


@pytest.mark.parametrize(
    "command",
    [("queue",), ("queue", "--json"), ("review",), ("triage",), ("crawl",), ("run",), ("sources", "list")],
)
def test_a_database_never_initialised_says_what_to_run_and_stays_empty(
    settings: Settings, command: tuple[str, ...], assert_database_untouched: Callable[[str], None]
) -> None:
    line = assert_one_error_line(invoke(*command))
    assert "masih kosong: jalankan `pantau init` lebih dulu" in line
    assert make_url(settings.resolved_database_url).render_as_string(hide_password=True) in line
    assert_database_untouched(settings.resolved_database_url)


def test_a_hostile_database_path_is_shown_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data [/b] \x1b[31m\rtimpa"
    url = f"sqlite:///{folder}/pantau.db"
    monkeypatch.setenv("PANTAU_DATABASE_URL", url)
    monkeypatch.setenv("PANTAU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        line = assert_one_error_line(invoke("queue"))
    finally:
        get_settings.cache_clear()
    # as the URL renders itself (escaped by SQLAlchemy 2.1, raw by 2.0), with the markup kept as text and
    # every control character kept off the terminal
    assert cli.one_line(make_url(url).render_as_string()) in line and "[/b]" in line
    assert "\x1b" not in line and "\r" not in line
    assert not folder.exists()


def test_a_bad_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_CRAWL_WORKERS", "dua [/b]")
    get_settings.cache_clear()
    try:
        line = assert_one_error_line(invoke("queue"))
    finally:
        get_settings.cache_clear()
    assert line.startswith("Galat: pengaturan tidak sah: PANTAU_CRAWL_WORKERS: ")


@pytest.mark.parametrize("command", [("queue",), ("init",)])
def test_an_unreachable_database_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setenv("PANTAU_DATABASE_URL", "postgresql+psycopg://pantau:rahasia@127.0.0.1:1/pantau")
    monkeypatch.setenv("PANTAU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        line = assert_one_error_line(invoke(*command))
    finally:
        get_settings.cache_clear()
    assert "pantau:***@127.0.0.1:1/pantau" in line
    assert "rahasia" not in line


def test_a_database_behind_the_migrations_asks_for_init(settings: Settings) -> None:
    from db.migrate import upgrade

    upgrade(settings.resolved_database_url, "a2adadec1e26")  # the first migration only
    line = assert_one_error_line(invoke("review"))
    assert "belum dimigrasi ke versi Pantau ini: jalankan `pantau init`" in line


@pytest.fixture
def silent_site() -> Iterator[str]:
    """An address that accepts connections and never answers: the crawl process runs until it is stopped."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def stalled_crawl(
    settings: Settings, silent_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """An initialised database whose only source never answers, and a crawl time limit of one second."""
    monkeypatch.setenv("PANTAU_CRAWL_TIMEOUT_SECONDS", "1")
    source = {"slug": "macet", "name": "Situs Macet", "region": "64.08", "platform": "rss",
              "url": f"{silent_site}/feed.xml"}  # fmt: skip
    stalled = use_sources(monkeypatch, tmp_path / "sources.yaml", [source])
    runtime = Runtime(stalled)
    initialise(runtime)
    runtime.close()
    return stalled


def test_a_crawl_process_that_dies_ends_pantau_crawl_in_one_line(stalled_crawl: Settings) -> None:
    line = assert_one_error_line(invoke("crawl"))
    assert "crawl" in line


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the failure is the flow's, not the DB's
def test_a_crawl_failure_inside_the_prefect_flow_ends_pantau_run_without_traceback(
    stalled_crawl: Settings, prefect_server: PrefectServer, tmp_path: Path
) -> None:
    """Against the session's Prefect server (``pantau demo``'s test runs a flow on a temporary one)."""
    pantau = Path(sys.executable).parent / "pantau"
    result = subprocess.run(
        [str(pantau), "run", "--source", "macet"],
        env={
            **os.environ,
            "PREFECT_API_URL": prefect_server.api_url,
            "PREFECT_HOME": str(tmp_path / "prefect"),
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip("\n").splitlines()[-1].startswith("Galat: ")
    assert result.stdout == ""
