"""A manager's work on the accounts of their region: list, add (a generated password shown once), disable
and enable, reset a password, change a role; never another region's account, never themselves out, never
the region's last manager; every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.base import utcnow
from db.models import AuditLog, Role, User
from db.session import transaction
from services import accounts
from services.accounts import Account, AccountError, LoginRefused, UserNotFound
from tests.conftest import PASSWORD, add_account


@pytest.fixture
def people(desk) -> dict[str, Account]:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    return {
        "a": add_account(runtime, "manajer-a", Role.MANAGER),
        "b": add_account(runtime, "manajer-b", Role.MANAGER),
        "operator": add_account(runtime, "operator-a", Role.OPERATOR),
        "pupr": add_account(runtime, "pupr-a", Role.OPD, agency="PUPR"),
        "elsewhere": add_account(runtime, "operator-bjb", Role.OPERATOR, region="63.72"),
    }


def test_the_list_holds_the_region_accounts_only_by_role(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    with transaction(runtime.sessions) as session:
        user = session.get_one(User, people["pupr"].id)
        user.locked_until = utcnow() + timedelta(minutes=10)
        session.get_one(User, people["operator"].id).locked_until = utcnow() - timedelta(minutes=1)
    accounts.authenticate(runtime, "manajer-a", PASSWORD)
    rows = accounts.region_users(runtime, people["a"].region_id)
    assert [r.username for r in rows] == ["operator-a", "manajer-a", "manajer-b", "pupr-a"]
    shown = {r.username: r for r in rows}
    assert shown["pupr-a"].agency_code == "PUPR" and shown["pupr-a"].role_label == "OPD (pejabat penghubung)"
    assert shown["pupr-a"].locked_until is not None and shown["pupr-a"].locked_until.endswith("WITA")
    assert shown["operator-a"].locked_until is None  # the lock-out is over
    assert shown["manajer-a"].last_login is not None and shown["manajer-b"].last_login is None
    with pytest.raises(UserNotFound):
        accounts.region_user(runtime, people["a"].region_id, people["elsewhere"].id)


def test_a_manager_adds_an_account_with_a_generated_or_a_chosen_password(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime, manager = desk.runtime, people["a"]
    generated = accounts.add_region_user(
        runtime, by=manager, username="dlh-a", full_name="Penghubung DLH", role=Role.OPD, agency_code="DLH"
    )
    assert generated is not None and len(generated) >= accounts.MIN_PASSWORD
    logged_in = accounts.authenticate(runtime, "dlh-a", generated)
    assert (logged_in.region_code, logged_in.agency_code) == ("64.08", "DLH")
    chosen = accounts.add_region_user(
        runtime, by=manager, username="op-b", full_name="Operator B", role=Role.OPERATOR, password=PASSWORD
    )
    assert chosen is None and accounts.authenticate(runtime, "op-b", PASSWORD).role == Role.OPERATOR
    with desk.runtime.sessions() as session:
        created = session.scalars(select(AuditLog).where(AuditLog.action == "account:create")).all()
    assert {e.actor for e in created if e.after and e.after["username"] in ("dlh-a", "op-b")} == {
        "user:manajer-a"
    }
    with pytest.raises(AccountError, match="nama pengguna 3-80 karakter"):
        accounts.add_region_user(
            runtime, by=manager, username="Budi Santoso", full_name="B", role=Role.OPERATOR
        )
    with pytest.raises(AccountError, match="peran OPD perlu memilih OPD-nya"):
        accounts.add_region_user(runtime, by=manager, username="opd-x", full_name="X", role=Role.OPD)
    with pytest.raises(AccountError, match="hanya manajer"):
        accounts.add_region_user(
            runtime, by=people["operator"], username="op-c", full_name="C", role=Role.OPERATOR
        )


def test_a_disabled_account_cannot_log_in_nor_keep_its_session(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime, manager, pupr = desk.runtime, people["a"], people["pupr"]
    assert accounts.active_account(runtime, pupr.id) == pupr
    accounts.set_user_active(runtime, pupr.id, active=False, by=manager, reason="pindah tugas")
    assert accounts.active_account(runtime, pupr.id) is None
    with pytest.raises(LoginRefused):
        accounts.authenticate(runtime, "pupr-a", PASSWORD)
    with pytest.raises(AccountError, match="sudah nonaktif"):
        accounts.set_user_active(runtime, pupr.id, active=False, by=manager)
    accounts.set_user_active(runtime, pupr.id, active=True, by=manager)
    assert accounts.authenticate(runtime, "pupr-a", PASSWORD).username == "pupr-a"
    with runtime.sessions() as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "account:disable")).one()
    assert (entry.actor, entry.reason, entry.after) == (
        "user:manajer-a",
        "pindah tugas",
        {"is_active": False},
    )


def test_a_manager_never_locks_themselves_or_the_region_out(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime, a, b = desk.runtime, people["a"], people["b"]
    with pytest.raises(AccountError, match="akun Anda sendiri"):
        accounts.set_user_active(runtime, a.id, active=False, by=a)
    with pytest.raises(AccountError, match="akun Anda sendiri"):
        accounts.change_role(runtime, a.id, role=Role.OPERATOR, by=a)
    accounts.set_user_active(runtime, b.id, active=False, by=a)
    # b disabled a at the same moment (a form b opened before): a is now the region's last active manager
    with pytest.raises(AccountError, match="manajer aktif terakhir"):
        accounts.set_user_active(runtime, a.id, active=False, by=b)
    with pytest.raises(AccountError, match="manajer aktif terakhir"):
        accounts.change_role(runtime, a.id, role=Role.OPERATOR, by=b)
    assert accounts.active_account(runtime, a.id) == a


def test_a_role_change_is_audited_and_takes_effect_at_once(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime, manager, operator = desk.runtime, people["a"], people["operator"]
    accounts.change_role(runtime, operator.id, role=Role.OPD, agency_code="DLH", by=manager, reason="mutasi")
    now = accounts.active_account(runtime, operator.id)
    assert now is not None and (now.role, now.agency_code) == (Role.OPD, "DLH")
    with runtime.sessions() as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "account:role")).one()
    assert entry.before == {"role": "operator", "agency": None}
    assert entry.after == {"role": "opd", "agency": "DLH"}
    with pytest.raises(AccountError, match="tidak ada OPD aktif berkode 'DISNAKER'"):  # Banjarbaru's agency
        accounts.change_role(runtime, operator.id, role=Role.OPD, agency_code="DISNAKER", by=manager)
    with pytest.raises(UserNotFound):
        accounts.change_role(runtime, people["elsewhere"].id, role=Role.MANAGER, by=manager)


def test_a_password_reset_clears_the_lock_out(desk, people) -> None:  # type: ignore[no-untyped-def]
    runtime, manager, pupr = desk.runtime, people["a"], people["pupr"]
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            accounts.authenticate(runtime, "pupr-a", "salah-salah-salah")
    generated = accounts.set_user_password(runtime, pupr.id, by=manager)
    assert generated is not None
    assert accounts.authenticate(runtime, "pupr-a", generated).id == pupr.id
    with pytest.raises(UserNotFound):
        accounts.set_user_password(runtime, people["elsewhere"].id, by=manager, password=PASSWORD)
    assert accounts.authenticate(runtime, "operator-bjb", PASSWORD).region_code == "63.72"
