"""Filing approved reports into LAPOR! through the outbox, against the fake LAPOR! server, on SQLite and
PostgreSQL: every failure the server can play, exactly once (retries, two workers, a worker killed between
send and record), the circuit breaker, and the status sync that reads tindak lanjut back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import cli
from db.base import utcnow
from db.models import DeliveryState, FollowUp, LaporBreaker, Region, Report
from db.session import transaction
from services import actions
from services.filing import deliver_filings
from services.reports import delivery_problems, status_summary
from services.status_sync import sync_statuses


@pytest.fixture
def api(desk, lapor_env, operator):  # type: ignore[no-untyped-def]
    """The desk with region 64.08 filing to the fake LAPOR! with a 1 s timeout, breaker after 3 failures."""
    with transaction(desk.runtime.sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        region.lapor = {**region.lapor, "timeout_seconds": 1.0, "breaker_threshold": 3}
    return desk


def _approved(desk, operator, n: int = 1) -> list[int]:  # type: ignore[no-untyped-def]
    ids = [desk.report() for _ in range(n)]
    for report_id in ids:
        actions.approve(desk.runtime, report_id, actor=operator)
    return ids


def _stored(lapor, desk, report_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(reports LAPOR! stored for this report's key, submissions it accepted with that key)."""
    key = desk.filing(report_id).idempotency_key
    stored = [r for r in lapor.reports()["reports"] if r["idempotency_key"] == key]
    return len(stored), lapor.submissions(key)


def test_an_approved_report_is_filed_forwarded_and_stored_once(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    (report_id,) = _approved(api, operator)
    summary = deliver_filings(api.runtime, worker="w1")
    assert (summary.filed, summary.failed, summary.retrying) == (1, 0, 0)
    report = api.get(report_id)
    filing = api.filing(report_id)
    assert report.status == "forwarded" and filing.state == DeliveryState.DONE
    assert filing.tracking_id == report.tracking_id and filing.attempts == 1
    assert _stored(lapor_env, api, report_id) == (1, 1)
    stored = lapor_env.reports()["reports"][0]
    assert stored["tracking_id"] == report.tracking_id and stored["payload"]["kode_wilayah"] == "64.08"
    assert "0812" not in stored["payload"]["isi"]  # the draft was redacted before it left
    assert deliver_filings(api.runtime, worker="w1").filed == 0  # nothing due twice
    assert [n.kind for n in api.notifications(report_id)] == ["forwarded"]


@pytest.mark.parametrize(
    ("mode", "seconds", "stores_on_failure"),
    [
        ("500", None, False),
        ("timeout", 3.0, False),
        ("429", 1.0, False),
        ("drop_after_accept", None, True),
        ("malformed", None, True),
    ],
)
def test_every_failure_is_retried_and_files_exactly_once(  # type: ignore[no-untyped-def]
    api, lapor_env, operator, mode: str, seconds: float | None, stores_on_failure: bool
) -> None:
    (report_id,) = _approved(api, operator)
    lapor_env.fail(mode, times=1, seconds=seconds)
    first = deliver_filings(api.runtime, worker="w1", limit=1)
    filing = api.filing(report_id)
    assert (first.filed, first.retrying) == (0, 1)
    assert filing.state == DeliveryState.PENDING and filing.last_error and filing.attempts == 1
    assert _stored(lapor_env, api, report_id)[0] == (1 if stores_on_failure else 0)
    assert api.get(report_id).status == "approved"
    second = deliver_filings(api.runtime, worker="w1")
    assert second.filed == 1 and second.replayed == (1 if stores_on_failure else 0)
    assert api.get(report_id).status == "forwarded"
    assert _stored(lapor_env, api, report_id) == (1, 2 if stores_on_failure else 1)


def test_a_slow_answer_within_the_timeout_is_fine(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    (report_id,) = _approved(api, operator)
    lapor_env.fail("slow", times=1, seconds=0.3)
    assert deliver_filings(api.runtime, worker="w1").filed == 1
    assert _stored(lapor_env, api, report_id) == (1, 1)


def test_a_refusal_fails_the_filing_with_its_reason_and_can_be_corrected(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    (report_id,) = _approved(api, operator)
    with transaction(api.runtime.sessions) as session:  # LAPOR! takes 200 characters; say it took 300
        session.get_one(Report, report_id).judul = "Jalan rusak " * 25
    summary = deliver_filings(api.runtime, worker="w1")
    filing = api.filing(report_id)
    assert summary.failed == 1 and filing.state == DeliveryState.FAILED and filing.refused
    assert "judul" in (filing.last_error or "")
    assert any(p["laporan"] == report_id and p["jenis"] == "lapor" for p in delivery_problems(api.runtime))
    assert "masalah: " in status_summary(api.runtime, report_id)
    old_key = filing.idempotency_key
    actions.return_to_review(api.runtime, report_id, actor=operator, reason="judul terlalu panjang")
    corrected = actions.Corrections(judul="Jalan rusak di Bengalon")
    actions.approve(api.runtime, report_id, actor=operator, corrections=corrected)
    assert api.filing(report_id).idempotency_key != old_key  # nothing was stored under the old key
    assert deliver_filings(api.runtime, worker="w1").filed == 1
    assert api.get(report_id).status == "forwarded"


def test_the_breaker_holds_a_failing_region_then_lets_one_trial_through(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    (report_id,) = _approved(api, operator)
    lapor_env.fail("500", times=3)
    for attempt in range(1, 4):  # one try per run; the third failure in a row opens the breaker
        summary = deliver_filings(api.runtime, worker="w1")
        assert summary.retrying == 1 and api.filing(report_id).attempts == attempt
    filing = api.filing(report_id)
    assert filing.state == DeliveryState.PENDING
    held = deliver_filings(api.runtime, worker="w1")
    assert held.held == 1 and api.filing(report_id).attempts == 3  # not even tried
    with transaction(api.runtime.sessions) as session:  # the cool-down passes
        breaker = session.scalars(select(LaporBreaker)).one()
        breaker.opened_at = utcnow() - timedelta(minutes=11)
    assert deliver_filings(api.runtime, worker="w1").filed == 1
    with api.runtime.sessions() as session:
        breaker = session.scalars(select(LaporBreaker)).one()
        assert breaker.failures == 0 and breaker.opened_at is None


@pytest.mark.parametrize("token", ["", "a-wrong-token"])
def test_a_missing_or_refused_token_holds_the_region_without_failing_reports(  # type: ignore[no-untyped-def]
    api, lapor_env, operator, monkeypatch, token: str
) -> None:
    monkeypatch.setenv("PANTAU_LAPOR_TOKEN_6408", token)
    first, second = _approved(api, operator, 2)
    summary = deliver_filings(api.runtime, worker="w1")
    assert summary.filed == 0 and summary.failed == 0 and summary.held == 1
    for report_id in (first, second):
        assert api.filing(report_id).state == DeliveryState.PENDING
    assert "token" in (api.filing(first).last_error or "")
    assert lapor_env.reports()["reports"] == []
    listed = CliRunner().invoke(cli.app, ["queue"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    held = "Pengiriman ke LAPOR! Kabupaten Kutai Timur ditahan sementara: "
    assert held in listed.stdout and "token" in listed.stdout.split(held)[1].lower()


def test_an_answer_pantau_cannot_record_fails_the_filing_without_stopping_the_worker(  # type: ignore[no-untyped-def]
    api, lapor_env, operator
) -> None:
    (first,) = _approved(api, operator)
    deliver_filings(api.runtime, worker="w1")
    taken = api.get(first).tracking_id
    with transaction(api.runtime.sessions) as session:  # another report holds the ID LAPOR! gives next
        session.get_one(Report, first).tracking_id = str(int(str(taken)) + 1)
    clashing, fine = _approved(api, operator, 2)
    summary = deliver_filings(api.runtime, worker="w1")
    assert (summary.filed, summary.failed) == (1, 1)
    filing = api.filing(clashing)
    assert filing.state == DeliveryState.FAILED and not filing.refused  # LAPOR! holds it: no new key later
    assert "sudah dipakai laporan" in (filing.last_error or "")
    assert api.get(clashing).status == "approved" and api.get(fine).status == "forwarded"
    with pytest.raises(actions.ActionError, match="mungkin sudah tercatat"):
        actions.return_to_review(api.runtime, clashing, actor=operator, reason="cek")


def test_two_workers_at_once_file_each_report_exactly_once(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    ids = _approved(api, operator, 8)
    barrier = threading.Barrier(2)
    filed: list[int] = []

    errors: list[BaseException] = []

    def work(name: str) -> None:
        barrier.wait()
        try:
            filed.append(deliver_filings(api.runtime, worker=name).filed)
        except BaseException as exc:  # a worker's crash must fail the test, not vanish in its thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == [] and len(filed) == 2 and sum(filed) == 8
    for report_id in ids:
        assert _stored(lapor_env, api, report_id) == (1, 1)
        assert api.get(report_id).status == "forwarded"
    assert len(lapor_env.reports()["reports"]) == 8


def test_a_worker_killed_between_send_and_record_files_once_after_restart(  # type: ignore[no-untyped-def]
    api, lapor_env, operator
) -> None:
    (report_id,) = _approved(api, operator)
    lapor_env.fail("slow_answer", times=1, seconds=60)  # LAPOR! stores it, then keeps the answer back
    settings = api.runtime.settings
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": settings.resolved_database_url,
        "PANTAU_VAR_DIR": str(settings.var_dir),
        "PANTAU_FILING_LEASE_SECONDS": "5",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "file"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _stored(lapor_env, api, report_id)[0] == 0:
            assert worker.poll() is None, "the worker ended before LAPOR! stored the report"
            assert time.monotonic() < deadline, "LAPOR! never received the report"
            time.sleep(0.1)
        assert api.filing(report_id).state == DeliveryState.SENDING  # sent, not recorded
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert api.get(report_id).status == "approved"
    assert deliver_filings(api.runtime, worker="restart").filed == 0  # the lease still holds
    time.sleep(5.2)
    summary = deliver_filings(api.runtime, worker="restart")
    assert (summary.filed, summary.replayed) == (1, 1)
    report = api.get(report_id)
    stored = [
        r
        for r in lapor_env.reports()["reports"]
        if r["idempotency_key"] == api.filing(report_id).idempotency_key
    ]
    assert len(stored) == 1 and report.tracking_id == stored[0]["tracking_id"]
    assert report.status == "forwarded"


def _filed(api, operator) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    (report_id,) = _approved(api, operator)
    deliver_filings(api.runtime, worker="w1")
    report = api.get(report_id)
    return report_id, str(report.tracking_id)


def test_status_sync_brings_back_the_answer_and_the_close(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    report_id, tracking = _filed(api, operator)
    assert sync_statuses(api.runtime).checked == 1 and api.get(report_id).status == "forwarded"
    lapor_env.followup(tracking, "Dinas PUPR", "Sudah ditinjau; perbaikan pekan depan.")
    summary = sync_statuses(api.runtime)
    assert (summary.new_follow_ups, summary.followed_up) == (1, 1)
    assert api.get(report_id).status == "followed_up"
    assert sync_statuses(api.runtime).new_follow_ups == 0  # stored once
    lapor_env.close_report(tracking)
    assert sync_statuses(api.runtime).closed == 1
    report = api.get(report_id)
    assert report.status == "closed" and report.last_actor == "system:sync"
    with api.runtime.sessions() as session:
        answers = session.scalars(select(FollowUp).where(FollowUp.report_id == report_id)).all()
        assert [(a.origin, a.text) for a in answers] == [("lapor", "Sudah ditinjau; perbaikan pekan depan.")]


def test_a_report_that_vanishes_from_lapor_is_a_recorded_problem(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    report_id, tracking = _filed(api, operator)
    lapor_env.vanish(tracking)
    summary = sync_statuses(api.runtime)
    assert summary.missing == 1 and api.get(report_id).status == "forwarded"
    assert "tidak lagi mengenal" in (api.filing(report_id).last_error or "")
    assert "tidak lagi mengenal" in status_summary(api.runtime, report_id)


def test_sync_survives_a_malformed_or_failing_lapor(api, lapor_env, operator) -> None:  # type: ignore[no-untyped-def]
    report_id, _ = _filed(api, operator)
    lapor_env.fail("malformed", times=1, body='{"tracking_id": 12}')
    assert sync_statuses(api.runtime).failed == 1
    lapor_env.fail("500", times=1)
    assert sync_statuses(api.runtime).failed == 1
    assert sync_statuses(api.runtime).checked == 1 and api.get(report_id).status == "forwarded"
