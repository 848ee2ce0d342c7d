"""API tokens in the console: every account has its own page; no one revokes another's token (the page
and the API itself: tests/web/test_api.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import User
from services import api_tokens
from services.accounts import active_account

EVERYONE = ("operator", "manajer", "pimpinan", "pupr", "dlh", "operator-banjarbaru")
PAGES = {"/token-api": {None: 303, **dict.fromkeys(EVERYONE, 200)}}
POSTS: dict[str, dict[Any, int | None]] = {
    # anyone may make a token of their own (the matrix's form names none, which is refused)
    "/token-api": {None: 403, **dict.fromkeys(EVERYONE, 400)},
    # the operator's token: only the operator may revoke it, the others are told it does not exist
    "/token-api/{token_id}/cabut": {None: 403, **dict.fromkeys(EVERYONE, 404), "operator": None},
}


def prepare(console: Any, report_id: int) -> dict[str, int]:
    with console.runtime.sessions() as session:
        user_id = session.scalars(select(User.id).where(User.username == "operator")).one()
    account = active_account(console.runtime, user_id)
    assert account is not None
    _, token = api_tokens.make_token(console.runtime, account, "matriks")
    return {"token_id": token.id}
