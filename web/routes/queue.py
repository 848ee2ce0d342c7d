"""The operator's LAPOR! queue and the OPD liaison's inbox: the same queue, seen from each role.

The queue filters in the address (a GET form; HTMX swaps only the rows) and acts on ticked rows with one POST
(``/antrean/massal``) that ``services.bulk_actions`` carries out report by report; the page comes back with
the outcome of each. Keyboard shortcuts (web/static/queue.js) use the same form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from db.models import RejectReason, Role
from db.workflow import REJECT_LABELS
from flows.runtime import Runtime
from services import bulk_actions
from services import inbox as services_inbox
from services.accounts import Account
from services.actions import ActionError
from services.bulk_actions import Picked, RowOutcome
from services.reports import (
    PAGE_SIZE,
    STATUS_NEEDS_OPERATOR,
    InvalidFilter,
    QueueFilter,
    local_days,
    queue_choices,
    queue_view,
)
from web.body_limit import FormRoute
from web.deps import actor_of, current_account, requires, runtime, viewer_of
from web.routes.auth import home_of
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
ADMIN_ROLES = (Role.OPERATOR, Role.MANAGER)


@router.get("/")
def home(account: Annotated[Account, Depends(current_account)]) -> Response:
    return RedirectResponse(home_of(account.role), status_code=303)


# the queue's filters in the address (GET form and HTMX), each a QueueFilter field
FILTERS = (
    "status",
    "fungsi",
    "kecamatan",
    "opd",
    "sumber",
    "watchlist",
    "pita",
    "mendesak",
    "dari",
    "sampai",
)


def queue_filter(account: Account, given: Mapping[str, str]) -> QueueFilter:
    page = given.get("halaman", "1")
    since, before = local_days(given.get("dari", ""), given.get("sampai", ""), account.timezone)
    return QueueFilter(
        region_code=account.region_code,
        status=given.get("status") or STATUS_NEEDS_OPERATOR,
        function=given.get("fungsi") or None,
        kecamatan_code=given.get("kecamatan") or None,
        agency_code=given.get("opd") or None,
        source=given.get("sumber") or None,
        watchlist=given.get("watchlist") or None,
        band=given.get("pita") or None,
        urgent_only=bool(given.get("mendesak")),
        queued_from=since,
        queued_before=before,
        page=int(page) if page.isdigit() else 0,
        page_size=PAGE_SIZE,
    )


def _queue_page(
    request: Request,
    rt: Runtime,
    account: Account,
    given: Mapping[str, str],
    *,
    outcomes: list[RowOutcome] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The queue page (or, for an HTMX request, only its rows) of the filters ``given``."""
    try:
        view = queue_view(rt, queue_filter(account, given))
    except InvalidFilter as bad:
        raise HTTPException(status_code=400, detail=str(bad)) from None
    filters = {name: given[name] for name in FILTERS if given.get(name)}
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "view": view,
        "choices": queue_choices(rt, account.region_code),
        "filters": filters,
        "chosen": {"status": STATUS_NEEDS_OPERATOR, **filters},
        "can_act": account.role in ADMIN_ROLES,
        "reject_reasons": REJECT_LABELS,
        "outcomes": outcomes,
        "outcome_of": {o.report_id: o for o in outcomes or ()},
        "error": error,
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "_queue_rows.html" if partial and outcomes is None else "queue.html"
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


@router.get("/antrean", response_class=HTMLResponse)
def review_queue(
    request: Request,
    account: Annotated[Account, Depends(requires(*ADMIN_ROLES, Role.PIMPINAN))],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    """The reports of the viewer's region that match the filters (by default those waiting for an
    operator): urgent first, then priority, then oldest, 50 a page. The pimpinan reads it without controls."""
    return _queue_page(request, rt, account, request.query_params)


def _picked(values: list[str]) -> list[Picked]:
    """The ticked rows, each ``report:version`` as the page wrote it."""
    picked = []
    for value in values:
        report_id, _, version = value.partition(":")
        if not (report_id.isdigit() and version.isdigit()):
            raise HTTPException(status_code=400, detail=f"pilihan {value!r} tidak sah")
        picked.append(Picked(int(report_id), int(version)))
    return picked


@router.post("/antrean/massal", dependencies=[Depends(check_csrf)])
def bulk_action(
    request: Request,
    account: Annotated[Account, Depends(requires(*ADMIN_ROLES))],
    rt: Annotated[Runtime, Depends(runtime)],
    tindakan: Annotated[str, Form()] = "",
    pilih: Annotated[list[str] | None, Form()] = None,
    kode: Annotated[str, Form()] = "",
    alasan: Annotated[str, Form()] = "",
    pertahankan: Annotated[str, Form()] = "",
    kembali: Annotated[str, Form()] = "",
) -> Response:
    """Approve, reject (with a reason code) or merge the ticked reports, each at the version the page showed;
    the queue comes back with what happened to each one."""
    given = dict(parse_qsl(kembali))
    picked = _picked(pilih or [])
    actor = actor_of(account)
    viewer = viewer_of(account)
    try:
        if tindakan == "setujui":
            outcomes = bulk_actions.approve_all(rt, picked, actor=actor, viewer=viewer)
        elif tindakan == "tolak":
            if kode not in {r.value for r in RejectReason}:
                raise ActionError(f"kode alasan {kode!r} tidak dikenal")
            outcomes = bulk_actions.reject_all(
                rt, picked, actor=actor, viewer=viewer, code=RejectReason(kode), reason=alasan.strip()
            )
        elif tindakan == "gabung":
            if not pertahankan.strip().lstrip("#").isdigit():
                raise ActionError("tulis nomor laporan yang dipertahankan")
            keep = int(pertahankan.strip().lstrip("#"))
            outcomes = bulk_actions.merge_all(rt, picked, keep=keep, actor=actor, viewer=viewer)
        else:
            raise ActionError("pilih tindakan: setujui, tolak atau gabung")
    except ActionError as refusal:
        return _queue_page(request, rt, account, given, error=str(refusal), status=400)
    return _queue_page(request, rt, account, given, outcomes=outcomes)


@router.get("/kotak-masuk", response_class=HTMLResponse)
def opd_inbox(
    request: Request,
    account: Annotated[Account, Depends(requires(Role.OPD))],
    rt: Annotated[Runtime, Depends(runtime)],
    tampil: str | None = None,
    halaman: str = "1",
) -> Response:
    """Only the reports forwarded to the liaison's own agency (never another OPD's), most urgent first:
    those that need its action, or (``?tampil=selesai``) those it answered; a page at a time."""
    inbox = services_inbox.opd_inbox(
        rt, account, services_inbox.view_named(tampil), page=int(halaman) if halaman.isdigit() else 1
    )
    context = {
        "account": account,
        "inbox": inbox,
        "views": services_inbox.VIEW_LABELS,
        "csrf": csrf_token(request),
    }
    return TEMPLATES.TemplateResponse(request, "inbox.html", context)
