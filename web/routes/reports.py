"""One report's page (the link in every OPD e-mail) and the actions people take on it.

Each action is a form POST (CSRF-checked) that calls one function of ``services.actions`` with the version
the page showed; a refusal (not allowed, changed by someone else meanwhile, a bad tracking ID) re-renders the
page with the reason, a success returns to the page (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.errors import PantauError
from config.schema import LaporMode
from db.models import RejectReason, Role
from db.workflow import REJECT_LABELS
from flows.runtime import Runtime
from services import actions
from services.accounts import Account
from services.actions import Conflict, Corrections, Forbidden
from services.attachments import accept_all
from services.inbox import agencies_to_suggest
from services.reports import report_life
from web.body_limit import FormRoute
from web.deps import actor_of, current_account, runtime, viewer_of
from web.explain import incident_page
from web.routes.attachments import UploadRoute
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
Version = Annotated[int, Form()]


def _page(
    request: Request,
    rt: Runtime,
    account: Account,
    report_id: int,
    error: str | None = None,
    status: int = 200,
    draft: dict[str, str] | None = None,
) -> Response:
    context = {
        "account": account,
        "life": report_life(rt, report_id, viewer_of(account)),
        "csrf": csrf_token(request),
        "error": error,
        "reject_reasons": REJECT_LABELS,
        "admin": account.role in (Role.OPERATOR, Role.MANAGER),
        "opd": account.role == Role.OPD,
        # the incident behind the report, for the people who review it (?sebutan=N: that mention's why)
        "incident": (
            incident_page(rt, report_id, viewer_of(account), request.query_params.get("sebutan"))
            if account.role in (Role.OPERATOR, Role.MANAGER)
            else None
        ),
        # the OPD's forms: what it typed before a refusal, and the agencies it may suggest on a return
        "draft": draft or {},
        "saran_opd": agencies_to_suggest(rt, account) if account.role == Role.OPD else [],
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
    request: Request,
    rt: Runtime,
    account: Account,
    report_id: int,
    action: Callable[[], object],
    draft: dict[str, str] | None = None,
) -> Response:
    """Run ``action``; a refusal re-renders the page with the reason (and ``draft``, what was typed)."""
    report_life(rt, report_id, viewer_of(account))  # only a report the account may see
    try:
        action()
    except Conflict as conflict:
        return _page(request, rt, account, report_id, str(conflict), status=409, draft=draft)
    except Forbidden as refusal:
        return _page(request, rt, account, report_id, str(refusal), status=403, draft=draft)
    except PantauError as refusal:
        return _page(request, rt, account, report_id, str(refusal), status=400, draft=draft)
    return RedirectResponse(f"/laporan/{report_id}", status_code=303)


Who = Annotated[Account, Depends(current_account)]
Rt = Annotated[Runtime, Depends(runtime)]
CSRF = [Depends(check_csrf)]
Text = Annotated[str, Form()]
YES_NO = {"ya": True, "tidak": False}  # the approval form's anonim and rahasia


@router.post("/laporan/{report_id}/setujui", dependencies=CSRF)
def approve(
    request: Request,
    report_id: int,
    version: Version,
    account: Who,
    rt: Rt,
    judul: Text = "",
    isi: Text = "",
    kategori: Text = "",
    lokasi: Text = "",
    opd: Text = "",
    fungsi: Text = "",
    klasifikasi: Text = "",
    anonim: Text = "",
    rahasia: Text = "",
    manual: Text = "",
) -> Response:
    """Approve with the operator's corrections: a field left empty, or as drafted, is not a correction."""
    corrections = Corrections(
        judul=judul.strip() or None,
        isi=isi.strip() or None,
        kategori=kategori.strip() or None,
        lokasi=lokasi.strip() or None,
        agency_code=opd or None,
        function=fungsi or None,
        klasifikasi=klasifikasi or None,
        anonim=YES_NO.get(anonim),
        rahasia=YES_NO.get(rahasia),
    )
    mode = LaporMode.MANUAL if manual else None
    typed = {
        "judul": judul,
        "isi": isi,
        "kategori": kategori,
        "lokasi": lokasi,
        "opd": opd,
        "fungsi": fungsi,
        "klasifikasi": klasifikasi,
        "anonim": anonim,
        "rahasia": rahasia,
    }
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.approve(
            rt,
            report_id,
            actor=actor_of(account),
            corrections=corrections,
            mode=mode,
            expected_version=version,
        ),
        draft=typed,
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
            actor=actor_of(account),
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
            rt, report_id, tracking_id, actor=actor_of(account), expected_version=version
        ),
    )


@router.post("/laporan/{report_id}/terima", dependencies=CSRF)
def acknowledge(request: Request, report_id: int, version: Version, account: Who, rt: Rt) -> Response:
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.acknowledge(rt, report_id, actor=actor_of(account), expected_version=version),
    )


def answer(
    request: Request,
    report_id: int,
    version: Version,
    text: Annotated[str, Form()],
    account: Who,
    rt: Rt,
    lampiran: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """The tindak lanjut with its files (multipart; the body is capped by ``UploadRoute``): a refused file
    refuses the whole answer and the page comes back with the text as typed."""

    def act() -> object:
        uploads = accept_all([(upload.filename or "", upload.file) for upload in lampiran or []])
        return actions.answer(
            rt, report_id, text, actor=actor_of(account), expected_version=version, files=uploads
        )

    return _act(request, rt, account, report_id, act, draft={"text": text})


router.add_api_route(
    "/laporan/{report_id}/tanggapi",
    answer,
    methods=["POST"],
    dependencies=CSRF,
    route_class_override=UploadRoute,
)


@router.post("/laporan/{report_id}/kembalikan", dependencies=CSRF)
def return_not_ours(
    request: Request,
    report_id: int,
    version: Version,
    reason: Annotated[str, Form()],
    account: Who,
    rt: Rt,
    saran_opd: Annotated[str, Form()] = "",
    luar_pemda: Annotated[str, Form()] = "",
) -> Response:
    """Bukan wewenang: the reason, and optionally whose it is (another OPD of the region, or a body outside
    the regional government)."""
    return _act(
        request,
        rt,
        account,
        report_id,
        lambda: actions.return_not_ours(
            rt,
            report_id,
            actor=actor_of(account),
            reason=reason,
            suggested_agency=saran_opd or None,
            outside_body=luar_pemda or None,
            expected_version=version,
        ),
        draft={"reason": reason, "saran_opd": saran_opd, "luar_pemda": luar_pemda},
    )
