"""Every action an operator or an OPD takes on a report: the one module the CLI, the console and the API call.

Each action is one transaction (``db.session.write_transaction``) and goes through ``db.workflow`` for any
status change. Concurrency is optimistic: a caller that showed a report at version ``v`` passes
``expected_version=v``; if someone else changed it meanwhile the action is refused with ``Conflict`` naming
who ("sudah diubah oleh ..."), and the report's version column makes the UPDATE itself conditional, so two
transactions racing past the check cannot both write (the loser gets ``Conflict`` too). Never a lost update.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from config.errors import PantauError
from config.schema import FunctionDef, LaporMode
from db import audit
from db.base import utcnow
from db.local_time import local_display
from db.models import (
    Agency,
    Attachment,
    DeliveryState,
    Detection,
    Filing,
    FollowUp,
    IssueStatus,
    RejectReason,
    Report,
    ReportStatus,
    Role,
)
from db.session import WriteLockBusy, write_transaction
from db.workflow import TransitionError, label, transition
from flows.issues import open_issue
from flows.queueing import queue_issue
from flows.runtime import Runtime
from nlp.redact import redact
from nlp.rules import URGENT_PRIORITY
from services import feedback, notifications
from services.lapor.protocol import FIELD_LIMITS
from services.lapor.tracking_id import InvalidTrackingId, parse_tracking_id

if TYPE_CHECKING:
    from services.attachments import Upload

S = ReportStatus
KLASIFIKASI = ("pengaduan", "aspirasi", "permintaan_informasi")
OPD_OPEN = (S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP)


class ActionError(PantauError):
    """An action that cannot be done as asked; the message says why, for the person who asked."""


class NotFound(ActionError):
    pass


class Forbidden(ActionError):
    pass


class Conflict(ActionError):
    """Someone else changed the report since the caller read it."""


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` goes into the audit log (``user:budi``, ``system:filing``); an OPD liaison carries
    its agency code and may act only on reports forwarded to that agency."""

    name: str
    role: Role | None = Role.OPERATOR  # None: the system itself
    agency_code: str | None = None

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(name=f"system:{job}", role=None)


@dataclass(frozen=True)
class Corrections:
    """What an operator may correct before approving; None leaves a field as Pantau drafted it. ``function``
    corrects the incident's function (a code of functions.yaml; the kategori follows it unless corrected
    too); function, lokasi and OPD corrections are written as labels the model can learn from."""

    judul: str | None = None
    isi: str | None = None
    kategori: str | None = None
    lokasi: str | None = None
    agency_code: str | None = None
    klasifikasi: str | None = None
    anonim: bool | None = None
    rahasia: bool | None = None
    function: str | None = None

    def given(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def teaches(self) -> bool:
        """Whether these corrections say something the model can learn (what broke, where, whose)."""
        return any(value is not None for value in (self.function, self.lokasi, self.agency_code))


@dataclass(frozen=True)
class ReportState:
    """A report as an action left it (detached from the session)."""

    id: int
    status: str
    version: int
    tracking_id: str | None
    agency: str | None
    filing: str | None  # the filing outbox state, if any

    @property
    def label(self) -> str:
        return label(self.status)

    def line(self) -> str:
        parts = [f"laporan #{self.id}: {self.label} ({self.status})"]
        if self.tracking_id:
            parts.append(f"tracking {self.tracking_id}")
        if self.agency:
            parts.append(self.agency)
        return ", ".join(parts)


@contextmanager
def _action(runtime: Runtime) -> Iterator[Session]:
    """One action's transaction; a concurrent writer's win becomes ``Conflict``."""
    try:
        with write_transaction(runtime.sessions) as session:
            yield session
    except StaleDataError:
        raise Conflict(
            "laporan sudah diubah oleh pengguna lain saat ini; muat ulang lalu coba lagi"
        ) from None
    except WriteLockBusy:
        raise ActionError("basis data sedang dipakai penulis lain; coba lagi sebentar lagi") from None


def _load(session: Session, report_id: int, actor: Actor, expected_version: int | None) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"laporan #{report_id} tidak ada")
    if actor.role == Role.OPD and (report.agency is None or report.agency.code != actor.agency_code):
        raise Forbidden(f"laporan #{report_id} tidak didisposisikan ke {actor.agency_code}")
    if expected_version is not None and report.version != expected_version:
        when = local_display(report.status_changed_at, report.region.timezone)
        raise Conflict(
            f"laporan #{report_id} sudah diubah oleh {report.last_actor} ({when}): sekarang "
            f"{label(report.status)}, versi {report.version}; muat ulang lalu coba lagi"
        )
    return report


ADMIN = (Role.OPERATOR, Role.MANAGER)


def _require_role(actor: Actor, *roles: Role | None) -> None:
    if actor.role not in roles:
        raise Forbidden(f"{actor.name} ({actor.role or 'sistem'}) tidak boleh melakukan ini")


def _change(
    runtime: Runtime,
    report_id: int,
    to: ReportStatus,
    *,
    actor: Actor,
    expected_version: int | None,
    roles: tuple[Role | None, ...] = ADMIN,
    reason: str = "",
    authority_body: str | None = None,
) -> ReportState:
    """An action that is one status change and nothing else."""
    _require_role(actor, *roles)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        transition(session, report, to, actor=actor.name, reason=reason, authority_body=authority_body)
        return _state(session, report)


def _state(session: Session, report: Report) -> ReportState:
    session.flush()
    filing = session.scalar(select(Filing.state).where(Filing.report_id == report.id))
    return ReportState(
        id=report.id,
        status=report.status,
        version=report.version,
        tracking_id=report.tracking_id,
        agency=report.agency.short_name if report.agency else None,
        filing=filing,
    )


def _agency(session: Session, report: Report, code: str) -> Agency:
    agency = session.scalar(
        select(Agency).where(Agency.region_id == report.region_id, Agency.code == code.upper())
    )
    if agency is None or not agency.active:
        raise ActionError(f"tidak ada OPD aktif berkode {code!r} di wilayah laporan #{report.id}")
    return agency


def _changes(report: Report, corrections: Corrections) -> Corrections:
    """Only what differs from the report, texts trimmed with plain line ends (a form sends every field,
    also those left as Pantau drafted them, and a browser ends a textarea's lines with CR LF)."""
    changed: dict[str, object] = {}
    for name, value in corrections.given().items():
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").strip()
        if name == "agency_code":
            same = report.agency is not None and str(value).upper() == report.agency.code
        elif name == "function":
            same = str(value).upper() == report.issue.function
        else:
            same = value == getattr(report, name)
        if not same:
            changed[name] = value
    return Corrections(**changed)  # type: ignore[arg-type]  # the names and types of Corrections' fields


def _apply_corrections(
    session: Session,
    report: Report,
    corrections: Corrections,
    actor: Actor,
    functions: dict[str, FunctionDef] | None = None,
) -> Corrections:
    """Apply what differs from the report (audited as one ``correct`` entry); returns that difference."""
    corrections = _changes(report, corrections)
    given = corrections.given()
    if not given:
        return corrections
    before = {name: getattr(report, name) for name in given if name not in ("agency_code", "function")}
    if corrections.function is not None:
        code = corrections.function.upper()
        if functions is None or code not in functions:
            raise ActionError(f"laporan #{report.id}: fungsi {corrections.function!r} tidak dikenal")
        before["function"] = report.issue.function
        report.issue.function = code
        if corrections.kategori is None and report.kategori != functions[code].lapor_category:
            before["kategori"] = report.kategori
            report.kategori = functions[code].lapor_category
    for name in ("judul", "isi", "lokasi"):
        if name in given:
            text = redact(str(given[name]).strip())  # typed by a person; still leaves Pantau
            if not text:
                raise ActionError(f"laporan #{report.id}: {name} tidak boleh kosong")
            limit = FIELD_LIMITS[name]
            if len(text) > limit:
                raise ActionError(f"laporan #{report.id}: {name} lebih dari {limit} karakter")
            setattr(report, name, text)
    if corrections.kategori is not None:
        if not corrections.kategori.strip() or len(corrections.kategori) > FIELD_LIMITS["kategori"]:
            raise ActionError(f"laporan #{report.id}: kategori harus 1-{FIELD_LIMITS['kategori']} karakter")
        report.kategori = corrections.kategori.strip()
    if corrections.klasifikasi is not None:
        if corrections.klasifikasi not in KLASIFIKASI:
            raise ActionError(
                f"laporan #{report.id}: klasifikasi harus salah satu dari {', '.join(KLASIFIKASI)}"
            )
        report.klasifikasi = corrections.klasifikasi
    if corrections.anonim is not None:
        report.anonim = corrections.anonim
    if corrections.rahasia is not None:
        report.rahasia = corrections.rahasia
    if corrections.agency_code is not None:
        before["agency_id"] = report.agency_id
        agency = _agency(session, report, corrections.agency_code)
        report.agency_id = agency.id
        report.agency = agency
    after = {name: report.issue.function if name == "function" else getattr(report, name) for name in before}
    report.last_actor = actor.name
    audit.record(session, actor=actor.name, entity=report, action="correct", before=before, after=after)
    return corrections


def _filing_of(session: Session, report: Report) -> Filing | None:
    return session.scalar(select(Filing).where(Filing.report_id == report.id))


def _intend_filing(session: Session, report: Report, mode: LaporMode | None) -> Filing:
    """Write the filing intent in the approval's transaction: the outbox the filing worker delivers (api)
    or the operator types into LAPOR! (manual, "siap diinput"). ``mode`` overrides the region's."""
    mode = mode or LaporMode(report.region.lapor.get("mode", LaporMode.MANUAL))
    state = DeliveryState.PENDING if mode == LaporMode.API else DeliveryState.WAITING_ENTRY
    filing = _filing_of(session, report)
    if filing is None:
        filing = Filing(report_id=report.id, region_id=report.region_id, idempotency_key=uuid.uuid4().hex)
        session.add(filing)
    elif filing.attempts and filing.refused:
        filing.idempotency_key = uuid.uuid4().hex  # LAPOR! stored nothing under the old key: a new intent
    filing.mode = mode.value
    filing.state = state
    filing.attempts = 0
    filing.refused = False
    filing.next_attempt_at = utcnow()
    filing.lease_until = None
    filing.last_error = None
    return filing


def _cancel_filing(session: Session, report: Report) -> None:
    """Take an approved report's filing back, if nothing can have reached LAPOR! yet."""
    filing = _filing_of(session, report)
    if filing is None:
        return
    never_sent = filing.attempts == 0 and filing.state in (DeliveryState.PENDING, DeliveryState.WAITING_ENTRY)
    if not (never_sent or filing.refused):
        raise ActionError(
            f"laporan #{report.id} mungkin sudah tercatat di LAPOR! (pengiriman {filing.state}, "
            f"{filing.attempts} kali dicoba): catat nomor tracking-nya atau tunggu hasil pengiriman"
        )
    filing.state = DeliveryState.CANCELLED


def approve(
    runtime: Runtime,
    report_id: int,
    *,
    actor: Actor,
    corrections: Corrections = Corrections(),
    mode: LaporMode | None = None,
    expected_version: int | None = None,
) -> ReportState:
    """Approve a queued report, with the operator's corrections, and write its filing intent; ``mode``
    chooses assisted entry (manual) for this report in a region that files through the API."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status != S.QUEUED:
            raise TransitionError(
                f"laporan #{report.id} berstatus {label(report.status)}: hanya laporan "
                "yang menunggu tinjauan yang bisa disetujui"
            )
        applied = _apply_corrections(session, report, corrections, actor, runtime.catalog.functions)
        if report.agency is None:
            raise ActionError(f"laporan #{report.id} belum punya OPD tujuan: tentukan dengan koreksi OPD")
        transition(session, report, S.APPROVED, actor=actor.name)
        _intend_filing(session, report, mode)
        feedback.record(
            session,
            report,
            decision=feedback.CORRECTED if applied.teaches() else feedback.APPROVED,
            label=feedback.COMPLAINT,
            actor=actor.name,
            place=report.lokasi if applied.lokasi is not None else None,
        )
        return _state(session, report)


def return_to_review(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str, expected_version: int | None = None
) -> ReportState:
    """Undo an approval (or reopen a rejected / bukan-wewenang / postponed report) for another review."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status == S.APPROVED:
            _cancel_filing(session, report)
        transition(session, report, S.QUEUED, actor=actor.name, reason=reason)
        feedback.record(
            session, report, decision=feedback.UNDONE, label=None, actor=actor.name, supersede_only=True
        )
        return _state(session, report)


def reject(
    runtime: Runtime,
    report_id: int,
    *,
    actor: Actor,
    code: RejectReason,
    reason: str = "",
    expected_version: int | None = None,
) -> ReportState:
    """Reject a report with a reason code (bukan keluhan, duplikat, spam, data tidak cukup, lainnya)."""
    _require_role(actor, *ADMIN)
    if code == RejectReason.OTHER and not reason.strip():
        raise ActionError(f"laporan #{report_id}: alasan 'lainnya' perlu keterangan")
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status == S.APPROVED:
            _cancel_filing(session, report)
        transition(session, report, S.REJECTED, actor=actor.name, reason=reason, reason_code=code)
        feedback.record(
            session,
            report,
            decision=feedback.rejected(code),
            label=feedback.reject_label(code),
            actor=actor.name,
        )
        return _state(session, report)


def postpone(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str, expected_version: int | None = None
) -> ReportState:
    """Tunda: wait for the completion the report needs; archived after the region's days if none comes."""
    return _change(
        runtime, report_id, S.POSTPONED, actor=actor, expected_version=expected_version, reason=reason
    )


def resume(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str, expected_version: int | None = None
) -> ReportState:
    """A postponed report got its completion: back to review, or back to filed if it was in LAPOR!."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status != S.POSTPONED:
            raise TransitionError(f"laporan #{report.id} berstatus {label(report.status)}, bukan ditunda")
        to = S.FILED if report.tracking_id else S.QUEUED
        transition(session, report, to, actor=actor.name, reason=reason)
        return _state(session, report)


def not_authority(
    runtime: Runtime,
    report_id: int,
    *,
    actor: Actor,
    body: str,
    reason: str,
    expected_version: int | None = None,
) -> ReportState:
    """Bukan wewenang: not this government's to handle; ``body`` names whose it is."""
    return _change(
        runtime,
        report_id,
        S.NOT_AUTHORITY,
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        authority_body=body,
    )


def archive(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str, expected_version: int | None = None
) -> ReportState:
    """Arsipkan."""
    return _change(
        runtime, report_id, S.ARCHIVED, actor=actor, expected_version=expected_version, reason=reason
    )


def forward_filed(
    session: Session,
    runtime: Runtime,
    report: Report,
    *,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Disposisi of a filed report to its OPD, and the notifications that tell the OPD (same transaction)."""
    transition(session, report, S.FORWARDED, actor=actor, reason=reason, now=now)
    notifications.queue_forwarded(session, runtime.settings, report)


def record_filed(
    session: Session, runtime: Runtime, report: Report, tracking_id: str, *, actor: str, now: datetime
) -> None:
    """LAPOR! knows the report as ``tracking_id``: record it, close the filing intent, forward to the OPD."""
    clash = session.scalar(select(Report.id).where(Report.tracking_id == tracking_id, Report.id != report.id))
    if clash is not None:
        raise ActionError(f"nomor tracking {tracking_id} sudah dipakai laporan #{clash}")
    filing = _filing_of(session, report)
    if filing is not None:
        filing.state = DeliveryState.DONE
        filing.tracking_id = tracking_id
        filing.done_at = now
        filing.lease_until = None
    transition(session, report, S.FILED, actor=actor, tracking_id=tracking_id, now=now)
    forward_filed(session, runtime, report, actor=actor, now=now)


def record_tracking_id(
    runtime: Runtime,
    report_id: int,
    tracking_id: str,
    *,
    actor: Actor,
    expected_version: int | None = None,
) -> ReportState:
    """The operator typed the report into LAPOR! (assisted entry) and records the tracking ID it got."""
    _require_role(actor, *ADMIN)
    try:
        tracking = parse_tracking_id(tracking_id)
    except InvalidTrackingId as exc:
        raise ActionError(f"laporan #{report_id}: {exc}") from None
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status != S.APPROVED:
            raise TransitionError(
                f"laporan #{report.id} berstatus {label(report.status)}: nomor tracking dicatat untuk "
                "laporan yang sudah disetujui dan belum tercatat"
            )
        filing = _filing_of(session, report)
        if filing is not None and filing.state == DeliveryState.SENDING:
            raise ActionError(
                f"laporan #{report.id} sedang dikirim ke LAPOR! oleh {filing.claimed_by}; tunggu"
            )
        record_filed(session, runtime, report, tracking, actor=actor.name, now=utcnow())
        return _state(session, report)


def retry_filing(runtime: Runtime, report_id: int, *, actor: Actor) -> ReportState:
    """Send a filing that was given up again, now (after the cause was fixed)."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, None)
        filing = _filing_of(session, report)
        if filing is None or filing.state != DeliveryState.FAILED:
            raise ActionError(f"laporan #{report_id} tidak punya pengiriman yang gagal")
        filing.state = DeliveryState.PENDING
        filing.attempts = 0
        filing.next_attempt_at = utcnow()
        audit.record(
            session, actor=actor.name, entity=report, action="filing:retry", reason=filing.last_error or ""
        )
        return _state(session, report)


def reroute(
    runtime: Runtime,
    report_id: int,
    agency_code: str,
    *,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> ReportState:
    """Send a report to another OPD. Before filing it is a correction; after, a new disposisi with a fresh
    follow-up deadline (the earlier one stays in the audit log)."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        agency = _agency(session, report, agency_code)
        if report.status in (S.QUEUED, S.APPROVED):
            if report.status == S.APPROVED:
                _filing_not_in_flight(session, report)
            applied = _apply_corrections(session, report, Corrections(agency_code=agency.code), actor)
            if applied.teaches():
                _label_reroute(session, report, agency, actor)
            return _state(session, report)
        if agency.id == report.agency_id and report.status != S.FILED:
            raise ActionError(f"laporan #{report.id} sudah didisposisikan ke {agency.short_name}")
        changed = agency.id != report.agency_id
        transition(session, report, S.FORWARDED, actor=actor.name, reason=reason, agency=agency)
        notifications.queue_forwarded(session, runtime.settings, report)
        if changed:
            _label_reroute(session, report, agency, actor)
        return _state(session, report)


def _label_reroute(session: Session, report: Report, agency: Agency, actor: Actor) -> None:
    """A re-route is a corrected OPD: a complaint label with that agency (superseding the earlier one)."""
    feedback.record(
        session,
        report,
        decision=feedback.CORRECTED,
        label=feedback.COMPLAINT,
        actor=actor.name,
        agency_code=agency.code,
    )


def _filing_not_in_flight(session: Session, report: Report) -> None:
    filing = _filing_of(session, report)
    if filing is not None and filing.state == DeliveryState.SENDING:
        raise ActionError(f"laporan #{report.id} sedang dikirim ke LAPOR!; ubah setelah tercatat")


def forward(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str = "", expected_version: int | None = None
) -> ReportState:
    """Disposisi of a filed report (one an OPD returned, or one filed without forwarding) to its OPD."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        forward_filed(session, runtime, report, actor=actor.name, reason=reason)
        return _state(session, report)


def acknowledge(
    runtime: Runtime, report_id: int, *, actor: Actor, note: str = "", expected_version: int | None = None
) -> ReportState:
    """The OPD's liaison takes the report up ("diterima")."""
    return _change(
        runtime,
        report_id,
        S.ACKNOWLEDGED,
        actor=actor,
        expected_version=expected_version,
        roles=(Role.OPD, *ADMIN),
        reason=note,
    )


def answer(
    runtime: Runtime,
    report_id: int,
    text: str,
    *,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
    files: Sequence[Upload] = (),
) -> ReportState:
    """The OPD's tindak lanjut: recorded, and the report is followed up (auto-close clock starts).
    ``files`` (checked by ``services.attachments.accept_all``) are stored with it in the same transaction."""
    _require_role(actor, Role.OPD, *ADMIN)
    body = redact(text.strip())
    if len(body) < 10:
        raise ActionError(f"laporan #{report_id}: tindak lanjut terlalu pendek (minimal 10 karakter)")
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status not in OPD_OPEN:
            raise TransitionError(
                f"laporan #{report.id} berstatus {label(report.status)}: tindak lanjut hanya untuk laporan "
                "yang sudah didisposisikan"
            )
        now = now or utcnow()
        follow_up = FollowUp(
            report_id=report.id, agency_id=report.agency_id, at=now, author=actor.name, text=body
        )
        session.add(follow_up)
        transition(session, report, S.FOLLOWED_UP, actor=actor.name, reason="tindak lanjut", now=now)
        if files:
            _attach(session, report, follow_up, files, actor)
        return _state(session, report)


def _attach(
    session: Session, report: Report, follow_up: FollowUp, files: Sequence[Upload], actor: Actor
) -> None:
    """Store ``files`` with ``follow_up`` and audit what was attached (name, type, size, digest)."""
    session.flush()
    for upload in files:
        session.add(
            Attachment(
                follow_up_id=follow_up.id,
                report_id=report.id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                data=upload.data,
                uploaded_by=actor.name,
            )
        )
    audit.record(
        session,
        actor=actor.name,
        entity=report,
        action="attachments:add",
        after={
            "follow_up": follow_up.id,
            "files": [
                {"name": f.filename, "type": f.content_type, "size": f.size, "sha256": f.sha256}
                for f in files
            ],
        },
    )


# characters: the reason with who returned it and the suggestion fit the audit log's 1000
RETURN_REASON_LIMIT = 500
OUTSIDE_BODY_LIMIT = 200


def return_not_ours(
    runtime: Runtime,
    report_id: int,
    *,
    actor: Actor,
    reason: str,
    suggested_agency: str | None = None,
    outside_body: str | None = None,
    expected_version: int | None = None,
) -> ReportState:
    """The OPD returns a report as not its own: back to the admin (filed) to re-route, with the reason and,
    if it knows, whose it is: another active OPD of the region (``suggested_agency``, a code) or a body
    outside the regional government (``outside_body``). The suggestion is written into the transition's
    reason, which the operator reads in the report's history, and as data into an audit entry of its own
    (``return:suggestion``, ``after["saran"]``)."""
    _require_role(actor, Role.OPD, *ADMIN)
    reason = " ".join(reason.split())
    outside = " ".join((outside_body or "").split())
    if not reason:
        raise ActionError(f"laporan #{report_id}: tuliskan alasan mengapa laporan ini bukan wewenang Anda")
    if suggested_agency and outside:
        raise ActionError(
            f"laporan #{report_id}: pilih satu saran saja, OPD pemda atau instansi di luar pemda"
        )
    if len(reason) > RETURN_REASON_LIMIT:
        raise ActionError(f"laporan #{report_id}: alasan lebih dari {RETURN_REASON_LIMIT} karakter")
    if len(outside) > OUTSIDE_BODY_LIMIT:
        raise ActionError(f"laporan #{report_id}: nama instansi lebih dari {OUTSIDE_BODY_LIMIT} karakter")
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        if report.status not in (S.FORWARDED, S.ACKNOWLEDGED):
            raise TransitionError(
                f"laporan #{report.id} berstatus {label(report.status)}: hanya laporan yang didisposisikan "
                "dan belum ditindaklanjuti yang bisa dikembalikan"
            )
        who = report.agency.short_name if report.agency else "OPD"
        suggestion: dict[str, str] = {}
        said = ""  # the suggestion in words
        if suggested_agency:
            agency = _agency(session, report, suggested_agency)
            if agency.id == report.agency_id:
                raise ActionError(f"laporan #{report.id}: sarankan OPD lain, bukan {agency.short_name}")
            suggestion, said = {"opd": agency.code, "nama": agency.name}, agency.name
        elif outside:
            suggestion, said = {"luar_pemda": outside}, f"di luar pemda, {outside}"
        text = f"dikembalikan oleh {who}: {reason}" + (f"; saran: {said}" if suggestion else "")
        transition(session, report, S.FILED, actor=actor.name, reason=text)
        if suggestion:
            audit.record(
                session,
                actor=actor.name,
                entity=report,
                action="return:suggestion",
                after={"saran": suggestion},
                reason=f"saran: {said}",
            )
        return _state(session, report)


def close(
    runtime: Runtime, report_id: int, *, actor: Actor, reason: str = "", expected_version: int | None = None
) -> ReportState:
    """Selesai: the follow-up settled the complaint."""
    return _change(
        runtime,
        report_id,
        S.CLOSED,
        actor=actor,
        expected_version=expected_version,
        roles=(*ADMIN, None),
        reason=reason,
    )


# -- issues: merge and split ---------------------------------------------------------------------------------

MERGEABLE = (S.QUEUED, S.APPROVED, S.REJECTED, S.POSTPONED, S.NOT_AUTHORITY)


def merge(
    runtime: Runtime,
    keep_report_id: int,
    absorb_report_id: int,
    *,
    actor: Actor,
    expected_versions: tuple[int | None, int | None] | None = None,
) -> ReportState:
    """Two reports are one incident: the second's mentions join the first's issue; the second report is
    rejected as a duplicate of the first. The absorbed one must not be in LAPOR! already."""
    _require_role(actor, *ADMIN)
    if keep_report_id == absorb_report_id:
        raise ActionError("laporan tidak bisa digabung dengan dirinya sendiri")
    keep_version, absorb_version = expected_versions or (None, None)
    with _action(runtime) as session:
        keep = _load(session, keep_report_id, actor, keep_version)
        absorb = _load(session, absorb_report_id, actor, absorb_version)
        if keep.region_id != absorb.region_id:
            raise ActionError(f"laporan #{keep.id} dan #{absorb.id} dari wilayah yang berbeda")
        if absorb.status not in MERGEABLE or absorb.tracking_id:
            raise ActionError(
                f"laporan #{absorb.id} berstatus {label(absorb.status)}: sudah di LAPOR!, tidak bisa "
                f"digabung ke laporan lain; gabungkan sebaliknya (#{absorb.id} sebagai yang dipertahankan)"
            )
        if ReportStatus(keep.status) in (S.CLOSED, S.ARCHIVED):
            raise ActionError(f"laporan #{keep.id} sudah {label(keep.status)}")
        if absorb.status == S.APPROVED:
            _cancel_filing(session, absorb)
        target, source = keep.issue, absorb.issue
        moved_mentions = feedback.mentions_of(session, source.id)
        moved = [detection for detection, _ in moved_mentions]
        for detection in moved:
            detection.issue_id = target.id
        before = {"mention_count": target.mention_count}
        target.mention_count += source.mention_count
        target.urgent = target.urgent or source.urgent
        target.priority = max(target.priority, source.priority)
        target.first_seen_at = min(target.first_seen_at, source.first_seen_at)
        target.last_seen_at = max(target.last_seen_at, source.last_seen_at)
        source.status = IssueStatus.MERGED
        source.merged_into_id = target.id
        if not keep.tracking_id:
            keep.source_links = list(dict.fromkeys([*keep.source_links, *absorb.source_links]))
        audit.record(
            session,
            actor=actor.name,
            entity=target,
            action="merge",
            before=before,
            after={"mention_count": target.mention_count, "absorbed_issue": source.id},
        )
        audit.record(session, actor=actor.name, entity=source, action="merged", after={"into": target.id})
        if absorb.status != S.REJECTED:
            if absorb.status != S.QUEUED:
                transition(session, absorb, S.QUEUED, actor=actor.name, reason=f"digabung ke #{keep.id}")
            transition(
                session,
                absorb,
                S.REJECTED,
                actor=actor.name,
                reason=f"digabung ke laporan #{keep.id}",
                reason_code=RejectReason.DUPLICATE,
            )
        feedback.record(
            session,
            absorb,
            decision=feedback.rejected(RejectReason.DUPLICATE),
            label=None,
            actor=actor.name,
            mentions=moved_mentions,
        )
        keep.last_actor = actor.name
        flag_modified(keep, "last_actor")  # the merge changed the report's issue: its version moves
        return _state(session, keep)


def split(
    runtime: Runtime, report_id: int, detection_id: int, *, actor: Actor, expected_version: int | None = None
) -> ReportState:
    """One mention of an issue is a different incident: it becomes its own issue with its own queued report.
    Returns the new report."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        issue = report.issue
        detection = session.get(Detection, detection_id)
        if detection is None or detection.issue_id != issue.id:
            raise ActionError(f"sebutan {detection_id} bukan bagian dari laporan #{report.id}")
        count = session.scalar(
            select(func.count()).select_from(Detection).where(Detection.issue_id == issue.id)
        )
        if (count or 0) < 2:
            raise ActionError(f"laporan #{report.id} hanya punya satu sebutan: tidak ada yang bisa dipisah")
        document = detection.document
        new_issue = open_issue(session, issue.region_id, detection, document)
        issue.mention_count = max(1, issue.mention_count - 1)
        if not report.tracking_id:
            report.source_links = [url for url in report.source_links if url != document.url]
        report.last_actor = actor.name
        audit.record(
            session,
            actor=actor.name,
            entity=issue,
            action="split",
            after={"detection": detection.id, "new_issue": new_issue.id},
        )
        new_report = queue_issue(session, new_issue, runtime.catalog.functions, actor=actor.name)
        return _state(session, new_report)


# -- the incident's urgency and filing now ----------------------------------------------------------------


def set_urgent(
    runtime: Runtime,
    report_id: int,
    urgent: bool,
    *,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> ReportState:
    """Mark a report's incident urgent (danger to life or property) or take the mark away; its priority moves
    by ``nlp.rules.URGENT_PRIORITY`` as triage would have set it, so the queue orders it the same way."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        issue = report.issue
        if issue.urgent == urgent:
            now = "sudah ditandai mendesak" if urgent else "tidak ditandai mendesak"
            raise ActionError(f"laporan #{report.id} {now}")
        before = {"urgent": issue.urgent, "priority": issue.priority}
        issue.urgent = urgent
        issue.priority = (
            issue.priority + URGENT_PRIORITY if urgent else max(0, issue.priority - URGENT_PRIORITY)
        )
        audit.record(
            session,
            actor=actor.name,
            entity=issue,
            action="urgent",
            before=before,
            after={"urgent": issue.urgent, "priority": issue.priority},
            reason=reason.strip(),
        )
        report.last_actor = actor.name
        flag_modified(report, "last_actor")  # the incident changed under the report: its version moves
        return _state(session, report)


def file_now(
    runtime: Runtime, report_id: int, *, actor: Actor, expected_version: int | None = None
) -> ReportState:
    """Send an approved report's API filing at the filing worker's next pass: one waiting for its next
    attempt (backing off after a failure) goes at once, one given up is tried again from the start (as
    ``retry_filing``)."""
    _require_role(actor, *ADMIN)
    with _action(runtime) as session:
        report = _load(session, report_id, actor, expected_version)
        filing = _filing_of(session, report)
        waiting = (DeliveryState.PENDING, DeliveryState.FAILED)
        if filing is None or filing.mode != LaporMode.API or filing.state not in waiting:
            raise ActionError(f"laporan #{report.id} tidak punya pengiriman API yang menunggu atau gagal")
        before = {"state": filing.state, "attempts": filing.attempts}
        if filing.state == DeliveryState.FAILED:
            filing.attempts = 0
        filing.state = DeliveryState.PENDING
        filing.next_attempt_at = utcnow()
        audit.record(
            session,
            actor=actor.name,
            entity=report,
            action="filing:now",
            before=before,
            after={"state": filing.state, "attempts": filing.attempts},
            reason=filing.last_error or "",
        )
        return _state(session, report)
