"""An incident's operator actions beyond the review forms: merge, split, re-route, urgent, file now.

Each is a form of the report page (``_report_admin.html``) posted with the CSRF token and the version the
page showed, for operators and managers only (403 for the other roles, 404 for another region's report);
like the report page's own forms it goes through ``web.routes.reports._act``: a refusal re-renders the
page with the reason (409 with who changed it for a stale version), a success returns to the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from db.models import Role
from services import actions
from services.accounts import Account
from services.incidents import merge_with
from web.body_limit import FormRoute
from web.deps import actor_of, requires, viewer_of
from web.routes.reports import CSRF, Rt, Text, Version, _act

router = APIRouter(route_class=FormRoute)
Admin = Annotated[Account, Depends(requires(Role.OPERATOR, Role.MANAGER))]


@router.post("/laporan/{report_id}/gabung", dependencies=CSRF)
def merge(
    request: Request, report_id: int, version: Version, account: Admin, rt: Rt, nomor: Text = ""
) -> Response:
    """Report ``nomor``'s incident joins this one; that report is rejected as a duplicate of this one."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: merge_with(
            rt, report_id, nomor, viewer=viewer_of(account), actor=actor_of(account), expected_version=version
        ),
        draft={"nomor": nomor},
    )


@router.post("/laporan/{report_id}/pisah", dependencies=CSRF)
def split(
    request: Request,
    report_id: int,
    version: Version,
    account: Admin,
    rt: Rt,
    sebutan: Annotated[int, Form()] = 0,
) -> Response:
    """Mention ``sebutan`` (a detection id) is another incident: it gets its own queued report."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.split(rt, report_id, sebutan, actor=actor_of(account), expected_version=version),
    )


@router.post("/laporan/{report_id}/alihkan", dependencies=CSRF)
def reroute(
    request: Request,
    report_id: int,
    version: Version,
    account: Admin,
    rt: Rt,
    opd: Text = "",
    reason: Text = "",
) -> Response:
    """Send the report to another OPD of its region (a correction before filing, a new disposisi after)."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.reroute(
            rt, report_id, opd, actor=actor_of(account), reason=reason.strip(), expected_version=version
        ),
        draft={"alihkan_reason": reason},
    )


@router.post("/laporan/{report_id}/mendesak", dependencies=CSRF)
def urgent(
    request: Request,
    report_id: int,
    version: Version,
    account: Admin,
    rt: Rt,
    mendesak: Text = "",
    reason: Text = "",
) -> Response:
    """Mark the incident urgent (``mendesak=1``) or take the mark away (``mendesak=0``)."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.set_urgent(
            rt,
            report_id,
            mendesak == "1",
            actor=actor_of(account),
            reason=reason,
            expected_version=version,
        ),
    )


@router.post("/laporan/{report_id}/kirim", dependencies=CSRF)
def file_now(request: Request, report_id: int, version: Version, account: Admin, rt: Rt) -> Response:
    """Send the approved report's API filing now (one waiting for its next try, or one given up)."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.file_now(rt, report_id, actor=actor_of(account), expected_version=version),
    )
