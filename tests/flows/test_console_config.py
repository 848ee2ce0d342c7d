"""Console configuration reaches triage: a route or a watchlist changed in the console is used by the next
triage run of a long-lived process (model kept loaded), and by a process started afterwards; the YAML seeds
watchlist versions and a console version stands until the YAML changes that watchlist."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from config.schema import WatchlistDef
from db.base import utcnow
from db.models import Detection, Document, Region, Role, Source, WatchlistVersion
from db.session import transaction
from flows.console_config import sync_config_watchlists, take_console_config
from flows.runtime import Runtime
from flows.triage_service import triage_pending
from nlp.text import content_hash
from services.actions import Actor
from services.routing_table import change_route
from services.watchlists import retire_watchlist, save_watchlist

MANAGER = Actor("user:manajer", Role.MANAGER)
ROAD = (
    "Jalan poros Desa Tepian Langsat, Kecamatan Bengalon, rusak parah dan berlumpur setinggi betis. Warga "
    "meminta Dinas PUPR segera memperbaiki jalan yang berlubang itu sebelum musim hujan. Kejadian ke-{n}."
)


def _region_id(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Region.id).where(Region.code == "64.08")).one()


def _store(runtime: Runtime, n: int) -> int:
    text = ROAD.format(n=n)
    with transaction(runtime.sessions) as session:
        source_id = session.scalars(select(Source.id).where(Source.slug == "wartakutim")).one()
        url = f"https://berita.example/{uuid.uuid4().hex}.html"
        document = Document(
            source_id=source_id,
            url=url,
            canonical_url=url,
            title=f"Jalan poros Bengalon rusak ({n})",
            text=text,
            content_hash=content_hash(text),
            fetched_at=utcnow(),
        )
        session.add(document)
        session.flush()
        return document.id


def _detection(runtime: Runtime, document_id: int) -> tuple[str | None, str | None, list[str]]:
    with runtime.sessions() as session:
        detection = session.scalars(select(Detection).where(Detection.document_id == document_id)).one()
        return detection.function, detection.agency.code if detection.agency else None, detection.watchlists


def test_the_next_triage_uses_the_route_and_watchlists_changed_in_the_console(runtime: Runtime) -> None:
    first = _store(runtime, 1)
    triage_pending(runtime)
    assert _detection(runtime, first) == ("JALAN", "PUPR", ["Jalan poros dan jembatan"])
    triager, model = runtime.triager, runtime.model

    region_id = _region_id(runtime)
    change_route(
        runtime,
        region_id,
        "JALAN",
        agency_code="PERKIM",
        reason="jalan desa ke Perkim",
        actor=MANAGER,
        expected_agency="PUPR",
    )
    save_watchlist(
        runtime,
        region_id,
        name="Lumpur",
        query="berlumpur",
        priority=3,
        reason="musim hujan",
        actor=MANAGER,
        expected_version=0,
    )
    retire_watchlist(
        runtime,
        region_id,
        name="Jalan poros dan jembatan",
        reason="diganti",
        actor=MANAGER,
        expected_version=1,
    )
    second = _store(runtime, 2)
    triage_pending(runtime)

    assert _detection(runtime, second) == ("JALAN", "PERKIM", ["Lumpur"])
    assert runtime.triager is triager and runtime.model is model  # swapped in, nothing reloaded
    assert _detection(runtime, first) == ("JALAN", "PUPR", ["Jalan poros dan jembatan"])  # triaged before


def test_a_process_started_later_takes_the_console_configuration(runtime: Runtime) -> None:
    change_route(
        runtime,
        _region_id(runtime),
        "JALAN",
        agency_code="PERKIM",
        reason="jalan desa ke Perkim",
        actor=MANAGER,
        expected_agency="PUPR",
    )
    later = Runtime(runtime.settings, base_url=runtime.base_url)
    try:
        document = _store(later, 3)
        triage_pending(later)
        assert _detection(later, document)[1] == "PERKIM"
    finally:
        later.close()


def test_only_a_changed_region_is_rebuilt(runtime: Runtime) -> None:
    assert sorted(take_console_config(runtime)) == ["63.72", "64.08"]  # the first run takes every region
    assert take_console_config(runtime) == []
    save_watchlist(
        runtime,
        _region_id(runtime),
        name="Lumpur",
        query="berlumpur",
        priority=1,
        reason="uji",
        actor=MANAGER,
        expected_version=0,
    )
    assert take_console_config(runtime) == ["64.08"]
    watchlists = [w.name for w in runtime.triager.rules["64.08"].watchlists]
    assert watchlists == ["Jalan poros dan jembatan", "Lumpur", "Sangatta", "Sekolah dan puskesmas"]
    assert [w.name for w in runtime.triager.catalog.regions["64.08"].definition.watchlists] == watchlists
    assert "Lumpur" not in [w.name for w in runtime.catalog.regions["64.08"].definition.watchlists]


# -- the YAML seeds the versions -------------------------------------------------------------------------


def _versions(runtime: Runtime, name: str) -> list[tuple[int, str, str, bool]]:
    with runtime.sessions() as session:
        rows = session.scalars(
            select(WatchlistVersion)
            .where(WatchlistVersion.region_id == _region_id(runtime), WatchlistVersion.name == name)
            .order_by(WatchlistVersion.version)
        )
        return [(r.version, r.origin, r.query, r.active) for r in rows]


def _sync(runtime: Runtime, *watchlists: WatchlistDef) -> int:
    with transaction(runtime.sessions) as session:
        return sync_config_watchlists(session, _region_id(runtime), watchlists)


def _yaml(runtime: Runtime) -> list[WatchlistDef]:
    return list(runtime.catalog.regions["64.08"].definition.watchlists)


def _query(watchlists: list[WatchlistDef], name: str) -> str:
    return next(w.query for w in watchlists if w.name == name)


def test_an_unchanged_yaml_writes_no_version_and_leaves_the_console_version(runtime: Runtime) -> None:
    yaml = _yaml(runtime)
    assert _sync(runtime, *yaml) == 0
    save_watchlist(
        runtime,
        _region_id(runtime),
        name="Sangatta",
        query="sangatta",
        priority=1,
        reason="lebih luas",
        actor=MANAGER,
        expected_version=1,
    )
    assert _sync(runtime, *yaml) == 0
    assert _versions(runtime, "Sangatta")[-1] == (2, "console", "sangatta", True)


def test_a_yaml_change_writes_a_config_version_over_the_console_one(runtime: Runtime) -> None:
    yaml = _yaml(runtime)
    save_watchlist(
        runtime,
        _region_id(runtime),
        name="Sangatta",
        query="sangatta",
        priority=1,
        reason="lebih luas",
        actor=MANAGER,
        expected_version=1,
    )
    changed = [w if w.name != "Sangatta" else w.model_copy(update={"priority": 4}) for w in yaml]
    assert _sync(runtime, *changed, WatchlistDef(name="Baru di YAML", query="banjir")) == 2
    assert _versions(runtime, "Sangatta")[-1] == (3, "config", _query(yaml, "Sangatta"), True)
    assert _versions(runtime, "Baru di YAML") == [(1, "config", "banjir", True)]


def test_a_watchlist_removed_from_the_yaml_is_retired_once(runtime: Runtime) -> None:
    kept = [w for w in _yaml(runtime) if w.name != "Sangatta"]
    assert _sync(runtime, *kept) == 1
    assert _versions(runtime, "Sangatta")[-1][1:] == ("config", _query(_yaml(runtime), "Sangatta"), False)
    assert _sync(runtime, *kept) == 0
    assert _sync(runtime, *_yaml(runtime)) == 1  # back in the YAML: in force again
    assert _versions(runtime, "Sangatta")[-1][0::3] == (3, True)
