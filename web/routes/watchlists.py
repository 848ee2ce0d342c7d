"""Keyword watchlists for managers: versions, parse errors with position, live preview.

A manager sees and changes only the watchlists of their own region; one of another region reads as missing.
Writing a query calls the preview as one types (HTMX, ``/watchlist/pratinjau``): the parse error with its
position, or what the query would have matched in the last 30 days. Saving and retiring write a new version
(``services.watchlists``); a refusal re-renders the form with the reason and what was typed.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.errors import PantauError
from db.models import Role
from flows.runtime import Runtime
from nlp.watchlist import MAX_QUERY_CHARS
from services import watchlists
from services.accounts import Account
from services.actions import Conflict, Forbidden, NotFound
from services.watchlists import ParseProblem, QueryRefused
from web.body_limit import FormRoute
from web.deps import actor_of, requires, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
Manager = Annotated[Account, Depends(requires(Role.MANAGER))]
Rt = Annotated[Runtime, Depends(runtime)]
CSRF = [Depends(check_csrf)]
NEW = ""  # the edit form's name for a watchlist not yet written


def _page_of(name: str) -> str:
    return f"/watchlist/{quote(name, safe='')}"


@router.get("/watchlist", response_class=HTMLResponse)
def watchlist_list(request: Request, account: Manager, rt: Rt) -> Response:
    """The region's watchlists in force (and the retired ones), with their hits of the last 30 days."""
    views = watchlists.region_watchlists(rt, account.region_id)
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "active": [v for v in views if v.current.active],
        "retired": [v for v in views if not v.current.active],
        "days": watchlists.PREVIEW_DAYS,
    }
    return TEMPLATES.TemplateResponse(request, "watchlists.html", context)


def _edit_page(
    request: Request,
    rt: Runtime,
    account: Account,
    name: str,
    form: dict[str, object] | None = None,
    error: str | None = None,
    problem: ParseProblem | None = None,
    status: int = 200,
) -> Response:
    """The form for ``name`` (NEW: a new watchlist) with every version, filled with ``form`` when a save
    was refused, else with the version in force."""
    versions = watchlists.watchlist_versions(rt, account.region_id, name) if name != NEW else []
    current = versions[0] if versions else None
    shown: dict[str, object] = {
        "name": name,
        "query": current.query if current else "",
        "priority": current.priority if current else 1,
        "reason": "",
        "retire_reason": "",
        "version": current.version if current else 0,
    }
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "new": name == NEW,
        "current": current,
        "versions": versions,
        "form": {**shown, **(form or {})},
        "error": error,
        "problem": problem,
        "preview": None,
        "priorities": watchlists.PRIORITIES,
        "max_query": MAX_QUERY_CHARS,
    }
    return TEMPLATES.TemplateResponse(request, "watchlist_edit.html", context, status_code=status)


@router.get("/watchlist/baru", response_class=HTMLResponse)
def new_watchlist(request: Request, account: Manager, rt: Rt) -> Response:
    return _edit_page(request, rt, account, NEW)


@router.get("/watchlist/{name}", response_class=HTMLResponse)
def watchlist_page(request: Request, name: str, account: Manager, rt: Rt) -> Response:
    """One watchlist: the edit form with its query in force, the retire form and every version."""
    return _edit_page(request, rt, account, name)


@router.post("/watchlist/pratinjau", response_class=HTMLResponse, dependencies=CSRF)
def preview(request: Request, account: Manager, rt: Rt, query: Annotated[str, Form()] = "") -> Response:
    """The partial under the query field: its parse error with the position, or what it would have matched."""
    problem = watchlists.check_query(query)
    found = None if problem else watchlists.preview(rt, account.region_id, query)
    context = {"problem": problem, "preview": found}
    return TEMPLATES.TemplateResponse(request, "watchlist_preview.html", context)


def _refused(
    request: Request, rt: Runtime, account: Account, name: str, form: dict[str, object], refusal: Exception
) -> Response:
    """The form again with why the change was refused and what was typed (the form for a new watchlist
    when ``name`` is not stored). After a conflict the form carries the version now in force: saving again
    is a choice made having read who changed it."""
    status = 409 if isinstance(refusal, Conflict) else 403 if isinstance(refusal, Forbidden) else 400
    problem = refusal.problem if isinstance(refusal, QueryRefused) else None
    if isinstance(refusal, Conflict):
        form = {key: value for key, value in form.items() if key != "version"}
    try:
        watchlists.watchlist_versions(rt, account.region_id, name)
    except NotFound:
        name = NEW
    return _edit_page(request, rt, account, name, form, str(refusal), problem, status)


@router.post("/watchlist/simpan", dependencies=CSRF)
def save(
    request: Request,
    account: Manager,
    rt: Rt,
    name: Annotated[str, Form()],
    query: Annotated[str, Form()],
    priority: Annotated[int, Form()],
    reason: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> Response:
    """Write the next version (a new watchlist when ``version`` is 0); back to its page."""
    form: dict[str, object] = {
        "name": name,
        "query": query,
        "priority": priority,
        "reason": reason,
        "version": version,
    }
    try:
        saved = watchlists.save_watchlist(
            rt,
            account.region_id,
            name=name,
            query=query,
            priority=priority,
            reason=reason,
            actor=actor_of(account),
            expected_version=version,
        )
    except NotFound:
        raise  # a stored watchlist this region does not have: the 404 page
    except PantauError as refusal:
        return _refused(request, rt, account, name.strip(), form, refusal)
    return RedirectResponse(_page_of(saved.name), status_code=303)


@router.post("/watchlist/nonaktifkan", dependencies=CSRF)
def retire(
    request: Request,
    account: Manager,
    rt: Rt,
    name: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> Response:
    """Retire the watchlist (a version that matches nothing); back to its page."""
    try:
        watchlists.retire_watchlist(
            rt,
            account.region_id,
            name=name,
            reason=reason,
            actor=actor_of(account),
            expected_version=version,
        )
    except NotFound:
        raise
    except PantauError as refusal:
        return _refused(request, rt, account, name, {"retire_reason": reason}, refusal)
    return RedirectResponse(_page_of(name), status_code=303)
