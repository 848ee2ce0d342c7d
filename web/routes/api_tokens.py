"""A user's API tokens (``services.api_tokens``): make one (its plain text shown once), see when each was
last used, revoke. Every role may have tokens; each acts as its user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flows.runtime import Runtime
from services import api_tokens
from services.accounts import Account
from services.api_tokens import TokenError
from web.body_limit import FormRoute
from web.deps import current_account, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)


def _page(
    request: Request, rt: Runtime, account: Account, *, made: str | None = None, error: str | None = None
) -> Response:
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "tokens": api_tokens.tokens_of(rt, account),
        "made": made,
        "error": error,
    }
    headers = {"Cache-Control": "no-store"}  # the page that shows a new token is never kept
    return TEMPLATES.TemplateResponse(
        request, "api_tokens.html", context, status_code=400 if error else 200, headers=headers
    )


@router.get("/token-api", response_class=HTMLResponse)
def token_page(
    request: Request,
    account: Annotated[Account, Depends(current_account)],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    return _page(request, rt, account)


@router.post("/token-api", dependencies=[Depends(check_csrf)], response_class=HTMLResponse)
def make_token(
    request: Request,
    account: Annotated[Account, Depends(current_account)],
    rt: Annotated[Runtime, Depends(runtime)],
    nama: Annotated[str, Form()] = "",
) -> Response:
    try:
        plain, _ = api_tokens.make_token(rt, account, nama)
    except TokenError as refused:
        return _page(request, rt, account, error=str(refused))
    return _page(request, rt, account, made=plain)


@router.post("/token-api/{token_id}/cabut", dependencies=[Depends(check_csrf)])
def revoke_token(
    token_id: int,
    account: Annotated[Account, Depends(current_account)],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    try:
        api_tokens.revoke_token(rt, account, token_id)
    except TokenError as refused:
        raise HTTPException(status_code=404, detail=str(refused)) from None
    return RedirectResponse("/token-api", status_code=303)
