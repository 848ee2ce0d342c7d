"""The filing worker: delivers the filing outbox to LAPOR! (api mode), exactly once.

Each filing is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers get
different filings; SQLite's ``BEGIN IMMEDIATE`` write transaction does the same job there) and marked
``sending`` with a lease. The request goes out with no transaction open, carrying the filing's idempotency
key. The answer is recorded in a second transaction: tracking ID, filed, forwarded to the OPD. A worker that
dies between send and record leaves the lease to run out; the next worker sends again with the same key and
LAPOR! answers with the report it already stored (docs/lapor.md): sent twice, stored once, recorded once.

Failures: a retryable one (timeout, 5xx, dropped connection, malformed answer) is retried with exponential
back-off and counts against the region's circuit breaker; a refusal (validation, 409) fails the filing with
its reason, for an operator to correct and approve again; a refused token stops the region's filings for a
cool-down rather than failing each report. Every failure is kept on the filing (``last_error``), which
``pantau queue`` shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.schema import LaporMode
from db.base import utcnow
from db.bulk import insert_new
from db.models import DeliveryState, Filing, LaporBreaker, Region, Report, ReportStatus
from db.session import WriteLockBusy, write_transaction
from flows.runtime import Runtime
from services.actions import ActionError, record_filed
from services.lapor.api import ApiAdapter
from services.lapor.protocol import (
    LaporAdapter,
    LaporError,
    LaporRejected,
    LaporUnauthorized,
    LaporUnavailable,
    Submission,
)
from services.lapor.resilience import BreakerState, after_failure, after_success, allows
from services.outbox import due, next_try

ACTOR = "system:filing"


class NotConfigured(LaporError):
    """The region's LAPOR! adapter lacks what it needs (its token's environment variable is not set)."""


class Unrecordable(LaporError):
    """LAPOR! took the report but Pantau cannot record its answer (a tracking ID another report already
    has): not retried, since LAPOR! holds the report; an operator checks it in LAPOR!."""


@dataclass
class FilingSummary:
    filed: int = 0
    replayed: int = 0  # LAPOR! had it already from a try whose answer was lost
    retrying: int = 0
    failed: int = 0
    held: int = 0  # not tried: the region's circuit breaker is open
    lock_busy: bool = False

    def __str__(self) -> str:
        return (
            f"tercatat {self.filed} (ulang {self.replayed}), dicoba lagi nanti {self.retrying}, "
            f"gagal {self.failed}, ditahan {self.held}"
        )


@dataclass(frozen=True)
class _Claim:
    filing_id: int
    report_id: int
    region_id: int
    submission: Submission


def submission_for(report: Report, key: str) -> Submission:
    """What LAPOR! receives for ``report``: the fields an admin would type, redacted at drafting."""
    region = report.region
    happened = report.tanggal_kejadian or report.queued_at
    agency = report.agency
    assert agency is not None, "an approved report has an OPD"
    return Submission(
        idempotency_key=key,
        region_code=region.code,
        judul=report.judul,
        isi=report.isi,
        tanggal_kejadian=happened.astimezone(ZoneInfo(region.timezone)).date(),
        lokasi_kejadian=report.lokasi,
        instansi_kode=agency.code,
        instansi_nama=agency.name,
        kategori=report.kategori,
        klasifikasi=report.klasifikasi,
        anonim=report.anonim,
        rahasia=report.rahasia,
        source_links=tuple(report.source_links),
    )


def adapter_for(region: Region) -> LaporAdapter:
    """The region's LAPOR! adapter (api mode); the token is read from the environment variable the region
    YAML names, never from the YAML itself."""
    lapor = region.lapor
    env = lapor.get("token_env") or ""
    token = os.environ.get(env, "")
    if not token.strip():
        raise NotConfigured(
            f"token LAPOR! wilayah {region.code} belum diisi (variabel lingkungan {env or '-'})"
        )
    base_url = os.environ.get(lapor.get("base_url_env") or "", "") or lapor.get("base_url") or ""
    try:
        return ApiAdapter(base_url, token, timeout=float(lapor.get("timeout_seconds", 15.0)))
    except ValueError as exc:
        raise NotConfigured(f"alamat API LAPOR! wilayah {region.code} tidak sah: {exc}") from None


def breaker_of(session: Session, region_id: int) -> LaporBreaker:
    """The region's breaker row, created on first use; two workers creating it at once both get the one
    row (insert-or-nothing, then read)."""
    row = session.get(LaporBreaker, region_id)
    if row is None:
        insert_new(session, LaporBreaker, [{"region_id": region_id, "failures": 0}], ["region_id"])
        row = session.get_one(LaporBreaker, region_id)
    return row


def _cool_down(region: Region) -> timedelta:
    return timedelta(minutes=int(region.lapor.get("breaker_cool_down_minutes", 10)))


def region_held(breaker: LaporBreaker | None, region: Region, now: datetime) -> bool:
    """Whether the region's LAPOR! breaker is open now (no request may go out)."""
    if breaker is None:
        return False
    return not allows(BreakerState(breaker.failures, breaker.opened_at), now, _cool_down(region))


def _claim_one(runtime: Runtime, worker: str, held: set[int], tried: set[int]) -> _Claim | None:
    """Claim the next due filing of a region whose breaker lets a request out and that this run has not tried
    yet (``tried`` collects them); None when there is none."""
    settings = runtime.settings
    with write_transaction(runtime.sessions) as session:
        while True:
            now = utcnow()
            query = due(Filing, now).where(
                Filing.mode == LaporMode.API, Filing.region_id.not_in(held), Filing.id.not_in(tried)
            )
            filing = session.scalar(query)
            if filing is None:
                return None
            tried.add(filing.id)
            report = filing.report
            region = report.region
            breaker = breaker_of(session, region.id)
            state = BreakerState(breaker.failures, breaker.opened_at)
            if not allows(state, now, _cool_down(region)):
                held.add(region.id)
                continue
            if breaker.opened_at is not None:
                breaker.opened_at = now  # half-open: this is the one trial; others wait another cool-down
            if report.status != ReportStatus.APPROVED:
                filing.state = DeliveryState.CANCELLED  # taken back to review, or filed by hand meanwhile
                filing.last_error = f"laporan berstatus {report.status} saat akan dikirim"
                continue
            filing.state = DeliveryState.SENDING
            filing.attempts += 1
            filing.claimed_by = worker
            filing.lease_until = now + timedelta(seconds=settings.filing_lease_seconds)
            return _Claim(filing.id, report.id, region.id, submission_for(report, filing.idempotency_key))


def _record_success(runtime: Runtime, claim: _Claim, tracking_id: str, worker: str) -> bool:
    """Record a filed report; False when another worker took this filing over and recorded it first."""
    with write_transaction(runtime.sessions) as session:
        filing = session.get_one(Filing, claim.filing_id, with_for_update=True)
        breaker = breaker_of(session, claim.region_id)
        closed = after_success(BreakerState(breaker.failures, breaker.opened_at))
        breaker.failures, breaker.opened_at = closed.failures, closed.opened_at
        if filing.state == DeliveryState.DONE:
            return False
        report = filing.report
        if report.status != ReportStatus.APPROVED:  # recorded by hand while the request was out
            filing.state = DeliveryState.DONE
            filing.tracking_id = tracking_id
            return False
        record_filed(session, runtime, report, tracking_id, actor=f"{ACTOR}:{worker}", now=utcnow())
        return True


def _record_failure(runtime: Runtime, claim: _Claim, error: LaporError, summary: FilingSummary) -> None:
    settings = runtime.settings
    with write_transaction(runtime.sessions) as session:
        filing = session.get_one(Filing, claim.filing_id, with_for_update=True)
        if filing.state != DeliveryState.SENDING:
            return  # someone recorded it meanwhile (by hand, or another worker after a lease ran out)
        now = utcnow()
        region = filing.report.region
        breaker = breaker_of(session, region.id)
        filing.last_error = error.reason[:1000]
        filing.last_error_at = now
        filing.lease_until = None
        whole_region = isinstance(error, LaporUnauthorized | NotConfigured)
        if error.retryable or whole_region:
            threshold = 1 if whole_region else int(region.lapor.get("breaker_threshold", 5))
            opened = after_failure(BreakerState(breaker.failures, breaker.opened_at), now, threshold)
            breaker.failures, breaker.opened_at = opened.failures, opened.opened_at
            breaker.last_error = filing.last_error
        if (error.retryable or whole_region) and filing.attempts < settings.delivery_max_attempts:
            retry_after = error.retry_after if isinstance(error, LaporUnavailable) else None
            filing.state = DeliveryState.PENDING
            filing.next_attempt_at = next_try(settings, filing.attempts, now, retry_after)
            summary.retrying += 1
            return
        filing.state = DeliveryState.FAILED
        filing.refused = isinstance(error, LaporRejected) and not whole_region  # LAPOR! stored nothing
        summary.failed += 1


def deliver_filings(runtime: Runtime, *, worker: str, limit: int | None = None) -> FilingSummary:
    """Send every due api-mode filing (at most ``limit``, default the settings' batch) and record each."""
    summary = FilingSummary()
    held: set[int] = set()
    tried: set[int] = set()  # one try per filing per run: a failure waits out its back-off for a later run
    budget = limit or runtime.settings.filing_batch_size
    adapters: dict[int, LaporAdapter] = {}
    try:
        for _ in range(budget):
            try:
                claim = _claim_one(runtime, worker, held, tried)
            except WriteLockBusy:
                summary.lock_busy = True
                break
            if claim is None:
                break
            try:
                adapter = adapters.get(claim.region_id)
                if adapter is None:
                    with runtime.sessions() as session:
                        adapter = adapter_for(session.get_one(Region, claim.region_id))
                    adapters[claim.region_id] = adapter
                receipt = adapter.submit(claim.submission)
            except LaporError as error:
                _record_failure(runtime, claim, error, summary)
                continue
            try:
                recorded = _record_success(runtime, claim, receipt.tracking_id, worker)
            except ActionError as refusal:  # e.g. a tracking ID Pantau already knows for another report
                _record_failure(
                    runtime, claim, Unrecordable(f"LAPOR! menerima laporan ini: {refusal}"), summary
                )
                continue
            if recorded:
                summary.filed += 1
                summary.replayed += receipt.replayed
        summary.held = len(held)
    finally:
        close_all(adapters.values())
    return summary


def close_all(adapters: Iterable[LaporAdapter]) -> None:
    """Close the adapters that hold a connection (ApiAdapter keeps one alive)."""
    for adapter in adapters:
        close = getattr(adapter, "close", None)
        if close is not None:
            close()


def held_regions(session: Session, now: datetime) -> list[tuple[Region, LaporBreaker]]:
    """Regions whose LAPOR! breaker is open now, with the last error: what ``pantau queue`` warns about."""
    rows = session.execute(
        select(Region, LaporBreaker).join(LaporBreaker, LaporBreaker.region_id == Region.id)
    ).all()
    return [(region, breaker) for region, breaker in rows if region_held(breaker, region, now)]
