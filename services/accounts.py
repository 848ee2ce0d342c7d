"""Console accounts: creating, disabling and resetting them, and checking a login.

Passwords are hashed with argon2 (argon2-cffi's defaults, RFC 9106 low-memory profile) and never stored or
logged in clear. A login that fails ``MAX_FAILED_LOGINS`` times in a row locks the account for
``LOCK_MINUTES``; the refusal says the same thing for an unknown user and a wrong password, so the console
does not tell which usernames exist. Every change to an account is written to the audit log.

A province user (created with a province code such as ``64``) works in every kabupaten/kota of its province
whose code starts with ``64.``, one at a time: the account it gets names the region it works in now (its
home region, the first of them, until it chooses another), so every page and service sees one region as for
anyone else. An OPD liaison always belongs to one agency of one region.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.errors import PantauError
from db import audit
from db.base import utcnow
from db.local_time import local_display
from db.models import Agency, Region, Role, User
from db.session import hold_lock, transaction, write_transaction
from flows.runtime import Runtime

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
_HASHER = PasswordHasher()


class AccountError(PantauError):
    """An account change that cannot be made as asked."""


class LoginRefused(PantauError):
    """Wrong username or password, a disabled account, or one locked after too many failures."""


@dataclass(frozen=True)
class Account:
    """Who is logged in: what the console's session carries and its routes check."""

    id: int
    username: str
    full_name: str
    role: Role
    region_id: int
    region_code: str
    agency_id: int | None
    agency_code: str | None
    # the regions it may work in (code, name); more than one for a province user
    regions: tuple[tuple[str, str], ...] = ()
    timezone: str = "Asia/Jakarta"  # of the region it works in


PROVINCE_CODE = re.compile(r"^\d{2}$")


def _account(
    user: User, region: Region, agency: Agency | None, regions: tuple[tuple[str, str], ...] = ()
) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        region_id=region.id,
        region_code=region.code,
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
        regions=regions or ((region.code, region.name),),
        timezone=region.timezone,
    )


def _province_regions(session: Session, province_code: str) -> list[Region]:
    return list(
        session.scalars(
            select(Region).where(Region.code.startswith(f"{province_code}.")).order_by(Region.code)
        )
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"kata sandi minimal {MIN_PASSWORD} karakter")


def add_user(
    runtime: Runtime,
    *,
    username: str,
    full_name: str,
    role: Role,
    region_code: str,
    password: str,
    agency_code: str | None = None,
    actor: str,
) -> Account:
    """Create an account; an OPD liaison needs the agency it answers for, the other roles have none. A
    province code (``64``) for ``region_code`` makes a province user, at home in the province's first
    kabupaten/kota."""
    _check_password(password)
    if role == Role.OPD and not agency_code:
        raise AccountError("akun OPD perlu kode OPD (--opd)")
    if role != Role.OPD and agency_code:
        raise AccountError("hanya akun OPD yang terikat pada satu OPD")
    province = region_code if PROVINCE_CODE.match(region_code) else None
    if province and role == Role.OPD:
        raise AccountError("akun OPD terikat pada satu kabupaten/kota, bukan provinsi")
    with transaction(runtime.sessions) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"nama pengguna {username!r} sudah dipakai")
        if province:
            found = _province_regions(session, province)
            region = found[0] if found else None
        else:
            region = session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            raise AccountError(f"wilayah {region_code!r} tidak dikenal")
        agency = None
        if agency_code:
            agency = session.scalar(
                select(Agency).where(Agency.region_id == region.id, Agency.code == agency_code.upper())
            )
            if agency is None:
                raise AccountError(f"OPD {agency_code!r} tidak ada di wilayah {region_code}")
        user = User(
            username=username,
            full_name=full_name,
            role=role.value,
            region_id=region.id,
            province_code=province,
            agency_id=agency.id if agency else None,
            password_hash=_HASHER.hash(password),
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=actor,
            entity=user,
            action="account:create",
            after={"username": username, "role": role.value, "region": region_code, "agency": agency_code},
        )
        return _account(user, region, agency, _choices(session, user))


def set_active(runtime: Runtime, username: str, *, active: bool, actor: str) -> None:
    """Disable (or enable again) an account; a disabled account cannot log in, its history stays."""
    with transaction(runtime.sessions) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"pengguna {username!r} tidak ada")
        before = {"is_active": user.is_active}
        user.is_active = active
        audit.record(
            session,
            actor=actor,
            entity=user,
            action="account:enable" if active else "account:disable",
            before=before,
            after={"is_active": active},
        )


def reset_password(runtime: Runtime, username: str, password: str, *, actor: str) -> None:
    """A new password; clears a lock-out."""
    _check_password(password)
    with transaction(runtime.sessions) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"pengguna {username!r} tidak ada")
        user.password_hash = _HASHER.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, actor=actor, entity=user, action="account:password")


def authenticate(runtime: Runtime, username: str, password: str, now: datetime | None = None) -> Account:
    """The account for a username and password, or ``LoginRefused``; counts failures and locks."""
    now = now or utcnow()
    refused = LoginRefused("nama pengguna atau kata sandi salah")
    with transaction(runtime.sessions) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active or user.password_hash is None:
            _HASHER.hash(password)  # the same work as a real check: timing does not tell who exists
            raise refused
        if user.locked_until is not None and user.locked_until > now:
            raise LoginRefused(
                f"akun dikunci sementara setelah {MAX_FAILED_LOGINS} kali gagal masuk; coba lagi nanti"
            )
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                audit.record(session, actor="system:console", entity=user, action="account:locked")
            account = None  # the count is committed with the transaction, then the login refused
        else:
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            region = session.get_one(Region, user.region_id)
            agency = session.get(Agency, user.agency_id) if user.agency_id else None
            account = _account(user, region, agency, _choices(session, user))
    if account is None:
        raise refused
    return account


# -- a manager's view of the region's accounts (the console's /pengguna) -------------------------------------

ROLE_LABELS = {
    Role.OPERATOR: "Operator",
    Role.MANAGER: "Manajer",
    Role.OPD: "OPD (pejabat penghubung)",
    Role.PIMPINAN: "Pimpinan",
}
GENERATED_PASSWORD_BYTES = 12  # 16 characters of URL-safe base64
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


class UserNotFound(AccountError):
    """No such account in the manager's region (another region's accounts do not exist for them)."""


@dataclass(frozen=True)
class UserRow:
    """One account as the manager's list shows it; times in the region's local time."""

    id: int
    username: str
    full_name: str
    role: Role
    agency_code: str | None
    is_active: bool
    last_login: str | None
    locked_until: str | None  # only while the lock-out lasts

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def _choices(session: Session, user: User) -> tuple[tuple[str, str], ...]:
    """The regions ``user`` may work in: its province's for a province user, else its own (empty: its own)."""
    if user.province_code is None:
        return ()
    return tuple((region.code, region.name) for region in _province_regions(session, user.province_code))


def active_account(runtime: Runtime, user_id: int, region_code: str | None = None) -> Account | None:
    """The account of a session as the database has it now, or None when it was disabled or removed: a
    change of role or a disabled account takes effect at the next request, not at the next login. A
    province user works in ``region_code`` when it is one of its province's (else in its home region)."""
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return None
        agency = session.get(Agency, user.agency_id) if user.agency_id else None
        region = session.get_one(Region, user.region_id)
        choices = _choices(session, user)
        if region_code and region_code != region.code and region_code in dict(choices):
            region = session.scalars(select(Region).where(Region.code == region_code)).one()
        return _account(user, region, agency, choices)


def _row(user: User, agency_codes: dict[int, str], timezone: str, now: datetime) -> UserRow:
    locked = user.locked_until if user.locked_until and user.locked_until > now else None
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        agency_code=agency_codes.get(user.agency_id) if user.agency_id else None,
        is_active=user.is_active,
        last_login=local_display(user.last_login_at, timezone) if user.last_login_at else None,
        locked_until=local_display(locked, timezone) if locked else None,
    )


def _agency_codes(session: Session, region_id: int) -> dict[int, str]:
    rows = session.execute(select(Agency.id, Agency.code).where(Agency.region_id == region_id))
    return {agency_id: code for agency_id, code in rows}


def region_users(runtime: Runtime, region_id: int, now: datetime | None = None) -> list[UserRow]:
    """Every account of the region, by role then username."""
    now = now or utcnow()
    with runtime.sessions() as session:
        timezone = session.get_one(Region, region_id).timezone
        codes = _agency_codes(session, region_id)
        users = session.scalars(select(User).where(User.region_id == region_id).order_by(User.username))
        rows = [_row(user, codes, timezone, now) for user in users]
    order = list(ROLE_LABELS)
    return sorted(rows, key=lambda row: order.index(row.role))


def region_user(runtime: Runtime, region_id: int, user_id: int, now: datetime | None = None) -> UserRow:
    """One account of the region; ``UserNotFound`` for another region's."""
    with runtime.sessions() as session:
        user = _user_in(session, region_id, user_id)
        timezone = session.get_one(Region, region_id).timezone
        return _row(user, _agency_codes(session, region_id), timezone, now or utcnow())


def agency_choices(runtime: Runtime, region_id: int) -> list[tuple[str, str]]:
    """(code, short name) of the region's active agencies: whom an OPD account may answer for."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(Agency.code, Agency.short_name)
            .where(Agency.region_id == region_id, Agency.active)
            .order_by(Agency.short_name)
        )
        return [(code, name) for code, name in rows]


def _user_in(session: Session, region_id: int, user_id: int, *, lock: bool = False) -> User:
    query = select(User).where(User.id == user_id, User.region_id == region_id)
    user = session.scalar(query.with_for_update() if lock else query)
    if user is None:
        raise UserNotFound(f"pengguna {user_id} tidak ada di wilayah ini")
    return user


def _as_manager(by: Account) -> str:
    """The audit name of a manager acting on their region's accounts."""
    if by.role != Role.MANAGER:
        raise AccountError("hanya manajer yang mengelola pengguna wilayahnya")
    return f"user:{by.username}"


def _password_or_new(password: str | None) -> tuple[str, str | None]:
    """The password to set, and the generated one to show once (None when the manager chose it)."""
    if password:
        _check_password(password)
        return password, None
    generated = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    return generated, generated


def add_region_user(
    runtime: Runtime,
    *,
    by: Account,
    username: str,
    full_name: str,
    role: Role,
    agency_code: str | None = None,
    password: str | None = None,
) -> str | None:
    """A new account in the manager's region; returns the generated password (to show once) when the manager
    gave none."""
    actor = _as_manager(by)
    username = username.strip()
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            "nama pengguna 3-80 karakter: huruf kecil, angka, titik, garis bawah atau tanda minus"
        )
    if not full_name.strip():
        raise AccountError("nama lengkap wajib diisi")
    if role == Role.OPD and not agency_code:
        raise AccountError("peran OPD perlu memilih OPD-nya")
    chosen, generated = _password_or_new(password)
    add_user(
        runtime,
        username=username,
        full_name=full_name.strip(),
        role=role,
        region_code=by.region_code,
        password=chosen,
        agency_code=agency_code if role == Role.OPD else None,
        actor=actor,
    )
    return generated


def _managers_left(session: Session, region_id: int, without: int) -> int:
    """Active managers of the region other than account ``without`` (under the region's manager lock)."""
    hold_lock(session, f"region-managers:{region_id}")
    count = session.scalar(
        select(func.count(User.id)).where(
            User.region_id == region_id, User.role == Role.MANAGER.value, User.is_active, User.id != without
        )
    )
    return count or 0


def set_user_active(runtime: Runtime, user_id: int, *, active: bool, by: Account, reason: str = "") -> None:
    """Disable or enable an account of the manager's region; a manager cannot disable themselves nor the
    region's last active manager."""
    actor = _as_manager(by)
    if not active and user_id == by.id:
        raise AccountError("Anda tidak bisa menonaktifkan akun Anda sendiri")
    with write_transaction(runtime.sessions) as session:
        user = _user_in(session, by.region_id, user_id, lock=True)
        if user.is_active == active:
            raise AccountError(f"akun {user.username} sudah {'aktif' if active else 'nonaktif'}")
        if not active and user.role == Role.MANAGER and _managers_left(session, by.region_id, user.id) == 0:
            raise AccountError(f"{user.username} adalah manajer aktif terakhir wilayah ini")
        user.is_active = active
        audit.record(
            session,
            actor=actor,
            entity=user,
            action="account:enable" if active else "account:disable",
            before={"is_active": not active},
            after={"is_active": active},
            reason=reason.strip(),
        )


def set_user_password(
    runtime: Runtime, user_id: int, *, by: Account, password: str | None = None
) -> str | None:
    """A new password for an account of the manager's region (clears a lock-out); returns the generated one
    when the manager gave none."""
    actor = _as_manager(by)
    chosen, generated = _password_or_new(password)
    with write_transaction(runtime.sessions) as session:
        user = _user_in(session, by.region_id, user_id, lock=True)
        user.password_hash = _HASHER.hash(chosen)
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, actor=actor, entity=user, action="account:password")
    return generated


def change_role(
    runtime: Runtime,
    user_id: int,
    *,
    role: Role,
    agency_code: str | None = None,
    by: Account,
    reason: str = "",
) -> None:
    """Give an account of the manager's region another role (an OPD role names its agency). A manager cannot
    change their own role, nor take the role from the region's last active manager."""
    actor = _as_manager(by)
    if user_id == by.id:
        raise AccountError("Anda tidak bisa mengubah peran akun Anda sendiri")
    if role == Role.OPD and not agency_code:
        raise AccountError("peran OPD perlu memilih OPD-nya")
    with write_transaction(runtime.sessions) as session:
        user = _user_in(session, by.region_id, user_id, lock=True)
        agency = None
        if role == Role.OPD:
            agency = session.scalar(
                select(Agency).where(
                    Agency.region_id == by.region_id, Agency.code == agency_code, Agency.active
                )
            )
            if agency is None:
                raise AccountError(f"tidak ada OPD aktif berkode {agency_code!r} di wilayah ini")
        codes = _agency_codes(session, by.region_id)
        before = {"role": user.role, "agency": codes.get(user.agency_id) if user.agency_id else None}
        after = {"role": role.value, "agency": agency.code if agency else None}
        if before == after:
            raise AccountError(f"akun {user.username} sudah berperan {ROLE_LABELS[role]}")
        leaving = user.role == Role.MANAGER and role != Role.MANAGER and user.is_active
        if leaving and _managers_left(session, by.region_id, user.id) == 0:
            raise AccountError(f"{user.username} adalah manajer aktif terakhir wilayah ini")
        user.role = role.value
        user.agency_id = agency.id if agency else None
        audit.record(
            session,
            actor=actor,
            entity=user,
            action="account:role",
            before=before,
            after=after,
            reason=reason.strip(),
        )
