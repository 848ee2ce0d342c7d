"""The audit log of the manager's region: who changed what, when, from what to what, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account
from services.audit_view import AuditFilter, audit_page
from web.body_limit import FormRoute
from web.deps import requires, runtime
from web.security import csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)


def audit_filter(
    pelaku: str = "", jenis: str = "", nomor: str = "", dari: str = "", sampai: str = "", halaman: str = "1"
) -> AuditFilter:
    """The log's filters as the address gives them (the page and its download)."""
    return AuditFilter(
        actor=pelaku, entity_type=jenis, entity_id=nomor, date_from=dari, date_to=sampai, page=halaman
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    account: Annotated[Account, Depends(requires(Role.MANAGER))],
    rt: Annotated[Runtime, Depends(runtime)],
    wanted: Annotated[AuditFilter, Depends(audit_filter)],
) -> Response:
    """Filtered by actor (part of the name), entity type and number, and a date range in local time."""
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "log": audit_page(rt, account.region_id, wanted),
    }
    return TEMPLATES.TemplateResponse(request, "audit.html", context)
