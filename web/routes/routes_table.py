"""The routing table (function -> OPD) of the manager's region: edit with a reason, history kept.

``/rute`` lists every function with its OPD and the last change; ``/rute/{function}`` shows one row with
the form to change it and its history from the audit log. A change calls ``services.routing_table`` and
returns to the row (POST-redirect-GET); a refusal re-renders the row with the reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.errors import PantauError
from db.models import Role
from flows.runtime import Runtime
from services.accounts import Account
from services.actions import Conflict, Forbidden, NotFound
from services.routing_table import change_route, route_history, routing_table
from web.body_limit import FormRoute
from web.deps import actor_of, requires, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
Manager = Annotated[Account, Depends(requires(Role.MANAGER))]
Rt = Annotated[Runtime, Depends(runtime)]


@router.get("/rute", response_class=HTMLResponse)
def table(request: Request, account: Manager, rt: Rt) -> Response:
    context = {"account": account, "csrf": csrf_token(request), "table": routing_table(rt, account.region_id)}
    return TEMPLATES.TemplateResponse(request, "routes_table.html", context)


def _row_page(
    request: Request,
    rt: Runtime,
    account: Account,
    function: str,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "account": account,
        "csrf": csrf_token(request),
        "route": route_history(rt, account.region_id, function),
        "error": error,
        "form": form or {},
    }
    return TEMPLATES.TemplateResponse(request, "routes_table_row.html", context, status_code=status)


@router.get("/rute/{function}", response_class=HTMLResponse)
def row(request: Request, function: str, account: Manager, rt: Rt) -> Response:
    """One function's OPD, the form to change it and every change so far."""
    return _row_page(request, rt, account, function)


@router.post("/rute/{function}", dependencies=[Depends(check_csrf)])
def change(
    request: Request,
    function: str,
    account: Manager,
    rt: Rt,
    agency: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    current: Annotated[str, Form()],
) -> Response:
    """Send ``function`` to ``agency`` from the next triage on; ``current`` is the OPD the form showed."""
    try:
        change_route(
            rt,
            account.region_id,
            function,
            agency_code=agency,
            reason=reason,
            actor=actor_of(account),
            expected_agency=current,
        )
    except NotFound:
        raise  # a function the region's table does not have: the 404 page
    except PantauError as refusal:
        status = 409 if isinstance(refusal, Conflict) else 403 if isinstance(refusal, Forbidden) else 400
        form = {"agency": agency, "reason": reason}
        return _row_page(request, rt, account, function, str(refusal), form, status)
    return RedirectResponse(f"/rute/{function}", status_code=303)
