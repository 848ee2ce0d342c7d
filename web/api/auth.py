"""Who calls the API: a personal token (``Authorization: Bearer pnt_...``), acting as its user with the
user's role and region, re-read on every request; requests per token are limited in a sliding window."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account
from services.api_tokens import account_of_token
from web.deps import runtime
from web.rate_limit import RateLimiter

REQUESTS_PER_MINUTE = 120
BEARER = {"WWW-Authenticate": 'Bearer realm="pantau"'}


def caller(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Account:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "send a token from the console: Authorization: Bearer pnt_...", BEARER)
    found = account_of_token(rt, token.strip())
    if found is None:
        raise HTTPException(401, "the token is unknown, revoked, or its account is disabled", BEARER)
    account, token_id = found
    limiter: RateLimiter = request.app.state.token_limiter
    if not limiter.allow(f"token:{token_id}"):
        wait = math.ceil(limiter.wait(f"token:{token_id}")) or 1
        detail = f"more than {REQUESTS_PER_MINUTE} requests a minute with this token"
        raise HTTPException(429, detail, {"Retry-After": str(wait)})
    return account


def allowed(*roles: Role) -> Callable[[Account], Account]:
    """Only ``roles`` (403 for the others)."""

    def check(account: Annotated[Account, Depends(caller)]) -> Account:
        if account.role not in roles:
            raise HTTPException(403, f"not for the role {account.role.value}")
        return account

    return check
