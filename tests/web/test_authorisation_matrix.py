"""Every route with every role, and logged out: nobody sees or changes another OPD's or another region's
reports, and each page is for the roles it names. A route added to the console without a line here fails."""

from __future__ import annotations

from fastapi.routing import APIRoute
from sqlalchemy import select

from db.models import AuditLog
from services import actions
from services.actions import Actor
from web.app import ROUTERS

ROLES = ("operator", "manajer", "pupr", "dlh", "operator-banjarbaru")
# path -> (method, expected status per viewer; None is logged out). Report routes use a report of region
# 64.08 forwarded to PUPR.
PAGES = {
    "/": {None: 303, "operator": 303, "manajer": 303, "pupr": 303, "dlh": 303, "operator-banjarbaru": 303},
    "/masuk": {None: 200, **dict.fromkeys(ROLES, 200)},
    "/antrean": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pupr": 403,
        "dlh": 403,
        "operator-banjarbaru": 200,
    },
    "/kotak-masuk": {
        None: 303,
        "operator": 403,
        "manajer": 403,
        "pupr": 200,
        "dlh": 200,
        "operator-banjarbaru": 403,
    },
    "/laporan/{report_id}": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pupr": 200,
        "dlh": 404,
        "operator-banjarbaru": 404,
    },
}
# state-changing routes: who may reach the action at all (the others get 404 for a report they may not see,
# 403 without a login's CSRF token); what the action then says depends on the report's status
REPORT_ACTIONS = (
    "/laporan/{report_id}/setujui",
    "/laporan/{report_id}/tolak",
    "/laporan/{report_id}/catat-tracking",
    "/laporan/{report_id}/terima",
    "/laporan/{report_id}/tanggapi",
    "/laporan/{report_id}/kembalikan",
)
OTHER_POSTS = ("/masuk", "/keluar")


def _forwarded_to_pupr(console, queued_report) -> int:  # type: ignore[no-untyped-def]
    report_id = int(queued_report(console.runtime, title="Jalan berlubang untuk PUPR"))
    operator = Actor("user:uji")
    actions.approve(console.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, f"{4000000 + report_id}", actor=operator)
    return report_id


def test_every_route_is_in_the_matrix() -> None:
    routes = {
        (m, r.path) for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) for m in r.methods
    }
    covered = {("GET", p) for p in PAGES} | {("POST", p) for p in (*REPORT_ACTIONS, *OTHER_POSTS)}
    assert routes == covered, f"routes without an expectation: {sorted(routes - covered)}"


def test_each_viewer_gets_what_its_role_and_region_allow(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded_to_pupr(console, queued_report)
    viewers = {None: console.client(), **{name: console.client(name) for name in ROLES}}
    for path, expected in PAGES.items():
        url = path.format(report_id=report_id)
        for viewer, status in expected.items():
            got = viewers[viewer].get(url, follow_redirects=False).status_code
            assert got == status, f"GET {url} as {viewer}: {got}, expected {status}"


def test_no_one_changes_a_report_they_may_not_see(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded_to_pupr(console, queued_report)
    with console.runtime.sessions() as session:
        before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    form = {"version": "99", "code": "spam", "tracking_id": "7000001", "text": "x" * 20, "reason": "uji"}
    for name in ("dlh", "operator-banjarbaru"):
        client = console.client(name)
        token = console.csrf(client, "/masuk")
        for action in REPORT_ACTIONS:
            url = action.format(report_id=report_id)
            got = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False).status_code
            assert got == 404, f"POST {url} as {name}: {got}"
    anonymous = console.client()
    for action in REPORT_ACTIONS:
        url = action.format(report_id=report_id)
        assert anonymous.post(url, data=form, follow_redirects=False).status_code == 403, url
    with console.runtime.sessions() as session:
        after = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    assert after == before  # nothing was written
