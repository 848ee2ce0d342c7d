"""Writing notifications into the outbox, in the transaction of the event that causes them.

A message is rendered once, when its event happens (``services.notify.render``: redacted again there), and
one outbox row is written per channel of the contact it goes to (e-mail, signed webhook, Telegram). The rung
("liaison", "kepala_dinas", "sekda", "manager", ...) is looked up in the agency's contacts, then the region's.
A rung with no contact gets one row on the channel ``contact``: a recorded failure that the delivery worker
retries, and expands into real messages as soon as the configuration gives the rung a contact. Each row's
``dedupe_key`` names its event, so an event notifies each recipient once however often a job runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from db.local_time import local_display
from db.models import Agency, DeliveryState, Notification, Region, Report
from db.workflow import label
from services.notify.render import Rendered, render_forwarded, report_payload
from services.notify.views import ReportView

NO_CONTACT = "contact"  # the channel of a message still waiting for a contact to exist


def report_url(settings: Settings, report_id: int) -> str:
    return f"{settings.console_url.rstrip('/')}/laporan/{report_id}"


def report_view(settings: Settings, report: Report, due: datetime | None) -> ReportView:
    region = report.region
    return ReportView(
        id=report.id,
        tracking_id=report.tracking_id,
        judul=report.judul,
        isi=report.isi,
        kategori=report.kategori,
        lokasi=report.lokasi,
        agency_name=report.agency.name if report.agency else "-",
        region_name=region.name,
        brand=region.brand,
        status_label=label(report.status),
        due_label=local_display(due, region.timezone) if due else None,
        console_url=report_url(settings, report.id),
        source_links=tuple(report.source_links),
    )


def contact_for(region: Region, agency: Agency | None, rung: str) -> dict[str, Any]:
    """The contact of ``rung``: the agency's own first (liaison, kepala_dinas), then the region's (sekda)."""
    if agency is not None and rung in agency.contacts:
        return dict(agency.contacts[rung])
    return dict(region.contacts.get(rung, {}))


def channels(contact: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(channel, recipient, secret_env) for every way ``contact`` can be reached."""
    found: list[tuple[str, str, str | None]] = []
    if contact.get("email"):
        found.append(("email", ", ".join(contact["email"]), None))
    if contact.get("webhook_url"):
        found.append(("webhook", str(contact["webhook_url"]), contact.get("webhook_secret_env")))
    if contact.get("telegram_chat_id"):
        found.append(("telegram", str(contact["telegram_chat_id"]), None))
    return found


def queue_message(
    session: Session,
    *,
    region: Region,
    agency: Agency | None,
    report: Report | None,
    kind: str,
    rung: str,
    event: str,
    rendered: Rendered,
    payload: dict[str, Any],
) -> list[Notification]:
    """Write the rows of one message to one rung; a row whose dedupe key exists already is not written
    again."""
    targets = channels(contact_for(region, agency, rung)) or [(NO_CONTACT, rung, None)]
    written: list[Notification] = []
    for channel, recipient, secret_env in targets:
        key = f"{event}:{rung}:{channel}:{recipient}"[:200]
        if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
            continue
        row = Notification(
            region_id=region.id,
            report_id=report.id if report else None,
            agency_id=agency.id if agency else None,
            kind=kind,
            channel=channel,
            recipient=recipient,
            rung=rung,
            subject=rendered.subject[:300],
            body_text=rendered.text,
            body_html=rendered.html,
            payload=payload,
            secret_env=secret_env,
            dedupe_key=key,
            state=DeliveryState.PENDING,
        )
        if channel == NO_CONTACT:
            who = agency.short_name if agency else region.name
            row.last_error = f"{who} tidak punya kontak {rung!r} (konfigurasi wilayah {region.code})"
        session.add(row)
        written.append(row)
    session.flush()
    return written


def queue_forwarded(session: Session, settings: Settings, report: Report) -> list[Notification]:
    """Tell the OPD's liaison that a report was forwarded (disposisi) to it, with its deadline."""
    session.flush()
    assert report.forwarded_at is not None
    view = report_view(settings, report, report.followup_due_at)
    rendered = render_forwarded(view)
    event = f"forwarded:{report.id}:{report.agency_id}:{report.forwarded_at.isoformat()}"
    return queue_message(
        session,
        region=report.region,
        agency=report.agency,
        report=report,
        kind="forwarded",
        rung="liaison",
        event=event,
        rendered=rendered,
        payload=report_payload("disposisi", view),
    )
