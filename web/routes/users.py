"""Console accounts of the manager's region: list, add, disable and enable, reset a password, change a role.

Every change calls ``services.accounts`` (argon2, audited). A refusal re-renders the page with the reason. A
password Pantau generates is shown once, in the answer to the form that made it (never in a cookie or an
address, and the answer is not cached); a change without one returns to the page (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from db.models import Role
from flows.runtime import Runtime
from services import accounts
from services.accounts import Account, AccountError, UserNotFound
from services.actions import NotFound
from web.body_limit import FormRoute
from web.deps import requires, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
Manager = Annotated[Account, Depends(requires(Role.MANAGER))]
Rt = Annotated[Runtime, Depends(runtime)]
Text = Annotated[str, Form()]
CSRF = [Depends(check_csrf)]
NO_STORE = {"Cache-Control": "no-store"}


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(f"peran {value!r} tidak dikenal") from None


def _render(
    request: Request,
    template: str,
    context: dict[str, object],
    account: Account,
    rt: Runtime,
    status: int = 200,
    secret: bool = False,
) -> Response:
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "roles": accounts.ROLE_LABELS,
        "agencies": accounts.agency_choices(rt, account.region_id),
        "error": None,
        "password": None,
        **context,
    }
    headers = NO_STORE if secret else None
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status, headers=headers)


def _list(
    request: Request, rt: Runtime, account: Account, status: int = 200, secret: bool = False, **extra: object
) -> Response:
    context = {"users": accounts.region_users(rt, account.region_id), "typed": {}, **extra}
    return _render(request, "users.html", context, account, rt, status, secret)


def _user(
    request: Request,
    rt: Runtime,
    account: Account,
    user_id: int,
    status: int = 200,
    secret: bool = False,
    **extra: object,
) -> Response:
    try:
        user = accounts.region_user(rt, account.region_id, user_id)
    except UserNotFound as missing:
        raise NotFound(str(missing)) from None  # another region's account does not exist for this manager
    return _render(request, "users_detail.html", {"user": user, **extra}, account, rt, status, secret)


@router.get("/pengguna", response_class=HTMLResponse)
def users_page(request: Request, account: Manager, rt: Rt) -> Response:
    return _list(request, rt, account)


@router.post("/pengguna", dependencies=CSRF)
def add_user(
    request: Request,
    account: Manager,
    rt: Rt,
    username: Text = "",
    full_name: Text = "",
    role: Text = "",
    agency: Text = "",
    password: Text = "",
) -> Response:
    """A new account; with no password given, Pantau makes one and shows it this once."""
    try:
        generated = accounts.add_region_user(
            rt,
            by=account,
            username=username,
            full_name=full_name,
            role=_role(role),
            agency_code=agency or None,
            password=password or None,
        )
    except AccountError as refusal:
        typed = {"username": username, "full_name": full_name, "role": role, "agency": agency}
        return _list(request, rt, account, 400, error=str(refusal), typed=typed)
    if generated is None:
        return RedirectResponse("/pengguna", status_code=303)
    return _list(request, rt, account, secret=True, password=generated, new_user=username.strip())


@router.get("/pengguna/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, account: Manager, rt: Rt) -> Response:
    return _user(request, rt, account, user_id)


def _change(
    request: Request, rt: Runtime, account: Account, user_id: int, change: Callable[[], str | None]
) -> Response:
    try:
        generated = change()
    except UserNotFound as missing:
        raise NotFound(str(missing)) from None
    except AccountError as refusal:
        return _user(request, rt, account, user_id, 400, error=str(refusal))
    if generated is None:
        return RedirectResponse(f"/pengguna/{user_id}", status_code=303)
    return _user(request, rt, account, user_id, secret=True, password=generated)


@router.post("/pengguna/{user_id}/status", dependencies=CSRF)
def set_active(
    request: Request, user_id: int, account: Manager, rt: Rt, aktif: Text = "", reason: Text = ""
) -> Response:
    """Disable (``aktif`` 0) or enable (``aktif`` 1) the account."""

    def change() -> None:
        accounts.set_user_active(rt, user_id, active=aktif == "1", by=account, reason=reason)

    return _change(request, rt, account, user_id, change)


@router.post("/pengguna/{user_id}/kata-sandi", dependencies=CSRF)
def reset_password(request: Request, user_id: int, account: Manager, rt: Rt, password: Text = "") -> Response:
    """A new password (the one given, or one Pantau makes and shows once); clears a lock-out."""
    return _change(
        request,
        rt,
        account,
        user_id,
        lambda: accounts.set_user_password(rt, user_id, by=account, password=password or None),
    )


@router.post("/pengguna/{user_id}/peran", dependencies=CSRF)
def change_role(
    request: Request,
    user_id: int,
    account: Manager,
    rt: Rt,
    role: Text = "",
    agency: Text = "",
    reason: Text = "",
) -> Response:
    def change() -> None:
        accounts.change_role(
            rt, user_id, role=_role(role), agency_code=agency or None, by=account, reason=reason
        )

    return _change(request, rt, account, user_id, change)
