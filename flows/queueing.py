"""Queue service: turn each new Issue into an admin-entered LAPOR! report draft, waiting for review."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.schema import FunctionDef
from db import audit
from db.base import utcnow
from db.models import Detection, Document, Issue, Report, ReportStatus
from db.queries import claim_issues_without_report
from db.session import WriteLockBusy, write_transaction
from db.workflow import transition, verification_due
from flows.runtime import Runtime
from nlp.report_text import draft_report

ACTOR = "system:monitor"


class Queued(Counter[str]):
    """Reports queued per agency short name; ``already_done`` counts the issues another worker queued
    first (claimed here, but its report was written meanwhile); ``lock_busy``: SQLite's write lock stayed
    taken by another writer, so nothing was queued and the next run does it."""

    already_done: int = 0
    lock_busy: bool = False


def queue_issue(
    session: Session, issue: Issue, functions: dict[str, FunctionDef], *, actor: str = ACTOR
) -> Report:
    """Draft and write the queued report of ``issue`` (set aside as bukan wewenang if it happened outside
    the region)."""
    detections = session.scalars(
        select(Detection).where(Detection.issue_id == issue.id).order_by(Detection.id)
    ).all()
    documents = [session.get_one(Document, d.document_id) for d in detections]
    lead = documents[0]
    function = functions.get(issue.function or "LAINNYA") or functions["LAINNYA"]
    draft = draft_report(
        title=lead.title or issue.title,
        text=lead.text or "",
        function_name=function.name,
        location_label=detections[0].location_label or "",
        region_name=issue.region.name,
        source_links=[d.url for d in documents],
    )
    now = utcnow()
    report = Report(
        issue_id=issue.id,
        region=issue.region,
        agency=issue.agency,
        status=ReportStatus.QUEUED,
        judul=draft.judul,
        isi=draft.isi,
        kategori=function.lapor_category,
        lokasi=draft.lokasi,
        tanggal_kejadian=lead.published_at or lead.fetched_at,
        source_links=[d.url for d in documents],
        queued_at=now,
        status_changed_at=now,
        verification_due_at=verification_due(issue.region, now),
    )
    session.add(report)
    audit.record(
        session,
        actor=actor,
        entity=report,
        action="queued",
        after={"status": ReportStatus.QUEUED, "agency_id": issue.agency_id},
    )
    outside = detections[0].outside_region
    if issue.place_status == "outside_region" and outside:
        session.flush()
        where = f"{outside['name']} ({outside['province']})"
        reason = f"Di luar wilayah: {where}"
        transition(
            session, report, ReportStatus.NOT_AUTHORITY, actor=actor, reason=reason, authority_body=where
        )
    return report


def _counted_as(report: Report) -> str:
    if report.status == ReportStatus.NOT_AUTHORITY:
        return "(bukan wewenang)"
    return report.agency.short_name if report.agency else "(tanpa instansi)"


def queue_new_issues(runtime: Runtime) -> Queued:
    """Create a queued Report for every open Issue that has none; returns counts per agency short name.

    An issue located only outside the region is not this government's to handle: its report is set aside as
    "bukan wewenang" (not_authority) with the region it belongs to, where an operator can still return it.
    Several runs may queue at once: the issues are claimed (docs/decisions.md, 34), and a report another
    worker wrote first is counted as already done, its savepoint rolled back and the rest kept.
    """
    queued = Queued()
    functions = runtime.catalog.functions
    try:
        with write_transaction(runtime.sessions) as session:
            for issue in session.scalars(claim_issues_without_report()).all():
                try:
                    with session.begin_nested():
                        queued[_counted_as(queue_issue(session, issue, functions))] += 1
                except IntegrityError:
                    if session.scalar(select(Report.id).where(Report.issue_id == issue.id)) is None:
                        raise  # not another worker's report: a real fault
                    queued.already_done += 1
    except WriteLockBusy:
        queued.lock_busy = True
    return queued
