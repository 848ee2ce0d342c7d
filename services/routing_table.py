"""A region's routing table (function -> OPD) as managers keep it in the console: read it, change one row
with a reason (audited, before and after), and read a row's history from the audit log.

The ``route`` table is what triage uses: ``flows.console_config`` takes a change before the next triage run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import audit
from db.base import utcnow
from db.local_time import local_display
from db.models import Agency, AuditLog, Region, Role, Route
from db.session import WriteLockBusy, write_transaction
from flows.runtime import Runtime
from services.actions import ActionError, Actor, Conflict, Forbidden, NotFound

MAX_REASON = 500


@dataclass(frozen=True)
class AgencyChoice:
    code: str
    name: str


@dataclass(frozen=True)
class RouteRow:
    """One function's row: where it goes, and the last change (who, when, why)."""

    function: str
    function_name: str
    agency_code: str
    agency_name: str
    agency_active: bool
    updated_by: str
    updated_at: str  # the region's local time
    reason: str


@dataclass(frozen=True)
class RouteChange:
    """One change of a row, from the audit log."""

    at: str
    actor: str
    action: str
    before: str | None  # agency code
    after: str | None
    reason: str


@dataclass(frozen=True)
class RoutingTable:
    rows: list[RouteRow]
    agencies: list[AgencyChoice]  # the region's active agencies, the choices for a row


def _row(route: Route, function_names: dict[str, str], timezone: str) -> RouteRow:
    return RouteRow(
        function=route.function,
        function_name=function_names.get(route.function, route.function),
        agency_code=route.agency.code,
        agency_name=route.agency.short_name,
        agency_active=route.agency.active,
        updated_by=route.updated_by,
        updated_at=local_display(route.updated_at, timezone),
        reason=route.reason,
    )


def _function_names(runtime: Runtime) -> dict[str, str]:
    return {code: function.name for code, function in runtime.catalog.functions.items()}


def _agencies(session: Session, region_id: int) -> list[AgencyChoice]:
    rows = session.scalars(
        select(Agency).where(Agency.region_id == region_id, Agency.active).order_by(Agency.short_name)
    )
    return [AgencyChoice(a.code, a.short_name) for a in rows]


def routing_table(runtime: Runtime, region_id: int) -> RoutingTable:
    """The region's routing table in the order of the function catalogue, and the agencies to choose from."""
    order = {code: i for i, code in enumerate(runtime.catalog.functions)}
    names = _function_names(runtime)
    with runtime.sessions() as session:
        timezone = session.get_one(Region, region_id).timezone
        routes = session.scalars(select(Route).where(Route.region_id == region_id)).all()
        rows = [
            _row(r, names, timezone) for r in sorted(routes, key=lambda r: order.get(r.function, len(order)))
        ]
        return RoutingTable(rows, _agencies(session, region_id))


def _route(session: Session, region_id: int, function: str) -> Route:
    route = session.scalar(select(Route).where(Route.region_id == region_id, Route.function == function))
    if route is None:
        raise NotFound(f"fungsi {function!r} tidak ada di tabel rute wilayah ini")
    return route


@dataclass(frozen=True)
class RouteHistory:
    row: RouteRow
    changes: list[RouteChange]  # newest first
    agencies: list[AgencyChoice]


def route_history(runtime: Runtime, region_id: int, function: str) -> RouteHistory:
    """One row of the region's table, every change to it from the audit log, and the agencies to choose
    from; NotFound for a function the region's table does not have."""
    with runtime.sessions() as session:
        timezone = session.get_one(Region, region_id).timezone
        route = _route(session, region_id, function)
        entries = session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == Route.__tablename__, AuditLog.entity_id == route.id)
            .order_by(AuditLog.id.desc())
        )
        changes = [
            RouteChange(
                at=local_display(entry.at, timezone),
                actor=entry.actor,
                action=entry.action,
                before=(entry.before or {}).get("agency"),
                after=(entry.after or {}).get("agency"),
                reason=entry.reason,
            )
            for entry in entries
        ]
        return RouteHistory(
            _row(route, _function_names(runtime), timezone), changes, _agencies(session, region_id)
        )


def change_route(
    runtime: Runtime,
    region_id: int,
    function: str,
    *,
    agency_code: str,
    reason: str,
    actor: Actor,
    expected_agency: str,
) -> RouteRow:
    """Send the region's ``function`` to ``agency_code`` (an active agency of the same region) from now on,
    with a reason; refused when the row no longer goes where the form showed (``expected_agency``): someone
    changed it meanwhile (``Conflict`` naming who)."""
    if actor.role != Role.MANAGER:
        raise Forbidden(f"{actor.name} ({actor.role or 'sistem'}) tidak boleh mengubah tabel rute")
    reason = reason.strip()
    if not reason:
        raise ActionError("alasan perubahan wajib diisi")
    if len(reason) > MAX_REASON:
        raise ActionError(f"alasan perubahan paling panjang {MAX_REASON} karakter")
    try:
        with write_transaction(runtime.sessions) as session:
            region = session.get_one(Region, region_id)
            route = _route(session, region_id, function)
            if route.agency.code != expected_agency:
                when = local_display(route.updated_at, region.timezone)
                raise Conflict(
                    f"rute {function} sudah diubah oleh {route.updated_by} ({when}): sekarang ke "
                    f"{route.agency.code}; muat ulang lalu coba lagi"
                )
            agency = session.scalar(
                select(Agency).where(Agency.region_id == region_id, Agency.code == agency_code)
            )
            if agency is None or not agency.active:
                raise ActionError(f"tidak ada OPD aktif berkode {agency_code!r} di wilayah {region.code}")
            if agency.id == route.agency_id:
                raise ActionError(f"rute {function} sudah ke {agency.code}: tidak ada yang berubah")
            before = {"agency": route.agency.code}
            route.agency_id, route.agency = agency.id, agency
            route.updated_by, route.updated_at, route.reason = actor.name, utcnow(), reason
            audit.record(
                session,
                actor=actor.name,
                entity=route,
                action="update",
                before=before,
                after={"agency": agency.code},
                reason=reason,
            )
            return _row(route, _function_names(runtime), region.timezone)
    except WriteLockBusy:
        raise ActionError("basis data sedang dipakai penulis lain; coba lagi sebentar lagi") from None
