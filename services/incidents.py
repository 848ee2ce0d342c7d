"""The incident behind a report, as an operator reviews it: every mention (outlet, time, snippet, link, band),
what the models predicted with their confidence, why (the explanation's words located in the text), the
drafted LAPOR! fields with what the approval form may correct, and for assisted entry each field to copy.

Read-only and region-scoped like ``services.reports`` (a report of another region reads as missing). The
console renders the explanation's spans with displaCy (``web.explain``); this module only finds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.schema import Platform
from db.local_time import in_zone, local_display
from db.models import (
    Agency,
    AuditLog,
    DeliveryState,
    Detection,
    Document,
    Filing,
    Issue,
    Report,
    ReportStatus,
    Source,
)
from flows.runtime import Runtime
from nlp.redact import redact
from nlp.streets import STREET_REGEX
from nlp.triage import IN_REGION, NOT_COMPLAINT, OUTSIDE_REGION, PLACE_UNKNOWN
from services import actions
from services.actions import ActionError, Actor, NotFound, ReportState
from services.filing import submission_for
from services.lapor.manual import entry_text
from services.lapor.protocol import KLASIFIKASI
from services.reports import BAND_LABELS, Viewer, filings_of

MENTION_BANDS = {**BAND_LABELS, NOT_COMPLAINT: "bukan keluhan"}
PLACE_LABELS = {
    IN_REGION: "di wilayah",
    OUTSIDE_REGION: "di luar wilayah (bukan wewenang)",
    PLACE_UNKNOWN: "lokasi belum diketahui",
}
WEB_LINK = ("https://", "http://")  # a crawled URL is linked only when it is a web address
MENTIONS_SHOWN = 100  # a large incident lists its first mentions; the count says how many there are
SNIPPET_CHARS = 280
EXPLAINED_CHARS = 6000  # the part of a mention's text shown with its highlights

# The highlight labels an operator reads, most telling first: where two findings cover the same words, the
# earlier label wins.
URGENT, WATCHLIST, VERTICAL, PLACE, STREET, TERM = (
    "MENDESAK",
    "WATCHLIST",
    "INSTANSI VERTIKAL",
    "TEMPAT",
    "JALAN",
    "KATA KELUHAN",
)
LABELS = (URGENT, WATCHLIST, VERTICAL, PLACE, STREET, TERM)


@dataclass(frozen=True)
class Span:
    """Characters ``start:end`` of a text, highlighted with ``label`` (one of ``LABELS``)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Mention:
    """One news item or post of the incident."""

    detection_id: int
    outlet: str  # the source's name
    platform: str
    social: bool
    published: str | None  # in the region's time
    title: str
    snippet: str
    url: str
    band: str
    complaint_score: float


@dataclass(frozen=True)
class Alternative:
    function: str
    agency: str | None
    score: float


@dataclass(frozen=True)
class Prediction:
    """What the models said about one mention, with their confidence."""

    detection_id: int
    function: str
    function_score: float | None
    complaint_score: float
    band: str
    place: str | None
    place_status: str
    outside: str | None  # the other region it names, when it is outside
    agency: str | None
    alternatives: list[Alternative]


@dataclass(frozen=True)
class Explanation:
    """Why a mention was flagged: the text with the explanation's words located in it, and the findings
    that are not words of the text (rules by name, thresholds)."""

    detection_id: int
    text: str
    spans: list[Span]
    terms: list[str]
    places: list[str]
    streets: list[str]
    urgency: list[str]
    urgent_function: bool
    vertical: str | None
    watchlists: list[str]
    cluster: str | None
    model_version: str | None


@dataclass(frozen=True)
class LaporField:
    """One field of LAPOR!'s admin form; ``key`` also names the element a copy button copies."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class HistoryEntry:
    """A change to the incident itself (merge, split, urgency), with the other report it concerns."""

    when: str
    actor: str
    text: str
    report_id: int | None = None


@dataclass(frozen=True)
class IncidentView:
    report_id: int
    version: int
    status: str
    urgent: bool
    priority: int
    mention_count: int
    mentions: list[Mention]
    prediction: Prediction | None
    explanation: Explanation | None
    draft: list[LaporField]
    corrections: dict[str, Any]  # the approval form's fields as drafted
    agencies: list[tuple[str, str]]  # (code, name) of the region's active OPDs
    categories: list[str]
    klasifikasi: list[tuple[str, str]]
    entry: list[LaporField] = field(default_factory=list)  # assisted entry: fields to copy
    entry_text: str | None = None
    filing: str | None = None
    can_file_now: bool = False
    history: list[HistoryEntry] = field(default_factory=list)
    functions: list[tuple[str, str]] = field(default_factory=list)  # (code, name): the function correction


def incident_view(
    runtime: Runtime,
    report_id: int,
    viewer: Viewer,
    *,
    mention: int | None = None,
    unredacted: bool = False,
) -> IncidentView:
    """The incident of report ``report_id`` as ``viewer`` may see it; ``mention`` (a detection id) chooses
    whose prediction and explanation are shown (default: the mention the report was drafted from). Texts
    are redacted unless ``unredacted`` (raw posts are for operators and managers only)."""
    with runtime.sessions() as session:
        report = session.get(Report, report_id)
        if report is None or not viewer.sees(report):
            raise NotFound(f"laporan #{report_id} tidak ada")
        issue = report.issue
        zone = report.region.timezone
        rows = session.execute(
            select(Detection, Document, Source)
            .join(Document, Detection.document_id == Document.id)
            .join(Source, Document.source_id == Source.id)
            .where(Detection.issue_id == issue.id)
            .order_by(Detection.id)
            .limit(MENTIONS_SHOWN)
        ).all()

        def shown(text: str | None) -> str:
            return (text if unredacted else redact(text)) if text else ""

        mentions = [
            _mention(d, doc, source, shown(doc.title), shown(doc.text), zone) for d, doc, source in rows
        ]
        chosen = next((row for row in rows if row[0].id == mention), rows[0] if rows else None)
        filing = filings_of(session, [report.id]).get(report.id)
        entry = assisted_entry(report, filing)
        return IncidentView(
            report_id=report.id,
            version=report.version,
            status=report.status,
            urgent=issue.urgent,
            priority=issue.priority,
            mention_count=issue.mention_count,
            mentions=mentions,
            prediction=_prediction(runtime, chosen[0]) if chosen else None,
            explanation=(
                _explanation(
                    chosen[0], "\n".join(filter(None, map(shown, (chosen[1].title, chosen[1].text))))
                )
                if chosen
                else None
            ),
            draft=_lapor_fields(
                judul=report.judul,
                isi=report.isi,
                kategori=report.kategori,
                lokasi=report.lokasi,
                happened=in_zone(report.tanggal_kejadian or report.queued_at, zone).date(),
                klasifikasi=report.klasifikasi,
                anonim=report.anonim,
                rahasia=report.rahasia,
                instansi=report.agency.name if report.agency else "-",
                links=report.source_links,
            ),
            corrections={
                "judul": report.judul,
                "isi": report.isi,
                "kategori": report.kategori,
                "lokasi": report.lokasi,
                "opd": report.agency.code if report.agency else "",
                "fungsi": issue.function or "LAINNYA",
                "klasifikasi": report.klasifikasi,
                "anonim": report.anonim,
                "rahasia": report.rahasia,
            },
            agencies=_agencies(session, report.region_id),
            functions=sorted(
                ((code, f.name) for code, f in runtime.catalog.functions.items()), key=lambda pair: pair[1]
            ),
            categories=sorted({f.lapor_category for f in runtime.catalog.functions.values()}),
            klasifikasi=list(KLASIFIKASI.items()),
            entry=entry[0] if entry else [],
            entry_text=entry[1] if entry else None,
            filing=filing.state if filing else None,
            can_file_now=(
                filing is not None
                and filing.mode == "api"
                and filing.state in (DeliveryState.PENDING, DeliveryState.FAILED)
            ),
            history=_history(session, issue, zone),
        )


def assisted_entry(report: Report, filing: Filing | None) -> tuple[list[LaporField], str] | None:
    """For a report approved for assisted entry: what LAPOR! gets, field by field and as one text."""
    waiting = filing is not None and filing.state == DeliveryState.WAITING_ENTRY
    if report.status != ReportStatus.APPROVED or filing is None or not waiting or report.agency is None:
        return None
    sub = submission_for(report, filing.idempotency_key)
    fields = _lapor_fields(
        judul=sub.judul,
        isi=sub.isi,
        kategori=sub.kategori,
        lokasi=sub.lokasi_kejadian,
        happened=sub.tanggal_kejadian,
        klasifikasi=sub.klasifikasi,
        anonim=sub.anonim,
        rahasia=sub.rahasia,
        instansi=sub.instansi_nama,
        links=sub.source_links,
    )
    return fields, entry_text(sub, report.region.brand, report.id)


def _mention(
    detection: Detection, document: Document, source: Source, title: str, text: str, zone: str
) -> Mention:
    return Mention(
        detection_id=detection.id,
        outlet=source.name,
        platform=source.platform,
        social=Platform(source.platform).is_social,
        published=local_display(document.published_at, zone) if document.published_at else None,
        title=title or "(tanpa judul)",
        snippet=snippet(text),
        url=document.url if document.url.startswith(WEB_LINK) else "",
        band=MENTION_BANDS.get(detection.band, detection.band),
        complaint_score=detection.complaint_score,
    )


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of ``text`` on one line, cut at a word with an ellipsis when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


def _function_name(runtime: Runtime, code: str | None) -> str:
    function = runtime.catalog.functions.get(code or "")
    return function.name if function else (code or "-")


def _prediction(runtime: Runtime, detection: Detection) -> Prediction:
    outside = detection.outside_region
    return Prediction(
        detection_id=detection.id,
        function=_function_name(runtime, detection.function),
        function_score=detection.function_score,
        complaint_score=detection.complaint_score,
        band=MENTION_BANDS.get(detection.band, detection.band),
        place=detection.location_label,
        place_status=PLACE_LABELS.get(detection.place_status, detection.place_status),
        outside=f"{outside['name']} ({outside['province']})" if outside else None,
        agency=detection.agency.name if detection.agency else None,
        alternatives=[
            Alternative(
                function=_function_name(runtime, a.get("function")),
                agency=a.get("agency_name") or a.get("agency"),
                score=float(a.get("score") or 0.0),
            )
            for a in detection.alternatives
        ],
    )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def _explanation(detection: Detection, text: str) -> Explanation:
    why = detection.explanation or {}
    vertical = why.get("vertical") if isinstance(why.get("vertical"), dict) else None
    watchlists = [w for w in why.get("watchlists") or [] if isinstance(w, dict)]
    cluster = why.get("cluster") if isinstance(why.get("cluster"), dict) else None
    shown = text[:EXPLAINED_CHARS]
    return Explanation(
        detection_id=detection.id,
        text=shown,
        spans=find_spans(shown, why),
        terms=_strings(why.get("terms")),
        places=_strings(why.get("place_evidence")) + _strings(why.get("outside_evidence")),
        streets=_strings(why.get("streets")),
        urgency=_strings(why.get("urgency")),
        urgent_function=bool(why.get("urgent_function")),
        vertical=(
            f"{vertical.get('agency')}: {', '.join(_strings(vertical.get('terms')))}" if vertical else None
        ),
        watchlists=[f"{w.get('name')} (prioritas {w.get('priority')})" for w in watchlists],
        cluster=(
            f"bergabung karena {cluster.get('reason')} (kemiripan {cluster.get('similarity')})"
            if cluster
            else None
        ),
        model_version=why.get("model_version"),
    )


def _phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """``phrase`` as a case-insensitive pattern on word boundaries: its words with any non-word characters
    between them (the models' word pairs are written with a space), a trailing ``*`` a prefix."""
    words = re.findall(r"[^\W_]+\*?", phrase)
    if not words:
        return None
    parts = [re.escape(w[:-1]) + r"[^\W_]*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(parts) + r"(?![^\W_])", re.IGNORECASE)


def _found(text: str, phrases: Iterable[str], label: str) -> Iterable[Span]:
    for phrase in dict.fromkeys(phrases):
        pattern = _phrase_pattern(phrase)
        if pattern is not None:
            yield from (Span(m.start(), m.end(), label) for m in pattern.finditer(text))


def find_spans(text: str, explanation: dict[str, Any]) -> list[Span]:
    """Where the explanation's words are in ``text``, in order and never overlapping (a longer finding wins
    over a shorter one at the same place, then the order of ``LABELS``): urgency rules by name, watchlist
    and vertical-body terms, place evidence, street names, and the words that raised the complaint score."""
    vertical = explanation.get("vertical") if isinstance(explanation.get("vertical"), dict) else {}
    watchlists = [w for w in explanation.get("watchlists") or [] if isinstance(w, dict)]
    candidates = [
        *_found(text, _strings(explanation.get("urgency")), URGENT),
        *_found(text, [t for w in watchlists for t in _strings(w.get("terms"))], WATCHLIST),
        *_found(text, _strings((vertical or {}).get("terms")), VERTICAL),
        *_found(text, _strings(explanation.get("place_evidence")), PLACE),
        *_found(text, _strings(explanation.get("terms")), TERM),
    ]
    if explanation.get("streets"):
        candidates.extend(Span(m.start(), m.end(), STREET) for m in STREET_REGEX.finditer(text))
    rank = {label: i for i, label in enumerate(LABELS)}
    chosen: list[Span] = []
    taken: list[tuple[int, int]] = []
    for span in sorted(candidates, key=lambda s: (-(s.end - s.start), rank[s.label], s.start)):
        if all(span.end <= start or span.start >= end for start, end in taken):
            chosen.append(span)
            taken.append((span.start, span.end))
    return sorted(chosen, key=lambda s: s.start)


def _yes_no(flag: bool) -> str:
    return "Ya" if flag else "Tidak"


def _lapor_fields(
    *,
    judul: str,
    isi: str,
    kategori: str,
    lokasi: str,
    happened: date,
    klasifikasi: str,
    anonim: bool,
    rahasia: bool,
    instansi: str,
    links: Iterable[str],
) -> list[LaporField]:
    """LAPOR!'s admin form, field by field, labelled as ``services.lapor.manual.entry_text`` labels them."""
    return [
        LaporField("judul", "Judul", judul),
        LaporField("isi", "Isi Laporan", isi.strip()),
        LaporField("tanggal", "Tanggal Kejadian", f"{happened:%d/%m/%Y}"),
        LaporField("lokasi", "Lokasi Kejadian", lokasi),
        LaporField("instansi", "Instansi Tujuan", instansi),
        LaporField("kategori", "Kategori", kategori),
        LaporField("klasifikasi", "Klasifikasi", KLASIFIKASI.get(klasifikasi, klasifikasi)),
        LaporField("anonim", "Anonim", _yes_no(anonim)),
        LaporField("rahasia", "Rahasia", _yes_no(rahasia)),
        LaporField("tautan", "Tautan Sumber", "\n".join(links) or "(tidak ada)"),
    ]


def _agencies(session: Session, region_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Agency.code, Agency.short_name, Agency.name)
        .where(Agency.region_id == region_id, Agency.active.is_(True))
        .order_by(Agency.short_name)
    )
    return [(code, f"{short} ({name})" if short != name else name) for code, short, name in rows]


def _history(session: Session, issue: Issue, zone: str) -> list[HistoryEntry]:
    """The incident's own changes, oldest first, each pointing to the other report it concerns."""
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "issue", AuditLog.entity_id == issue.id)
        .order_by(AuditLog.id)
    ).all()
    entries = []
    for row in rows:
        after = row.after or {}
        text, other_issue = _history_text(row.action, after, row.reason)
        other = (
            session.scalar(select(Report.id).where(Report.issue_id == other_issue))
            if other_issue is not None
            else None
        )
        entries.append(HistoryEntry(local_display(row.at, zone), row.actor, text, other))
    return entries


def _history_text(action: str, after: dict[str, Any], reason: str) -> tuple[str, int | None]:
    """What a change to the incident was, in words, and the other incident it concerns."""
    suffix = f": {reason}" if reason else ""
    if action == "merge":
        return "insiden lain digabung ke sini", after.get("absorbed_issue")
    if action == "split":
        return f"sebutan {after.get('detection')} dipisah menjadi laporan sendiri", after.get("new_issue")
    if action == "urgent":
        flag = "ditandai mendesak" if after.get("urgent") else "tanda mendesak dicabut"
        return f"{flag} (prioritas {after.get('priority')}){suffix}", None
    return f"{action}{suffix}", None


def merge_with(
    runtime: Runtime,
    report_id: int,
    other: str,
    *,
    viewer: Viewer,
    actor: Actor,
    expected_version: int | None = None,
) -> ReportState:
    """Merge the incident of report ``other`` (its number as typed: "12" or "#12") into report
    ``report_id``'s (``services.actions.merge``). A report ``viewer`` may not see reads as missing, so the
    answer never tells that another region's report exists."""
    number = other.strip().lstrip("#").strip()
    if not number.isdigit():
        raise ActionError(f"nomor laporan {other.strip()!r} tidak sah: tulis angkanya, mis. 12")
    with runtime.sessions() as session:
        absorbed = session.get(Report, int(number))
        if absorbed is None or not viewer.sees(absorbed):
            raise NotFound(f"laporan #{number} tidak ada")
    return actions.merge(
        runtime, report_id, int(number), actor=actor, expected_versions=(expected_version, None)
    )
