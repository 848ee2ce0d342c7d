"""Logging in and out, and a province user's choice of the kabupaten/kota it works in."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account, LoginRefused, authenticate
from web.body_limit import FormRoute
from web.deps import current_account, remember, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
HOME = {Role.OPD: "/kotak-masuk", Role.PIMPINAN: "/dasbor"}


def home_of(role: Role) -> str:
    return HOME.get(role, "/antrean")


@router.get("/masuk", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return TEMPLATES.TemplateResponse(request, "login.html", {"csrf": csrf_token(request), "error": None})


@router.post("/masuk", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    address = request.client.host if request.client else "?"
    error = None
    if not request.app.state.login_limiter.allow(address):
        error = "Terlalu banyak percobaan masuk dari alamat ini; tunggu beberapa menit."
    else:
        try:
            account = authenticate(rt, username.strip(), password)
        except LoginRefused as refused:
            error = str(refused)
    if error is not None:
        context = {"csrf": csrf_token(request), "error": error, "username": username}
        return TEMPLATES.TemplateResponse(request, "login.html", context, status_code=400)
    request.session.clear()  # a new session for the new login (no fixation)
    remember(request, account)
    return RedirectResponse(home_of(account.role), status_code=303)


@router.post("/wilayah", dependencies=[Depends(check_csrf)])
def switch_region(
    request: Request,
    wilayah: Annotated[str, Form()],
    account: Annotated[Account, Depends(current_account)],
) -> Response:
    """A province user moves to another kabupaten/kota of its province (never one outside it); its pages
    then show that region as its own people see it."""
    if wilayah not in dict(account.regions):
        raise HTTPException(status_code=403, detail="Wilayah itu bukan wilayah kerja Anda.")
    remember(request, replace(account, region_code=wilayah))
    return RedirectResponse(home_of(account.role), status_code=303)


@router.post("/keluar", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/masuk", status_code=303)
