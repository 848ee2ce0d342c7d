"""What a region's systems may do through the API, each the console's action (``services.actions``) with
the same checks: approve (with corrections), reject with a reason code, file now or record LAPOR!'s tracking
ID, forward, and for an OPD acknowledge and answer (tindak lanjut). Every body names the report's
``version`` as last read: a report someone changed since is refused with 409 and who changed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from config.errors import PantauError
from config.schema import LaporMode
from db.models import RejectReason
from db.workflow import TransitionError
from flows.runtime import Runtime
from services import actions, api_views
from services.accounts import Account
from services.actions import Actor, Conflict, Corrections, Forbidden, NotFound, ReportState
from web.api.auth import caller
from web.deps import runtime

router = APIRouter()


class Versioned(BaseModel):
    version: int = Field(description="the report's version as last read (GET /api/v1/reports/{id})")


class Approval(Versioned):
    mode: LaporMode | None = Field(None, description="api or manual (assisted entry); default: the region's")
    title: str | None = None
    text: str | None = None
    category: str | None = None
    location: str | None = None
    agency: str | None = Field(None, description="another agency code than drafted")
    function: str | None = Field(None, description="another function code than triage found (functions.yaml)")


class Rejection(Versioned):
    code: RejectReason
    reason: str = ""


class Tracking(Versioned):
    tracking_id: str = Field(min_length=1, max_length=60)


class Note(Versioned):
    note: str = ""


class FollowUp(Versioned):
    text: str = Field(min_length=10, description="the tindak lanjut, at least 10 characters")


def _state(state: ReportState) -> dict[str, Any]:
    return {
        "id": state.id,
        "status": state.status,
        "status_label": state.label,
        "version": state.version,
        "tracking_id": state.tracking_id,
        "agency": state.agency,
        "filing": state.filing,
    }


def _done(
    rt: Runtime, account: Account, report_id: int, action: Callable[[Actor], ReportState]
) -> dict[str, Any]:
    """Run ``action`` as the token's user on a report it may see; a refusal is a problem with its reason."""
    try:
        api_views.report_record(rt, account, report_id)  # another region's or OPD's report does not exist
        return _state(action(Actor(f"user:{account.username}", account.role, account.agency_code)))
    except NotFound as missing:
        raise HTTPException(404, str(missing)) from None
    except Forbidden as refused:
        raise HTTPException(403, str(refused)) from None
    except (Conflict, TransitionError) as conflict:
        raise HTTPException(409, str(conflict)) from None
    except PantauError as refused:
        raise HTTPException(400, str(refused)) from None


Who = Annotated[Account, Depends(caller)]
Rt = Annotated[Runtime, Depends(runtime)]


@router.post("/reports/{report_id}/approve", summary="Approve (with corrections)")
def approve(report_id: int, body: Approval, account: Who, rt: Rt) -> dict[str, Any]:
    corrections = Corrections(
        judul=body.title,
        isi=body.text,
        kategori=body.category,
        lokasi=body.location,
        agency_code=body.agency,
        function=body.function,
    )
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.approve(
            rt, report_id, actor=actor, corrections=corrections, mode=body.mode, expected_version=body.version
        ),
    )


@router.post("/reports/{report_id}/reject", summary="Reject with a reason code")
def reject(report_id: int, body: Rejection, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.reject(
            rt, report_id, actor=actor, code=body.code, reason=body.reason, expected_version=body.version
        ),
    )


@router.post("/reports/{report_id}/file", summary="File an approved report in LAPOR! now (API mode)")
def file_now(report_id: int, body: Versioned, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.file_now(rt, report_id, actor=actor, expected_version=body.version),
    )


@router.post("/reports/{report_id}/tracking-id", summary="Record LAPOR!'s tracking ID (assisted entry)")
def record_tracking_id(report_id: int, body: Tracking, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.record_tracking_id(
            rt, report_id, body.tracking_id, actor=actor, expected_version=body.version
        ),
    )


@router.post("/reports/{report_id}/forward", summary="Forward a filed report to its OPD")
def forward(report_id: int, body: Note, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.forward(
            rt, report_id, actor=actor, reason=body.note, expected_version=body.version
        ),
    )


@router.post("/reports/{report_id}/acknowledge", summary="The OPD takes the report up")
def acknowledge(report_id: int, body: Note, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.acknowledge(
            rt, report_id, actor=actor, note=body.note, expected_version=body.version
        ),
    )


@router.post("/reports/{report_id}/follow-up", summary="The OPD's tindak lanjut")
def follow_up(report_id: int, body: FollowUp, account: Who, rt: Rt) -> dict[str, Any]:
    return _done(
        rt,
        account,
        report_id,
        lambda actor: actions.answer(rt, report_id, body.text, actor=actor, expected_version=body.version),
    )
