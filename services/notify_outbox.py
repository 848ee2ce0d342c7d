"""Delivering the notification outbox: e-mail, signed webhooks and Telegram, each row once, with retries.

Rows are claimed like filings (``services.outbox.due``, a lease, ``SKIP LOCKED`` on PostgreSQL); the message
goes out with no transaction open; the outcome is recorded on the row, which is the log of what was sent to
whom and whether it arrived. A channel that is not configured here (no SMTP host, no bot token, no webhook
secret in the environment) is a recorded, retried failure, like a server that refuses or is down. A row
waiting for a contact (channel ``contact``) is expanded into real rows once the contact exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from config.settings import Settings
from db.base import utcnow
from db.models import Agency, DeliveryState, Notification, Region, Report
from db.session import WriteLockBusy, write_transaction
from db.workflow import ENDED
from flows.runtime import Runtime
from services.notifications import NO_CONTACT, queue_message
from services.notify.email import SmtpConfig, send_email
from services.notify.errors import DeliveryFailed, PartiallyDelivered
from services.notify.render import Rendered
from services.notify.telegram import send_telegram
from services.notify.webhook import send_webhook
from services.outbox import due, next_try


@dataclass
class DeliverySummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expanded: int = 0  # rows that waited for a contact and found one
    lock_busy: bool = False

    def __str__(self) -> str:
        return f"terkirim {self.sent}, dicoba lagi nanti {self.retrying}, gagal {self.failed}"


@dataclass(frozen=True)
class _Message:
    id: int
    channel: str
    recipient: str
    rendered: Rendered
    payload: dict[str, object]
    secret_env: str | None


def _send(settings: Settings, message: _Message) -> str | None:
    """Deliver one message; returns the e-mail's Message-ID. Raises DeliveryFailed."""
    if message.channel == "email":
        if not settings.smtp_host:
            raise DeliveryFailed("server SMTP belum diatur (PANTAU_SMTP_HOST)", retryable=True)
        config = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            sender=settings.mail_sender,
            timeout=settings.smtp_timeout_seconds,
        )
        return send_email(config, [a.strip() for a in message.recipient.split(",")], message.rendered)
    if message.channel == "webhook":
        secret = os.environ.get(message.secret_env or "", "")
        if not secret:
            where = f"variabel lingkungan {message.secret_env or '-'}"
            raise DeliveryFailed(f"kunci HMAC webhook belum diisi ({where})", retryable=True)
        send_webhook(message.recipient, dict(message.payload), secret)
        return None
    if message.channel == "telegram":
        token = settings.telegram_bot_token.get_secret_value()
        if not token:
            missing = "token bot Telegram belum diatur (PANTAU_TELEGRAM_BOT_TOKEN)"
            raise DeliveryFailed(missing, retryable=True)
        send_telegram(settings.telegram_api_base, token, message.recipient, message.rendered.text)
        return None
    raise DeliveryFailed(f"saluran {message.channel!r} tidak dikenal", retryable=False)


def _claim(runtime: Runtime, worker: str, summary: DeliverySummary, tried: set[int]) -> _Message | None:
    """The next due row that this run has not tried yet (``tried`` collects them), claimed with a lease."""
    settings = runtime.settings
    with write_transaction(runtime.sessions) as session:
        while True:
            now = utcnow()
            query = due(Notification, now)
            if tried:
                query = query.where(Notification.id.not_in(tried))
            row = session.scalar(query)
            if row is None:
                return None
            tried.add(row.id)
            if row.channel == NO_CONTACT:
                region = session.get_one(Region, row.region_id)
                agency = session.get(Agency, row.agency_id) if row.agency_id else None
                report = session.get(Report, row.report_id) if row.report_id else None
                rendered = Rendered(subject=row.subject, text=row.body_text, html=row.body_html)
                event = row.dedupe_key.split(f":{row.rung}:{NO_CONTACT}:")[0]
                written = queue_message(
                    session,
                    region=region,
                    agency=agency,
                    report=report,
                    kind=row.kind,
                    rung=row.rung,
                    event=event,
                    rendered=rendered,
                    payload=row.payload,
                )
                if written:  # the rung has a contact now (a still missing one is deduplicated away)
                    row.state = DeliveryState.DONE
                    row.last_error = f"diteruskan ke {len(written)} saluran kontak yang kini ada"
                    summary.expanded += 1
                    continue
                row.attempts += 1
                missing = DeliveryFailed(row.last_error or "tidak ada kontak", retryable=True)
                _fail(settings, row, missing, summary, keep_trying=_still_matters(row, report))
                continue
            row.state = DeliveryState.SENDING
            row.attempts += 1
            row.claimed_by = worker
            row.lease_until = now + timedelta(seconds=settings.filing_lease_seconds)
            return _Message(
                id=row.id,
                channel=row.channel,
                recipient=row.recipient,
                rendered=Rendered(subject=row.subject, text=row.body_text, html=row.body_html),
                payload=row.payload,
                secret_env=row.secret_env,
            )


def _still_matters(row: Notification, report: Report | None) -> bool:
    """A message waiting for a contact is kept (retried at the capped back-off, never given up) while its
    report is still open: the OPD must hear of a disposisi or an overdue deadline whenever the YAML gets its
    address. A digest, or a message about a report that has ended, is given up like any other failure."""
    return row.kind != "digest" and report is not None and report.status not in ENDED


def _fail(
    settings: Settings,
    row: Notification,
    error: DeliveryFailed,
    summary: DeliverySummary,
    *,
    keep_trying: bool = False,
) -> None:
    now = utcnow()
    row.last_error = error.reason[:1000]
    row.lease_until = None
    if error.retryable and (keep_trying or row.attempts < settings.delivery_max_attempts):
        row.state = DeliveryState.PENDING
        row.next_attempt_at = next_try(settings, row.attempts, now)
        summary.retrying += 1
    else:
        row.state = DeliveryState.FAILED
        summary.failed += 1


def _record(
    runtime: Runtime,
    message: _Message,
    message_id: str | None,
    error: DeliveryFailed | None,
    summary: DeliverySummary,
) -> None:
    with write_transaction(runtime.sessions) as session:
        row = session.get_one(Notification, message.id, with_for_update=True)
        if row.state != DeliveryState.SENDING:
            return  # taken over after the lease ran out, and recorded by the other worker
        if error is None or isinstance(error, PartiallyDelivered):
            row.state = DeliveryState.DONE if error is None else DeliveryState.FAILED
            row.sent_at = utcnow()
            partial_id = error.message_id if isinstance(error, PartiallyDelivered) else None
            row.message_id = message_id or partial_id
            row.lease_until = None
            row.last_error = error.reason[:1000] if error else None
            if error is None:
                summary.sent += 1
            else:
                summary.failed += 1
            return
        _fail(runtime.settings, row, error, summary)


def deliver_notifications(runtime: Runtime, *, worker: str, limit: int = 200) -> DeliverySummary:
    """Send due notifications (at most ``limit``) and record each outcome.

    A run tries each row at most once: a failed row waits out its back-off for a later run, even when the
    back-off is shorter than the run, so a server that is down is not asked again and again in one run
    (which would spend every attempt within seconds and give the message up)."""
    summary = DeliverySummary()
    tried: set[int] = set()
    for _ in range(limit):
        try:
            message = _claim(runtime, worker, summary, tried)
        except WriteLockBusy:
            summary.lock_busy = True
            break
        if message is None:
            break
        try:
            message_id = _send(runtime.settings, message)
        except DeliveryFailed as error:
            _record(runtime, message, None, error, summary)
            continue
        _record(runtime, message, message_id, None, summary)
    return summary
