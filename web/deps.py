"""Request dependencies: the Runtime, the logged-in account and its role; who acts and whose eyes see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account, active_account
from services.actions import Actor
from services.reports import Viewer

SESSION_ACCOUNT = "account"


class LoginRequired(Exception):
    """No account in the session: the app answers with a redirect to the login page."""


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def current_account(request: Request) -> Account:
    """The session's account as the database has it now: disabling an account or changing its role takes
    effect at its next request, not at its next login."""
    data = request.session.get(SESSION_ACCOUNT)
    if not isinstance(data, dict):
        raise LoginRequired
    chosen = data.get("region")
    account = active_account(runtime(request), int(data["id"]), chosen if isinstance(chosen, str) else None)
    if account is None:
        request.session.clear()
        raise LoginRequired
    return account


def remember(request: Request, account: Account) -> None:
    """Keep who is logged in (its id) and the region it works in (a province user may choose another)."""
    request.session[SESSION_ACCOUNT] = {"id": account.id, "region": account.region_code}


def requires(*roles: Role) -> Callable[[Account], Account]:
    """A dependency that lets only ``roles`` through (403 for the others)."""

    def check(account: Annotated[Account, Depends(current_account)]) -> Account:
        if account.role not in roles:
            raise HTTPException(status_code=403, detail="Halaman ini bukan untuk peran Anda.")
        return account

    return check


def actor_of(account: Account) -> Actor:
    """The account as the services' audit log names it (``user:NAME``), with its role and agency."""
    return Actor(f"user:{account.username}", account.role, account.agency_code)


def viewer_of(account: Account) -> Viewer:
    """What the account may see: its region, and only its agency's reports for an OPD liaison."""
    return Viewer(region_id=account.region_id, agency_id=account.agency_id)
