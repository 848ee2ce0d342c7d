"""The region's dashboard (``services.dashboard``): the funnel, deadline compliance per OPD, incidents by
function, kecamatan and week, and the oldest open and most overdue reports, for a quarter or chosen days,
beside the period before. For managers and pimpinan, and operators of their own region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from db.base import utcnow
from db.models import Role
from flows.runtime import Runtime
from services import quarterly_report as quarterly
from services.accounts import Account
from services.dashboard import (
    InvalidPeriod,
    Narrowing,
    period_asked,
    quarter,
    recent_comparison,
    recent_dashboard,
)
from services.reports import queue_choices
from web.deps import requires, runtime
from web.maps import kecamatan_map
from web.security import csrf_token
from web.templating import TEMPLATES

router = APIRouter()
QUARTERS_OFFERED = 8


@router.get("/dasbor", response_class=HTMLResponse)
def region_dashboard(
    request: Request,
    account: Annotated[Account, Depends(requires(Role.OPERATOR, Role.MANAGER, Role.PIMPINAN))],
    rt: Annotated[Runtime, Depends(runtime)],
    triwulan: str = "",
    dari: str = "",
    sampai: str = "",
    fungsi: str = "",
    opd: str = "",
    sumber: str = "",
) -> Response:
    """The figures of a quarter (or chosen days), narrowed to a function, an OPD or a source if asked."""
    today = utcnow().date()
    try:
        period = period_asked(triwulan, dari, sampai, today)
    except InvalidPeriod as bad:
        raise HTTPException(status_code=400, detail=str(bad)) from None
    choices = queue_choices(rt, account.region_code)
    for value, offered_values, what in (
        (fungsi, choices.functions, "fungsi"),
        (opd, choices.agencies, "OPD"),
        (sumber, choices.sources, "sumber"),
    ):
        if value and value not in dict(offered_values):
            raise HTTPException(status_code=400, detail=f"{what} {value!r} tidak dikenal di wilayah ini")
    narrowing = Narrowing(function=fungsi, agency=opd, source=sumber)
    offered = [quarter(today.year, (today.month - 1) // 3 + 1)]
    while len(offered) < QUARTERS_OFFERED:
        offered.append(offered[-1].before())
    figures = recent_dashboard(rt, account.region_id, period, narrowing)
    context = {
        "regions": recent_comparison(rt, account.regions, period) if len(account.regions) > 1 else [],
        "choices": choices,
        "narrowing": narrowing,
        "account": account,
        "csrf": csrf_token(request),
        "d": figures,
        "map": kecamatan_map(account.region_code, {c.code: (c.count, c.link) for c in figures.by_kecamatan}),
        "quarters": [(f"{q.first.year}Q{(q.first.month - 1) // 3 + 1}", q.label) for q in offered],
        "custom": bool(dari or sampai),
    }
    return TEMPLATES.TemplateResponse(request, "dashboard.html", context)


@router.get("/dasbor/laporan-triwulan.{fmt}")
def quarterly_download(
    fmt: str,
    account: Annotated[Account, Depends(requires(Role.OPERATOR, Role.MANAGER, Role.PIMPINAN))],
    rt: Annotated[Runtime, Depends(runtime)],
    triwulan: str = "",
) -> Response:
    """The quarterly report to the Bupati of the account's region, as PDF (or HTML), for the quarter shown."""
    if fmt not in ("pdf", "html"):
        raise HTTPException(status_code=404, detail=f"format {fmt!r} tidak dikenal: pdf atau html")
    try:
        period = period_asked(triwulan, "", "", utcnow().date())
    except InvalidPeriod as bad:
        raise HTTPException(status_code=400, detail=str(bad)) from None
    report = quarterly.quarterly_report(rt, account.region_code, period)
    name = quarterly.file_name(report, account.region_code, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "pdf":
        return Response(quarterly.render_pdf(report), media_type="application/pdf", headers=headers)
    return Response(quarterly.render_html(report), media_type="text/html; charset=utf-8", headers=headers)
