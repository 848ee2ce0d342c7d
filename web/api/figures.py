"""The dashboard's figures (``services.dashboard``) and an OPD's inbox (``services.inbox``) as JSON."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from db.base import utcnow
from db.models import Role
from flows.runtime import Runtime
from services import inbox as services_inbox
from services.accounts import Account
from services.dashboard import InvalidPeriod, Narrowing, period_asked, recent_dashboard
from web.api.auth import allowed
from web.api.incidents import READERS, with_etag
from web.deps import runtime

router = APIRouter()


def _plain(value: Any) -> Any:
    """Dataclasses, dates and enums as JSON can carry them."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


@router.get("/dashboard", summary="The dashboard's figures")
def figures(
    request: Request,
    account: Annotated[Account, Depends(allowed(*READERS))],
    rt: Annotated[Runtime, Depends(runtime)],
    quarter: Annotated[str, Query(description="e.g. 2026Q3 (default: this one)")] = "",
    first: Annotated[str, Query(alias="from", description="or the first local day, YYYY-MM-DD")] = "",
    last: Annotated[str, Query(alias="to", description="and the last")] = "",
    function: Annotated[str, Query(description="only this function's reports")] = "",
    agency: Annotated[str, Query(description="only this agency's reports (its code)")] = "",
    source: Annotated[str, Query(description="only reports whose incident this source mentioned")] = "",
) -> Response:
    """The funnel, deadline compliance per OPD, counts by function, kecamatan, OPD and week, and the listed
    reports, for the period and beside the one before (docs/dashboards.md says what each counts)."""
    try:
        period = period_asked(quarter, first, last, utcnow().date())
    except InvalidPeriod as bad:
        raise HTTPException(400, str(bad)) from None
    narrowing = Narrowing(function=function, agency=agency, source=source)
    return with_etag(request, _plain(recent_dashboard(rt, account.region_id, period, narrowing)))


@router.get("/inbox", summary="The OPD's inbox")
def inbox(
    request: Request,
    account: Annotated[Account, Depends(allowed(Role.OPD))],
    rt: Annotated[Runtime, Depends(runtime)],
    view: Annotated[str, Query(description="perlu-tindakan (default) or selesai")] = "perlu-tindakan",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The reports of the token's agency, most urgent first, with each one's next deadline and time left."""
    found = services_inbox.opd_inbox(rt, account, services_inbox.view_named(view), page=page)
    return with_etag(request, _plain(found))
