"""What the API returns about incidents and their reports: plain JSON-ready records with ISO 8601 times
(UTC offsets as stored), one page at a time by a cursor (the last report id), filtered as the console's
queue filters, under the same role and region rules (``services.reports.Viewer``)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from config.errors import PantauError
from db.models import Agency, Filing, Report, Role
from db.queries import queue_matching
from flows.runtime import Runtime
from services.accounts import Account
from services.actions import ADMIN, Forbidden
from services.reports import QueueFilter, Viewer, filings_of, load_visible, status_line

MAX_LIMIT = 200


class BadCursor(PantauError):
    """A cursor this API did not give."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"r{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadCursor("cursor is not one this API gave") from None
    if not (text.startswith("r") and text[1:].isdigit()):
        raise BadCursor("cursor is not one this API gave")
    return int(text[1:])


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _record(
    report: Report, account: Account, filing: Filing | None, agencies: dict[int, str], runtime: Runtime
) -> dict[str, Any]:
    issue = report.issue
    function = runtime.catalog.functions.get(issue.function or "")
    record = {
        "id": report.id,
        "version": report.version,
        "status": report.status,
        "status_label": status_line(report, filing),
        "title": report.judul,
        "text": report.isi,
        "category": report.kategori,
        "location": report.lokasi,
        "function": issue.function,
        "function_label": function.name if function else None,
        "kecamatan_code": issue.kecamatan_code,
        "agency": agencies.get(report.agency_id) if report.agency_id else None,
        "urgent": issue.urgent,
        "priority": issue.priority,
        "mentions": issue.mention_count,
        "tracking_id": report.tracking_id,
        "queued_at": _iso(report.queued_at),
        "verification_due_at": _iso(report.verification_due_at),
        "forwarded_at": _iso(report.forwarded_at),
        "followup_due_at": _iso(report.followup_due_at),
        "followed_up_at": _iso(report.followed_up_at),
        "closed_at": _iso(report.closed_at),
    }
    if account.role in ADMIN:  # links to the crawled posts: raw posts are theirs to read
        record["source_links"] = list(report.source_links)
    return record


def _agencies(session: Session, region_id: int) -> dict[int, str]:
    rows = session.execute(select(Agency.id, Agency.code).where(Agency.region_id == region_id)).tuples()
    return dict(rows.all())


def incident_page(
    runtime: Runtime, account: Account, wanted: QueueFilter, cursor: str | None, limit: int
) -> Page:
    """One page of the incidents (with their reports) of the account's region that ``wanted`` matches, by
    report id; an OPD liaison reads its inbox instead."""
    if account.role == Role.OPD:
        raise Forbidden("an OPD liaison reads the reports forwarded to it: /api/v1/reports")
    after = decode_cursor(cursor) if cursor else 0
    size = min(max(limit, 1), MAX_LIMIT)
    wanted = replace(wanted, region_code=account.region_code, page_size=None)
    query = (
        queue_matching(wanted.criteria())
        .options(contains_eager(Report.issue))
        .order_by(None)
        .order_by(Report.id)
        .where(Report.id > after)
        .limit(size + 1)  # one more tells whether another page follows
    )
    with runtime.sessions() as session:
        reports = list(session.scalars(query))
        more = len(reports) > size
        reports = reports[:size]
        filings = filings_of(session, [r.id for r in reports])
        agencies = _agencies(session, account.region_id)
        items = [_record(r, account, filings.get(r.id), agencies, runtime) for r in reports]
    return Page(items, encode_cursor(reports[-1].id) if more and reports else None)


def report_record(runtime: Runtime, account: Account, report_id: int) -> dict[str, Any]:
    """One report and its incident, if the account may see it (another region's or OPD's reads as
    missing)."""
    with runtime.sessions() as session:
        report = load_visible(session, report_id, Viewer(account.region_id, account.agency_id))
        filing = filings_of(session, [report.id]).get(report.id)
        return _record(report, account, filing, _agencies(session, account.region_id), runtime)
