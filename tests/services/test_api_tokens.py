"""Personal API tokens: kept only as a digest, at most ten live ones, each acting as its user now (a
disabled user's token stops working), revoked only by their owner, every change audited."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from db.models import ApiToken, AuditLog, Role
from services import accounts, api_tokens
from services.api_tokens import MAX_TOKENS, TokenError

PASSWORD = "kata-sandi-uji-123"


def _add(desk, username: str, role: Role = Role.OPERATOR, agency: str | None = None):  # type: ignore[no-untyped-def]
    return accounts.add_user(
        desk.runtime, username=username, full_name=username, role=role, region_code="64.08",
        agency_code=agency, password=PASSWORD, actor="user:uji",
    )  # fmt: skip


def test_a_token_acts_as_its_user_until_revoked_or_the_user_is_disabled(desk) -> None:  # type: ignore[no-untyped-def]
    owner = _add(desk, "operator-a")
    plain, row = api_tokens.make_token(desk.runtime, owner, "sistem aduan")
    assert plain.startswith("pnt_") and len(plain) > 40 and row.prefix == plain[:12]
    with desk.runtime.sessions() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()  # never the token itself
        actions = [
            a.action for a in session.scalars(select(AuditLog).where(AuditLog.entity_type == "api_token"))
        ]
    assert actions == ["create"]
    found = api_tokens.account_of_token(desk.runtime, plain)
    assert found is not None and found[0].username == "operator-a" and found[0].role == Role.OPERATOR
    assert api_tokens.tokens_of(desk.runtime, owner)[0].last_used is not None
    assert api_tokens.account_of_token(desk.runtime, plain + "x") is None
    assert api_tokens.account_of_token(desk.runtime, "bukan-token") is None

    accounts.set_active(desk.runtime, "operator-a", active=False, actor="user:uji")
    assert api_tokens.account_of_token(desk.runtime, plain) is None
    accounts.set_active(desk.runtime, "operator-a", active=True, actor="user:uji")
    assert api_tokens.account_of_token(desk.runtime, plain) is not None

    stranger = _add(desk, "operator-b")
    with pytest.raises(TokenError, match="tidak ada"):
        api_tokens.revoke_token(desk.runtime, stranger, row.id)
    api_tokens.revoke_token(desk.runtime, owner, row.id)
    assert api_tokens.account_of_token(desk.runtime, plain) is None
    assert api_tokens.tokens_of(desk.runtime, owner)[0].revoked is not None


def test_tokens_are_named_and_counted(desk) -> None:  # type: ignore[no-untyped-def]
    owner = _add(desk, "manajer-a", Role.MANAGER)
    with pytest.raises(TokenError, match="beri nama"):
        api_tokens.make_token(desk.runtime, owner, "  ")
    for n in range(MAX_TOKENS):
        api_tokens.make_token(desk.runtime, owner, f"token {n}")
    with pytest.raises(TokenError, match="paling banyak"):
        api_tokens.make_token(desk.runtime, owner, "satu lagi")
    first = api_tokens.tokens_of(desk.runtime, owner)[-1]
    api_tokens.revoke_token(desk.runtime, owner, first.id)
    api_tokens.make_token(desk.runtime, owner, "satu lagi")  # a revoked one no longer counts
