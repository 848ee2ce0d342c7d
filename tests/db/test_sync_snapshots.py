"""The start-up sync and console edits: an edit stands across syncs until the YAML changes the same field, and
then the YAML's new value wins; both audited. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from config.catalog import Catalog
from config.schema import ContactDef, EscalationStepDef
from config.settings import Settings
from db.models import Agency, AuditLog, ConfigSnapshot, Region, Role, Route
from db.session import transaction
from db.sync import ACTOR, sync_catalog
from flows.runtime import Runtime
from flows.setup import initialise
from services import region_settings
from services.actions import Actor
from tests.conftest import NO_CRAWL

MANAGER = Actor("user:manajer-uji", Role.MANAGER)
KUTIM = "64.08"


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime(settings, base_url=NO_CRAWL)
    initialise(runtime)
    yield runtime
    runtime.close()


def _yaml_with(catalog: Catalog, **changes: Any) -> Catalog:
    """The catalog as if Kutai Timur's YAML said ``changes`` (RegionDef fields)."""
    region = catalog.regions[KUTIM]
    definition = region.definition.model_copy(update=changes)
    agencies = {a.code: a for a in definition.agencies}
    changed = replace(region, definition=definition, agencies=agencies)
    return replace(catalog, regions={**catalog.regions, KUTIM: changed})


def _sync(runtime: Runtime, catalog: Catalog | None = None) -> None:
    with transaction(runtime.sessions) as session:
        sync_catalog(session, catalog or runtime.catalog)


def _region(runtime: Runtime) -> Region:
    with runtime.sessions() as session:
        return session.scalars(select(Region).where(Region.code == KUTIM)).one()


def _agency(runtime: Runtime, code: str) -> Agency:
    with runtime.sessions() as session:
        region_id = _region(runtime).id
        return session.scalars(select(Agency).where(Agency.region_id == region_id, Agency.code == code)).one()


def _sync_audits(runtime: Runtime, entity_type: str) -> list[AuditLog]:
    with runtime.sessions() as session:
        query = select(AuditLog).where(AuditLog.actor == ACTOR, AuditLog.entity_type == entity_type)
        return list(session.scalars(query.order_by(AuditLog.id)))


def test_the_first_sync_remembers_what_it_applied(runtime: Runtime) -> None:
    catalog = runtime.catalog
    with runtime.sessions() as session:
        counted = session.execute(
            select(ConfigSnapshot.entity_type, func.count()).group_by(ConfigSnapshot.entity_type)
        )
        kinds = {kind: count for kind, count in counted}
        region_id = _region(runtime).id
        stored = session.scalars(
            select(ConfigSnapshot.value).where(
                ConfigSnapshot.entity_type == "region",
                ConfigSnapshot.entity_id == region_id,
                ConfigSnapshot.field == "deadlines",
            )
        ).one()
    assert kinds["region"] == 3 * len(catalog.regions)  # deadlines, contacts, escalation
    assert kinds["route"] == sum(len(r.definition.routes) for r in catalog.regions.values())
    assert kinds["agency"] == sum(len(r.definition.agencies) for r in catalog.regions.values())
    assert stored == catalog.regions[KUTIM].definition.deadlines.model_dump()


def test_a_console_edit_of_deadlines_stands_until_the_yaml_changes_them(runtime: Runtime) -> None:
    region = _region(runtime)
    yaml_deadlines = runtime.catalog.regions[KUTIM].definition.deadlines
    region_settings.update_deadlines(
        runtime,
        region.id,
        {**yaml_deadlines.model_dump(), "verification_working_days": 4},
        expected=region_settings.fingerprint(region.deadlines),
        actor=MANAGER,
        reason="tim verifikasi berkurang",
    )
    _sync(runtime)  # a restart with the YAML unchanged
    assert _region(runtime).deadlines["verification_working_days"] == 4
    assert _sync_audits(runtime, "region") == []

    changed = yaml_deadlines.model_copy(update={"verification_working_days": 2})
    _sync(runtime, _yaml_with(runtime.catalog, deadlines=changed))  # someone edits the YAML
    assert _region(runtime).deadlines["verification_working_days"] == 2
    [entry] = _sync_audits(runtime, "region")
    assert entry.before is not None and entry.after is not None
    assert entry.before["deadlines"]["verification_working_days"] == 4
    assert entry.after["deadlines"]["verification_working_days"] == 2
    assert entry.reason == "diubah di konfigurasi (YAML)"


def test_a_console_edit_of_an_agency_contact_and_the_ladder_stands_across_syncs(runtime: Runtime) -> None:
    region, pupr = _region(runtime), _agency(runtime, "PUPR")
    region_settings.save_contact(
        runtime,
        region.id,
        "liaison",
        {"email": ["jalan@pupr.example"]},
        agency_id=pupr.id,
        expected=region_settings.fingerprint(pupr.contacts),
        actor=MANAGER,
        reason="pejabat penghubung baru",
    )
    ladder = [
        {"after_working_days": "0", "notify": "liaison"},
        {"after_working_days": "3", "notify": "sekda"},
    ]
    region_settings.update_escalation(
        runtime,
        region.id,
        [(step["after_working_days"], step["notify"]) for step in ladder],
        expected=region_settings.fingerprint(region.escalation),
        actor=MANAGER,
        reason="kepala dinas dilewati",
    )
    _sync(runtime)
    _sync(runtime)
    assert _agency(runtime, "PUPR").contacts["liaison"]["email"] == ["jalan@pupr.example"]
    assert [s["notify"] for s in _region(runtime).escalation] == ["liaison", "sekda"]
    assert _sync_audits(runtime, "agency") == [] and _sync_audits(runtime, "region") == []

    # the YAML changes the ladder, not PUPR's contacts: only the ladder follows it
    yaml_ladder = [EscalationStepDef(after_working_days=1, notify="kepala_dinas")]
    _sync(runtime, _yaml_with(runtime.catalog, escalation=yaml_ladder))
    assert _region(runtime).escalation == [{"after_working_days": 1, "notify": "kepala_dinas"}]
    assert _agency(runtime, "PUPR").contacts["liaison"]["email"] == ["jalan@pupr.example"]

    definition = runtime.catalog.regions[KUTIM].definition
    liaison = ContactDef(email=["penghubung.baru@kutaitimur.example"])
    agencies = [
        a.model_copy(update={"contacts": {**a.contacts, "liaison": liaison}}) if a.code == "PUPR" else a
        for a in definition.agencies
    ]
    _sync(runtime, _yaml_with(runtime.catalog, escalation=yaml_ladder, agencies=agencies))
    assert _agency(runtime, "PUPR").contacts["liaison"]["email"] == ["penghubung.baru@kutaitimur.example"]
    [entry] = _sync_audits(runtime, "agency")
    assert entry.before == {"contacts": {**pupr.contacts, "liaison": _contact("jalan@pupr.example")}}


def _contact(email: str) -> dict[str, Any]:
    return ContactDef(email=[email]).model_dump(mode="json")


def test_a_console_route_change_stands_until_the_yaml_routes_the_function_elsewhere(runtime: Runtime) -> None:
    region = _region(runtime)
    with transaction(runtime.sessions) as session:  # what services.routing_table does for a manager
        route = session.scalars(
            select(Route).where(Route.region_id == region.id, Route.function == "PJU")
        ).one()
        perkim_to_pupr = session.scalars(
            select(Agency.id).where(Agency.region_id == region.id, Agency.code == "PUPR")
        ).one()
        route.agency_id, route.updated_by = perkim_to_pupr, MANAGER.name
    _sync(runtime)
    with runtime.sessions() as session:
        route = session.scalars(
            select(Route).where(Route.region_id == region.id, Route.function == "PJU")
        ).one()
        assert (route.agency.code, route.updated_by) == ("PUPR", MANAGER.name)

    routes = {**runtime.catalog.regions[KUTIM].definition.routes, "PJU": "DISHUB"}
    _sync(runtime, _yaml_with(runtime.catalog, routes=routes))
    with runtime.sessions() as session:
        route = session.scalars(
            select(Route).where(Route.region_id == region.id, Route.function == "PJU")
        ).one()
        assert (route.agency.code, route.updated_by) == ("DISHUB", ACTOR)
    updates = [e for e in _sync_audits(runtime, "route") if e.action == "update"]
    assert [(e.before, e.after) for e in updates] == [({"agency": "PUPR"}, {"agency": "DISHUB"})]
