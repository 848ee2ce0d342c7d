"""Triage service: read untriaged Documents, run ``nlp.triage``, store Detections, and group complaints into
Issues: an identical text (a repost) joins the issue of its original; a near-duplicate or another mention of
the same incident (``nlp.clustering``) joins that open issue; anything else opens a new one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Agency, Detection, Document, Issue, Region
from db.queries import detection_with_same_content, documents_to_triage, open_issue_mentions
from db.session import transaction
from flows.runtime import Runtime
from nlp.clustering import IncidentIndex, Mention, MinHashSignature, signature_of_model_words
from nlp.text import tokens
from nlp.triage import COMPLAINT, Triage, TriageInput


@dataclass
class TriageSummary:
    documents: int = 0
    bands: Counter[str] = field(default_factory=Counter)
    issues_created: int = 0
    issues_joined: Counter[str] = field(default_factory=Counter)  # by reason: same_text, near_duplicate, ...
    urgent: int = 0
    outside_region: int = 0


def _agency_ids(session: Session) -> dict[tuple[int, str], int]:
    return {(a.region_id, a.code): a.id for a in session.scalars(select(Agency))}


def _document_text(document: Document) -> str:
    return f"{document.title or ''}\n{document.text or ''}".strip()


def _stored_signature(detection: Detection) -> MinHashSignature | None:
    """The detection's stored signature; None (recompute) when missing or of an older format."""
    if not detection.signature:
        return None
    try:
        return MinHashSignature.from_bytes(detection.signature)
    except ValueError:
        return None


def _mention(
    detection: Detection, document: Document, issue: Issue | None = None, words: list[str] | None = None
) -> Mention:
    split = tuple(words if words is not None else tokens(_document_text(document)))
    stored = _stored_signature(detection)
    return Mention(
        key=str(document.id),
        text="",
        function=(issue.function if issue else None) or detection.function or "LAINNYA",
        kecamatan_code=detection.kecamatan_code or (issue.kecamatan_code if issue else None),
        desa_code=detection.desa_code or (issue.desa_code if issue else None),
        seen_at=document.published_at or document.fetched_at,
        signature=stored or signature_of_model_words(split),
        words=split,
    )


class Incidents:
    """The incident index of each region, built once per triage run from its open issues."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._indexes: dict[int, IncidentIndex] = {}

    def of(self, session: Session, region_id: int) -> IncidentIndex:
        index = self._indexes.get(region_id)
        if index is None:
            index = self._indexes[region_id] = IncidentIndex(self.window)
            since = utcnow() - self.window
            for detection, issue, document in session.execute(open_issue_mentions(region_id, since)):
                index.add(str(issue.id), _mention(detection, document, issue))
        return index


def _join(issue: Issue, detection: Detection, document: Document) -> None:
    detection.issue_id = issue.id
    issue.mention_count += 1
    issue.last_seen_at = max(issue.last_seen_at, document.fetched_at)
    issue.urgent = issue.urgent or detection.urgent
    issue.priority = max(issue.priority, detection.priority)


def _attach_issue(
    session: Session,
    detection: Detection,
    document: Document,
    region: Region,
    incidents: Incidents,
    words: list[str],
) -> str:
    """Join the issue of the same incident, or open a new one; returns how (``new`` or the join reason)."""
    index = incidents.of(session, region.id)
    mention = _mention(detection, document, words=words)
    if mention.signature is not None:
        detection.signature = mention.signature.to_bytes()
    if document.content_hash:
        original = detection_with_same_content(session, document.content_hash, document.id)
        if original is not None and original.issue_id is not None:
            _join(session.get_one(Issue, original.issue_id), detection, document)
            index.add(str(original.issue_id), mention)
            return "same_text"
    decision = index.assign(mention)
    if decision.incident_id is not None:
        issue = session.get(Issue, int(decision.incident_id))
        if issue is not None:
            _join(issue, detection, document)
            detection.explanation = {
                **detection.explanation,
                "cluster": {
                    "reason": decision.reason,
                    "similarity": round(decision.similarity, 3),
                    "issue_id": issue.id,
                    "matched_document_id": decision.mention_key,
                },
            }
            index.add(str(issue.id), mention)
            return decision.reason
    issue = Issue(
        region_id=region.id,
        title=document.title or (document.text or "")[:120],
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
    index.add(str(issue.id), mention)
    return "new"


def _detection(
    document: Document, result: Triage, region: Region, agencies: dict[tuple[int, str], int]
) -> Detection:
    location = result.location
    agency_code = result.agency_code
    outside = result.outside
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
        place_status=result.place_status,
        outside_region=(
            {"code": outside.code, "name": outside.name, "province": outside.province} if outside else None
        ),
        streets=result.streets,
        urgent=result.urgent,
        priority=result.priority,
        watchlists=[hit.name for hit in result.watchlists],
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
    incidents = Incidents(timedelta(days=runtime.settings.cluster_window_days))
    while True:
        with transaction(runtime.sessions) as session:
            documents = list(session.scalars(documents_to_triage(triager.model.version, batch_size)))
            if not documents:
                return summary
            agencies = _agency_ids(session)
            regions = {d.id: d.source.region for d in documents}
            inputs = [
                TriageInput(d.text or "", regions[d.id].code, d.title or "", d.source.slug) for d in documents
            ]
            for document, result in zip(documents, triager.triage(inputs), strict=True):
                region = regions[document.id]
                detection = _detection(document, result, region, agencies)
                session.add(detection)
                summary.documents += 1
                summary.bands[result.band] += 1
                if result.band == COMPLAINT:
                    summary.urgent += result.urgent
                    summary.outside_region += result.place_status == "outside_region"
                    session.flush()
                    how = _attach_issue(session, detection, document, region, incidents, result.words)
                    if how == "new":
                        summary.issues_created += 1
                    else:
                        summary.issues_joined[how] += 1
