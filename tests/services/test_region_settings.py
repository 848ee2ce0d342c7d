"""A region's deadlines, escalation ladder and contacts as managers change them: validated like the YAML,
refused with the reason in Bahasa Indonesia, audited with before and after, never over someone else's
change; the next deadline computed uses the new value."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from db.deadlines import due_at
from db.models import Agency, AuditLog, Region, Report, Role
from flows.runtime import Runtime
from services import region_settings as rs
from services.actions import Actor, Conflict, Forbidden, NotFound

MANAGER = Actor("user:manajer-a", Role.MANAGER)
MANAGER_B = Actor("user:manajer-b", Role.MANAGER)


def _region(runtime: Runtime, code: str = "64.08") -> Region:
    with runtime.sessions() as session:
        return session.scalars(select(Region).where(Region.code == code)).one()


def _agency(runtime: Runtime, code: str, region: str = "64.08") -> Agency:
    with runtime.sessions() as session:
        return session.scalars(
            select(Agency).join(Region).where(Region.code == region, Agency.code == code)
        ).one()


def _deadlines(runtime: Runtime, actor: Actor = MANAGER, expected: str | None = None, **values: Any) -> None:
    region = _region(runtime)
    rs.update_deadlines(
        runtime,
        region.id,
        {**region.deadlines, **values},
        expected=expected or rs.fingerprint(region.deadlines),
        actor=actor,
        reason="uji",
    )


def test_the_page_shows_the_deadlines_ladder_and_contacts_of_the_region(desk) -> None:  # type: ignore[no-untyped-def]
    shown = rs.region_settings(desk.runtime, _region(desk.runtime).id)
    first = shown.deadlines[0]
    assert (first.key, first.value, first.minimum, first.maximum) == ("verification_working_days", 3, 1, 30)
    assert [(s.after_working_days, s.notify) for s in shown.escalation] == [
        (0, "liaison"),
        (2, "kepala_dinas"),
        (5, "sekda"),
    ]
    assert {c.rung for c in shown.contacts} == {"manager", "sekda"}
    assert "PUPR" in {a.code for a in shown.agencies} and "DISNAKER" not in {a.code for a in shown.agencies}
    assert {"liaison", "kepala_dinas", "sekda", "manager"} <= set(shown.rungs)


def test_a_deadline_change_is_audited_and_used_by_the_next_report_only(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    before = desk.report()
    _deadlines(runtime, verification_working_days=10)
    after = desk.report()
    with runtime.sessions() as session:
        old, new = (session.get_one(Report, i) for i in (before, after))
        assert new.verification_due_at == due_at(new.queued_at, 10, "Asia/Makassar")
        assert old.verification_due_at == due_at(old.queued_at, 3, "Asia/Makassar")  # as it was set
        entry = session.scalars(
            select(AuditLog).where(AuditLog.entity_type == "region").order_by(AuditLog.id.desc())
        ).first()
    assert entry is not None and entry.actor == "user:manajer-a" and entry.reason == "uji"
    assert entry.before is not None and entry.before["deadlines"]["verification_working_days"] == 3
    assert entry.after is not None and entry.after["deadlines"]["verification_working_days"] == 10


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"verification_working_days": 31},
            "Verifikasi dan penerusan oleh admin (hari kerja): paling besar 30",
        ),
        ({"settlement_days": "dua"}, "Penyelesaian sejak masuk LAPOR! (hari kalender): harus bilangan bulat"),
        ({"autoclose_working_days": ""}, "harus bilangan bulat"),
    ],
)
def test_a_bad_deadline_is_refused_with_the_reason(desk, values: dict[str, Any], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(rs.SettingsRefused, match=re.escape(message)):
        _deadlines(desk.runtime, **values)
    assert _region(desk.runtime).deadlines["verification_working_days"] == 3


def test_a_change_needs_a_reason_and_a_manager(desk) -> None:  # type: ignore[no-untyped-def]
    region = _region(desk.runtime)
    with pytest.raises(rs.SettingsRefused, match="alasan perubahan wajib diisi"):
        rs.update_deadlines(
            desk.runtime, region.id, region.deadlines, expected="x", actor=MANAGER, reason="  "
        )
    with pytest.raises(Forbidden):
        _deadlines(desk.runtime, actor=Actor("user:operator-a", Role.OPERATOR), verification_working_days=4)


def test_a_form_read_before_someone_else_saved_is_refused_with_who(desk) -> None:  # type: ignore[no-untyped-def]
    stale = rs.fingerprint(_region(desk.runtime).deadlines)
    _deadlines(desk.runtime, actor=MANAGER_B, verification_working_days=5)
    with pytest.raises(Conflict, match="sudah diubah oleh user:manajer-b"):
        _deadlines(desk.runtime, expected=stale, verification_working_days=7)
    assert _region(desk.runtime).deadlines["verification_working_days"] == 5


def test_the_ladder_is_ordered_and_names_only_known_contacts(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    region = _region(runtime)

    def ladder(steps: list[tuple[str, str]]) -> None:
        version = rs.fingerprint(_region(runtime).escalation)
        rs.update_escalation(runtime, region.id, steps, expected=version, actor=MANAGER, reason="uji")

    with pytest.raises(rs.SettingsRefused, match="tidak ada kontak bernama bupati"):
        ladder([("0", "liaison"), ("4", "bupati")])
    with pytest.raises(
        rs.SettingsRefused, match=re.escape("baris ke-1, Hari kerja lewat tenggat: paling besar 60")
    ):
        ladder([("61", "liaison")])
    ladder([("4", "sekda"), ("", ""), ("0", "liaison")])
    assert _region(runtime).escalation == [
        {"after_working_days": 0, "notify": "liaison"},
        {"after_working_days": 4, "notify": "sekda"},
    ]


def test_contacts_are_validated_saved_and_kept_while_the_ladder_needs_them(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    region = _region(runtime)

    def save(rung: str, form: dict[str, str], agency_id: int | None = None) -> None:
        holder = _agency(runtime, "PUPR") if agency_id else _region(runtime)
        rs.save_contact(
            runtime,
            region.id,
            rung,
            rs.contact_from_form(form),
            agency_id=agency_id,
            expected=rs.fingerprint(holder.contacts),
            actor=MANAGER,
            reason="uji",
        )

    with pytest.raises(rs.SettingsRefused, match="E-mail ke-1: bentuknya tidak sah"):
        save("bupati", {"email": "bupati-at-kutim"})
    with pytest.raises(rs.SettingsRefused, match="paling sedikit satu saluran"):
        save("bupati", {"name": "Bupati"})
    with pytest.raises(rs.SettingsRefused, match="nama kontak 'Bupati Kutim' tidak sah"):
        save("Bupati Kutim", {"email": "bupati@kutim.example"})
    save("bupati", {"name": "Bupati", "email": "bupati@kutim.example, ajudan@kutim.example"})
    assert _region(runtime).contacts["bupati"]["email"] == ["bupati@kutim.example", "ajudan@kutim.example"]

    pupr = _agency(runtime, "PUPR")
    save("liaison", {"telegram_chat_id": "-100123"}, agency_id=pupr.id)
    assert _agency(runtime, "PUPR").contacts["liaison"]["telegram_chat_id"] == "-100123"

    with pytest.raises(rs.SettingsRefused, match="dipakai tangga eskalasi"):
        rs.remove_contact(
            runtime,
            region.id,
            "sekda",
            expected=rs.fingerprint(_region(runtime).contacts),
            actor=MANAGER,
            reason="uji",
        )
    rs.remove_contact(
        runtime,
        region.id,
        "bupati",
        expected=rs.fingerprint(_region(runtime).contacts),
        actor=MANAGER,
        reason="x",
    )
    assert "bupati" not in _region(runtime).contacts


def test_another_regions_agency_does_not_exist_for_the_manager(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    theirs = _agency(runtime, "PUPR", region="63.72")
    with pytest.raises(NotFound):
        rs.agency_contacts(runtime, _region(runtime).id, theirs.id)
    with pytest.raises(NotFound):
        rs.save_contact(
            runtime,
            _region(runtime).id,
            "liaison",
            {"email": ["x@y.example"]},
            agency_id=theirs.id,
            expected=rs.fingerprint(theirs.contacts),
            actor=MANAGER,
            reason="uji",
        )
    assert _agency(runtime, "PUPR", region="63.72").contacts == theirs.contacts
