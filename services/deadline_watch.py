"""Watching the clock: warnings at 50/75/90 % of a deadline, the escalation ladder once it passes,
auto-close of answered reports, and archiving of reports on hold for too long.

A report runs up to three clocks, each started by ``db.workflow`` when it entered a status:
- verification (with the admin: queued or approved), warned and escalated to the region's ``manager``;
- first follow-up (with the OPD: forwarded or acknowledged), warned to the liaison, escalated along the
  region's ladder (liaison -> kepala dinas -> sekda);
- settlement (filed until closed, calendar days), escalated to the ``manager`` when it passes.
Each warning and each ladder step is a ``DeadlineAlert`` row, unique per report, stage and level (the level
carries the due time, so a re-routed report's new deadline warns afresh): however often the job runs, each is
raised and notified once. A job that looks late (several levels reached since its last run) raises them all
but sends only the highest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.base import utcnow
from db.deadlines import crossed_levels, progress, working_days_overdue
from db.escalation import EscalationStep, due_steps
from db.models import Agency, DeadlineAlert, Region, Report, ReportStatus
from db.session import WriteLockBusy, write_transaction
from db.workflow import transition
from flows.runtime import Runtime
from services.notifications import contact_for, queue_message, report_view
from services.notify.render import render_deadline_warning, render_escalation, report_payload
from services.notify.views import StageWording

ACTOR = "system:deadlines"
S = ReportStatus
STAGE_LABELS = {
    "verification": "verifikasi dan disposisi",
    "first_followup": "tindak lanjut pertama",
    "settlement": "penyelesaian",
}
STAGE_MISSING = {  # what is still missing while the clock of a stage runs
    "verification": "belum diverifikasi dan didisposisikan",
    "first_followup": "belum ditindaklanjuti",
    "settlement": "belum selesai",
}


@dataclass(frozen=True)
class Clock:
    stage: str
    start: datetime
    due: datetime


def extra_holidays(region: Region) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in region.extra_holidays)


def running_clocks(report: Report) -> list[Clock]:
    """The deadlines running for ``report`` in its current status."""
    status = ReportStatus(report.status)
    clocks: list[Clock] = []
    if status in (S.QUEUED, S.APPROVED):
        clocks.append(Clock("verification", report.queued_at, report.verification_due_at))
    if status in (S.FORWARDED, S.ACKNOWLEDGED) and report.forwarded_at and report.followup_due_at:
        clocks.append(Clock("first_followup", report.forwarded_at, report.followup_due_at))
    open_in_lapor = (S.FILED, S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP)
    if status in open_in_lapor and report.filed_at and report.settlement_due_at:
        clocks.append(Clock("settlement", report.filed_at, report.settlement_due_at))
    return clocks


def clock_progress(report: Report, clock: Clock, now: datetime) -> float:
    region = report.region
    if clock.stage == "settlement":  # calendar days
        return (now - clock.start) / (clock.due - clock.start)
    return progress(clock.start, clock.due, now, region.timezone, extra_holidays(region))


@dataclass
class DeadlineSummary:
    warnings: int = 0
    escalations: int = 0
    auto_closed: int = 0
    archived: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"peringatan {self.warnings}, eskalasi {self.escalations}, ditutup otomatis {self.auto_closed}, "
            f"diarsipkan {self.archived}"
        )


def _raise_alert(session: Session, report: Report, clock: Clock, level: str) -> DeadlineAlert | None:
    key = f"{level}@{clock.due:%Y%m%d%H%M}"
    exists = select(DeadlineAlert.id).where(
        DeadlineAlert.report_id == report.id, DeadlineAlert.stage == clock.stage, DeadlineAlert.level == key
    )
    if session.scalar(exists) is not None:
        return None
    alert = DeadlineAlert(report_id=report.id, stage=clock.stage, level=key, due_at=clock.due)
    session.add(alert)
    session.flush()
    return alert


# How an escalation names whom it reaches when the contact carries no ``name`` of its own (region contacts
# usually do, agency contacts usually do not); an agency rung is followed by the agency's name.
RUNG_LABELS = {"liaison": "Pejabat Penghubung", "kepala_dinas": "Kepala", "sekda": "Sekretaris Daerah"}


def _addressee(report: Report, rung: str, agency: Agency | None) -> str:
    """Whom an escalation step reaches, in words: "Kepala Dinas Pekerjaan Umum dan Penataan Ruang"."""
    named = contact_for(report.region, agency, rung).get("name")
    if named:
        return str(named)
    label = RUNG_LABELS.get(rung, rung.replace("_", " "))
    if agency is None:
        return label
    return f"{label} {agency.name if rung == 'kepala_dinas' else agency.short_name}"


def _escalation_labels(stage: str, step: int, days: int, addressee: str) -> tuple[str, str]:
    """The step ("tahap 2, Kepala Dinas ...") and the delay ("2 hari kerja") as ``render_escalation`` takes
    them, in Bahasa Indonesia: the OPD's ladder counts steps, the admin's clocks name their deadline."""
    if stage == "first_followup":
        step_label = f"tahap {step + 1}, {addressee}"
    else:
        step_label = f"batas {STAGE_LABELS[stage]}, {addressee}"
    if stage == "settlement":  # calendar days
        return step_label, f"{days} hari" if days else "kurang dari 1 hari"
    return step_label, f"{days} hari kerja" if days else "kurang dari 1 hari kerja"


def _notify(
    session: Session,
    runtime: Runtime,
    report: Report,
    alert: DeadlineAlert,
    rung: str,
    rendered_kind: str,
    *,
    percent: int = 0,
    step: int = 0,
    overdue_days: int = 0,
) -> None:
    view = report_view(runtime.settings, report, alert.due_at)
    agency = report.agency if rung not in report.region.contacts else None
    addressee = _addressee(report, rung, agency)
    wording = StageWording(
        addressee=None if rung == "liaison" else addressee,
        deadline=STAGE_LABELS[alert.stage],
        missing=STAGE_MISSING[alert.stage],
    )
    if rendered_kind == "warning":
        rendered = render_deadline_warning(view, percent, wording)
        payload = report_payload("peringatan_tenggat", view)
    else:
        labels = _escalation_labels(alert.stage, step, overdue_days, addressee)
        rendered = render_escalation(view, *labels, wording)
        payload = report_payload("eskalasi", view)
    rows = queue_message(
        session,
        region=report.region,
        agency=agency,
        report=report,
        kind=rendered_kind,
        rung=rung,
        event=f"{rendered_kind}:{report.id}:{alert.stage}:{alert.level}",
        rendered=rendered,
        payload=payload,
    )
    alert.notified = len(rows)


def _warn(
    session: Session,
    runtime: Runtime,
    report: Report,
    clock: Clock,
    used: float,
    rung: str,
    summary: DeadlineSummary,
) -> None:
    """Raise the warning levels ``used`` has reached and not raised yet, and send only the highest: a job
    that first looks at 95 % (it was down, or the report arrived late) says "90 %" once, rather than three
    reminders at once of which two are out of date."""
    raised = []
    for percent in crossed_levels(used):
        alert = _raise_alert(session, report, clock, str(percent))
        if alert is not None:
            raised.append((percent, alert))
    if not raised:
        return
    percent, alert = raised[-1]
    for _, missed in raised[:-1]:
        missed.note = f"tidak dikirim: digantikan peringatan {percent}%"
    _notify(session, runtime, report, alert, rung, "warning", percent=percent)
    summary.warnings += 1


def _watch_report(
    session: Session, runtime: Runtime, report: Report, now: datetime, summary: DeadlineSummary
) -> None:
    region = report.region
    ladder = [EscalationStep(**step) for step in region.escalation]
    for clock in running_clocks(report):
        used = clock_progress(report, clock, now)
        admin_side = clock.stage != "first_followup"
        if used < 1:  # past due, the ladder speaks instead of a reminder
            _warn(session, runtime, report, clock, used, "manager" if admin_side else "liaison", summary)
        if now <= clock.due:
            continue
        if clock.stage == "settlement":
            days = (now - clock.due).days
        else:
            days = working_days_overdue(clock.due, now, region.timezone, extra_holidays(region))
        steps = [(0, "manager")]
        if not admin_side:
            steps = [(i, ladder[i].notify) for i in due_steps(ladder, days)]
        for index, rung in steps:
            alert = _raise_alert(session, report, clock, f"step{index}")
            if alert is not None:
                _notify(session, runtime, report, alert, rung, "escalation", step=index, overdue_days=days)
                summary.escalations += 1


def _close_or_archive(session: Session, report: Report, now: datetime, summary: DeadlineSummary) -> None:
    region = report.region
    if report.status == S.FOLLOWED_UP and report.autoclose_due_at and now > report.autoclose_due_at:
        days = region.deadlines["autoclose_working_days"]
        reason = f"otomatis: tidak ada tanggapan pelapor dalam {days} hari kerja setelah tindak lanjut"
        transition(session, report, S.CLOSED, actor=ACTOR, reason=reason, now=now)
        summary.auto_closed += 1
    elif report.status == S.POSTPONED and report.postponed_at:
        days = int(region.deadlines.get("postponed_archive_days", 30))
        if now > report.postponed_at + timedelta(days=days):
            reason = f"otomatis: ditunda lebih dari {days} hari tanpa kelengkapan"
            transition(session, report, S.ARCHIVED, actor=ACTOR, reason=reason, now=now)
            summary.archived += 1


WATCHED = (S.QUEUED, S.APPROVED, S.FILED, S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP, S.POSTPONED)


def check_deadlines(runtime: Runtime, *, now: datetime | None = None) -> DeadlineSummary:
    """One pass over every open report: warn, escalate, auto-close, archive. Each report in its own
    transaction, so one report changed concurrently by an operator is skipped (and looked at next time)
    without holding the rest back."""
    now = now or utcnow()
    summary = DeadlineSummary()
    with runtime.sessions() as session:
        ids = list(session.scalars(select(Report.id).where(Report.status.in_(WATCHED)).order_by(Report.id)))
    for report_id in ids:
        try:
            with write_transaction(runtime.sessions) as session:
                report = session.get_one(Report, report_id)
                if report.status not in WATCHED:
                    continue
                _close_or_archive(session, report, now, summary)
                _watch_report(session, runtime, report, now, summary)
        except (StaleDataError, WriteLockBusy):
            summary.skipped += 1
    return summary
