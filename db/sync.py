"""Bring the database's regions, agencies, routes and sources in line with the YAML catalog.

Configuration is the source of truth at start-up; every change made here is written to the audit log, so a
routing change can be traced to the sync that made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.catalog import Catalog
from config.catalog import Region as RegionConfig
from db import audit
from db.models import Agency, Region, Route, Source

ACTOR = "system:config-sync"


@dataclass
class SyncCounts:
    regions: int = 0
    agencies: int = 0
    routes: int = 0
    sources: int = 0


def _sync_region(session: Session, config: RegionConfig, counts: SyncCounts) -> Region:
    spec = config.definition
    region = session.scalar(select(Region).where(Region.code == spec.code))
    values = {
        "name": spec.name,
        "timezone": spec.timezone,
        "deadlines": spec.deadlines.model_dump(),
        "extra_holidays": list(spec.extra_holidays),
        "brand": spec.brand,
        "lapor": spec.lapor.model_dump(mode="json"),
        "contacts": {rung: c.model_dump(mode="json") for rung, c in spec.contacts.items()},
        "escalation": [step.model_dump(mode="json") for step in spec.escalation],
    }
    if region is None:
        region = Region(code=spec.code, **values)
        session.add(region)
        counts.regions += 1
    else:
        for key, value in values.items():
            setattr(region, key, value)
    session.flush()

    agencies = {a.code: a for a in session.scalars(select(Agency).where(Agency.region_id == region.id))}
    for agency_spec in spec.agencies:
        agency = agencies.get(agency_spec.code)
        fields: dict[str, Any] = {
            "name": agency_spec.name,
            "short_name": agency_spec.short_name,
            "kind": agency_spec.kind.value,
            "canonical": agency_spec.canonical,
            "active": True,
            "contacts": {rung: c.model_dump(mode="json") for rung, c in agency_spec.contacts.items()},
        }
        if agency is None:
            agency = Agency(region_id=region.id, code=agency_spec.code, **fields)
            session.add(agency)
            agencies[agency.code] = agency
            counts.agencies += 1
        else:
            for key, value in fields.items():
                setattr(agency, key, value)
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
            counts.routes += 1
        elif route.agency_id != agency.id:
            before = {"agency": route.agency.code}
            route.agency_id, route.updated_by, route.reason = agency.id, ACTOR, "changed in configuration"
            audit.record(
                session,
                actor=ACTOR,
                entity=route,
                action="update",
                before=before,
                after={"agency": agency_code},
                reason="changed in configuration",
            )
            counts.routes += 1
    return region


def sync_catalog(session: Session, catalog: Catalog) -> SyncCounts:
    """Create or update regions, agencies, routes and sources from ``catalog``; returns what changed."""
    counts = SyncCounts()
    regions = {code: _sync_region(session, cfg, counts) for code, cfg in catalog.regions.items()}
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
