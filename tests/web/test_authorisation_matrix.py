"""Every route with every role, and logged out: nobody sees or changes another OPD's or another region's
items, and each page is for the roles it names. The expectations live per area in ``tests/web/access``; a
route added to the console without an expectation there fails the first test."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import func, select

from db.models import AuditLog
from services import actions
from services.actions import Actor
from tests.conftest import database_url  # noqa: F401  (both databases here, unlike tests/web's other tests)
from tests.web.access import areas
from web.app import ROUTERS

VIEWERS = ("operator", "manajer", "pimpinan", "pupr", "dlh", "operator-banjarbaru")
FORM = {
    "version": "99",
    "code": "spam",
    "tracking_id": "7000001",
    "text": "x" * 20,
    "reason": "uji",
    "wilayah": "64.72",  # no viewer's region: a province user's choice
}


def _forwarded_to_pupr(console, queued_report) -> int:  # type: ignore[no-untyped-def]
    report_id = int(queued_report(console.runtime, title="Jalan berlubang untuk PUPR"))
    operator = Actor("user:uji")
    actions.approve(console.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, f"{4000000 + report_id}", actor=operator)
    return report_id


def _expectations(console, report_id: int, kind: str) -> dict[str, dict[Any, int | None]]:  # type: ignore[no-untyped-def]
    wanted: dict[str, dict[Any, int | None]] = {}
    for area in areas():
        params = {
            "report_id": report_id,
            **(area.prepare(console, report_id) if hasattr(area, "prepare") else {}),
        }
        for path, expected in getattr(area, kind).items():
            wanted[path.format(**params)] = expected
    return wanted


def test_every_route_is_in_the_matrix() -> None:
    routes = {
        (m, r.path) for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) for m in r.methods
    }
    covered = {("GET", p) for a in areas() for p in a.PAGES} | {("POST", p) for a in areas() for p in a.POSTS}
    assert routes == covered, (
        f"without an expectation: {sorted(routes - covered)}; gone: {sorted(covered - routes)}"
    )


def test_every_page_names_every_viewer() -> None:
    for area in areas():
        for path, expected in area.PAGES.items():
            assert set(expected) == {None, *VIEWERS}, f"{area.__name__}: GET {path} misses a viewer"


def test_each_viewer_gets_what_its_role_and_region_allow(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded_to_pupr(console, queued_report)
    viewers = {None: console.client(), **{name: console.client(name) for name in VIEWERS}}
    for url, expected in _expectations(console, report_id, "PAGES").items():
        for viewer, status in expected.items():
            got = viewers[viewer].get(url, follow_redirects=False).status_code
            assert got == status, f"GET {url} as {viewer}: {got}, expected {status}"


def test_no_one_changes_what_they_may_not(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded_to_pupr(console, queued_report)
    posts = _expectations(console, report_id, "POSTS")  # what the areas prepare is written before counting
    with console.runtime.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditLog))
    clients = {None: console.client(), **{name: console.client(name) for name in VIEWERS}}
    tokens = {name: console.csrf(client, "/masuk") for name, client in clients.items() if name}
    for url, expected in posts.items():
        for viewer, status in expected.items():
            if status is None:
                continue
            form = {**FORM, "csrf_token": tokens[viewer]} if viewer else FORM
            got = clients[viewer].post(url, data=form, follow_redirects=False).status_code
            assert got == status, f"POST {url} as {viewer}: {got}, expected {status}"
    with console.runtime.sessions() as session:
        after = session.scalar(select(func.count()).select_from(AuditLog))
    assert after == before  # nothing was written
