"""Request dependencies: the Runtime, the logged-in account and its role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account

SESSION_ACCOUNT = "account"


class LoginRequired(Exception):
    """No account in the session: the app answers with a redirect to the login page."""


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def current_account(request: Request) -> Account:
    data = request.session.get(SESSION_ACCOUNT)
    if not isinstance(data, dict):
        raise LoginRequired
    return Account(**{**data, "role": Role(data["role"])})


def remember(request: Request, account: Account) -> None:
    request.session[SESSION_ACCOUNT] = {**account.__dict__, "role": account.role.value}


def requires(*roles: Role) -> Callable[[Account], Account]:
    """A dependency that lets only ``roles`` through (403 for the others)."""

    def check(account: Annotated[Account, Depends(current_account)]) -> Account:
        if account.role not in roles:
            raise HTTPException(status_code=403, detail="Halaman ini bukan untuk peran Anda.")
        return account

    return check
