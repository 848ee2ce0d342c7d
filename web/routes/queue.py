"""The operator's LAPOR! queue and the OPD liaison's inbox: the same queue, seen from each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account
from services.reports import QueueFilter, queue_view
from web.deps import current_account, requires, runtime
from web.routes.auth import home_of
from web.security import csrf_token
from web.templating import TEMPLATES

router = APIRouter()
ADMIN_ROLES = (Role.OPERATOR, Role.MANAGER)


@router.get("/")
def home(account: Annotated[Account, Depends(current_account)]) -> Response:
    return RedirectResponse(home_of(account.role), status_code=303)


@router.get("/antrean", response_class=HTMLResponse)
def review_queue(
    request: Request,
    account: Annotated[Account, Depends(requires(*ADMIN_ROLES, Role.PIMPINAN))],
    rt: Annotated[Runtime, Depends(runtime)],
    status: str | None = None,
) -> Response:
    """Every report of the operator's region: urgent first, then priority, then oldest."""
    view = queue_view(rt, QueueFilter(region_code=account.region_code, status=status or None))
    context = {"account": account, "view": view, "csrf": csrf_token(request), "status": status}
    return TEMPLATES.TemplateResponse(request, "queue.html", context)


@router.get("/kotak-masuk", response_class=HTMLResponse)
def opd_inbox(
    request: Request,
    account: Annotated[Account, Depends(requires(Role.OPD))],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    """Only the reports forwarded to the liaison's own agency (never another OPD's)."""
    view = queue_view(rt, QueueFilter(region_code=account.region_code, agency_code=account.agency_code))
    mine = [row for row in view.rows if row["status"] in INBOX_STATUSES]
    context = {"account": account, "rows": mine, "csrf": csrf_token(request)}
    return TEMPLATES.TemplateResponse(request, "inbox.html", context)


INBOX_STATUSES = ("forwarded", "acknowledged", "followed_up")
