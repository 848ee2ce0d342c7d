"""The audit log as a manager reads it: only the entities of their region (found per entity type in SQL),
filtered by actor, type, number and local dates, fifty to a page, with a readable before/after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db import audit
from db.models import AuditLog, Region, Report, Role
from db.session import transaction
from flows.runtime import Runtime
from services import accounts, region_settings
from services.actions import Actor
from services.audit_view import PAGE_SIZE, AuditFilter, audit_page, changes

MANAGER = Actor("user:manajer-a", Role.MANAGER)


def _region_id(runtime: Runtime, code: str) -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Region.id).where(Region.code == code)).one()


def _both_regions_changed(desk) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A report and a deadline change in Kutai Timur, an account and a contact change in Banjarbaru."""
    runtime = desk.runtime
    kutim, banjarbaru = _region_id(runtime, "64.08"), _region_id(runtime, "63.72")
    desk.report(title="Jalan rusak di Sangatta")
    accounts.add_user(
        runtime,
        username="operator-bjb",
        full_name="Operator Banjarbaru",
        role=Role.OPERATOR,
        region_code="63.72",
        password="kata-sandi-uji-123",
        actor="user:admin-bjb",
    )
    with runtime.sessions() as session:
        region = session.get_one(Region, kutim)
    region_settings.update_deadlines(
        runtime,
        kutim,
        {**region.deadlines, "settlement_days": 45},
        expected=region_settings.fingerprint(region.deadlines),
        actor=MANAGER,
        reason="target penyelesaian bupati",
    )
    with runtime.sessions() as session:
        region = session.get_one(Region, banjarbaru)
    region_settings.save_contact(
        runtime,
        banjarbaru,
        "sekda",
        {"email": ["sekda@banjarbaru.example"]},
        expected=region_settings.fingerprint(region.contacts),
        actor=Actor("user:manajer-bjb", Role.MANAGER),
        reason="kontak sekda",
    )
    return kutim, banjarbaru


def test_a_manager_sees_only_their_regions_entities(desk) -> None:  # type: ignore[no-untyped-def]
    kutim, banjarbaru = _both_regions_changed(desk)
    mine = audit_page(desk.runtime, kutim, AuditFilter()).entries
    theirs = audit_page(desk.runtime, banjarbaru, AuditFilter()).entries
    with desk.runtime.sessions() as session:
        kutim_reports = set(session.scalars(select(Report.id).where(Report.region_id == kutim)))
    assert mine and theirs
    assert not {e.id for e in mine} & {e.id for e in theirs}
    assert not {e.actor for e in mine} & {"user:admin-bjb", "user:manajer-bjb"}
    assert {int(e.entity.split("#")[1]) for e in mine if e.entity.startswith("Laporan")} <= kutim_reports
    assert {"Pengguna", "Pengaturan wilayah"} <= {e.entity.split(" #")[0] for e in theirs}
    # an entity type nobody said how to scope is shown to no one
    with transaction(desk.runtime.sessions) as session:
        report = session.scalars(select(Report).where(Report.region_id == kutim)).first()
        entry = audit.record(session, actor="user:uji", entity=report, action="uji")
        entry.entity_type = "something_new"
    assert all(e.actor != "user:uji" for e in audit_page(desk.runtime, kutim, AuditFilter()).entries)


def test_a_settings_change_reads_as_a_field_by_field_diff(desk) -> None:  # type: ignore[no-untyped-def]
    kutim, _ = _both_regions_changed(desk)
    [entry] = audit_page(desk.runtime, kutim, AuditFilter(entity_type="region")).entries
    assert (entry.actor, entry.action, entry.reason) == (
        "user:manajer-a",
        "diubah",
        "target penyelesaian bupati",
    )
    assert entry.link == "/tenggat-kontak"
    assert [(c.field, c.before, c.after) for c in entry.changes] == [
        ("deadlines.settlement_days", "60", "45")
    ]


def test_changes_flatten_nested_values_and_show_what_is_new() -> None:
    before = {"contacts": {"sekda": {"email": ["a@x.example"], "name": "Sekda"}}}
    after = {"contacts": {"sekda": {"email": ["b@x.example"], "name": "Sekda"}, "bupati": {"name": "Bupati"}}}
    assert [(c.field, c.before, c.after) for c in changes(before, after)] == [
        ("contacts.sekda.email", '["a@x.example"]', '["b@x.example"]'),
        ("contacts.bupati.name", "(kosong)", "Bupati"),
    ]
    assert [(c.field, c.before, c.after) for c in changes(None, {"username": "budi"})] == [
        ("username", "(kosong)", "budi")
    ]


def test_filters_by_actor_type_number_and_local_dates(desk) -> None:  # type: ignore[no-untyped-def]
    kutim, _ = _both_regions_changed(desk)
    runtime = desk.runtime
    by_actor = audit_page(runtime, kutim, AuditFilter(actor="MANAJER-A")).entries
    assert [e.entity for e in by_actor] == [f"Pengaturan wilayah #{kutim}"]
    report_id = desk.report(title="Sampah menumpuk")
    numbered = audit_page(runtime, kutim, AuditFilter(entity_type="report", entity_id=str(report_id))).entries
    assert [e.entity for e in numbered] == [f"Laporan #{report_id}"]
    assert numbered[0].link == f"/laporan/{report_id}"
    with transaction(runtime.sessions) as session:  # one row from 23:30 WITA on 1 December
        row = session.scalars(select(AuditLog).where(AuditLog.actor == "user:manajer-a")).one()
        row.at = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    on_the_day = AuditFilter(actor="manajer-a", date_from="2026-12-01", date_to="2026-12-01")
    assert len(audit_page(runtime, kutim, on_the_day).entries) == 1
    next_day = AuditFilter(actor="manajer-a", date_from="2026-12-02")
    assert audit_page(runtime, kutim, next_day).entries == []
    unreadable = audit_page(runtime, kutim, AuditFilter(date_from="1 Desember", entity_id="x"))
    assert len(unreadable.problems) == 2 and unreadable.entries  # the bad filters are left out, and said so


def test_fifty_to_a_page_newest_first(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    kutim = _region_id(runtime, "64.08")
    with transaction(runtime.sessions) as session:
        region = session.get_one(Region, kutim)
        start = datetime.now(UTC) - timedelta(hours=1)
        for i in range(PAGE_SIZE + 5):
            audit.record(session, actor=f"user:uji-{i}", entity=region, action="update").at = start
    first = audit_page(runtime, kutim, AuditFilter(actor="user:uji-"))
    second = audit_page(runtime, kutim, AuditFilter(actor="user:uji-", page="2"))
    assert (len(first.entries), first.has_next) == (PAGE_SIZE, True)
    assert (len(second.entries), second.has_next) == (5, False)
    assert first.entries[0].actor == f"user:uji-{PAGE_SIZE + 4}" and second.entries[-1].actor == "user:uji-0"
    assert first.link(2) == "/audit?pelaku=user%3Auji-&halaman=2"
