"""The routing table as managers keep it: one row changed with a reason, audited before and after, its
history read back; only an active agency of the same region, only by a manager, never over someone else's
change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Agency, AuditLog, Region, Role, Route
from db.session import transaction
from flows.runtime import Runtime
from services.actions import ActionError, Actor, Conflict, Forbidden, NotFound
from services.routing_table import change_route, route_history, routing_table

MANAGER = Actor("user:manajer-a", Role.MANAGER)


def _region_id(runtime: Runtime, code: str = "64.08") -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Region.id).where(Region.code == code)).one()


def _change(runtime: Runtime, function: str = "JALAN", **given: object) -> object:
    fields: dict[str, object] = {
        "agency_code": "PERKIM",
        "reason": "jalan lingkungan kini di Perkim",
        "actor": MANAGER,
        "expected_agency": "PUPR",
        **given,
    }
    return change_route(runtime, _region_id(runtime), function, **fields)  # type: ignore[arg-type]


def test_the_table_lists_every_function_with_its_agency_in_catalogue_order(desk) -> None:  # type: ignore[no-untyped-def]
    table = routing_table(desk.runtime, _region_id(desk.runtime))
    assert [row.function for row in table.rows] == list(desk.runtime.catalog.functions)
    jalan = table.rows[0]
    assert (jalan.function, jalan.agency_code, jalan.updated_by) == ("JALAN", "PUPR", "system:config-sync")
    assert "PERKIM" in {a.code for a in table.agencies}
    assert "DISNAKER" not in {a.code for a in table.agencies}  # Banjarbaru's, not Kutai Timur's


def test_a_change_updates_the_row_and_is_audited_with_before_and_after(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    row = _change(runtime)
    assert row.agency_code == "PERKIM" and row.updated_by == "user:manajer-a"  # type: ignore[attr-defined]
    with runtime.sessions() as session:
        route = session.scalars(
            select(Route).where(Route.region_id == _region_id(runtime), Route.function == "JALAN")
        ).one()
        assert route.agency.code == "PERKIM" and route.reason == "jalan lingkungan kini di Perkim"
        entry = session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "route", AuditLog.entity_id == route.id)
            .order_by(AuditLog.id.desc())
        ).first()
    assert entry is not None and entry.actor == "user:manajer-a"
    assert (entry.before, entry.after) == ({"agency": "PUPR"}, {"agency": "PERKIM"})
    assert entry.reason == "jalan lingkungan kini di Perkim"


def test_the_history_of_a_row_comes_from_the_audit_log_newest_first(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _change(runtime)
    _change(runtime, agency_code="PUPR", expected_agency="PERKIM", reason="kembali ke PUPR")
    history = route_history(runtime, _region_id(runtime), "JALAN")
    assert [(c.actor, c.before, c.after, c.reason) for c in history.changes] == [
        ("user:manajer-a", "PERKIM", "PUPR", "kembali ke PUPR"),
        ("user:manajer-a", "PUPR", "PERKIM", "jalan lingkungan kini di Perkim"),
        ("system:config-sync", None, "PUPR", ""),
    ]
    assert history.row.agency_code == "PUPR"


def test_an_inactive_agency_or_one_of_another_region_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    with transaction(runtime.sessions) as session:  # as when the YAML drops an agency
        session.scalars(
            select(Agency).where(Agency.region_id == _region_id(runtime), Agency.code == "DINSOS")
        ).one().active = False
    with pytest.raises(ActionError, match="tidak ada OPD aktif berkode 'DINSOS'"):
        _change(runtime, agency_code="DINSOS")
    with pytest.raises(ActionError, match="tidak ada OPD aktif berkode 'DISNAKER'"):
        _change(runtime, agency_code="DISNAKER")
    assert routing_table(runtime, _region_id(runtime)).rows[0].agency_code == "PUPR"


def test_a_change_needs_a_reason_a_manager_and_a_change(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    with pytest.raises(ActionError, match="alasan perubahan wajib diisi"):
        _change(runtime, reason=" ")
    for actor in (Actor("user:op", Role.OPERATOR), Actor("user:pupr", Role.OPD, "PUPR"), Actor.system("x")):
        with pytest.raises(Forbidden):
            _change(runtime, actor=actor)
    with pytest.raises(ActionError, match="sudah ke PUPR"):
        _change(runtime, agency_code="PUPR")
    with pytest.raises(NotFound):
        _change(runtime, function="TIDAK_ADA")


def test_a_second_manager_sees_who_changed_the_row_first(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _change(runtime)
    with pytest.raises(Conflict, match=r"sudah diubah oleh user:manajer-a .*sekarang ke PERKIM"):
        _change(runtime, agency_code="DISHUB", actor=Actor("user:manajer-b", Role.MANAGER))
    assert routing_table(runtime, _region_id(runtime)).rows[0].agency_code == "PERKIM"


def test_another_region_has_its_own_table(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _change(runtime)
    banjarbaru = routing_table(runtime, _region_id(runtime, "63.72"))
    assert next(r for r in banjarbaru.rows if r.function == "JALAN").agency_code == "PUPR"
