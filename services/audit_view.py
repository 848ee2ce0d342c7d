"""The audit log as a region's manager reads it: who changed what, when, from what to what, and why.

``AuditLog`` names an entity by type and id only, so the region of each row is found per entity type, in SQL:
a report, an issue, a route, a user... belongs to the manager's region when its own row (or, for a follow-up
or an attachment, its report) does. Rows of an entity type not listed in ``SCOPES`` are never shown: a new
kind of audited entity stays hidden until someone says how to find its region.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from db.local_time import local_display
from db.models import (
    Agency,
    ApiToken,
    Attachment,
    AuditLog,
    Filing,
    FollowUp,
    Issue,
    Notification,
    Region,
    Report,
    Route,
    Source,
    User,
    WatchlistVersion,
)
from db.workflow import label
from flows.runtime import Runtime

PAGE_SIZE = 50
EMPTY = "(kosong)"


def _owned(model: Any) -> Callable[[int], Select[tuple[int]]]:
    return lambda region_id: select(model.id).where(model.region_id == region_id)


def _of_reports(model: Any) -> Callable[[int], Select[tuple[int]]]:
    return lambda region_id: (
        select(model.id).join(Report, Report.id == model.report_id).where(Report.region_id == region_id)
    )


# entity type -> (what a manager calls it, the ids of that type in a region)
SCOPES: dict[str, tuple[str, Callable[[int], Select[tuple[int]]]]] = {
    "report": ("Laporan", _owned(Report)),
    "issue": ("Insiden", _owned(Issue)),
    "route": ("Rute OPD", _owned(Route)),
    "watchlist_version": ("Watchlist", _owned(WatchlistVersion)),
    "user_account": ("Pengguna", _owned(User)),
    "region": ("Pengaturan wilayah", lambda region_id: select(Region.id).where(Region.id == region_id)),
    "agency": ("OPD", _owned(Agency)),
    "source": ("Sumber", _owned(Source)),
    "filing": ("Pengiriman LAPOR!", _owned(Filing)),
    "notification": ("Notifikasi", _owned(Notification)),
    "follow_up": ("Tindak lanjut", _of_reports(FollowUp)),
    "attachment": ("Lampiran", _of_reports(Attachment)),
    "api_token": (
        "Token API",
        lambda region_id: (
            select(ApiToken.id).join(User, User.id == ApiToken.user_id).where(User.region_id == region_id)
        ),
    ),
}
ACTIONS = {
    "export": "mengekspor daftar",
    "create": "dibuat",
    "revoke": "dicabut",
    "update": "diubah",
    "retire": "dihentikan",
    "queued": "masuk antrean",
    "correct": "dikoreksi",
    "merge": "digabung (menerima)",
    "merged": "digabung ke yang lain",
    "split": "dipisah",
    "filing:retry": "pengiriman diulang",
    "account:create": "akun dibuat",
    "account:enable": "akun diaktifkan",
    "account:disable": "akun dinonaktifkan",
    "account:password": "kata sandi diganti",
    "account:locked": "akun dikunci (gagal masuk)",
    "account:role": "peran diubah",
}
LINKS = {
    "report": "/laporan/{id}",
    "user_account": "/pengguna/{id}",
    "region": "/tenggat-kontak",
    "agency": "/tenggat-kontak/opd/{id}",
}


@dataclass(frozen=True)
class AuditFilter:
    """What the manager asked for, as the page's form sends it (text; checked by ``audit_page``)."""

    actor: str = ""
    entity_type: str = ""
    entity_id: str = ""
    date_from: str = ""
    date_to: str = ""
    page: str = "1"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str  # the region's local time
    actor: str
    entity: str  # "Laporan #12"
    link: str | None
    action: str
    changes: list[Change]
    reason: str


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    wanted: AuditFilter
    page: int
    has_next: bool
    problems: list[str] = field(default_factory=list)  # filters that could not be read (and were left out)
    entity_types: dict[str, str] = field(default_factory=lambda: {k: v[0] for k, v in SCOPES.items()})

    def link(self, page: int) -> str:
        """The address of another page of the same filtered log."""
        asked = {
            "pelaku": self.wanted.actor,
            "jenis": self.wanted.entity_type,
            "nomor": self.wanted.entity_id,
            "dari": self.wanted.date_from,
            "sampai": self.wanted.date_to,
        }
        return "/audit?" + urlencode({**{k: v for k, v in asked.items() if v}, "halaman": page})


def _text(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys ("contacts.sekda.email"); lists and plain values stay whole."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {}
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(inner, dict) and inner:
            flat.update(_flatten(inner, path))
        else:
            flat[path] = inner
    return flat


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """What differs between an audit row's before and after, one line per changed (dotted) field."""
    old, new = _flatten(before or {}), _flatten(after or {})
    keys = list(dict.fromkeys([*old, *new]))
    return [
        Change(key, _text(old.get(key)), _text(new.get(key)))
        for key in keys
        if old.get(key) != new.get(key) or key not in old or key not in new
    ]


def action_label(action: str) -> str:
    if action.startswith("status:"):
        return f"status menjadi {label(action.removeprefix('status:'))}"
    return ACTIONS.get(action, action)


def _in_region(region_id: int, entity_type: str) -> ColumnElement[bool]:
    """Audit rows whose entity belongs to the region (of one type, or of every known type)."""
    types = [entity_type] if entity_type else list(SCOPES)
    clauses = [
        and_(AuditLog.entity_type == kind, AuditLog.entity_id.in_(SCOPES[kind][1](region_id)))
        for kind in types
        if kind in SCOPES
    ]
    return or_(*clauses) if clauses else false()


def _day(text: str, what: str, problems: list[str]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{what} {text!r} bukan tanggal (TTTT-BB-HH)")
        return None


def audit_conditions(region: Region, wanted: AuditFilter, problems: list[str]) -> list[ColumnElement[bool]]:
    if wanted.entity_type and wanted.entity_type not in SCOPES:
        problems.append(f"jenis {wanted.entity_type!r} tidak dikenal")
    conditions = [_in_region(region.id, wanted.entity_type if wanted.entity_type in SCOPES else "")]
    if wanted.actor.strip():
        conditions.append(AuditLog.actor.icontains(wanted.actor.strip(), autoescape=True))
    if wanted.entity_id.strip():
        if wanted.entity_id.strip().isdigit():
            conditions.append(AuditLog.entity_id == int(wanted.entity_id.strip()))
        else:
            problems.append(f"nomor {wanted.entity_id!r} bukan bilangan")
    zone = ZoneInfo(region.timezone)
    start = _day(wanted.date_from, "tanggal awal", problems)
    if start is not None:
        conditions.append(AuditLog.at >= datetime.combine(start, time(), zone))
    end = _day(wanted.date_to, "tanggal akhir", problems)
    if end is not None:
        conditions.append(AuditLog.at < datetime.combine(end + timedelta(days=1), time(), zone))
    return conditions


def entity_label(entity_type: str, entity_id: int) -> str:
    """What a row is about, in words: "Laporan #12"."""
    return (
        f"{SCOPES[entity_type][0]} #{entity_id}" if entity_type in SCOPES else f"{entity_type} #{entity_id}"
    )


def _entry(row: AuditLog, timezone: str) -> AuditEntry:
    link = LINKS.get(row.entity_type)
    return AuditEntry(
        id=row.id,
        at=local_display(row.at, timezone),
        actor=row.actor,
        entity=entity_label(row.entity_type, row.entity_id),
        link=link.format(id=row.entity_id) if link else None,
        action=action_label(row.action),
        changes=changes(row.before, row.after),
        reason=row.reason,
    )


def audit_page(runtime: Runtime, region_id: int, wanted: AuditFilter) -> AuditPage:
    """One page (``PAGE_SIZE`` rows, newest first) of the region's audit log, filtered as asked."""
    page = int(wanted.page) if wanted.page.strip().isdigit() and int(wanted.page) > 0 else 1
    problems: list[str] = []
    with runtime.sessions() as session:
        region = session.get_one(Region, region_id)
        query = (
            select(AuditLog)
            .where(*audit_conditions(region, wanted, problems))
            .order_by(AuditLog.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
        rows = list(session.scalars(query))
        entries = [_entry(row, region.timezone) for row in rows[:PAGE_SIZE]]
    return AuditPage(entries, wanted, page, has_next=len(rows) > PAGE_SIZE, problems=problems)
