"""The configuration people change in the console, as triage uses it: routes and keyword watchlists.

The region YAML seeds both (``db.sync``); managers then change them in the console
(``services.routing_table``, ``services.watchlists``). The database holds what is in force: the ``route``
table, and the newest ``WatchlistVersion`` of each name (retired when that version is inactive).

Triage runs in a long-lived process that compiled the YAML once (``flows.runtime``). At the start of each
triage run ``take_console_config`` reads a cheap stamp per region (the newest watchlist version id and the
routing table's rows); for a region whose stamp changed it rebuilds the region's definition, ``Region`` and
compiled ``RegionRules`` and swaps them into the triager, without reloading the model. The first run after
start takes every region from the database, so console changes outlive a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.catalog import Region
from config.errors import PantauError
from config.schema import WatchlistDef
from db import audit
from db.models import Agency, Route, WatchlistVersion
from db.models import Region as RegionRow
from nlp.rules import RegionRules
from nlp.watchlist import QuerySyntaxError, Watchlist

if TYPE_CHECKING:  # the triager's libraries load only where triage runs
    from flows.runtime import Runtime
    from nlp.triage import Triager

CONFIG_ORIGIN = "config"
CONSOLE_ORIGIN = "console"
SYNC_ACTOR = "system:config-sync"


class BadStoredWatchlist(PantauError):
    """A stored watchlist query that no longer parses (both the console and the sync check before storing)."""


def watchlists_in_force(session: Session, region_id: int) -> list[WatchlistVersion]:
    """The newest version of each of the region's watchlists, retired ones included (``active`` False),
    ordered by name: the one place that says which version is in force."""
    newest = (
        select(WatchlistVersion.name, func.max(WatchlistVersion.version).label("version"))
        .where(WatchlistVersion.region_id == region_id)
        .group_by(WatchlistVersion.name)
        .subquery()
    )
    query = (
        select(WatchlistVersion)
        .join(
            newest,
            (WatchlistVersion.name == newest.c.name) & (WatchlistVersion.version == newest.c.version),
        )
        .where(WatchlistVersion.region_id == region_id)
        .order_by(WatchlistVersion.name)
    )
    return list(session.scalars(query))


def routes_in_force(session: Session, region_id: int) -> dict[str, str]:
    """The region's routing table as stored: function -> agency code."""
    query = (
        select(Route.function, Agency.code)
        .join(Agency, Agency.id == Route.agency_id)
        .where(Route.region_id == region_id)
        .order_by(Route.function)
    )
    return {function: code for function, code in session.execute(query)}


# -- the YAML seeds the versions -----------------------------------------------------------------------------


def _config_versions(session: Session, region_id: int) -> dict[str, WatchlistVersion]:
    """The newest version the configuration wrote of each name (what the YAML said at the last sync)."""
    rows = session.scalars(
        select(WatchlistVersion)
        .where(WatchlistVersion.region_id == region_id, WatchlistVersion.origin == CONFIG_ORIGIN)
        .order_by(WatchlistVersion.version)
    )
    return {row.name: row for row in rows}


def version_fields(row: WatchlistVersion) -> dict[str, object]:
    """What the audit log keeps of a version."""
    return {"version": row.version, "query": row.query, "priority": row.priority, "active": row.active}


def add_version(
    session: Session,
    region_id: int,
    name: str,
    *,
    query: str,
    priority: int,
    active: bool,
    origin: str,
    actor: str,
    reason: str,
) -> WatchlistVersion:
    """Append the next version of ``name`` (audited with the version it replaces)."""
    previous = session.scalar(
        select(WatchlistVersion)
        .where(WatchlistVersion.region_id == region_id, WatchlistVersion.name == name)
        .order_by(WatchlistVersion.version.desc())
        .limit(1)
    )
    row = WatchlistVersion(
        region_id=region_id,
        name=name,
        version=(previous.version if previous else 0) + 1,
        query=query,
        priority=priority,
        active=active,
        origin=origin,
        created_by=actor,
        reason=reason,
    )
    session.add(row)
    action = "create" if previous is None else ("update" if active else "retire")
    before = version_fields(previous) if previous else None
    audit.record(session, actor=actor, entity=row, action=action, before=before, after=version_fields(row))
    return row


def sync_config_watchlists(session: Session, region_id: int, configured: Sequence[WatchlistDef]) -> int:
    """Write a configuration version for each watchlist the YAML added, changed (query or priority) or removed
    since the last sync; returns how many. A console version stands until the YAML changes that watchlist."""
    written = 0
    said = _config_versions(session, region_id)
    for item in configured:
        last = said.get(item.name)
        if last is not None and last.active and (last.query, last.priority) == (item.query, item.priority):
            continue
        add_version(
            session,
            region_id,
            item.name,
            query=item.query,
            priority=item.priority,
            active=True,
            origin=CONFIG_ORIGIN,
            actor=SYNC_ACTOR,
            reason="ditambahkan di konfigurasi" if last is None else "diubah di konfigurasi",
        )
        written += 1
    names = {item.name for item in configured}
    for name, last in said.items():
        if name in names or not last.active:
            continue
        add_version(
            session,
            region_id,
            name,
            query=last.query,
            priority=last.priority,
            active=False,
            origin=CONFIG_ORIGIN,
            actor=SYNC_ACTOR,
            reason="dihapus dari konfigurasi",
        )
        written += 1
    return written


# -- triage takes what is in force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionStamp:
    """What a region's console configuration was: its newest watchlist version and its routing table."""

    watchlist_version: int
    routes: tuple[tuple[str, str], ...]


def read_stamps(session: Session) -> dict[str, RegionStamp]:
    """Every stored region's stamp: two small queries (a max per region, and the routing table's rows)."""
    newest: dict[str, int] = {
        code: version_id
        for code, version_id in session.execute(
            select(RegionRow.code, func.max(WatchlistVersion.id))
            .join(WatchlistVersion, WatchlistVersion.region_id == RegionRow.id)
            .group_by(RegionRow.code)
        )
    }
    routes: dict[str, list[tuple[str, str]]] = {}
    rows = session.execute(
        select(RegionRow.code, Route.function, Agency.code)
        .join(Route, Route.region_id == RegionRow.id)
        .join(Agency, Agency.id == Route.agency_id)
        .order_by(RegionRow.code, Route.function)
    )
    for region_code, function, agency_code in rows:
        routes.setdefault(region_code, []).append((function, agency_code))
    return {
        code: RegionStamp(newest.get(code) or 0, tuple(routes.get(code, ())))
        for code in set(newest) | set(routes)
    }


def _compiled(row: WatchlistVersion, region_code: str) -> Watchlist:
    try:
        return Watchlist(row.name, row.query, row.priority)
    except QuerySyntaxError as exc:
        where = f"watchlist {row.name!r} versi {row.version} wilayah {region_code}"
        raise BadStoredWatchlist(f"{where} tidak bisa dibaca: {exc.inline}") from None


def region_in_force(
    region: Region, rules: RegionRules, routes: dict[str, str], watchlists: Sequence[WatchlistVersion]
) -> tuple[Region, RegionRules]:
    """``region`` and its compiled ``rules`` with the stored routes and the active watchlists in force (the
    vertical rules and everything else stay as configured)."""
    active = [row for row in watchlists if row.active]
    definition = region.definition.model_copy(
        update={
            "routes": {**region.definition.routes, **routes},
            "watchlists": [WatchlistDef(name=w.name, query=w.query, priority=w.priority) for w in active],
        }
    )
    compiled = tuple(_compiled(row, region.code) for row in active)
    return replace(region, definition=definition), replace(rules, watchlists=compiled)


class ConsoleConfig:
    """Keeps one triager in step with the console's configuration (``Runtime.console_config``)."""

    def __init__(self) -> None:
        self._stamps: dict[str, RegionStamp] = {}
        self._lock = threading.Lock()

    def refresh(self, session: Session, triager: Triager) -> list[str]:
        """Swap into ``triager`` every region whose stamp changed since the last call; returns their codes."""
        with self._lock:
            stamps = read_stamps(session)
            changed = [
                code
                for code in triager.catalog.regions
                if code in stamps and stamps[code] != self._stamps.get(code)
            ]
            if not changed:
                return []
            ids = {code: id_ for code, id_ in session.execute(select(RegionRow.code, RegionRow.id))}
            for code in changed:
                region, rules = region_in_force(
                    triager.catalog.regions[code],
                    triager.rules[code],
                    routes_in_force(session, ids[code]),
                    watchlists_in_force(session, ids[code]),
                )
                triager.use_region(region, rules)
                self._stamps[code] = stamps[code]
            return changed


def take_console_config(runtime: Runtime) -> list[str]:
    """Before a triage run: bring the runtime's triager up to the console's configuration; returns the codes
    of the regions rebuilt."""
    triager = runtime.triager
    with runtime.sessions() as session:
        return runtime.console_config.refresh(session, triager)
