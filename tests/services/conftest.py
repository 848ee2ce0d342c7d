"""Service test fixtures: the fake SP4N-LAPOR! (one server process per test module, ``lapor_server``, emptied
before each test that asks for its control client, ``lapor``), a report to file (``submission``), a real
database with reports in it (``desk``) for the workflow, filing and notification tests, and for delivery and
the clock: ``reconfigured`` settings, a real SMTP ``mailbox`` and ``forward_at`` a chosen moment."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.schema import LaporMode
from config.settings import Settings
from db.models import (
    AuditLog,
    Filing,
    Notification,
    Report,
    ReportStatus,
)
from db.session import write_transaction
from db.workflow import transition
from fakes.lapor_process import FakeLaporControl, running_lapor_server
from fakes.lapor_server import FAKE_TOKEN
from fakes.smtp_sink import running_smtp_sink
from flows.runtime import Runtime
from services import actions
from services.actions import Actor
from services.lapor.api import ApiAdapter
from services.lapor.protocol import Submission
from services.notifications import queue_forwarded
from tests.conftest import NO_CRAWL


@pytest.fixture(scope="module")
def lapor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a fake LAPOR! (token ``FAKE_TOKEN``) running for the whole module."""
    with running_lapor_server(tmp_path_factory.mktemp("lapor") / "lapor.json") as base_url:
        yield base_url


@pytest.fixture
def lapor(lapor_server: str) -> FakeLaporControl:
    """The fake's control endpoints, with every report, key and failure plan of earlier tests forgotten."""
    control = FakeLaporControl(lapor_server)
    control.reset()
    return control


@pytest.fixture
def lapor_api(lapor: FakeLaporControl) -> Iterator[ApiAdapter]:
    """An adapter for the (emptied) fake with the right token and a short timeout, so failures are quick."""
    with ApiAdapter(lapor.base_url, FAKE_TOKEN, timeout=2.0) as adapter:
        yield adapter


@pytest.fixture
def submission() -> Submission:
    """A report as the filing worker would send it, with an idempotency key of its own."""
    return Submission(
        idempotency_key=f"pantau-64.08-{uuid.uuid4().hex[:12]}",
        region_code="64.08",
        judul="Jalan berlubang di Poros Sangatta-Bengalon KM 12",
        isi="Lubang besar di badan jalan sejak Oktober.\nSudah dua motor jatuh; mohon segera ditambal.",
        tanggal_kejadian=date(2026, 11, 15),
        lokasi_kejadian="Kecamatan Bengalon, Kabupaten Kutai Timur",
        instansi_kode="DINAS_PUPR",
        instansi_nama="Dinas Pekerjaan Umum dan Penataan Ruang",
        kategori="Infrastruktur Jalan",
        klasifikasi="pengaduan",
        anonim=True,
        rahasia=False,
        source_links=(
            "https://kaltimtoday.co/berita/jalan-poros-bengalon",
            "https://www.facebook.com/groups/1/posts/2",
        ),
    )


# -- reports in a real database, for the workflow, filing and notification tests ---------------------------


@dataclass
class Desk:
    """A migrated, configured database and the Runtime the services take, with a way to make reports."""

    runtime: Runtime
    make_report: Callable[..., int]

    def report(self, **details: Any) -> int:
        """A queued report drafted by Pantau from news items of one incident (``queued_report`` in
        tests/conftest.py: region, function, agency, mentions, title, text); returns its id."""
        return self.make_report(self.runtime, **details)

    def get(self, report_id: int) -> Report:
        with self.runtime.sessions() as session:
            report = session.get_one(Report, report_id)
            session.expunge(report)
            return report

    def filing(self, report_id: int) -> Filing | None:
        with self.runtime.sessions() as session:
            filing = session.scalar(select(Filing).where(Filing.report_id == report_id))
            if filing is not None:
                session.expunge(filing)
            return filing

    def notifications(self, report_id: int | None = None) -> list[Notification]:
        with self.runtime.sessions() as session:
            query = select(Notification).order_by(Notification.id)
            if report_id is not None:
                query = query.where(Notification.report_id == report_id)
            rows = list(session.scalars(query))
            for row in rows:
                session.expunge(row)
            return rows

    def audit(self, report_id: int) -> list[AuditLog]:
        with self.runtime.sessions() as session:
            rows = list(
                session.scalars(
                    select(AuditLog)
                    .where(AuditLog.entity_type == "report", AuditLog.entity_id == report_id)
                    .order_by(AuditLog.id)
                )
            )
            for row in rows:
                session.expunge(row)
            return rows


@pytest.fixture
def desk_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings for delivery tests: retries come round at once, leases run out quickly."""
    return settings.model_copy(
        update={
            "delivery_retry_seconds": 0.001,
            "delivery_retry_cap_seconds": 0.001,
            "filing_lease_seconds": 5,
        }
    )


@pytest.fixture
def desk(
    desk_settings: Settings,
    queued_report: Callable[..., int],
    initialised: Callable[[Settings, str | None], None],
) -> Iterator[Desk]:
    initialised(desk_settings, NO_CRAWL)
    runtime = Runtime(desk_settings, base_url=NO_CRAWL)
    yield Desk(runtime, queued_report)
    runtime.close()


OPERATOR = Actor("user:operator-a")
OPERATOR_B = Actor("user:operator-b")


@pytest.fixture
def operator() -> Actor:
    return OPERATOR


@pytest.fixture
def operator_b() -> Actor:
    return OPERATOR_B


@pytest.fixture
def lapor_env(lapor: FakeLaporControl, monkeypatch: pytest.MonkeyPatch) -> FakeLaporControl:
    """Region 64.08 files through the API to the (emptied) fake LAPOR!."""
    monkeypatch.setenv("PANTAU_LAPOR_URL_6408", lapor.base_url)
    monkeypatch.setenv("PANTAU_LAPOR_TOKEN_6408", FAKE_TOKEN)
    return lapor


# -- delivery and the clock: a mailbox on a real SMTP server, settings changed per test, reports forwarded at
# a chosen moment (for test_notify_outbox, test_deadline_watch and test_digest) -----------------------------


@pytest.fixture
def reconfigured(desk: Desk) -> Iterator[Callable[..., Runtime]]:
    """``reconfigured(smtp_host=..., ...)``: a Runtime on the desk's database whose settings differ as given
    (an SMTP server, a bot token, fewer attempts); closed after the test."""
    made: list[Runtime] = []

    def make(**changes: Any) -> Runtime:
        runtime = Runtime(desk.runtime.settings.model_copy(update=changes))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@dataclass
class Mailbox:
    """A real SMTP server (aiosmtpd) writing .eml files into ``folder``, and a Runtime that mails to it."""

    folder: Path
    runtime: Runtime

    def messages(self) -> list[EmailMessage]:
        """Every message the server accepted, oldest first, with the envelope as X-Sink-* headers."""
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found


MAIL_SENDER = "Pantau Kutai Timur <pantau@kutaitimur.example>"


@pytest.fixture
def mailbox(reconfigured: Callable[..., Runtime], tmp_path: Path) -> Iterator[Mailbox]:
    folder = tmp_path / "mail"
    with running_smtp_sink(folder) as (host, port):
        runtime = reconfigured(
            smtp_host=host,
            smtp_port=port,
            smtp_security="none",
            mail_sender=MAIL_SENDER,
            smtp_timeout_seconds=5,
        )
        yield Mailbox(folder, runtime)


@pytest.fixture
def forward_at(desk: Desk, operator: Actor) -> Callable[..., int]:
    """``forward_at(moment, agency="PUPR", ...)``: a report approved, filed and forwarded (disposisi, with its
    notification) at ``moment``; returns its id. Further keywords go to ``desk.report``.

    Set-up with a controlled clock: ``actions.record_tracking_id`` stamps the real time and
    ``actions.forward_filed`` takes no ``now``, so the two workflow steps they run (filed, then forwarded, and
    the forwarded notification) are run here through ``db.workflow.transition(now=moment)``.
    """

    def forward(moment: datetime, *, agency: str = "PUPR", **report: Any) -> int:
        report_id = desk.report(agency=agency, **report)
        actions.approve(desk.runtime, report_id, actor=operator, mode=LaporMode.MANUAL)
        with write_transaction(desk.runtime.sessions) as session:
            row = session.get_one(Report, report_id)
            tracking = f"{5000000 + report_id}"
            transition(
                session, row, ReportStatus.FILED, actor=operator.name, tracking_id=tracking, now=moment
            )
            transition(session, row, ReportStatus.FORWARDED, actor=operator.name, now=moment)
            queue_forwarded(session, desk.runtime.settings, row)
        return report_id

    return forward
