"""Triage service: read untriaged Documents, run ``nlp.triage``, store Detections, and group complaints into
Issues: an identical text (a repost) joins the issue of its original; a near-duplicate or another mention of
the same incident (``nlp.clustering``) joins that open issue; anything else opens a new one.

Several runs may triage at once (docs/decisions.md, 34): each batch is claimed, the model runs in parallel,
and writing detections and issues is serialised, so concurrent runs cluster as one run would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.schema import Platform
from db.base import utcnow
from db.models import Agency, Detection, Document, Issue, Region
from db.queries import (
    claim_documents_to_triage,
    detection_with_same_content,
    open_issue_mentions,
    triaged_among,
)
from db.session import WriteLockBusy, hold_lock, write_transaction
from flows.console_config import take_console_config
from flows.issues import open_issue
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
    already_done: int = 0  # claimed, but another worker had triaged them meanwhile (not counted above)
    lock_busy: bool = False  # SQLite's write lock stayed taken (another worker): the rest is left to it

    def count(self, written: list[tuple[Document, Triage]], attached: Counter[str]) -> None:
        """Add a batch that was written; ``attached`` counts how its complaints joined or opened issues."""
        self.documents += len(written)
        for _document, result in written:
            self.bands[result.band] += 1
            if result.band == COMPLAINT:
                self.urgent += result.urgent
                self.outside_region += result.place_status == "outside_region"
        self.issues_created += attached.pop("new", 0)
        self.issues_joined.update(attached)


# Held while a batch writes detections and issues: clustering needs every mention written before it.
WRITER_LOCK = "pantau:triage:write"


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
    """The incident index of each region: built from its open issues when first needed, then caught up
    before each batch with the mentions other workers wrote since (read under the writer lock, when their
    detections have lower ids than any this batch writes)."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._indexes: dict[int, IncidentIndex] = {}
        self._seen_up_to: dict[int, int] = {}  # region -> the last detection id its index holds

    def catch_up(self, session: Session, region_ids: Iterable[int]) -> None:
        since = utcnow() - self.window
        for region_id in region_ids:
            index = self._indexes.setdefault(region_id, IncidentIndex(self.window))
            seen = self._seen_up_to.get(region_id, 0)
            for detection, issue, document in session.execute(open_issue_mentions(region_id, since, seen)):
                index.add(str(issue.id), _mention(detection, document, issue))
                seen = detection.id
            self._seen_up_to[region_id] = seen

    def of(self, region_id: int) -> IncidentIndex:
        return self._indexes[region_id]

    def add(self, region_id: int, issue_id: int, mention: Mention, detection_id: int) -> None:
        self._indexes[region_id].add(str(issue_id), mention)
        self._seen_up_to[region_id] = max(self._seen_up_to.get(region_id, 0), detection_id)

    def forget(self) -> None:
        """Drop every index: after a rolled-back write they may hold issues that no longer exist."""
        self._indexes.clear()
        self._seen_up_to.clear()


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
    index = incidents.of(region.id)
    mention = _mention(detection, document, words=words)
    if mention.signature is not None:
        detection.signature = mention.signature.to_bytes()
    if document.content_hash:
        original = detection_with_same_content(session, document.content_hash, document.id)
        if original is not None and original.issue_id is not None:
            _join(session.get_one(Issue, original.issue_id), detection, document)
            incidents.add(region.id, original.issue_id, mention, detection.id)
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
            incidents.add(region.id, issue.id, mention, detection.id)
            return decision.reason
    issue = open_issue(session, region.id, detection, document)
    incidents.add(region.id, issue.id, mention, detection.id)
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


def _write(session: Session, batch: list[tuple[Document, Triage]], incidents: Incidents) -> Counter[str]:
    """Store the detections of a batch and attach its complaints to issues; returns how they attached."""
    agencies = _agency_ids(session)
    incidents.catch_up(session, {d.source.region.id for d, result in batch if result.band == COMPLAINT})
    attached: Counter[str] = Counter()
    for document, result in batch:
        region = document.source.region
        detection = _detection(document, result, region, agencies)
        session.add(detection)
        if result.band == COMPLAINT:
            session.flush()
            attached[_attach_issue(session, detection, document, region, incidents, result.words)] += 1
    session.flush()
    return attached


def _not_triaged_yet(
    session: Session, batch: list[tuple[Document, Triage]], version: str, summary: TriageSummary
) -> list[tuple[Document, Triage]]:
    """The batch without the documents another worker triaged meanwhile, which are counted as already done."""
    done = set(session.scalars(triaged_among(version, [document.id for document, _ in batch])))
    summary.already_done += len(done)
    return [(document, result) for document, result in batch if document.id not in done]


def _store(
    session: Session, batch: list[tuple[Document, Triage]], incidents: Incidents, summary: TriageSummary
) -> None:
    """Write a batch in one savepoint. A unique-key conflict means a worker that does not claim (or one whose
    claim raced ours) triaged a document first: that one is already done, the rest is written again."""
    version = batch[0][1].model_version
    batch = _not_triaged_yet(session, batch, version, summary)
    while True:
        try:
            with session.begin_nested():
                attached = _write(session, batch, incidents)
            break
        except IntegrityError:
            incidents.forget()
            remaining = _not_triaged_yet(session, batch, version, summary)
            if len(remaining) == len(batch):
                raise  # nobody else wrote these documents: a real fault
            batch = remaining
    summary.count(batch, attached)


def triage_pending(runtime: Runtime, batch_size: int = 200) -> TriageSummary:
    """Triage every stored document that the current model has not seen, in batches of ``batch_size``.

    Each batch is claimed (PostgreSQL: its rows are locked and skipped by other runs; SQLite: the transaction
    holds the write lock), run through the model, and written under the writer lock. The run starts with the
    routes and watchlists in force in the database (``flows.console_config``).
    """
    summary = TriageSummary()
    take_console_config(runtime)  # routes and watchlists as the console left them
    triager = runtime.triager
    incidents = Incidents(timedelta(days=runtime.settings.cluster_window_days))
    while True:
        try:
            with write_transaction(runtime.sessions) as session:
                claim = claim_documents_to_triage(triager.model.version, batch_size)
                documents = list(session.scalars(claim))
                if not documents:
                    return summary
                inputs = [
                    TriageInput(
                        d.text or "",
                        d.source.region.code,
                        d.title or "",
                        d.source.slug,
                        social=Platform(d.source.platform).is_social,
                    )
                    for d in documents
                ]
                batch = list(zip(documents, triager.triage(inputs), strict=True))
                hold_lock(session, WRITER_LOCK)
                _store(session, batch, incidents, summary)
        except WriteLockBusy:
            summary.lock_busy = True
            return summary
