"""The manager's region's sources and their health (read-only: sources are configured in the sources YAML)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account
from services.source_overview import region_sources
from web.body_limit import FormRoute
from web.deps import requires, runtime
from web.security import csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)


@router.get("/sumber", response_class=HTMLResponse)
def sources_page(
    request: Request,
    account: Annotated[Account, Depends(requires(Role.MANAGER))],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "overview": region_sources(rt, account.region_id),
    }
    return TEMPLATES.TemplateResponse(request, "sources.html", context)
