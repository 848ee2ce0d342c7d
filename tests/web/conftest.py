"""The console over a real database (SQLite and PostgreSQL), driven through its ASGI interface, with one
account per role."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import make_url

from config.settings import Settings
from db.models import Role
from flows.runtime import Runtime
from flows.setup import initialise
from services.accounts import add_user
from tests.conftest import PG_ADMIN
from web.app import create_app

PASSWORD = "kata-sandi-uji-123"
NO_CRAWL = "http://127.0.0.1:9"  # the demo sources just load: no test here crawls
ACCOUNTS = {
    "operator": (Role.OPERATOR, "64.08", None),
    "manajer": (Role.MANAGER, "64.08", None),
    "pupr": (Role.OPD, "64.08", "PUPR"),
    "dlh": (Role.OPD, "64.08", "DLH"),
    "pimpinan": (Role.PIMPINAN, "64.08", None),
    "operator-banjarbaru": (Role.OPERATOR, "63.72", None),
}


@dataclass
class Console:
    runtime: Runtime
    make_client: Callable[[], TestClient]

    def client(self, username: str | None = None) -> TestClient:
        """A browser of its own (own cookies), logged in as ``username`` when given."""
        client = self.make_client()
        if username is not None:
            answer = self.login(client, username, PASSWORD)
            assert answer.status_code == 303, answer.text
        return client

    @staticmethod
    def csrf(client: TestClient, path: str = "/masuk") -> str:
        """The CSRF token of the form on ``path``, as a browser would send it back."""
        page = client.get(path).text
        return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    def login(self, client: TestClient, username: str, password: str) -> Response:
        data = {"username": username, "password": password, "csrf_token": self.csrf(client)}
        return client.post("/masuk", data=data, follow_redirects=False)


def _prepare(url: str, settings: Settings) -> None:
    """Migrate and sync the database at ``url`` and add one account per role (what every console test
    starts from)."""
    runtime = Runtime(settings.model_copy(update={"database_url": url}), base_url=NO_CRAWL)
    try:
        initialise(runtime)
        for username, (role, region, agency) in ACCOUNTS.items():
            add_user(
                runtime,
                username=username,
                full_name=f"Uji {username}",
                role=role,
                region_code=region,
                agency_code=agency,
                password=PASSWORD,
                actor="user:uji",
            )
    finally:
        runtime.close()


@pytest.fixture(scope="session")
def console_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One prepared database per kind, made on first use and copied for each test: migrating, syncing and
    hashing six passwords once instead of for every test (PostgreSQL clones it with CREATE DATABASE ...
    TEMPLATE; SQLite copies the file)."""
    made: dict[str, str] = {}
    yield made
    for url in made.values():
        if url.startswith("postgresql"):
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _from_template(settings: Settings, templates: dict[str, str], folder: Path) -> None:
    """Fill the test's empty database with a copy of the prepared one of its kind."""
    url = make_url(settings.resolved_database_url)
    kind = url.get_backend_name()
    key = f"{kind} {settings.config_dir} {settings.sources_file}"  # what the copy was synced from
    if key not in templates:
        if kind == "sqlite":
            template = f"sqlite:///{folder / f'console-template-{uuid.uuid4().hex[:12]}.db'}"
        else:
            name = f"pantau_console_template_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            template = url.set(database=name).render_as_string(hide_password=False)
        templates[key] = template
        _prepare(template, settings)
    template_url = make_url(templates[key])
    if kind == "sqlite":
        assert url.database is not None and template_url.database is not None
        shutil.copyfile(template_url.database, url.database)
        return
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template_url.database}"')


@pytest.fixture
def console(
    settings: Settings, console_templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    _from_template(settings, console_templates, tmp_path_factory.getbasetemp())
    runtime = Runtime(settings, base_url=NO_CRAWL)
    app = create_app(settings, runtime)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        return client

    yield Console(runtime, make)
    for client in clients:
        client.close()
    runtime.close()


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The console's route tests run on SQLite: the services under them run on both databases
    (tests/services, tests/db), and the authorisation matrix overrides this to walk PostgreSQL too
    (docs/decisions.md, 61: the suite's time)."""
    yield f"sqlite:///{tmp_path / 'pantau.db'}"
