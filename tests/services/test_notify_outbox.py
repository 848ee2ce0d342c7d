"""The notification outbox end to end, on SQLite and PostgreSQL: an action writes the rows, the delivery
worker sends them to real local servers (aiosmtpd, an HTTP webhook receiver, a fake Telegram Bot API) and
records each outcome: delivered once, refused for good, retried with back-off, given up, waiting for a
contact."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

import cli
from config.schema import LaporMode
from db.local_time import local_display
from db.models import Agency, DeliveryState, Notification, Region, Report
from db.session import transaction
from fakes.smtp_sink import running_smtp_sink
from fakes.telegram_api import running_telegram_api
from fakes.webhook_receiver import running_webhook_receiver
from flows.runtime import Runtime
from services import actions
from services.actions import Corrections
from services.notify_outbox import deliver_notifications
from services.reports import delivery_problems, status_summary

LIAISON = "penghubung.pupr@kutaitimur.example"
# personal data planted in a report: none of it may leave Pantau (UU 27/2022)
NIK = "6408012345678901"
PHONE = "0812-3456-7890"
EMAIL = "budi.santoso@gmail.com"
HOUSE = "Jl. Mawar No. 12"
PRIVATE = (NIK, PHONE, "081234567890", EMAIL, "Mawar")
WEBHOOK_SECRET_ENV = "PANTAU_WEBHOOK_SECRET_PUPR"
BOT_TOKEN = "123456:AAF-rahasia-bot-token"
CHAT = "-1001234567890"


def _forwarded(desk: Any, operator: actions.Actor, **report: Any) -> int:
    """A report approved (assisted entry), its tracking ID recorded, and so forwarded to its OPD."""
    report_id = int(desk.report(**report))
    actions.approve(desk.runtime, report_id, actor=operator, mode=LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, report_id, f"{2000000 + report_id}", actor=operator)
    return report_id


def _set_contacts(desk: Any, agency_code: str, contacts: dict[str, Any]) -> None:
    """Change an agency's contacts in the database (the region YAML stays as shipped)."""
    with transaction(desk.runtime.sessions) as session:
        agency = session.scalar(
            select(Agency)
            .join(Region, Agency.region_id == Region.id)
            .where(Region.code == "64.08", Agency.code == agency_code)
        )
        assert agency is not None
        agency.contacts = contacts


def _only(desk: Any, report_id: int) -> Notification:
    [row] = desk.notifications(report_id)
    return row


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return str(text.get_content()), str(html.get_content())


def test_a_forwarded_report_reaches_the_liaison_by_email_without_personal_data(  # type: ignore[no-untyped-def]
    desk, operator, mailbox
) -> None:
    report_id = desk.report(
        text=f"Saya warga NIK {NIK}, tinggal di {HOUSE}. Jalan depan rumah berlubang besar. "
        f"Hubungi {PHONE} atau {EMAIL}.",
    )
    corrections = Corrections(
        judul=f"Lubang besar di depan {HOUSE}",
        isi=f"Jalan berlubang di {HOUSE}, Bengalon. Pelapor NIK {NIK}, HP {PHONE}, e-mail {EMAIL}.",
        lokasi=f"{HOUSE}, Kecamatan Bengalon",
    )
    actions.approve(desk.runtime, report_id, actor=operator, corrections=corrections, mode=LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, report_id, "4455667", actor=operator)

    summary = deliver_notifications(mailbox.runtime, worker="uji")

    assert (summary.sent, summary.retrying, summary.failed) == (1, 0, 0)
    [message] = mailbox.messages()
    report = desk.get(report_id)
    text, html = _parts(message)
    assert message["X-Sink-Rcpt-To"] == f"<{LIAISON}>" and message["To"] == LIAISON
    subject = f"[SP4N-LAPOR!] Disposisi laporan #{report_id}: Lubang besar di depan [ALAMAT]"
    assert message["Subject"] == subject
    deadline = local_display(report.followup_due_at, "Asia/Makassar")  # e.g. "2026-12-07 23:59 WITA"
    console = f"{mailbox.runtime.settings.console_url}/laporan/{report_id}"
    for part in (text, html):
        assert "4455667" in part and deadline in part and console in part
        assert "Dinas Pekerjaan Umum dan Penataan Ruang" in part
    assert "Batas waktu: " + deadline in text and f'href="{console}"' in html
    raw = next(mailbox.folder.glob("*.eml")).read_bytes().decode()
    row = _only(desk, report_id)
    for leak in PRIVATE:
        for where in (text, html, str(message["Subject"]), raw, row.body_text, row.body_html):
            assert leak not in where
        assert leak not in json.dumps(row.payload)
    assert "[ALAMAT]" in text and "[NIK]" in text and "[TELEPON]" in text and "[EMAIL]" in text


def test_a_delivered_row_records_its_message_and_is_never_sent_twice(desk, operator, mailbox) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    before = datetime.now(UTC)
    deliver_notifications(mailbox.runtime, worker="uji-1")
    again = deliver_notifications(mailbox.runtime, worker="uji-2")

    assert (again.sent, again.retrying, again.failed) == (0, 0, 0)
    [message] = mailbox.messages()
    row = _only(desk, report_id)
    assert row.state == DeliveryState.DONE and row.attempts == 1 and row.last_error is None
    assert row.message_id == message["Message-ID"] and row.sent_at is not None and row.sent_at >= before
    assert row.claimed_by == "uji-1" and row.lease_until is None
    assert delivery_problems(desk.runtime) == []


def test_a_refused_recipient_fails_for_good_with_the_servers_reason(  # type: ignore[no-untyped-def]
    desk, operator, reconfigured, tmp_path
) -> None:
    report_id = _forwarded(desk, operator)
    with running_smtp_sink(tmp_path / "mail", refuse_recipients=[LIAISON]) as (host, port):
        runtime = reconfigured(smtp_host=host, smtp_port=port, smtp_security="none")
        first = deliver_notifications(runtime, worker="uji")
        second = deliver_notifications(runtime, worker="uji")

    assert (first.sent, first.retrying, first.failed) == (0, 0, 1)
    assert (second.sent, second.retrying, second.failed) == (0, 0, 0)  # not retried
    row = _only(desk, report_id)
    assert row.state == DeliveryState.FAILED and row.attempts == 1 and row.sent_at is None
    assert f"penerima {LIAISON}: 550 5.1.1" in (row.last_error or "")
    [problem] = delivery_problems(desk.runtime, region_code="64.08")
    assert problem["laporan"] == report_id and problem["keadaan"] == DeliveryState.FAILED
    assert "550 5.1.1" in problem["galat"] and problem["penerima"] == LIAISON
    assert not list((tmp_path / "mail").glob("*.eml"))


def test_a_busy_server_is_tried_again_later_then_delivered(  # type: ignore[no-untyped-def]
    desk, operator, reconfigured, tmp_path
) -> None:
    report_id = _forwarded(desk, operator)
    folder = tmp_path / "mail"
    with running_smtp_sink(folder, temporarily_failing=1) as (host, port):
        runtime = reconfigured(smtp_host=host, smtp_port=port, smtp_security="none")
        failed_at = datetime.now(UTC)
        first = deliver_notifications(runtime, worker="uji")
        waiting = _only(desk, report_id)
        time.sleep(0.01)  # the test settings retry after 1 ms
        second = deliver_notifications(runtime, worker="uji")

    assert (first.sent, first.retrying) == (0, 1), "one run tries a message once: the retry is a later run"
    assert waiting.state == DeliveryState.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at > failed_at and "451 4.3.0" in (waiting.last_error or "")
    assert (second.sent, second.retrying) == (1, 0)
    row = _only(desk, report_id)
    assert row.state == DeliveryState.DONE and row.attempts == 2 and row.last_error is None
    assert len(list(folder.glob("*.eml"))) == 1 and delivery_problems(desk.runtime) == []


def test_a_server_that_is_down_is_retried_and_reached_once_it_is_back(  # type: ignore[no-untyped-def]
    desk, operator, reconfigured, tmp_path
) -> None:
    report_id = _forwarded(desk, operator)
    port = _free_port()
    runtime = reconfigured(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    down = deliver_notifications(runtime, worker="uji")
    waiting = _only(desk, report_id)
    [problem] = delivery_problems(desk.runtime)
    with running_smtp_sink(tmp_path / "mail", port=port):
        time.sleep(0.01)
        back = deliver_notifications(runtime, worker="uji")

    assert (down.sent, down.retrying, down.failed) == (0, 1, 0)
    assert waiting.state == DeliveryState.PENDING and "menolak sambungan" in (waiting.last_error or "")
    assert problem["keadaan"] == DeliveryState.PENDING and problem["percobaan"] == 1
    assert back.sent == 1 and _only(desk, report_id).state == DeliveryState.DONE
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_delivery_gives_up_after_the_maximum_attempts(desk, operator, reconfigured) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    runtime = reconfigured(
        smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_security="none", delivery_max_attempts=3
    )
    states = []
    for _ in range(4):
        summary = deliver_notifications(runtime, worker="uji")
        row = _only(desk, report_id)
        states.append((row.state, row.attempts, summary.retrying, summary.failed))
        time.sleep(0.01)

    assert states == [
        (DeliveryState.PENDING, 1, 1, 0),
        (DeliveryState.PENDING, 2, 1, 0),
        (DeliveryState.FAILED, 3, 0, 1),
        (DeliveryState.FAILED, 3, 0, 0),  # given up: not tried again
    ]
    [problem] = delivery_problems(desk.runtime)
    assert problem["keadaan"] == DeliveryState.FAILED and "menolak sambungan" in problem["galat"]


def test_a_webhook_contact_gets_a_signed_body_and_a_500_is_retried(  # type: ignore[no-untyped-def]
    desk, operator, monkeypatch
) -> None:
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "rahasia-bersama-pupr")
    with running_webhook_receiver("rahasia-bersama-pupr", fail_first=1) as receiver:
        _set_contacts(
            desk, "PUPR", {"liaison": {"webhook_url": receiver.url, "webhook_secret_env": WEBHOOK_SECRET_ENV}}
        )
        report_id = _forwarded(desk, operator, text=f"Jalan berlubang. Hubungi {PHONE}, NIK {NIK}.")
        row = _only(desk, report_id)
        assert (row.channel, row.recipient, row.secret_env) == ("webhook", receiver.url, WEBHOOK_SECRET_ENV)
        first = deliver_notifications(desk.runtime, worker="uji")
        waiting = _only(desk, report_id)
        time.sleep(0.01)
        second = deliver_notifications(desk.runtime, worker="uji")

    assert first.retrying == 1 and waiting.state == DeliveryState.PENDING
    assert "menjawab HTTP 500" in (waiting.last_error or "")
    assert second.sent == 1 and _only(desk, report_id).state == DeliveryState.DONE
    failed, delivered = receiver.received
    assert failed.status == 500 and delivered.status == 200 and delivered.signature_valid
    assert delivered.body == failed.body  # the same message, signed afresh
    body = json.loads(delivered.body)
    assert body["event"] == "disposisi" and body["report"]["id"] == report_id
    assert body["report"]["tracking_id"] == f"{2000000 + report_id}"
    assert body["report"]["console_url"].endswith(f"/laporan/{report_id}")
    assert not any(leak in delivered.body.decode() for leak in PRIVATE)


def test_a_webhook_without_its_secret_is_a_retried_failure_naming_the_variable(
    desk, operator, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(WEBHOOK_SECRET_ENV, raising=False)
    _set_contacts(
        desk,
        "PUPR",
        {"liaison": {"webhook_url": "http://127.0.0.1:9/x", "webhook_secret_env": WEBHOOK_SECRET_ENV}},
    )
    report_id = _forwarded(desk, operator)
    summary = deliver_notifications(desk.runtime, worker="uji")
    row = _only(desk, report_id)
    assert summary.retrying == 1 and row.state == DeliveryState.PENDING
    assert WEBHOOK_SECRET_ENV in (row.last_error or "")


def test_an_opd_without_a_contact_waits_visibly_until_one_is_configured(desk, operator, mailbox) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(
        desk, operator, function="BENCANA", agency="BPBD", title="Banjir di Sangatta Utara"
    )
    waiting = _only(desk, report_id)
    assert (waiting.channel, waiting.recipient, waiting.rung) == ("contact", "liaison", "liaison")

    first = deliver_notifications(mailbox.runtime, worker="uji")
    [problem] = delivery_problems(mailbox.runtime, region_code="64.08")
    assert first.retrying == 1 and first.sent == 0 and not mailbox.messages()
    assert problem["saluran"] == "contact" and problem["percobaan"] == 1
    assert problem["galat"] == "BPBD tidak punya kontak 'liaison' (konfigurasi wilayah 64.08)"
    time.sleep(0.01)
    retried = deliver_notifications(mailbox.runtime, worker="uji")
    assert retried.retrying == 1 and _only(desk, report_id).attempts == 2

    _set_contacts(desk, "BPBD", {"liaison": {"email": ["penghubung.bpbd@kutaitimur.example"]}})
    time.sleep(0.01)
    expanded = deliver_notifications(mailbox.runtime, worker="uji")

    assert (expanded.expanded, expanded.sent) == (1, 1)
    [message] = mailbox.messages()
    assert message["X-Sink-Rcpt-To"] == "<penghubung.bpbd@kutaitimur.example>"
    assert f"Disposisi laporan #{report_id}: Banjir di Sangatta Utara" in message["Subject"]
    rows = desk.notifications(report_id)
    assert [(r.channel, r.state) for r in rows] == [("contact", "done"), ("email", "done")]
    assert rows[1].subject == rows[0].subject and rows[1].body_text == rows[0].body_text
    assert delivery_problems(mailbox.runtime) == []
    assert deliver_notifications(mailbox.runtime, worker="uji").sent == 0


def test_telegram_goes_through_the_bot_api(desk, operator, reconfigured) -> None:  # type: ignore[no-untyped-def]
    _set_contacts(desk, "PUPR", {"liaison": {"telegram_chat_id": CHAT}})
    report_id = _forwarded(desk, operator)
    with running_telegram_api(BOT_TOKEN, [CHAT]) as api:
        runtime = reconfigured(telegram_api_base=api.api_base, telegram_bot_token=SecretStr(BOT_TOKEN))
        summary = deliver_notifications(runtime, worker="uji")

    assert summary.sent == 1
    [message] = api.messages
    row = _only(desk, report_id)
    assert message.chat_id == CHAT and message.text == row.body_text
    assert f"Laporan #{report_id}" in message.text and f"{2000000 + report_id}" in message.text
    assert row.state == DeliveryState.DONE and row.message_id is None
    without_token = _forwarded(desk, operator)
    deliver_notifications(desk.runtime, worker="uji")  # the desk's settings hold no bot token
    assert "PANTAU_TELEGRAM_BOT_TOKEN" in (_only(desk, without_token).last_error or "")


def test_two_workers_at_once_deliver_every_message_exactly_once(desk, operator, mailbox) -> None:  # type: ignore[no-untyped-def]
    reports = [_forwarded(desk, operator) for _ in range(12)]
    second = Runtime(mailbox.runtime.settings)  # its own engine and sessions, like another process
    barrier = threading.Barrier(2)
    summaries: dict[str, Any] = {}

    def work(name: str, runtime: Runtime) -> None:
        barrier.wait()
        summaries[name] = deliver_notifications(runtime, worker=name)

    threads = [
        threading.Thread(target=work, args=("a", mailbox.runtime)),
        threading.Thread(target=work, args=("b", second)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        second.close()

    messages = mailbox.messages()
    assert len(messages) == len(reports)
    assert len({m["Message-ID"] for m in messages}) == len(reports)
    assert sorted(str(m["Subject"]).split("#")[1].split(":")[0] for m in messages) == sorted(
        map(str, reports)
    )
    rows = desk.notifications()
    assert all(r.state == DeliveryState.DONE and r.attempts == 1 for r in rows)
    assert summaries["a"].sent + summaries["b"].sent == len(reports)
    assert {r.claimed_by for r in rows} == {"a", "b"}, summaries


def test_a_message_waiting_for_a_contact_is_kept_while_its_report_is_open(  # type: ignore[no-untyped-def]
    desk, operator, reconfigured
) -> None:
    report_id = _forwarded(desk, operator, function="BENCANA", agency="BPBD", title="Banjir di Bengalon")
    runtime = reconfigured(delivery_max_attempts=2)
    for attempt in range(1, 5):
        deliver_notifications(runtime, worker="uji")
        row = _only(desk, report_id)
        assert (row.state, row.attempts) == (DeliveryState.PENDING, attempt)  # past the maximum: still waits
        time.sleep(0.01)
    with transaction(desk.runtime.sessions) as session:  # the report ends (closed in LAPOR!)
        session.get_one(Report, report_id).status = "closed"
    summary = deliver_notifications(runtime, worker="uji")
    assert summary.failed == 1 and _only(desk, report_id).state == DeliveryState.FAILED


def test_a_failing_notification_shows_in_the_queue_and_the_status_line(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    deliver_notifications(desk.runtime, worker="uji")  # no SMTP server configured: a recorded failure
    assert "notifikasi email ke penghubung.pupr@kutaitimur.example" in status_summary(desk.runtime, report_id)
    listed = CliRunner().invoke(cli.app, ["queue", "--json", "--report", str(report_id)])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert "server SMTP belum diatur" in row["masalah"]
