"""Lists as files for spreadsheets and letters: the review queue (incidents and their reports) with its
filters, an OPD's inbox, the audit log, and the batch of approved reports waiting to be typed into LAPOR!.

Each export is a header and a stream of rows read from the database ``BATCH`` at a time, so that 100,000 rows
never sit in memory at once; ``csv_chunks`` writes UTF-8 with a byte-order mark (spreadsheet programs then
read the Indonesian text correctly), ``write_xlsx`` an XLSX with typed columns (numbers, dates in the region's
local time, yes/no) and a frozen header, row by row (xlsxwriter's constant-memory mode). Every export is
written to the audit log before its first row (who exported which list, with which filters and format).

What a role may see decides the columns: links to the crawled posts and articles go only to operators and
managers (raw posts are theirs to read); an OPD liaison exports only its own agency's reports; every row is
of the exporter's region. Report fields are the drafted, redacted texts, as on the pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from config.errors import PantauError
from db import audit
from db.base import utcnow
from db.models import Agency, AuditLog, DeliveryState, Filing, Region, Report, ReportStatus, Role, User
from db.queries import queue_matching
from db.session import transaction
from db.workflow import label
from flows.runtime import Runtime
from services.accounts import Account
from services.actions import ADMIN, Forbidden
from services.audit_view import AuditFilter, action_label, audit_conditions, changes, entity_label
from services.inbox import ORDER as INBOX_ORDER
from services.inbox import STATUSES as INBOX_STATUSES
from services.inbox import InboxView
from services.incidents import assisted_entry
from services.reports import QueueFilter, filings_of, status_line

BATCH = 1000  # rows read from the database at a time


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportRefused(PantauError):
    """An export the account may not make (an unknown format or list)."""


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MOMENT = "moment"  # an aware datetime, written in the region's local time
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT
    width: int = 16  # characters, for the XLSX


@dataclass
class Export:
    """A list as a file: its name (without extension), columns, the region's time zone and its rows (read
    while they are written; a generator that holds a database session until it is exhausted or closed)."""

    name: str
    columns: list[Column]
    timezone: str
    rows: Iterator[Sequence[Any]]


def format_named(name: str) -> Format:
    if name not in set(Format):
        raise ExportRefused(f"format {name!r} tidak dikenal: csv atau xlsx")
    return Format(name)


# -- writers ------------------------------------------------------------------------------------------------


def _text(value: Any, kind: Kind, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == Kind.MOMENT:
        return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"
    if kind == Kind.YES_NO:
        return "ya" if value else "tidak"
    return str(value)


def csv_chunks(export: Export, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The export as CSV, UTF-8 with a byte-order mark, a chunk of rows at a time."""
    zone = ZoneInfo(export.timezone)
    kinds = [c.kind for c in export.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([c.title for c in export.columns])
    for count, row in enumerate(export.rows, start=1):
        writer.writerow([_text(value, kind, zone) for value, kind in zip(row, kinds, strict=True)])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(export: Export, path: Path) -> int:
    """Write the export to ``path`` as XLSX, row by row (constant memory); returns the number of rows."""
    zone = ZoneInfo(export.timezone)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    try:
        sheet = workbook.add_worksheet(export.name[:31])
        bold = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for number, column in enumerate(export.columns):
            sheet.set_column(number, number, column.width)
            sheet.write_string(0, number, column.title, bold)
        sheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(export.rows, start=1):
            for number, (value, column) in enumerate(zip(row, export.columns, strict=True)):
                if value is None:
                    sheet.write_blank(count, number, None)
                elif column.kind == Kind.NUMBER:
                    sheet.write_number(count, number, value)
                elif column.kind == Kind.MOMENT:
                    sheet.write_datetime(count, number, value.astimezone(zone).replace(tzinfo=None), moment)
                elif column.kind == Kind.YES_NO:
                    sheet.write_boolean(count, number, bool(value))
                else:
                    sheet.write_string(count, number, str(value))
        sheet.autofilter(0, 0, max(count, 1), len(export.columns) - 1)
    finally:
        workbook.close()
    return count


# -- the lists ----------------------------------------------------------------------------------------------


def _audited(runtime: Runtime, account: Account, what: str, filters: dict[str, Any], fmt: Format) -> str:
    """Record who exports which list (before the first row leaves); returns the file's name stem."""
    stamp = utcnow()
    with transaction(runtime.sessions) as session:
        user = session.get_one(User, account.id)
        audit.record(
            session,
            actor=f"user:{account.username}",
            entity=user,
            action="export",
            after={"daftar": what, "format": fmt.value, "wilayah": account.region_code, **filters},
        )
    return f"{what}-{account.region_code}-{stamp:%Y%m%d-%H%M}"


def _streamed(
    runtime: Runtime,
    query: Select[Any],
    to_rows: Callable[[Session, Sequence[Any]], Iterator[Sequence[Any]]],
) -> Iterator[Sequence[Any]]:
    """The rows of ``query``, ``BATCH`` at a time, each batch turned into export rows by ``to_rows`` (which
    may read what the batch needs besides, in the same session)."""
    with runtime.sessions() as session:
        result = session.execute(query.execution_options(yield_per=BATCH))
        for batch in result.partitions():  # the session keeps only weak references to what was written
            yield from to_rows(session, batch)


QUEUE_COLUMNS = [
    Column("Nomor", Kind.NUMBER, 8),
    Column("Status", width=20),
    Column("Mendesak", Kind.YES_NO, 10),
    Column("Prioritas", Kind.NUMBER, 10),
    Column("Judul", width=50),
    Column("Fungsi", width=22),
    Column("Kategori LAPOR!", width=24),
    Column("Kecamatan", width=18),
    Column("Lokasi", width=30),
    Column("OPD", width=12),
    Column("Jumlah sebutan", Kind.NUMBER, 10),
    Column("Masuk antrean", Kind.MOMENT, 17),
    Column("Batas verifikasi", Kind.MOMENT, 17),
    Column("Diteruskan ke OPD", Kind.MOMENT, 17),
    Column("Batas tindak lanjut", Kind.MOMENT, 17),
    Column("Ditindaklanjuti", Kind.MOMENT, 17),
    Column("Nomor tracking LAPOR!", width=16),
]
LINKS_COLUMN = Column("Tautan sumber", width=60)


def queue_export(runtime: Runtime, account: Account, wanted: QueueFilter, fmt: Format) -> Export:
    """Every report of the account's region that the queue's filters ``wanted`` match (not only one page),
    in queue order; links to the sources for operators and managers only."""
    if account.role == Role.OPD:
        raise Forbidden("penghubung OPD mengekspor kotak masuknya sendiri")
    wanted = replace(wanted, region_code=account.region_code, page_size=None)
    criteria = wanted.criteria()
    with_links = account.role in ADMIN  # raw posts are theirs to read
    catalog = runtime.catalog
    region = catalog.regions.get(account.region_code)
    places = {k.code: k.name for k in region.gazetteer.kecamatan} if region else {}
    asked = {k: v for k, v in wanted.__dict__.items() if v and k not in ("region_code", "page", "page_size")}
    name = _audited(runtime, account, "antrean", asked, fmt)
    with runtime.sessions() as session:
        agencies = dict(session.execute(select(Agency.id, Agency.short_name)).tuples().all())

    def rows(session: Session, batch: Sequence[Any]) -> Iterator[Sequence[Any]]:
        reports: list[Report] = [row[0] for row in batch]
        filings = filings_of(session, [r.id for r in reports])
        for r in reports:
            function = catalog.functions.get(r.issue.function or "")
            row = [
                r.id,
                status_line(r, filings.get(r.id)),
                r.issue.urgent,
                r.issue.priority,
                r.judul,
                function.name if function else r.issue.function,
                r.kategori,
                places.get(r.issue.kecamatan_code or "", r.issue.kecamatan_code),
                r.lokasi,
                agencies.get(r.agency_id) if r.agency_id else None,
                r.issue.mention_count,
                r.queued_at,
                r.verification_due_at,
                r.forwarded_at,
                r.followup_due_at,
                r.followed_up_at,
                r.tracking_id,
            ]
            yield [*row, "\n".join(r.source_links)] if with_links else row

    query = queue_matching(criteria).options(contains_eager(Report.issue))
    return Export(
        name=name,
        columns=[*QUEUE_COLUMNS, LINKS_COLUMN] if with_links else QUEUE_COLUMNS,
        timezone=account.timezone,
        rows=_streamed(runtime, query, rows),
    )


INBOX_COLUMNS = [
    Column("Nomor", Kind.NUMBER, 8),
    Column("Status", width=20),
    Column("Judul", width=50),
    Column("Kategori LAPOR!", width=24),
    Column("Lokasi", width=30),
    Column("Nomor tracking LAPOR!", width=16),
    Column("Diteruskan", Kind.MOMENT, 17),
    Column("Batas tindak lanjut", Kind.MOMENT, 17),
    Column("Diterima OPD", Kind.MOMENT, 17),
    Column("Ditindaklanjuti", Kind.MOMENT, 17),
    Column("Batas penyelesaian", Kind.MOMENT, 17),
]


def inbox_export(runtime: Runtime, account: Account, view: InboxView, fmt: Format) -> Export:
    """The liaison's inbox (one view, every page), of its own agency only, most urgent first."""
    if account.agency_id is None:
        raise Forbidden(f"{account.username} bukan penghubung OPD")
    name = _audited(runtime, account, f"kotak-masuk-{account.agency_code}", {"tampil": view.value}, fmt)
    query = (
        select(Report)
        .where(
            Report.region_id == account.region_id,
            Report.agency_id == account.agency_id,
            Report.status.in_(INBOX_STATUSES[view]),
        )
        .order_by(*INBOX_ORDER[view])
    )

    def rows(session: Session, batch: Sequence[Any]) -> Iterator[Sequence[Any]]:
        for (r,) in batch:
            yield [
                r.id,
                label(r.status),
                r.judul,
                r.kategori,
                r.lokasi,
                r.tracking_id,
                r.forwarded_at,
                r.followup_due_at,
                r.acknowledged_at,
                r.followed_up_at,
                r.settlement_due_at,
            ]

    return Export(name, INBOX_COLUMNS, account.timezone, _streamed(runtime, query, rows))


AUDIT_COLUMNS = [
    Column("Nomor", Kind.NUMBER, 8),
    Column("Waktu", Kind.MOMENT, 17),
    Column("Pelaku", width=24),
    Column("Data", width=20),
    Column("Tindakan", width=30),
    Column("Perubahan", width=60),
    Column("Alasan", width=40),
]


def audit_export(runtime: Runtime, account: Account, wanted: AuditFilter, fmt: Format) -> Export:
    """The region's audit log as the manager filtered it (every page), newest first."""
    if account.role != Role.MANAGER:
        raise Forbidden("log audit hanya untuk manajer")
    problems: list[str] = []
    with runtime.sessions() as session:
        region = session.get_one(Region, account.region_id)
        conditions = audit_conditions(region, wanted, problems)
    if problems:
        raise ExportRefused("; ".join(problems))
    asked = {k: v for k, v in wanted.__dict__.items() if v and k != "page"}
    name = _audited(runtime, account, "audit", asked, fmt)
    query = select(AuditLog).where(*conditions).order_by(AuditLog.id.desc())

    def rows(session: Session, batch: Sequence[Any]) -> Iterator[Sequence[Any]]:
        for (entry,) in batch:
            shown = changes(entry.before, entry.after)
            yield [
                entry.id,
                entry.at,
                entry.actor,
                entity_label(entry.entity_type, entry.entity_id),
                action_label(entry.action),
                "; ".join(f"{c.field}: {c.before} → {c.after}" for c in shown),
                entry.reason,
            ]

    return Export(name, AUDIT_COLUMNS, region.timezone, _streamed(runtime, query, rows))


def entry_batch_export(runtime: Runtime, account: Account, fmt: Format) -> Export:
    """The approved reports of the region that wait to be typed into LAPOR! by hand, one row each with the
    fields of LAPOR!'s admin form exactly as the assisted-entry page shows them to copy."""
    if account.role not in ADMIN:
        raise Forbidden("hanya operator dan manajer yang menginput ke LAPOR!")
    name = _audited(runtime, account, "siap-input-lapor", {}, fmt)
    query = (
        select(Report, Filing)
        .join(Filing, Filing.report_id == Report.id)
        .where(
            Report.region_id == account.region_id,
            Report.status == ReportStatus.APPROVED,
            Filing.state == DeliveryState.WAITING_ENTRY,
        )
        .order_by(Report.approved_at, Report.id)
    )
    labels = ["Judul", "Isi Laporan", "Tanggal Kejadian", "Lokasi Kejadian", "Instansi Tujuan", "Kategori"]
    labels += ["Klasifikasi", "Anonim", "Rahasia", "Tautan Sumber"]

    def rows(session: Session, batch: Sequence[Any]) -> Iterator[Sequence[Any]]:
        for report, filing in batch:
            entry = assisted_entry(report, filing)
            if entry is None:  # no agency to send it to yet: the page says so, the batch leaves it out
                continue
            fields = {f.label: f.value for f in entry[0]}
            yield [report.id, *(fields[title] for title in labels)]

    columns = [Column("Nomor Pantau", Kind.NUMBER, 10), *(Column(t, width=30) for t in labels)]
    return Export(name, columns, account.timezone, _streamed(runtime, query, rows))
