"""What people read about reports: the queue's status lines, the LAPOR!-ready text for assisted entry,
deadlines per OPD, delivery problems and one report's whole life. Read-only; shared by the CLI and the
console so that both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from config.errors import PantauError
from db.base import utcnow
from db.local_time import local_display, local_iso
from db.models import (
    Agency,
    AuditLog,
    DeliveryState,
    Detection,
    Filing,
    FollowUp,
    Notification,
    Region,
    Report,
    ReportStatus,
    Source,
    WatchlistVersion,
)
from db.queries import (
    BAND_COMPLAINT,
    BAND_REVIEW,
    NEEDS_OPERATOR,
    QueueCriteria,
    queue_matching,
    queue_size,
)
from db.workflow import ENDED, label
from flows.runtime import Runtime
from services import attachments
from services.actions import NotFound
from services.deadline_watch import Clock, clock_progress, running_clocks
from services.filing import held_regions, submission_for
from services.lapor.manual import entry_text

FILING_LABELS = {
    DeliveryState.PENDING: "antre kirim ke LAPOR!",
    DeliveryState.SENDING: "sedang dikirim ke LAPOR!",
    DeliveryState.WAITING_ENTRY: "siap diinput",
    DeliveryState.FAILED: "gagal dikirim",
}
STAGE_LABELS = {
    "verification": "verifikasi",
    "first_followup": "tindak lanjut",
    "settlement": "penyelesaian",
    "autoclose": "tutup otomatis",
}


def status_line(report: Report, filing: Filing | None) -> str:
    """The status an operator reads: an approved report says where its filing is ("siap diinput")."""
    if report.status == ReportStatus.APPROVED and filing is not None and filing.state in FILING_LABELS:
        return FILING_LABELS[DeliveryState(filing.state)]
    return label(report.status)


def problem(filing: Filing | None) -> str | None:
    """The filing's last failure, if it still matters."""
    if filing is None or not filing.last_error or filing.state == DeliveryState.CANCELLED:
        return None
    if filing.state == DeliveryState.DONE and not filing.last_error.startswith("LAPOR! tidak"):
        return None
    return filing.last_error


def next_deadline(report: Report, now: datetime) -> tuple[str, datetime, float] | None:
    """What comes next on the clock: the nearest running deadline, or for an answered report the day it
    closes by itself (stage, due, fraction used)."""
    clocks = running_clocks(report)
    if report.status == ReportStatus.FOLLOWED_UP and report.followed_up_at and report.autoclose_due_at:
        clocks.append(Clock("autoclose", report.followed_up_at, report.autoclose_due_at))
    if not clocks:
        return None
    clock = min(clocks, key=lambda c: c.due)
    return clock.stage, clock.due, clock_progress(report, clock, now)


def notification_problems(session: Session, report_ids: list[int]) -> dict[int, str]:
    """Per report, the latest notification that has not arrived, with its reason ("e-mail ke x: ...")."""
    rows = session.scalars(
        select(Notification)
        .where(
            Notification.report_id.in_(report_ids),
            Notification.state.in_([DeliveryState.PENDING, DeliveryState.FAILED]),
            Notification.last_error.is_not(None),
        )
        .order_by(Notification.id)
    )
    return {
        n.report_id: f"notifikasi {n.channel} ke {n.recipient}: {n.last_error}" for n in rows if n.report_id
    }


def problems_of(session: Session, reports: list[Report], filings: dict[int, Filing]) -> dict[int, str]:
    """What needs an operator's eye per report: its filing's failure first, else a notification's."""
    notes = notification_problems(session, [r.id for r in reports])
    found = {r.id: problem(filings.get(r.id)) or notes.get(r.id) for r in reports}
    return {report_id: text for report_id, text in found.items() if text}


def filings_of(session: Session, report_ids: list[int]) -> dict[int, Filing]:
    rows = session.scalars(select(Filing).where(Filing.report_id.in_(report_ids)))
    return {f.report_id: f for f in rows}


@dataclass(frozen=True)
class Viewer:
    """Whose eyes: a region's people see its reports; an OPD liaison only those forwarded to its agency."""

    region_id: int
    agency_id: int | None = None

    def sees(self, report: Report) -> bool:
        return report.region_id == self.region_id and self.agency_id in (None, report.agency_id)


def load_visible(session: Session, report_id: int, viewer: Viewer | None = None) -> Report:
    """The report, if ``viewer`` may see it; one that exists elsewhere reads as missing, so a page does not
    tell another region or OPD that it exists."""
    report = session.get(Report, report_id)
    if report is None or (viewer is not None and not viewer.sees(report)):
        raise NotFound(f"laporan #{report_id} tidak ada")
    return report


STATUS_NEEDS_OPERATOR = "perlu_tindakan"  # the console's default: NEEDS_OPERATOR
STATUS_ALL = "semua"  # as None: every status
PAGE_SIZE = 50
BAND_LABELS = {BAND_COMPLAINT: "keluhan", BAND_REVIEW: "perlu ditinjau"}


class InvalidFilter(PantauError):
    """A queue filter value that names nothing (a status, band or page the queue does not know)."""


@dataclass(frozen=True)
class QueueFilter:
    """Which reports a queue shows, and which page of them. ``status`` is a status code, or
    ``STATUS_NEEDS_OPERATOR`` for every status that waits for an operator; None (or ``STATUS_ALL``) shows
    every status.
    ``page_size`` None shows every report on one page (the CLI); the console pages by ``PAGE_SIZE``."""

    region_code: str | None = None
    agency_code: str | None = None
    status: str | None = None
    report_ids: list[int] | None = None
    function: str | None = None
    kecamatan_code: str | None = None
    source: str | None = None  # a source's slug: reports whose incident it mentioned
    watchlist: str | None = None  # a watchlist's name: reports whose incident matched it
    band: str | None = None  # "complaint" or "review" (perlu ditinjau: the issue's best band is review)
    urgent_only: bool = False
    queued_from: datetime | None = None  # reports that entered the queue at or after
    queued_before: datetime | None = None  # ... and before
    page: int = 1
    page_size: int | None = None

    def criteria(self) -> QueueCriteria:
        if self.status == STATUS_NEEDS_OPERATOR:
            statuses: tuple[str, ...] = tuple(NEEDS_OPERATOR)
        elif self.status and self.status != STATUS_ALL:
            if self.status not in {s.value for s in ReportStatus}:
                raise InvalidFilter(f"status {self.status!r} tidak dikenal")
            statuses = (self.status,)
        else:
            statuses = ()
        if self.band and self.band not in BAND_LABELS:
            raise InvalidFilter(f"pita {self.band!r} tidak dikenal")
        if self.page < 1:
            raise InvalidFilter(f"halaman {self.page} tidak ada")
        return QueueCriteria(
            region_code=self.region_code,
            agency_code=self.agency_code,
            statuses=statuses,
            report_ids=tuple(self.report_ids or ()),
            function=self.function,
            kecamatan_code=self.kecamatan_code,
            source_slug=self.source,
            watchlist=self.watchlist,
            band=self.band,
            urgent_only=self.urgent_only,
            queued_from=self.queued_from,
            queued_before=self.queued_before,
        )


def local_days(first: str, last: str, timezone: str) -> tuple[datetime | None, datetime | None]:
    """The moments that bound the local days ``first`` to ``last`` (YYYY-MM-DD, both included; either may
    be empty): the start of the first, the end of the last."""
    zone = ZoneInfo(timezone)
    bounds: list[datetime | None] = []
    for text, after in ((first, 0), (last, 1)):
        if not text.strip():
            bounds.append(None)
            continue
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidFilter(f"tanggal {text!r} tidak dikenal (TTTT-BB-HH)") from None
        bounds.append(datetime.combine(day + timedelta(days=after), time(), zone))
    return bounds[0], bounds[1]


@dataclass(frozen=True)
class QueueView:
    rows: list[dict[str, Any]]
    held: list[str]  # regions whose LAPOR! filings are held by the breaker, with the reason
    total: int = 0  # reports that match the filter, on every page
    page: int = 1
    pages: int = 1


def best_bands(session: Session, issue_ids: list[int]) -> dict[int, str]:
    """Each issue's best band among its mentions: complaint, else review ("perlu ditinjau")."""
    found: dict[int, str] = {}
    rows = session.execute(
        select(Detection.issue_id, Detection.band)
        .where(Detection.issue_id.in_(issue_ids), Detection.band.in_(list(BAND_LABELS)))
        .distinct()
    )
    for issue_id, band in rows:
        if issue_id is not None and found.get(issue_id) != BAND_COMPLAINT:
            found[issue_id] = band
    return found


def _kecamatan_names(runtime: Runtime, region_code: str) -> dict[str, str]:
    region = runtime.catalog.regions.get(region_code)
    return {k.code: k.name for k in region.gazetteer.kecamatan} if region else {}


def queue_view(runtime: Runtime, wanted: QueueFilter, *, iso_times: bool = False) -> QueueView:
    """The LAPOR! queue as people read it (``pantau queue`` and the console): urgent first, then priority,
    then oldest; each report's status in words, tracking ID, next deadline and whatever needs an eye; one
    page of it when ``wanted.page_size`` is set (a page past the last shows the last)."""
    now = utcnow()
    criteria = wanted.criteria()
    functions = runtime.catalog.functions
    with runtime.sessions() as session:
        query = queue_matching(criteria).options(contains_eager(Report.issue), selectinload(Report.agency))
        total = pages = page = 1
        if wanted.page_size:
            total = session.scalar(queue_size(criteria)) or 0
            pages = max(1, -(-total // wanted.page_size))
            page = min(wanted.page, pages)
            query = query.limit(wanted.page_size).offset((page - 1) * wanted.page_size)
        reports = list(session.scalars(query))
        if not wanted.page_size:
            total = len(reports)
        filings = filings_of(session, [r.id for r in reports])
        problems = problems_of(session, reports, filings)
        bands = best_bands(session, [r.issue_id for r in reports])
        held = [
            f"Pengiriman ke LAPOR! {region.name} ditahan sementara: {breaker.last_error}"
            for region, breaker in held_regions(session, now)
            if wanted.region_code in (None, region.code)
        ]
        kecamatan: dict[str, dict[str, str]] = {}
        rows = []
        for r in reports:
            zone = r.region.timezone
            deadline = next_deadline(r, now)
            shown = local_iso if iso_times else local_display
            places = kecamatan.setdefault(r.region.code, _kecamatan_names(runtime, r.region.code))
            function = functions.get(r.issue.function or "")
            band = bands.get(r.issue_id)
            rows.append(
                {
                    "id": r.id,
                    "status": r.status,
                    "keadaan": status_line(r, filings.get(r.id)),
                    "versi": r.version,
                    "region": r.region.code,
                    "instansi": r.agency.short_name if r.agency else None,
                    "kategori": r.kategori,
                    "lokasi": r.lokasi,
                    "judul": r.judul,
                    "tracking": r.tracking_id,
                    "verifikasi_paling_lambat": shown(r.verification_due_at, zone),
                    "tenggat": (
                        f"{STAGE_LABELS[deadline[0]]} {local_display(deadline[1], zone)} "
                        f"({deadline[2] * 100:.0f}%)"
                        if deadline
                        else None
                    ),
                    "masalah": problems.get(r.id),
                    "mendesak": r.issue.urgent,
                    "prioritas": r.issue.priority,
                    "jumlah_sebutan": r.issue.mention_count,
                    "sumber": r.source_links,
                    "fungsi": function.name if function else r.issue.function,
                    "kecamatan": places.get(r.issue.kecamatan_code or "", r.issue.kecamatan_code),
                    "pita": band,
                    "perlu_ditinjau": band == BAND_REVIEW,
                }
            )
    return QueueView(rows=rows, held=held, total=total, page=page, pages=pages)


@dataclass(frozen=True)
class QueueChoices:
    """What a region's queue can be filtered by, as (value, label) pairs for the filter form."""

    statuses: list[tuple[str, str]]
    functions: list[tuple[str, str]]
    kecamatan: list[tuple[str, str]]
    agencies: list[tuple[str, str]]
    sources: list[tuple[str, str]]
    watchlists: list[tuple[str, str]]
    bands: list[tuple[str, str]]


def queue_choices(runtime: Runtime, region_code: str) -> QueueChoices:
    """The filter values of a region's queue: its statuses, the catalog's functions, the kecamatan of its
    gazetteer, its agencies and sources, and its watchlists (configured or written in the console)."""
    region = runtime.catalog.regions.get(region_code)
    configured = {w.name for w in region.definition.watchlists} if region else set()
    with runtime.sessions() as session:
        region_id = select(Region.id).where(Region.code == region_code).scalar_subquery()
        agencies = session.execute(
            select(Agency.code, Agency.short_name)
            .where(Agency.region_id == region_id, Agency.active.is_(True))
            .order_by(Agency.short_name)
        ).all()
        sources = session.execute(
            select(Source.slug, Source.name).where(Source.region_id == region_id).order_by(Source.name)
        ).all()
        written = session.scalars(
            select(WatchlistVersion.name).where(WatchlistVersion.region_id == region_id).distinct()
        ).all()
    return QueueChoices(
        statuses=[
            (STATUS_NEEDS_OPERATOR, "perlu tindakan operator"),
            *((s.value, label(s)) for s in ReportStatus),
            (STATUS_ALL, "semua status"),
        ],
        functions=sorted(((f.code, f.name) for f in runtime.catalog.functions.values()), key=_by_label),
        kecamatan=sorted(_kecamatan_names(runtime, region_code).items(), key=_by_label),
        agencies=[(code, name) for code, name in agencies],
        sources=[(slug, name) for slug, name in sources],
        watchlists=[(name, name) for name in sorted(configured | set(written), key=str.casefold)],
        bands=list(BAND_LABELS.items()),
    )


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


def entry_text_for(runtime: Runtime, report_id: int) -> str:
    """The LAPOR!-ready text of an approved report, field by field, for an operator to paste."""
    with runtime.sessions() as session:
        report = load_visible(session, report_id)
        filing = filings_of(session, [report.id]).get(report.id)
        if report.status != ReportStatus.APPROVED or filing is None:
            raise NotFound(
                f"laporan #{report_id} berstatus {label(report.status)}: teks LAPOR! ada setelah disetujui"
            )
        return entry_text(submission_for(report, filing.idempotency_key), report.region.brand, report.id)


def deadline_rows(
    runtime: Runtime, *, region_code: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every running deadline that is half used or more at ``now`` (default: the present), per OPD: due soon
    (>= 50 %) and overdue. ``now`` is the clock ``check_deadlines`` takes, so both can read one moment."""
    now = now or utcnow()
    rows: list[dict[str, Any]] = []
    with runtime.sessions() as session:
        query = select(Report).where(Report.status.in_([s.value for s in ReportStatus if s not in ENDED]))
        if region_code:
            query = query.join(Region, Report.region_id == Region.id).where(Region.code == region_code)
        for report in session.scalars(query.order_by(Report.id)):
            for clock in running_clocks(report):
                used = clock_progress(report, clock, now)
                if used < 0.5:
                    continue
                rows.append(
                    {
                        "opd": report.agency.short_name if report.agency else "(tanpa OPD)",
                        "laporan": report.id,
                        "tahap": STAGE_LABELS[clock.stage],
                        "batas_waktu": local_display(clock.due, report.region.timezone),
                        "terpakai": f"{min(used, 9.99) * 100:.0f}%",
                        "keadaan": "lewat tenggat" if now > clock.due else "mendekati tenggat",
                        "status": label(report.status),
                    }
                )
    # OPDs in the order people read them ("Dinas Perkim" before "Dinas PUPR"), overdue first within each
    rows.sort(key=lambda r: (r["opd"].casefold(), r["keadaan"] != "lewat tenggat", r["laporan"]))
    return rows


def delivery_problems(runtime: Runtime, *, region_code: str | None = None) -> list[dict[str, Any]]:
    """Notifications and filings that are failing or were given up, with their reasons."""
    found: list[dict[str, Any]] = []
    with runtime.sessions() as session:
        notes = select(Notification).where(
            Notification.last_error.is_not(None), Notification.state != DeliveryState.DONE
        )
        filings = select(Filing).where(
            Filing.last_error.is_not(None), Filing.state.not_in([DeliveryState.CANCELLED])
        )
        if region_code:
            region_id = session.scalar(select(Region.id).where(Region.code == region_code))
            notes = notes.where(Notification.region_id == region_id)
            filings = filings.where(Filing.region_id == region_id)
        for n in session.scalars(notes.order_by(Notification.id)):
            found.append(
                {
                    "laporan": n.report_id,
                    "jenis": n.kind,
                    "saluran": n.channel,
                    "penerima": n.recipient,
                    "percobaan": n.attempts,
                    "keadaan": n.state,
                    "galat": n.last_error,
                }
            )
        for f in session.scalars(filings.order_by(Filing.id)):
            if problem(f) is None:
                continue
            found.append(
                {
                    "laporan": f.report_id,
                    "jenis": "lapor",
                    "saluran": f.mode,
                    "penerima": "SP4N-LAPOR!",
                    "percobaan": f.attempts,
                    "keadaan": f.state,
                    "galat": f.last_error,
                }
            )
    return found


def status_summary(runtime: Runtime, report_id: int) -> str:
    """One line for one report: where it stands, its LAPOR! tracking ID, its OPD and the deadlines ahead."""
    now = utcnow()
    with runtime.sessions() as session:
        report = load_visible(session, report_id)
        filing = filings_of(session, [report.id]).get(report.id)
        zone = report.region.timezone
        parts = [f"laporan #{report.id}: {status_line(report, filing)} ({report.status})"]
        if report.tracking_id:
            parts.append(f"tracking LAPOR! {report.tracking_id}")
        if report.agency:
            parts.append(report.agency.short_name)
        for clock in sorted(running_clocks(report), key=lambda c: c.due):
            used = clock_progress(report, clock, now)
            parts.append(
                f"batas {STAGE_LABELS[clock.stage]} {local_display(clock.due, zone)} ({used * 100:.0f}%)"
            )
        if report.status == ReportStatus.FOLLOWED_UP and report.autoclose_due_at:
            parts.append(f"tutup otomatis {local_display(report.autoclose_due_at, zone)}")
        issue = problems_of(session, [report], filings_of(session, [report.id])).get(report.id)
        if issue:
            parts.append(f"masalah: {issue}")
    return " | ".join(parts)


def report_life(runtime: Runtime, report_id: int, viewer: Viewer | None = None) -> dict[str, Any]:
    """Everything about one report, oldest first: for `pantau report N` and the console's report page
    (``viewer``: only if they may see it)."""
    now = utcnow()
    with runtime.sessions() as session:
        report = load_visible(session, report_id, viewer)
        zone = report.region.timezone
        filing = filings_of(session, [report.id]).get(report.id)
        deadline = next_deadline(report, now)
        files = attachments.listing(session, report.id)

        def shown(moment: datetime | None) -> str | None:
            return local_display(moment, zone) if moment else None

        life: dict[str, Any] = {
            "kode_status": report.status,
            "keadaan_pengiriman": filing.state if filing else None,
            "isi": report.isi,
            "laporan": {
                "id": report.id,
                "status": f"{status_line(report, filing)} ({report.status})",
                "versi": report.version,
                "wilayah": report.region.name,
                "opd": report.agency.name if report.agency else None,
                "judul": report.judul,
                "kategori": report.kategori,
                "lokasi": report.lokasi,
                "tracking_lapor": report.tracking_id,
                "pengiriman": f"{filing.mode}, {filing.state}, {filing.attempts} percobaan"
                if filing
                else None,
                "masalah": problems_of(session, [report], {report.id: filing} if filing else {}).get(
                    report.id
                ),
                "tenggat_berikut": (
                    f"{STAGE_LABELS[deadline[0]]} {shown(deadline[1])} ({deadline[2] * 100:.0f}% terpakai)"
                    if deadline
                    else None
                ),
                "batas_verifikasi": shown(report.verification_due_at),
                "batas_tindak_lanjut": shown(report.followup_due_at),
                "tutup_otomatis": shown(report.autoclose_due_at),
                "batas_penyelesaian": shown(report.settlement_due_at),
            },
            "riwayat": [
                {
                    "waktu": shown(a.at),
                    "oleh": a.actor,
                    "tindakan": a.action,
                    "dari": (a.before or {}).get("status"),
                    "ke": (a.after or {}).get("status"),
                    "alasan": a.reason,
                }
                for a in session.scalars(
                    select(AuditLog)
                    .where(AuditLog.entity_type == "report", AuditLog.entity_id == report.id)
                    .order_by(AuditLog.id)
                )
            ],
            "notifikasi": [
                {
                    "jenis": n.kind,
                    "saluran": n.channel,
                    "penerima": n.recipient,
                    "keadaan": n.state,
                    "percobaan": n.attempts,
                    "galat": n.last_error,
                }
                for n in session.scalars(
                    select(Notification).where(Notification.report_id == report.id).order_by(Notification.id)
                )
            ],
            "tindak_lanjut": [
                {"waktu": shown(f.at), "oleh": f.author, "isi": f.text, "lampiran": files.get(f.id, [])}
                for f in session.scalars(
                    select(FollowUp).where(FollowUp.report_id == report.id).order_by(FollowUp.at)
                )
            ],
        }
    return life
