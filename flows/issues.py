"""Opening an issue: triage opens one for a mention of a new incident, an operator's split for a mention taken
out of another. A module of its own, free of the models, so that the filing and sync flows, which reach it
through ``services.actions``, start without loading them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Detection, Document, Issue
from nlp.report_text import headline


def open_issue(session: Session, region_id: int, detection: Detection, document: Document) -> Issue:
    """A new issue of one mention (a new incident, or one split off another issue), the detection in it."""
    issue = Issue(
        region_id=region_id,
        title=headline(document.title, document.text),  # redacted: an issue is read beyond the raw page
        function=detection.function,
        kecamatan_code=detection.kecamatan_code,
        desa_code=detection.desa_code,
        agency_id=detection.agency_id,
        place_status=detection.place_status,
        urgent=detection.urgent,
        priority=detection.priority,
        first_seen_at=document.published_at or document.fetched_at,
        last_seen_at=document.fetched_at,
    )
    session.add(issue)
    session.flush()
    detection.issue_id = issue.id
    return issue
