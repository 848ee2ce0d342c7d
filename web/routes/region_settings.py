"""Deadlines, the escalation ladder and the notification contacts of the manager's region.

``/tenggat-kontak`` shows the region's deadlines, ladder and own contacts with their forms, and each agency's
contacts in short; ``/tenggat-kontak/opd/{agency_id}`` holds one agency's contact forms. Every change calls
``services.region_settings`` with the fingerprint of the value the form showed and a reason, and returns to
the page (POST-redirect-GET); a refusal re-renders the page with the reason and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.errors import PantauError
from db.models import Role
from flows.runtime import Runtime
from services import region_settings as settings
from services.accounts import Account
from services.actions import Conflict, Forbidden, NotFound
from web.body_limit import FormRoute
from web.deps import actor_of, requires, runtime
from web.security import check_csrf, csrf_token
from web.templating import TEMPLATES

router = APIRouter(route_class=FormRoute)
Manager = Annotated[Account, Depends(requires(Role.MANAGER))]
Rt = Annotated[Runtime, Depends(runtime)]
Text = Annotated[str, Form()]
CSRF = [Depends(check_csrf)]
PAGE = "/tenggat-kontak"


BLANK_STEPS = 2  # empty rows under the ladder, to add steps


def _ladder_rows(region: settings.RegionSettings, draft: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ladder's form rows: what a refused form sent, or the stored steps; then blank rows to fill."""
    if draft.get("form") == "eskalasi":
        rows = list(draft["values"]["steps"])
    else:
        rows = [(str(step.after_working_days), step.notify) for step in region.escalation]
    return rows + [("", "")] * BLANK_STEPS


def _page(
    request: Request,
    rt: Runtime,
    account: Account,
    *,
    agency_id: int | None = None,
    error: str | None = None,
    draft: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    """The region's page, or one agency's when ``agency_id`` is given; ``draft`` is the form that was refused
    (its name under "form", what was typed under "values")."""
    context: dict[str, object] = {
        "account": account,
        "csrf": csrf_token(request),
        "error": error,
        "draft": draft or {},
        "rung_labels": settings.RUNG_LABELS,
    }
    if agency_id is None:
        region = settings.region_settings(rt, account.region_id)
        context["region"] = region
        context["ladder"] = _ladder_rows(region, draft or {})
        template = "settings.html"
    else:
        context["agency"] = settings.agency_contacts(rt, account.region_id, agency_id)
        template = "settings_agency.html"
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _change(
    request: Request,
    rt: Runtime,
    account: Account,
    change: Callable[[], None],
    draft: Mapping[str, object],
    agency_id: int | None = None,
) -> Response:
    try:
        change()
    except NotFound:
        raise  # an agency of another region: the 404 page
    except PantauError as refusal:
        status = 409 if isinstance(refusal, Conflict) else 403 if isinstance(refusal, Forbidden) else 400
        return _page(
            request, rt, account, agency_id=agency_id, error=str(refusal), draft=draft, status=status
        )
    back = PAGE if agency_id is None else f"{PAGE}/opd/{agency_id}"
    return RedirectResponse(back, status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def region_page(request: Request, account: Manager, rt: Rt) -> Response:
    return _page(request, rt, account)


@router.get(PAGE + "/opd/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: int, account: Manager, rt: Rt) -> Response:
    return _page(request, rt, account, agency_id=agency_id)


@router.post(PAGE + "/tenggat", dependencies=CSRF)
def change_deadlines(
    request: Request,
    account: Manager,
    rt: Rt,
    verification_working_days: Text = "",
    first_followup_working_days: Text = "",
    settlement_days: Text = "",
    autoclose_working_days: Text = "",
    postponed_archive_days: Text = "",
    version: Text = "",
    reason: Text = "",
) -> Response:
    values = {
        "verification_working_days": verification_working_days,
        "first_followup_working_days": first_followup_working_days,
        "settlement_days": settlement_days,
        "autoclose_working_days": autoclose_working_days,
        "postponed_archive_days": postponed_archive_days,
    }

    def change() -> None:
        settings.update_deadlines(
            rt, account.region_id, values, expected=version, actor=actor_of(account), reason=reason
        )

    draft = {"form": "tenggat", "values": {**values, "reason": reason}}
    return _change(request, rt, account, change, draft)


@router.post(PAGE + "/eskalasi", dependencies=CSRF)
def change_escalation(
    request: Request,
    account: Manager,
    rt: Rt,
    hari: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies a parameter's default per request)
    kontak: Annotated[list[str], Form()] = [],  # noqa: B006
    version: Text = "",
    reason: Text = "",
) -> Response:
    steps = list(zip(hari, kontak, strict=False))

    def change() -> None:
        settings.update_escalation(
            rt, account.region_id, steps, expected=version, actor=actor_of(account), reason=reason
        )

    draft = {"form": "eskalasi", "values": {"steps": steps, "reason": reason}}
    return _change(request, rt, account, change, draft)


@router.post(PAGE + "/umpan-balik", dependencies=CSRF)
def change_feedback_consent(
    request: Request, account: Manager, rt: Rt, izinkan: Text = "", version: Text = "", reason: Text = ""
) -> Response:
    allowed = izinkan == "ya"

    def change() -> None:
        settings.update_feedback_consent(
            rt, account.region_id, allowed, expected=version, actor=actor_of(account), reason=reason
        )

    draft = {"form": "umpan-balik", "values": {"izinkan": izinkan, "reason": reason}}
    return _change(request, rt, account, change, draft)


def _contact_change(
    request: Request,
    rt: Runtime,
    account: Account,
    agency_id: int | None,
    form: dict[str, str],
) -> Response:
    rung, version, reason = form["rung"].strip(), form["version"], form["reason"]

    def change() -> None:
        actor = actor_of(account)
        if form["aksi"] == "hapus":
            settings.remove_contact(
                rt, account.region_id, rung, agency_id=agency_id, expected=version, actor=actor, reason=reason
            )
            return
        contact = settings.contact_from_form(form)
        settings.save_contact(
            rt,
            account.region_id,
            rung,
            contact,
            agency_id=agency_id,
            expected=version,
            actor=actor,
            reason=reason,
        )

    draft = {"form": f"kontak:{form['asal']}", "values": form}
    return _change(request, rt, account, change, draft, agency_id)


def _contact_form(
    rung: Text = "",
    asal: Text = "",
    name: Text = "",
    email: Text = "",
    webhook_url: Text = "",
    webhook_secret_env: Text = "",
    telegram_chat_id: Text = "",
    version: Text = "",
    reason: Text = "",
    aksi: Text = "simpan",
) -> dict[str, str]:
    """A contact form's fields; ``asal`` names the form on the page (a rung, or "baru" for a new contact)."""
    return {
        "rung": rung,
        "asal": asal,
        "name": name,
        "email": email,
        "webhook_url": webhook_url,
        "webhook_secret_env": webhook_secret_env,
        "telegram_chat_id": telegram_chat_id,
        "version": version,
        "reason": reason,
        "aksi": aksi,
    }


ContactForm = Annotated[dict[str, str], Depends(_contact_form)]


@router.post(PAGE + "/kontak", dependencies=CSRF)
def change_region_contact(request: Request, account: Manager, rt: Rt, form: ContactForm) -> Response:
    return _contact_change(request, rt, account, None, form)


@router.post(PAGE + "/opd/{agency_id}/kontak", dependencies=CSRF)
def change_agency_contact(
    request: Request, agency_id: int, account: Manager, rt: Rt, form: ContactForm
) -> Response:
    return _contact_change(request, rt, account, agency_id, form)
