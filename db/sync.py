"""Bring the database's regions, agencies, routes and sources in line with the YAML catalog.

Configuration seeds the database at start-up; every change made here is written to the audit log, so a
routing change can be traced to the sync that made it.

Some fields are also edited in the console by managers: a route's agency, a region's deadlines, contacts and
escalation ladder, an agency's contacts. For those the sync keeps a ``ConfigSnapshot`` of the YAML's value it
last applied, and writes the database only when the YAML's value differs from that snapshot (or there is
none yet): a console edit stands across restarts until someone changes the same field in the YAML, and then
the YAML's new decision wins. Both changes are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.catalog import Catalog
from config.catalog import Region as RegionConfig
from db import audit
from db.base import utcnow
from db.models import Agency, ConfigSnapshot, Region, Route, Source
from flows.console_config import sync_config_watchlists

ACTOR = "system:config-sync"
CHANGED_IN_CONFIG = "diubah di konfigurasi (YAML)"


@dataclass
class SyncCounts:
    regions: int = 0
    agencies: int = 0
    routes: int = 0
    sources: int = 0


class Snapshots:
    """The YAML's value of each console-editable field as the last sync applied it."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows = {
            (s.entity_type, s.entity_id, s.field): s for s in session.scalars(select(ConfigSnapshot))
        }

    def take_yaml(self, entity: Any, field: str, value: Any) -> bool:
        """Whether the YAML's ``value`` of ``entity``'s ``field`` is new since the last sync (always on the
        first); remembers it either way."""
        if entity.id is None:
            self._session.flush()
        key = (type(entity).__tablename__, entity.id, field)
        row = self._rows.get(key)
        if row is None:
            row = ConfigSnapshot(entity_type=key[0], entity_id=key[1], field=field, value=value)
            self._session.add(row)
            self._rows[key] = row
            return True
        if row.value == value:
            return False
        row.value = value
        return True


def _apply_yaml(
    session: Session, snapshots: Snapshots, entity: Region | Agency, field: str, value: Any
) -> None:
    """Set a console-editable JSON field to the YAML's value when the YAML changed it since the last sync."""
    if not snapshots.take_yaml(entity, field, value):
        return
    before = getattr(entity, field)
    if before == value:
        return
    setattr(entity, field, value)
    audit.record(
        session,
        actor=ACTOR,
        entity=entity,
        action="update",
        before={field: before},
        after={field: value},
        reason=CHANGED_IN_CONFIG,
    )


def _sync_region(session: Session, config: RegionConfig, counts: SyncCounts, snapshots: Snapshots) -> Region:
    spec = config.definition
    region = session.scalar(select(Region).where(Region.code == spec.code))
    values: dict[str, Any] = {
        "name": spec.name,
        "timezone": spec.timezone,
        "extra_holidays": list(spec.extra_holidays),
        "brand": spec.brand,
        "lapor": spec.lapor.model_dump(mode="json"),
    }
    editable: dict[str, Any] = {
        "deadlines": spec.deadlines.model_dump(mode="json"),
        "contacts": {rung: c.model_dump(mode="json") for rung, c in spec.contacts.items()},
        "escalation": [step.model_dump(mode="json") for step in spec.escalation],
    }
    if region is None:
        region = Region(code=spec.code, **values, **editable)
        session.add(region)
        counts.regions += 1
    else:
        for key, value in values.items():
            setattr(region, key, value)
    session.flush()
    for field, value in editable.items():
        _apply_yaml(session, snapshots, region, field, value)

    agencies = {a.code: a for a in session.scalars(select(Agency).where(Agency.region_id == region.id))}
    for agency_spec in spec.agencies:
        agency = agencies.get(agency_spec.code)
        fields: dict[str, Any] = {
            "name": agency_spec.name,
            "short_name": agency_spec.short_name,
            "kind": agency_spec.kind.value,
            "canonical": agency_spec.canonical,
            "active": True,
        }
        contacts = {rung: c.model_dump(mode="json") for rung, c in agency_spec.contacts.items()}
        if agency is None:
            agency = Agency(region_id=region.id, code=agency_spec.code, contacts=contacts, **fields)
            session.add(agency)
            agencies[agency.code] = agency
            counts.agencies += 1
        else:
            for key, value in fields.items():
                setattr(agency, key, value)
        _apply_yaml(session, snapshots, agency, "contacts", contacts)
    for code, agency in agencies.items():
        if code not in config.agencies:
            agency.active = False
    session.flush()

    routes = {r.function: r for r in session.scalars(select(Route).where(Route.region_id == region.id))}
    for function, agency_code in spec.routes.items():
        agency = agencies[agency_code]
        route = routes.get(function)
        if route is None:
            route = Route(region_id=region.id, function=function, agency_id=agency.id, updated_by=ACTOR)
            session.add(route)
            audit.record(session, actor=ACTOR, entity=route, action="create", after={"agency": agency_code})
            snapshots.take_yaml(route, "agency", agency_code)
            counts.routes += 1
        elif snapshots.take_yaml(route, "agency", agency_code) and route.agency_id != agency.id:
            before = {"agency": route.agency.code}
            route.agency_id, route.agency = agency.id, agency
            route.updated_by, route.updated_at, route.reason = ACTOR, utcnow(), CHANGED_IN_CONFIG
            audit.record(
                session,
                actor=ACTOR,
                entity=route,
                action="update",
                before=before,
                after={"agency": agency_code},
                reason=CHANGED_IN_CONFIG,
            )
            counts.routes += 1
    sync_config_watchlists(session, region.id, spec.watchlists)  # the YAML's watchlists seed their versions
    return region


def sync_catalog(session: Session, catalog: Catalog) -> SyncCounts:
    """Create or update regions, agencies, routes and sources from ``catalog``; returns what changed."""
    counts = SyncCounts()
    snapshots = Snapshots(session)
    regions = {code: _sync_region(session, cfg, counts, snapshots) for code, cfg in catalog.regions.items()}
    existing = {s.slug: s for s in session.scalars(select(Source))}
    for spec in catalog.sources:
        fields: dict[str, Any] = {
            "name": spec.name,
            "region_id": regions[spec.region].id,
            "platform": spec.platform.value,
            "url": str(spec.url),
            "settings": spec.model_dump(mode="json", include={"article_pattern", "language"}),
            "enabled": spec.enabled,
        }
        source = existing.get(spec.slug)
        if source is None:
            session.add(Source(slug=spec.slug, **fields))
            counts.sources += 1
        else:
            for key, value in fields.items():
                setattr(source, key, value)
    session.flush()
    return counts
