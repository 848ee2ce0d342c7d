"""Console accounts: creating, disabling and resetting them, and checking a login.

Passwords are hashed with argon2 (argon2-cffi's defaults, RFC 9106 low-memory profile) and never stored or
logged in clear. A login that fails ``MAX_FAILED_LOGINS`` times in a row locks the account for
``LOCK_MINUTES``; the refusal says the same thing for an unknown user and a wrong password, so the console
does not tell which usernames exist. Every change to an account is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from config.errors import PantauError
from db import audit
from db.base import utcnow
from db.models import Agency, Region, Role, User
from db.session import transaction
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


def _account(user: User, region: Region, agency: Agency | None) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        region_id=region.id,
        region_code=region.code,
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
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
    """Create an account; an OPD liaison needs the agency it answers for, other roles have none."""
    _check_password(password)
    if role == Role.OPD and not agency_code:
        raise AccountError("akun OPD perlu kode OPD (--opd)")
    if role != Role.OPD and agency_code:
        raise AccountError("hanya akun OPD yang terikat pada satu OPD")
    with transaction(runtime.sessions) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"nama pengguna {username!r} sudah dipakai")
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
        return _account(user, region, agency)


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
            account = _account(user, region, agency)
    if account is None:
        raise refused
    return account
