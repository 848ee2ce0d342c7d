"""The second half of ``pantau demo``: from the queue into a (fake) LAPOR!, on to the OPD, and back.

Starts the fake LAPOR! (``fakes.lapor_server``, its own process) and a local SMTP sink writing to
``var/mail/``, then acts as a demo operator through the same service functions the CLI and console call:
approves two queued reports (one filed through the api adapter, one by assisted entry with a recorded
tracking ID), delivers the filing and notification outboxes, plays one OPD's tindak lanjut in LAPOR!, syncs
it back and checks the deadlines. Only the demo and the tests import ``fakes``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from config.settings import Settings, get_settings
from db.models import Agency, Region, Report, ReportStatus
from fakes.lapor_process import FakeLaporControl, running_lapor_server
from fakes.lapor_server import FAKE_TOKEN
from fakes.smtp_sink import running_smtp_sink
from flows.runtime import Runtime
from services import actions
from services.actions import Actor
from services.deadline_watch import check_deadlines
from services.filing import deliver_filings, submission_for
from services.lapor.api import ApiAdapter
from services.notify_outbox import deliver_notifications
from services.reports import entry_text_for, status_summary
from services.status_sync import sync_statuses

OPERATOR = Actor("user:operator-demo")
REGION = "64.08"


@dataclass
class DemoFiling:
    api_report: int
    manual_report: int
    mail_dir: Path
    mail_files: int
    status_lines: list[str]


def _pick_two(runtime: Runtime) -> list[int]:
    """Two queued reports of the demo region whose OPD has a liaison contact (an e-mail to show)."""
    with runtime.sessions() as session:
        rows = session.scalars(
            select(Report)
            .join(Region, Report.region_id == Region.id)
            .join(Agency, Report.agency_id == Agency.id)
            .where(Region.code == REGION, Report.status == ReportStatus.QUEUED)
            .order_by(Report.id)
        ).all()
        with_contact = [r.id for r in rows if r.agency and "liaison" in r.agency.contacts]
    return with_contact[:2]


def run_demo_filing(say: Callable[[str], None]) -> DemoFiling | None:
    settings = get_settings()
    mail_dir = settings.var_dir / "mail"
    mail_dir.mkdir(parents=True, exist_ok=True)
    with (
        running_lapor_server(settings.var_dir / "demo-lapor.json") as lapor_url,
        running_smtp_sink(mail_dir) as (smtp_host, smtp_port),
    ):
        os.environ.update({"PANTAU_LAPOR_URL_6408": lapor_url, "PANTAU_LAPOR_TOKEN_6408": FAKE_TOKEN})
        demo_settings = Settings(
            **{
                **settings.model_dump(),
                "smtp_host": smtp_host,
                "smtp_port": smtp_port,
                "smtp_security": "none",
                "mail_sender": "Pantau Kutai Timur <pantau@kutaitimur.example>",
            }
        )
        runtime = Runtime(demo_settings)
        try:
            return _walk(runtime, FakeLaporControl(lapor_url), say, lapor_url, mail_dir)
        finally:
            runtime.close()


def _walk(
    runtime: Runtime, lapor: FakeLaporControl, say: Callable[[str], None], lapor_url: str, mail_dir: Path
) -> DemoFiling | None:
    picked = _pick_two(runtime)
    if len(picked) < 2:
        say("Kurang dari dua laporan antre dengan kontak OPD: langkah pengarsipan dilewati.")
        return None
    api_id, manual_id = picked
    say(f"LAPOR! tiruan di {lapor_url}; e-mail ke OPD masuk ke {mail_dir}")
    state = actions.approve(runtime, api_id, actor=OPERATOR)
    say(f"1. Operator menyetujui {state.line()} -> mode api")
    state = actions.approve(runtime, manual_id, actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    say(f"2. Operator menyetujui {state.line()} -> input manual (siap diinput)")
    filed = deliver_filings(runtime, worker="demo")
    say(f"3. Pengiriman ke LAPOR! (api): {filed}")
    text = entry_text_for(runtime, manual_id)
    fields = [line for line in text.splitlines()[1:] if line.strip()][:2]
    say(f"4. Teks siap tempel untuk laporan #{manual_id} (awal): " + " | ".join(fields))
    tracking = _operator_types_into_lapor(runtime, manual_id, lapor_url)
    state = actions.record_tracking_id(runtime, manual_id, tracking, actor=OPERATOR)
    say(f"5. Operator mencatat nomor tracking: {state.line()}")
    sent = deliver_notifications(runtime, worker="demo")
    say(f"6. Notifikasi ke OPD: {sent}")
    with runtime.sessions() as session:
        api_report = session.get_one(Report, api_id)
        api_tracking = str(api_report.tracking_id)
        agency = api_report.agency.name if api_report.agency else "OPD"
    lapor.followup(
        api_tracking, agency, "Sudah ditinjau ke lokasi; perbaikan dijadwalkan pekan ini oleh UPT."
    )
    say(f"7. {agency} menulis tindak lanjut di LAPOR! untuk tracking {api_tracking}")
    synced = sync_statuses(runtime)
    say(f"8. Sinkronisasi status dari LAPOR!: {synced}")
    say(f"9. Pemeriksaan tenggat: {check_deadlines(runtime)}")
    mails = sorted(mail_dir.glob("*.eml"))
    lines = [status_summary(runtime, report_id) for report_id in (api_id, manual_id)]
    return DemoFiling(
        api_report=api_id,
        manual_report=manual_id,
        mail_dir=mail_dir,
        mail_files=len(mails),
        status_lines=lines,
    )


def _operator_types_into_lapor(runtime: Runtime, report_id: int, lapor_url: str) -> str:
    """Stands in for the operator typing the LAPOR!-ready text into LAPOR!'s own form: the fake LAPOR!
    stores it and gives the tracking ID the operator then records in Pantau."""
    with runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        submission = submission_for(report, f"demo-manual-{report_id}")
    with ApiAdapter(lapor_url, FAKE_TOKEN) as lapor:
        return lapor.submit(submission).tracking_id
