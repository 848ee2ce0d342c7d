"""The console over a real database (SQLite and PostgreSQL), driven through its ASGI interface, with one
account per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from config.settings import Settings
from db.models import Role
from flows.runtime import Runtime
from tests.conftest import NO_CRAWL, PASSWORD, DatabaseTemplates, add_account, initialising
from web.app import create_app

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


def _add_accounts(runtime: Runtime) -> None:
    """One account per role: six argon2 hashes, made once per session in the template
    (``DatabaseTemplates``) that every console test starts from."""
    for username, (role, region, agency) in ACCOUNTS.items():
        add_account(runtime, username, role, region, agency)


@pytest.fixture
def console(settings: Settings, database_templates: DatabaseTemplates) -> Iterator[Console]:
    recipe = ("console", settings.config_dir, settings.sources_file)
    prepare = initialising(settings, NO_CRAWL, then=_add_accounts)
    database_templates.fill(settings.resolved_database_url, prepare, *recipe)
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
