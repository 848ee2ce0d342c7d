"""One report's page (the link in every OPD e-mail) and the actions people take on it.

Each action is a form POST (CSRF-checked) that calls one function of ``services.actions`` with the version
the page showed; a refusal (not allowed, changed by someone else meanwhile, a bad tracking ID) re-renders the
page with the reason, a success returns to the page (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.errors import PantauError
from config.schema import LaporMode
from db.models import RejectReason, Role
from db.workflow import REJECT_LABELS
from flows.runtime import Runtime
from services import actions
from services.accounts import Account
from services.actions import Actor, Conflict, Corrections, Forbidden
from services.reports import Viewer, report_life
from web.deps import current_account, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter()
Version = Annotated[int, Form()]


def _viewer(account: Account) -> Viewer:
    return Viewer(region_id=account.region_id, agency_id=account.agency_id)


def _actor(account: Account) -> Actor:
    return Actor(f"user:{account.username}", account.role, account.agency_code)


def _page(
    request: Request,
    rt: Runtime,
    account: Account,
    report_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "account": account,
        "life": report_life(rt, report_id, _viewer(account)),
        "csrf": csrf_token(request),
        "error": error,
        "reject_reasons": REJECT_LABELS,
        "admin": account.role in (Role.OPERATOR, Role.MANAGER),
        "opd": account.role == Role.OPD,
    }
    return TEMPLATES.TemplateResponse(request, "report.html", context, status_code=status)


@router.get("/laporan/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    report_id: int,
    account: Annotated[Account, Depends(current_account)],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    return _page(request, rt, account, report_id)


def _act(
    request: Request, rt: Runtime, account: Account, report_id: int, action: Callable[[], object]
) -> Response:
    report_life(rt, report_id, _viewer(account))  # only a report the account may see
    try:
        action()
    except Conflict as conflict:
        return _page(request, rt, account, report_id, str(conflict), status=409)
    except Forbidden as refusal:
        return _page(request, rt, account, report_id, str(refusal), status=403)
    except PantauError as refusal:
        return _page(request, rt, account, report_id, str(refusal), status=400)
    return RedirectResponse(f"/laporan/{report_id}", status_code=303)


Who = Annotated[Account, Depends(current_account)]
Rt = Annotated[Runtime, Depends(runtime)]
CSRF = [Depends(check_csrf)]


@router.post("/laporan/{report_id}/setujui", dependencies=CSRF)
def approve(
    request: Request,
    report_id: int,
    version: Version,
    account: Who,
    rt: Rt,
    judul: Annotated[str, Form()] = "",
    manual: Annotated[str, Form()] = "",
) -> Response:
    corrections = Corrections(judul=judul.strip() or None)
    mode = LaporMode.MANUAL if manual else None
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.approve(
            rt, report_id, actor=_actor(account), corrections=corrections, mode=mode, expected_version=version
        ),
    )


@router.post("/laporan/{report_id}/tolak", dependencies=CSRF)
def reject(
    request: Request,
    report_id: int,
    version: Version,
    code: Annotated[str, Form()],
    account: Who,
    rt: Rt,
    reason: Annotated[str, Form()] = "",
) -> Response:
    if code not in {r.value for r in RejectReason}:
        return _page(request, rt, account, report_id, f"kode alasan {code!r} tidak dikenal", status=400)

    def act() -> object:
        return actions.reject(
            rt,
            report_id,
            actor=_actor(account),
            code=RejectReason(code),
            reason=reason,
            expected_version=version,
        )

    return _act(request, rt, account, report_id, act)


@router.post("/laporan/{report_id}/catat-tracking", dependencies=CSRF)
def record_tracking(
    request: Request,
    report_id: int,
    version: Version,
    tracking_id: Annotated[str, Form()],
    account: Who,
    rt: Rt,
) -> Response:
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.record_tracking_id(
            rt, report_id, tracking_id, actor=_actor(account), expected_version=version
        ),
    )


@router.post("/laporan/{report_id}/terima", dependencies=CSRF)
def acknowledge(request: Request, report_id: int, version: Version, account: Who, rt: Rt) -> Response:
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.acknowledge(rt, report_id, actor=_actor(account), expected_version=version),
    )


@router.post("/laporan/{report_id}/tanggapi", dependencies=CSRF)
def answer(
    request: Request, report_id: int, version: Version, text: Annotated[str, Form()], account: Who, rt: Rt
) -> Response:
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.answer(rt, report_id, text, actor=_actor(account), expected_version=version),
    )


@router.post("/laporan/{report_id}/kembalikan", dependencies=CSRF)
def return_not_ours(
    request: Request, report_id: int, version: Version, reason: Annotated[str, Form()], account: Who, rt: Rt
) -> Response:
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.return_not_ours(
            rt, report_id, actor=_actor(account), reason=reason, expected_version=version
        ),
    )
