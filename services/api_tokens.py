"""Personal API tokens: made and revoked by their user in the console, kept as SHA-256, each acting as its
user (the user's role, region and agency, re-read on every request, so that disabling the user or changing
its role takes effect at once). Making and revoking are audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from config.errors import PantauError
from db import audit
from db.base import utcnow
from db.local_time import local_display
from db.models import ApiToken, User
from db.session import transaction
from flows.runtime import Runtime
from services.accounts import Account, active_account

PREFIX = "pnt_"
MAX_TOKENS = 10  # live tokens per user
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often


class TokenError(PantauError):
    """A token change that cannot be made as asked."""


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    prefix: str
    created: str
    last_used: str | None
    revoked: str | None


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def make_token(runtime: Runtime, account: Account, name: str) -> tuple[str, TokenRow]:
    """A new token for ``account``; the plain token is returned once and never kept."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise TokenError("beri nama token (1-100 karakter), mis. nama sistem yang memakainya")
    plain = PREFIX + secrets.token_urlsafe(32)
    with transaction(runtime.sessions) as session:
        live = session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == account.id, ApiToken.revoked_at.is_(None))
        ).all()
        if len(live) >= MAX_TOKENS:
            raise TokenError(f"paling banyak {MAX_TOKENS} token aktif; cabut yang tidak dipakai")
        token = ApiToken(user_id=account.id, name=name, token_hash=_digest(plain), prefix=plain[:12])
        session.add(token)
        session.flush()
        audit.record(
            session, actor=f"user:{account.username}", entity=token, action="create", after={"nama": name}
        )
        return plain, _row(token, account.timezone)


def revoke_token(runtime: Runtime, account: Account, token_id: int) -> None:
    """Revoke one of ``account``'s own tokens (another's reads as missing)."""
    with transaction(runtime.sessions) as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != account.id:
            raise TokenError(f"token #{token_id} tidak ada")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(session, actor=f"user:{account.username}", entity=token, action="revoke")


def tokens_of(runtime: Runtime, account: Account) -> list[TokenRow]:
    with runtime.sessions() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == account.id).order_by(ApiToken.id.desc())
        )
        return [_row(token, account.timezone) for token in rows]


def account_of_token(runtime: Runtime, plain: str) -> tuple[Account, int] | None:
    """The account a token acts as now (and the token's id), or None for an unknown, revoked or disabled
    one."""
    if not plain.startswith(PREFIX):
        return None
    now = utcnow()
    with transaction(runtime.sessions) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(plain))).one_or_none()
        if token is None or token.revoked_at is not None:
            return None
        user = session.get(User, token.user_id)
        if user is None or not user.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            token.last_used_at = now
        token_id, user_id = token.id, token.user_id
    account = active_account(runtime, user_id)
    return (account, token_id) if account else None


def _row(token: ApiToken, timezone: str) -> TokenRow:
    return TokenRow(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created=local_display(token.created_at, timezone),
        last_used=local_display(token.last_used_at, timezone) if token.last_used_at else None,
        revoked=local_display(token.revoked_at, timezone) if token.revoked_at else None,
    )
