"""Triage service: read untriaged Documents, run ``nlp.triage``, store Detections, group complaints into
Issues (a repost with identical text joins the issue of its original)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Agency, Detection, Document, Issue, Region
from db.queries import detection_with_same_content, documents_to_triage
from db.session import transaction
from flows.runtime import Runtime
from nlp.triage import COMPLAINT, Triage, TriageInput


@dataclass
class TriageSummary:
    documents: int = 0
    bands: Counter[str] = field(default_factory=Counter)
    issues_created: int = 0
    issues_joined: int = 0


def _agency_ids(session: Session) -> dict[tuple[int, str], int]:
    return {(a.region_id, a.code): a.id for a in session.scalars(select(Agency))}


def _attach_issue(session: Session, detection: Detection, document: Document, region: Region) -> bool:
    """Join the issue of an identical earlier text, or open a new one; True when a new issue was made."""
    if document.content_hash:
        original = detection_with_same_content(session, document.content_hash, document.id)
        if original is not None and original.issue_id is not None:
            detection.issue_id = original.issue_id
            issue = session.get_one(Issue, original.issue_id)
            issue.last_seen_at = max(issue.last_seen_at, document.fetched_at)
            return False
    issue = Issue(
        region_id=region.id,
        title=document.title or (document.text or "")[:120],
        function=detection.function,
        kecamatan_code=detection.kecamatan_code,
        desa_code=detection.desa_code,
        agency_id=detection.agency_id,
        first_seen_at=document.published_at or document.fetched_at,
        last_seen_at=document.fetched_at,
    )
    session.add(issue)
    session.flush()
    detection.issue_id = issue.id
    return True


def _detection(
    document: Document, result: Triage, region: Region, agencies: dict[tuple[int, str], int]
) -> Detection:
    location = result.location
    agency_code = result.agency_code
    return Detection(
        document_id=document.id,
        model_version=result.model_version,
        complaint_score=result.complaint_score,
        band=result.band,
        function=result.function,
        function_score=result.function_score,
        region_id=region.id,
        kecamatan_code=location.kecamatan_code if location else None,
        desa_code=location.desa_code if location else None,
        location_label=location.label if location else None,
        agency_id=agencies.get((region.id, agency_code)) if agency_code else None,
        alternatives=[
            {
                "function": r.function,
                "agency": r.agency_code,
                "agency_name": r.agency_name,
                "kind": r.agency_kind,
                "score": round(r.score, 4),
            }
            for r in result.routes
        ],
        explanation=result.explanation,
    )


def triage_pending(runtime: Runtime, batch_size: int = 200) -> TriageSummary:
    """Triage every stored document that the current model has not seen, in batches of ``batch_size``."""
    summary = TriageSummary()
    triager = runtime.triager
    while True:
        with transaction(runtime.sessions) as session:
            documents = list(session.scalars(documents_to_triage(triager.model.version, batch_size)))
            if not documents:
                return summary
            agencies = _agency_ids(session)
            regions = {d.id: d.source.region for d in documents}
            inputs = [TriageInput(d.text or "", regions[d.id].code, d.title or "") for d in documents]
            for document, result in zip(documents, triager.triage(inputs), strict=True):
                region = regions[document.id]
                detection = _detection(document, result, region, agencies)
                session.add(detection)
                summary.documents += 1
                summary.bands[result.band] += 1
                if result.band == COMPLAINT:
                    session.flush()
                    if _attach_issue(session, detection, document, region):
                        summary.issues_created += 1
                    else:
                        summary.issues_joined += 1
