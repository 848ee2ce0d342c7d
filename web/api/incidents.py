"""Incidents and reports: list (cursor pages, the console's queue filters) and read one."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from db.models import Role
from flows.runtime import Runtime
from services import api_views
from services.accounts import Account
from services.actions import Forbidden, NotFound
from services.reports import InvalidFilter, QueueFilter, local_days
from web.api.auth import allowed, caller
from web.deps import runtime

router = APIRouter()
READERS = (Role.OPERATOR, Role.MANAGER, Role.PIMPINAN)


def with_etag(request: Request, body: Any) -> Response:
    """The JSON body with a strong ETag; 304 when the caller already holds it."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


@router.get("/incidents", summary="List incidents")
def list_incidents(
    request: Request,
    account: Annotated[Account, Depends(allowed(*READERS))],
    rt: Annotated[Runtime, Depends(runtime)],
    status: Annotated[str, Query(description="a status code, or 'perlu_tindakan', or 'semua'")] = "semua",
    function: Annotated[str | None, Query(description="function code, e.g. JALAN")] = None,
    kecamatan: Annotated[str | None, Query(description="kecamatan code")] = None,
    agency: Annotated[str | None, Query(description="agency code, e.g. PUPR")] = None,
    source: Annotated[str | None, Query(description="source slug")] = None,
    watchlist: Annotated[str | None, Query(description="watchlist name")] = None,
    band: Annotated[str | None, Query(description="complaint or review")] = None,
    urgent: bool = False,
    queued_from: Annotated[str, Query(alias="from", description="first local day, YYYY-MM-DD")] = "",
    queued_to: Annotated[str, Query(alias="to", description="last local day, YYYY-MM-DD")] = "",
    limit: Annotated[int, Query(ge=1, le=api_views.MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> Response:
    """The incidents of the token's region, each with its report, oldest first, a page at a time: pass
    ``next_cursor`` back as ``cursor`` for the next page (null on the last)."""
    try:
        since, before = local_days(queued_from, queued_to, account.timezone)
        wanted = QueueFilter(
            status=status,
            function=function,
            kecamatan_code=kecamatan,
            agency_code=agency,
            source=source,
            watchlist=watchlist,
            band=band,
            urgent_only=urgent,
            queued_from=since,
            queued_before=before,
        )
        page = api_views.incident_page(rt, account, wanted, cursor, limit)
    except (InvalidFilter, api_views.BadCursor) as bad:
        raise HTTPException(400, str(bad)) from None
    return with_etag(request, {"items": page.items, "next_cursor": page.next_cursor})


@router.get("/reports/{report_id}", summary="Read one report and its incident")
def read_report(
    request: Request,
    report_id: int,
    account: Annotated[Account, Depends(caller)],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    """Any role may read a report of its region; an OPD liaison only those forwarded to its agency."""
    try:
        return with_etag(request, api_views.report_record(rt, account, report_id))
    except NotFound:
        raise HTTPException(404, f"no report {report_id}") from None
    except Forbidden as refused:
        raise HTTPException(403, str(refused)) from None
