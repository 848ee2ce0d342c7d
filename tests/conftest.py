"""Shared fixtures: real databases (SQLite and PostgreSQL) and prepared copies of them, the demo sites on a
local server, settings, a real Prefect server.

PostgreSQL tests need the server on 127.0.0.1:5432 (trust auth); each test run creates and drops its own
database. Without a server they skip, except with CI=true, where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, Settings, get_settings
from crawlers.localsite import serve
from db.models import Role
from db.session import make_engine
from flows.runtime import Runtime
from flows.setup import initialise
from services.accounts import Account, add_user

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
NO_CRAWL = "http://127.0.0.1:9"  # a base URL for the demo sources that no test crawls: they just load
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
DEMO_DIR = PROJECT_ROOT / "demo"


def need_shared_data() -> Path:
    """The ../shared/data folder, or a skip (a failure in CI) with the reason."""
    if not SHARED_DATA.exists():
        message = f"{SHARED_DATA} is not here: training data is read from ../shared, never committed"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    return need_shared_data()


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=15):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_available()
    if problem:
        message = f"PostgreSQL on 127.0.0.1:5432 is not reachable: {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return PG_ADMIN


def _create_postgres(name: str, template: str | None = None) -> None:
    """Create the PostgreSQL database ``name``, empty or a copy of ``template`` (none may be connected to
    it), in place of any database of that name."""
    _drop_postgres(name)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _drop_postgres(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, dropped afterwards. A PostgreSQL database that a prepared copy will
    fill (``database_templates``) is left to the copy to create: an empty one would only be dropped again."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pantau.db'}"
        return
    request.getfixturevalue("postgres_server")
    name = f"pantau_test_{uuid.uuid4().hex[:12]}"
    if "database_templates" not in request.fixturenames:
        _create_postgres(name)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        _drop_postgres(name)


@dataclass
class DatabaseTemplates:
    """Prepared databases, made once per test session (and xdist worker) and copied into a test's empty
    database: migrating and syncing the configuration took a second of most tests' set-up. A copy holds
    exactly what preparing the empty database would (PostgreSQL clones it with CREATE DATABASE ... TEMPLATE,
    SQLite copies the file). Tests of migrating and syncing themselves start from an empty database."""

    folder: Path
    made: dict[tuple[str, ...], str] = field(default_factory=dict)

    def fill(self, url: str, prepare: Callable[[str], None], *recipe: object) -> None:
        """Make the empty database at ``url`` what ``prepare(url)`` would: ``recipe`` names everything
        ``prepare`` depends on (which preparation, the configuration files, ...)."""
        target = make_url(url)
        kind = target.get_backend_name()
        key = (kind, *map(str, recipe))
        if key not in self.made:
            if kind == "sqlite":
                template = f"sqlite:///{self.folder / f'template-{uuid.uuid4().hex[:12]}.db'}"
            else:
                name = f"pantau_template_{uuid.uuid4().hex[:12]}"
                _create_postgres(name)
                template = target.set(database=name).render_as_string(hide_password=False)
            prepare(template)
            self.made[key] = template
        source = make_url(self.made[key])
        assert target.database is not None and source.database is not None
        if kind == "sqlite":
            shutil.copyfile(source.database, target.database)
        else:
            _create_postgres(target.database, template=source.database)

    def drop(self) -> None:
        for url in map(make_url, self.made.values()):
            if url.get_backend_name() == "postgresql" and url.database:
                _drop_postgres(url.database)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("database-templates"))
    yield templates
    templates.drop()


def initialising(
    settings: Settings, base_url: str | None, then: Callable[[Runtime], object] | None = None
) -> Callable[[str], None]:
    """What prepares the database at a URL: ``flows.setup.initialise`` with ``settings`` (the URL
    replaced) and ``base_url``, then ``then`` (adding accounts, say) on the same runtime."""

    def prepare(url: str) -> None:
        runtime = Runtime(settings.model_copy(update={"database_url": url}), base_url=base_url)
        try:
            initialise(runtime)
            if then is not None:
                then(runtime)
        finally:
            runtime.close()

    return prepare


@pytest.fixture
def initialised(database_templates: DatabaseTemplates) -> Callable[[Settings, str | None], None]:
    """``initialised(settings, base_url)``: the test's empty database as ``flows.setup.initialise`` leaves
    it (migrated, the configuration synced), copied from a template when the configuration is the
    project's own (a test's own configuration files are initialised directly)."""

    def fill(settings: Settings, base_url: str | None) -> None:
        inputs = (settings.config_dir, settings.sources_file)
        if not all(path.resolve().is_relative_to(PROJECT_ROOT) for path in inputs):
            url = make_url(settings.resolved_database_url)
            if url.get_backend_name() == "postgresql" and url.database:
                _create_postgres(url.database)  # not created by ``database_url`` (see there)
            initialising(settings, base_url)(settings.resolved_database_url)
            return
        recipe = ("initialised", *inputs, base_url)
        database_templates.fill(settings.resolved_database_url, initialising(settings, base_url), *recipe)

    return fill


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Pantau settings for one test: its own database and var folder, the demo sources, no crawl delay."""
    env = {
        "PANTAU_VAR_DIR": str(tmp_path / "var"),
        "PANTAU_DATABASE_URL": database_url,
        "PANTAU_SOURCES_FILE": str(DEMO_DIR / "sources.yaml"),
        "PANTAU_DOWNLOAD_DELAY": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


# -- a real Prefect server for the tests of flows and of the commands that run them ---------------------

BIN = Path(sys.executable).parent  # the venv's commands: prefect, pantau
PREFECT_START_TIMEOUT = 90  # seconds; ~8 s on an idle 2-core machine, several times that under load


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def log_tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    log: Path


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free port of 127.0.0.1 (no UI) for the whole session, its state in a
    PostgreSQL database of its own when the server on 127.0.0.1:5432 answers (SQLite in a temporary
    PREFECT_HOME otherwise). On SQLite, two workers, their flow runs and the scheduler writing at once met
    "database is locked" on a loaded machine and took a minute to hand a run over. Its scheduler plans every
    2 s instead of every 60, so a schedule's first run is never missed on a loaded machine."""
    home = tmp_path_factory.mktemp("prefect-server")
    log_path = home / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    database = None if _postgres_available() else f"prefect_test_{uuid.uuid4().hex[:12]}"
    if database:
        _create_postgres(database)
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
        )
    port = _free_port()
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + PREFECT_START_TIMEOUT
    while not _answers(f"{api_url}/health"):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            pytest.fail(
                f"prefect server did not answer within {PREFECT_START_TIMEOUT} s:\n{log_tail(log_path)}"
            )
        time.sleep(0.25)
    yield PrefectServer(api_url, log_path)
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if database:
        _drop_postgres(database)


@pytest.fixture
def prefect_client_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The environment of a process this test starts (``pantau``, a worker), without a Prefect server: the
    test's ``PANTAU_*`` settings, a Prefect home of its own, no ten-second waits before a run is picked up."""
    home = tmp_path / "prefect-client"
    home.mkdir()
    environment = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    return environment | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }


@pytest.fixture
def prefect_process_env(prefect_server: PrefectServer, prefect_client_env: dict[str, str]) -> dict[str, str]:
    """``prefect_client_env`` with the session's Prefect server."""
    return prefect_client_env | {"PREFECT_API_URL": prefect_server.api_url}


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """The bundled demo news sites, served on a free port of 127.0.0.1."""
    with serve(DEMO_DIR / "sites") as base_url:
        yield base_url


def _load_replay() -> Any:
    """tests/crawlers/social/replay.py as a module (the tests tree is not a package: importlib mode)."""
    name = "pantau_tests_social_replay"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "crawlers/social/replay.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def replay() -> Iterator[Any]:
    """A local server that answers like a social platform's API: ``.add(...)`` scripts answers (status,
    headers, body; in order), ``.requests`` records what was asked (see tests/crawlers/social/replay.py)."""
    with _load_replay().replay_server() as server:
        yield server


def _database_untouched(url: str) -> None:
    """Nothing was created: no SQLite file (nor its WAL), or no table in the PostgreSQL database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        assert not Path(parsed.database).exists()
        assert not Path(parsed.database + "-wal").exists()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        tables = connection.scalar(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        )
    engine.dispose()
    assert tables == 0


@pytest.fixture
def assert_database_untouched() -> Callable[[str], None]:
    """Check that a database URL still names nothing: a command that must not create a database did not."""
    return _database_untouched


PASSWORD = "kata-sandi-uji-123"  # of every console account a test adds


def add_account(
    runtime: Runtime, username: str, role: Role, region: str = "64.08", agency: str | None = None
) -> Account:
    """A console account of ``role`` named ``username``, its password ``PASSWORD`` (``services.accounts``)."""
    return add_user(
        runtime,
        username=username,
        full_name=f"Uji {username}",
        role=role,
        region_code=region,
        agency_code=agency,
        password=PASSWORD,
        actor="user:uji",
    )


def _queued_report(
    runtime: Any,
    *,
    region: str = "64.08",
    function: str = "JALAN",
    agency: str | None = "PUPR",
    mentions: int = 1,
    title: str = "Jalan berlubang di Poros Sangatta-Bengalon",
    text: str = "Warga mengeluhkan jalan berlubang di Kecamatan Bengalon. Hubungi 0812-3456-7890.",
) -> int:
    """A queued report drafted by Pantau (``flows.queueing``) from ``mentions`` news items of one incident,
    in a database ``runtime`` has initialised; returns its id."""
    from sqlalchemy import select

    from db.models import Agency, Detection, Document, Issue, Region, Source
    from db.session import transaction
    from flows.queueing import queue_issue

    with transaction(runtime.sessions) as session:
        region_row = session.scalars(select(Region).where(Region.code == region)).one()
        agency_row = (
            session.scalars(
                select(Agency).where(Agency.region_id == region_row.id, Agency.code == agency)
            ).one()
            if agency
            else None
        )
        source = session.scalars(select(Source).where(Source.region_id == region_row.id).limit(1)).one()
        issue = Issue(region_id=region_row.id, title=title, function=function, agency=agency_row)
        session.add(issue)
        session.flush()
        for n in range(mentions):
            url = f"https://berita.example/{uuid.uuid4().hex}"
            document = Document(
                source_id=source.id,
                url=url,
                canonical_url=url,
                title=f"{title} ({n + 1})",
                text=text,
                content_hash=uuid.uuid4().hex,
                published_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
            )
            session.add(document)
            session.flush()
            session.add(
                Detection(
                    document_id=document.id,
                    issue_id=issue.id,
                    model_version="uji",
                    complaint_score=0.9,
                    band="complaint",
                    function=function,
                    region_id=region_row.id,
                    agency_id=agency_row.id if agency_row else None,
                    location_label="Kecamatan Bengalon",
                )
            )
        issue.mention_count = mentions
        session.flush()
        return queue_issue(session, issue, runtime.catalog.functions).id


@pytest.fixture
def queued_report() -> Callable[..., int]:
    """``queued_report(runtime, region=..., function=..., agency=..., mentions=..., title=..., text=...)``:
    a report Pantau queued from news items of one incident; returns its id."""
    return _queued_report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (stable otherwise): under xdist they then run beside the many short ones, instead of
    one of them holding a worker alone at the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
