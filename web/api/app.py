"""The API application, mounted at ``/api`` by the console: ``/api/v1/...`` behind personal tokens,
``/api/openapi.json`` and a reference page at ``/api/docs`` (written by the server from the OpenAPI
document: no script, nothing from a CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from flows.runtime import Runtime
from web.api import actions, figures, incidents
from web.api.auth import REQUESTS_PER_MINUTE
from web.api.problems import http_problem, validation_problem
from web.rate_limit import RateLimiter
from web.templating import TEMPLATES

DESCRIPTION = (
    "Pantau's incidents and reports for other systems of a region. Every request carries a personal token "
    "made in the console (Token API): `Authorization: Bearer pnt_...`. The token acts as its user, with "
    "the user's role and region: an OPD liaison sees only the reports forwarded to its agency. Lists come "
    "a page at a time (`next_cursor`), answers carry an ETag (send it back as `If-None-Match`), errors are "
    f"`application/problem+json`, and a token may make {REQUESTS_PER_MINUTE} requests a minute."
)


def create_api(runtime: Runtime) -> FastAPI:
    api = FastAPI(
        title="Pantau API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.runtime = runtime
    api.state.token_limiter = RateLimiter(max_attempts=REQUESTS_PER_MINUTE, window=60)
    api.include_router(incidents.router, prefix="/v1")
    api.include_router(actions.router, prefix="/v1")
    api.include_router(figures.router, prefix="/v1")
    api.add_exception_handler(StarletteHTTPException, http_problem)
    api.add_exception_handler(RequestValidationError, validation_problem)

    @api.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def reference(request: Request) -> HTMLResponse:
        schema: dict[str, Any] = api.openapi()
        return TEMPLATES.TemplateResponse(request, "api_docs.html", {"api": schema, "account": None})

    return api
