"""The console's application: ``create_app(settings)``; ``pantau serve`` runs it under uvicorn."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from config.settings import Settings, get_settings
from flows.runtime import Runtime
from services.actions import Forbidden, NotFound
from web.api.app import create_api
from web.deps import LoginRequired
from web.rate_limit import RateLimiter
from web.routes import (
    api_tokens,
    attachments,
    audit,
    auth,
    dashboard,
    exports,
    incidents,
    queue,
    region_settings,
    reports,
    routes_table,
    sources,
    users,
    watchlists,
)
from web.security import SecurityHeaders
from web.templating import TEMPLATES

STATIC = Path(__file__).resolve().parent / "static"
# every page of the console (and its access test), one router per area
ROUTERS = (
    auth.router,
    queue.router,
    reports.router,
    incidents.router,
    attachments.router,
    watchlists.router,
    routes_table.router,
    region_settings.router,
    sources.router,
    users.router,
    audit.router,
    exports.router,
    dashboard.router,
    api_tokens.router,
)
SESSION_HOURS = 12


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The console over ``runtime`` (one is made from ``settings`` when not given)."""
    app = FastAPI(title="Pantau", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime or Runtime(settings)
    app.state.login_limiter = RateLimiter()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="pantau_sesi",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    app.mount("/statis", StaticFiles(directory=STATIC), name="static")
    app.mount("/api", create_api(app.state.runtime))
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/masuk", status_code=303)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        context = {"status": 404, "message": str(exc)}
        return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=404)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        context = {"status": 403, "message": str(exc)}
        return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=403)

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException) -> Response:
        context = {"status": exc.status_code, "message": exc.detail}
        return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=exc.status_code)

    return app


def app_from_settings() -> FastAPI:
    """The factory ``pantau serve`` gives uvicorn (each worker process builds its own app and Runtime)."""
    return create_app(get_settings())
