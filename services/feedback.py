"""Operators' decisions as labels (``db.models.FeedbackLabel``), written by ``services.actions`` in the
transaction of the decision itself, and read back for training (``services.model_training``).

What each decision says about every mention document of the report's incident:

- approved: a complaint, of the incident's function;
- corrected (an approval with a corrected function, place or OPD, or a re-route): a complaint with the
  corrected function, place or agency;
- rejected as bukan keluhan or spam: not a complaint;
- rejected as a duplicate, for want of data or for another reason: the decision is recorded, but it is no
  label: a duplicate is still a complaint (of another report), and "data tidak cukup" says the operator could
  not tell, so neither may teach the detector that the text is not a complaint;
- undone (a decision taken back for another review): no label until the next decision.

Each new row supersedes the document's current one; only current rows with a label train a model.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Detection, Document, FeedbackLabel, RejectReason, Report
from nlp import datasets
from nlp.labels import text_id

COMPLAINT = datasets.COMPLAINT
NOT_COMPLAINT = datasets.NOT_COMPLAINT
APPROVED = "approved"
CORRECTED = "corrected"
UNDONE = "undone"
# the reject codes that say what a text is; the others record the decision without a label
NOT_A_COMPLAINT_CODES = frozenset({RejectReason.NOT_A_COMPLAINT, RejectReason.SPAM})


def rejected(code: RejectReason) -> str:
    return f"rejected:{code.value}"


def reject_label(code: RejectReason) -> str | None:
    return NOT_COMPLAINT if code in NOT_A_COMPLAINT_CODES else None


def mentions_of(session: Session, issue_id: int) -> list[tuple[Detection, Document]]:
    """The mention documents of an incident with their detections."""
    rows = session.execute(
        select(Detection, Document)
        .join(Document, Document.id == Detection.document_id)
        .where(Detection.issue_id == issue_id)
        .order_by(Detection.id)
    )
    return [(detection, document) for detection, document in rows.tuples()]


def _current(session: Session, document_id: int) -> FeedbackLabel | None:
    return session.scalar(
        select(FeedbackLabel)
        .where(FeedbackLabel.document_id == document_id, FeedbackLabel.superseded_by_id.is_(None))
        .order_by(FeedbackLabel.id.desc())
        .limit(1)
    )


def record(
    session: Session,
    report: Report,
    *,
    decision: str,
    label: str | None,
    actor: str,
    mentions: Iterable[tuple[Detection, Document]] | None = None,
    agency_code: str | None = None,
    place: str | None = None,
    supersede_only: bool = False,
) -> list[FeedbackLabel]:
    """Write ``decision`` as a label for every mention document of ``report``'s incident (or ``mentions``),
    superseding each document's current label. A complaint label carries the incident's function, the
    report's OPD where it differs from the one triage routed to (a correction) and ``place`` where the
    location was corrected (else the place an earlier correction gave, which a plain approval keeps).
    ``supersede_only``: only for documents that have a current row (an undo of nothing writes nothing)."""
    session.flush()
    issue = report.issue
    rerouted = report.agency is not None and report.agency_id != issue.agency_id
    if label == COMPLAINT and agency_code is None and rerouted and report.agency is not None:
        agency_code = report.agency.code
    written = []
    for detection, document in mentions if mentions is not None else mentions_of(session, issue.id):
        if not (document.text or "").strip():
            continue  # nothing to learn from (a triaged document always has text; kept for safety)
        previous = _current(session, document.id)
        if supersede_only and previous is None:
            continue
        kept_place = place
        if label == COMPLAINT and kept_place is None and previous is not None and previous.label == COMPLAINT:
            kept_place = previous.place
        row = FeedbackLabel(
            document_id=document.id,
            report_id=report.id,
            region_id=report.region_id,
            text_id=text_id(document.text or ""),
            label=label,
            function=(issue.function or "LAINNYA") if label == COMPLAINT else None,
            agency_code=agency_code if label == COMPLAINT else None,
            place=kept_place if label == COMPLAINT else None,
            decision=decision,
            actor=actor,
            model_version=detection.model_version,
        )
        session.add(row)
        session.flush()
        if previous is not None:
            previous.superseded_by_id = row.id
        written.append(row)
    return written
