"""Named queries: the one place where "pending review", "due" and "overdue" are defined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from db.json_sql import json_array_holds
from db.models import (
    Agency,
    Detection,
    Document,
    DocumentStatus,
    Issue,
    IssueStatus,
    Region,
    Report,
    ReportStatus,
    Source,
)

OPEN_FOR_ADMIN = (ReportStatus.QUEUED, ReportStatus.APPROVED)
T = TypeVar("T", bound=tuple[object, ...])


def pending_review(region_code: str | None = None) -> Select[tuple[Report]]:
    """Reports Pantau queued that no operator has reviewed yet, oldest first."""
    query = select(Report).where(Report.status == ReportStatus.QUEUED).order_by(Report.queued_at, Report.id)
    if region_code:
        query = query.join(Region, Report.region_id == Region.id).where(Region.code == region_code)
    return query


def verification_overdue(now: datetime) -> Select[tuple[Report]]:
    """Reports still with the admin (queued or approved, not filed) past their verification deadline."""
    return (
        select(Report)
        .where(Report.status.in_(OPEN_FOR_ADMIN), Report.verification_due_at < now)
        .order_by(Report.verification_due_at)
    )


def followup_overdue(now: datetime) -> Select[tuple[Report]]:
    """Reports forwarded to an OPD that has not answered within its first follow-up deadline."""
    return (
        select(Report)
        .where(Report.status == ReportStatus.FORWARDED, Report.followup_due_at < now)
        .order_by(Report.followup_due_at)
    )


# The statuses that wait for an operator: to review (queued), to type into LAPOR! or see delivered
# (approved), and filed reports an OPD returned as not its own, to re-route (filed, not forwarded).
NEEDS_OPERATOR = (ReportStatus.QUEUED, ReportStatus.APPROVED, ReportStatus.FILED)
# An issue's best band is the strongest band among its mentions' detections.
BAND_COMPLAINT, BAND_REVIEW = "complaint", "review"


@dataclass(frozen=True)
class QueueCriteria:
    """Which reports a queue shows; every criterion narrows (an empty one does not filter)."""

    region_code: str | None = None
    agency_code: str | None = None
    statuses: tuple[str, ...] = ()
    report_ids: tuple[int, ...] = ()
    function: str | None = None  # Issue.function
    kecamatan_code: str | None = None  # Issue.kecamatan_code
    source_slug: str | None = None  # a mention of the issue came from this source
    watchlist: str | None = None  # a mention of the issue matched this watchlist
    band: str | None = None  # the issue's best band: complaint, or review ("perlu ditinjau") only
    urgent_only: bool = False
    queued_from: datetime | None = None  # Report.queued_at at or after
    queued_before: datetime | None = None  # Report.queued_at before


def _mention_of_issue(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Some detection attached to the report's issue meets ``conditions`` (uses ix_detection_issue_id)."""
    return exists().where(Detection.issue_id == Issue.id, *conditions)


def _on_issue(wanted: QueueCriteria) -> bool:
    """Whether ``wanted`` asks anything of the reports' issues (and their mentions)."""
    return bool(
        wanted.function
        or wanted.kecamatan_code
        or wanted.urgent_only
        or wanted.source_slug
        or wanted.watchlist
        or wanted.band
    )


def _queue_where(query: Select[T], wanted: QueueCriteria, *, join_issue: bool = True) -> Select[T]:
    """``query`` narrowed to ``wanted``. A report and its issue are of one region: saying so for both lets
    PostgreSQL walk ix_issue_queue_order (region, urgent, priority) in queue order and stop at a page."""
    if join_issue:
        query = query.join(Issue, Report.issue_id == Issue.id)
    if wanted.region_code:
        region_id = select(Region.id).where(Region.code == wanted.region_code).scalar_subquery()
        query = query.where(Report.region_id == region_id)
        if join_issue:
            query = query.where(Issue.region_id == region_id)
    if wanted.agency_code:
        agency_ids = select(Agency.id).where(Agency.code == wanted.agency_code)
        query = query.where(Report.agency_id.in_(agency_ids))
    if wanted.statuses:
        query = query.where(Report.status.in_([str(s) for s in wanted.statuses]))
    if wanted.report_ids:
        query = query.where(Report.id.in_(wanted.report_ids))
    if wanted.queued_from:
        query = query.where(Report.queued_at >= wanted.queued_from)
    if wanted.queued_before:
        query = query.where(Report.queued_at < wanted.queued_before)
    if wanted.function:
        query = query.where(Issue.function == wanted.function)
    if wanted.kecamatan_code:
        query = query.where(Issue.kecamatan_code == wanted.kecamatan_code)
    if wanted.urgent_only:
        query = query.where(Issue.urgent.is_(True))
    if wanted.source_slug:
        source_ids = select(Source.id).where(Source.slug == wanted.source_slug)
        query = query.where(
            _mention_of_issue(
                exists().where(Document.id == Detection.document_id, Document.source_id.in_(source_ids))
            )
        )
    if wanted.watchlist:
        query = query.where(_mention_of_issue(json_array_holds(Detection.watchlists, wanted.watchlist)))
    if wanted.band == BAND_COMPLAINT:
        query = query.where(_mention_of_issue(Detection.band == BAND_COMPLAINT))
    elif wanted.band == BAND_REVIEW:
        query = query.where(
            _mention_of_issue(Detection.band == BAND_REVIEW),
            ~_mention_of_issue(Detection.band == BAND_COMPLAINT),
        )
    elif wanted.band:
        raise ValueError(f"unknown band {wanted.band!r}")
    return query


def queue_matching(wanted: QueueCriteria) -> Select[tuple[Report]]:
    """The LAPOR! queue narrowed by ``wanted``: urgent first, then by priority (watchlists), then oldest
    first (the report id breaks ties, so pages never overlap)."""
    return _queue_where(select(Report), wanted).order_by(
        Issue.urgent.desc(), Issue.priority.desc(), Report.queued_at, Report.id
    )


def queue_size(wanted: QueueCriteria) -> Select[tuple[int]]:
    """How many reports ``queue_matching(wanted)`` holds (from ix_report_queue alone when nothing is asked
    of the issues)."""
    return _queue_where(select(func.count(Report.id)), wanted, join_issue=_on_issue(wanted))


def queue(
    *,
    region_code: str | None = None,
    agency_code: str | None = None,
    status: str | None = None,
    report_ids: list[int] | None = None,
) -> Select[tuple[Report]]:
    """The LAPOR! queue filtered by region, instansi tujuan and status (``queue_matching`` has every
    filter)."""
    return queue_matching(
        QueueCriteria(
            region_code=region_code,
            agency_code=agency_code,
            statuses=(status,) if status else (),
            report_ids=tuple(report_ids or ()),
        )
    )


def documents_to_triage(model_version: str, limit: int = 500) -> Select[tuple[Document]]:
    """Stored, usable documents that this model version has not looked at yet, oldest first."""
    seen = exists().where(Detection.document_id == Document.id, Detection.model_version == model_version)
    return (
        select(Document).where(Document.status == DocumentStatus.OK, ~seen).order_by(Document.id).limit(limit)
    )


def claim_documents_to_triage(model_version: str, limit: int = 500) -> Select[tuple[Document]]:
    """``documents_to_triage``, claimed for this transaction: on PostgreSQL the rows are locked and rows that
    another transaction holds are skipped, so concurrent triage runs get disjoint batches. SQLite has no row
    locks and drops the clause; there a ``write_transaction`` holds the whole database instead."""
    claim = documents_to_triage(model_version, limit)
    return claim.with_for_update(skip_locked=True, key_share=True, of=Document)


def triaged_among(model_version: str, document_ids: list[int]) -> Select[tuple[int]]:
    """Which of these documents this model version has a detection for (another worker may have just
    written one)."""
    return select(Detection.document_id).where(
        Detection.model_version == model_version, Detection.document_id.in_(document_ids)
    )


def document_exists(session: Session, source_slug: str, canonical_url: str) -> bool:
    """Whether a source already stored a page at this canonical URL."""
    query = (
        select(Document.id)
        .join(Source, Document.source_id == Source.id)
        .where(Source.slug == source_slug, Document.canonical_url == canonical_url)
        .limit(1)
    )
    return session.scalar(query) is not None


def detection_with_same_content(
    session: Session, content_hash: str, exclude_document: int
) -> Detection | None:
    """An earlier detection of a document with identical text (a repost), if one joined an issue."""
    query = (
        select(Detection)
        .join(Document, Detection.document_id == Document.id)
        .where(
            Document.content_hash == content_hash,
            Document.id != exclude_document,
            Detection.issue_id.is_not(None),
        )
        .order_by(Detection.id)
        .limit(1)
    )
    return session.scalar(query)


def issues_without_report(region_code: str | None = None) -> Select[tuple[Issue]]:
    """Open issues that have not been put into the LAPOR! queue yet."""
    has_report = exists().where(Report.issue_id == Issue.id)
    query = select(Issue).where(Issue.status == IssueStatus.OPEN, ~has_report).order_by(Issue.id)
    if region_code:
        query = query.join(Region, Issue.region_id == Region.id).where(Region.code == region_code)
    return query


def claim_issues_without_report(region_code: str | None = None) -> Select[tuple[Issue]]:
    """``issues_without_report``, claimed for this transaction like ``claim_documents_to_triage``."""
    return issues_without_report(region_code).with_for_update(skip_locked=True, key_share=True, of=Issue)


def open_issue_mentions(
    region_id: int, since: datetime, after_detection: int = 0
) -> Select[tuple[Detection, Issue, Document]]:
    """Each detection of an open issue of a region seen since ``since``, with its issue and document: what
    the incident index of a triage run is built from; ``after_detection`` gives only the mentions written
    after that detection (what other workers added since the index last looked), in the order written."""
    return (
        select(Detection, Issue, Document)
        .join(Issue, Detection.issue_id == Issue.id)
        .join(Document, Detection.document_id == Document.id)
        .where(
            Issue.region_id == region_id,
            Issue.status == IssueStatus.OPEN,
            Issue.last_seen_at >= since,
            Detection.id > after_detection,
        )
        .order_by(Detection.id)
    )


def needs_review(region_code: str | None = None, limit: int = 200) -> Select[tuple[Detection]]:
    """Detections in the "perlu ditinjau" band (neither queued nor dropped), most likely complaints first."""
    query = (
        select(Detection)
        .where(Detection.band == "review")
        .order_by(Detection.complaint_score.desc(), Detection.id)
        .limit(limit)
    )
    if region_code:
        query = query.join(Region, Detection.region_id == Region.id).where(Region.code == region_code)
    return query
