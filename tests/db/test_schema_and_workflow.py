"""Migrations, config sync, deadlines, the report workflow and named queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from config.catalog import load_catalog
from config.settings import CONFIG_DATA_DIR
from db import queries
from db.deadlines import due_at
from db.migrate import upgrade
from db.models import (
    Agency,
    AuditLog,
    Document,
    Issue,
    Region,
    RejectReason,
    Report,
    ReportStatus,
    Route,
    Source,
)
from db.session import make_engine, session_factory, transaction
from db.sync import sync_catalog
from db.workflow import TransitionError, transition, verification_due


@pytest.fixture
def sessions(database_url: str):  # type: ignore[no-untyped-def]
    upgrade(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
    with transaction(factory) as session:
        sync_catalog(session, catalog)
    yield factory
    engine.dispose()


def _report(session, region: Region, agency: Agency, queued_at: datetime) -> Report:  # type: ignore[no-untyped-def]
    issue = Issue(region_id=region.id, title="Jalan rusak", function="JALAN", agency_id=agency.id)
    session.add(issue)
    session.flush()
    report = Report(
        issue_id=issue.id,
        region_id=region.id,
        agency_id=agency.id,
        judul="Jalan rusak",
        isi="isi",
        kategori="Infrastruktur",
        lokasi="Kec. Bengalon",
        queued_at=queued_at,
        verification_due_at=verification_due(region, queued_at),
    )
    session.add(report)
    session.flush()
    return report


def test_migrations_create_every_table(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    expected = {
        "region",
        "agency",
        "route",
        "source",
        "crawl_run",
        "document",
        "detection",
        "issue",
        "report",
        "user_account",
        "audit_log",
    }
    assert expected <= tables


def test_sync_loads_routing_table_and_is_idempotent(sessions) -> None:  # type: ignore[no-untyped-def]
    catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
    with transaction(sessions) as session:
        again = sync_catalog(session, catalog)
        route = session.scalar(
            select(Route).join(Region).where(Region.code == "64.08", Route.function == "PJU")
        )
        assert route is not None and route.agency.code == "PERKIM"
        audit_rows = session.scalars(select(AuditLog).where(AuditLog.entity_type == "route")).all()
    assert (again.regions, again.agencies, again.routes) == (0, 0, 0)
    assert len(audit_rows) == 2 * len(catalog.functions)  # one "create" per route per region, no more


def test_document_unique_per_source_and_canonical_url(sessions) -> None:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        assert region is not None
        source = Source(slug="s", name="S", region_id=region.id, platform="rss", url="http://s.test/feed")
        session.add(source)
        session.flush()
        session.add(Document(source_id=source.id, url="http://s.test/a", canonical_url="http://s.test/a"))
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(Document(source_id=source.id, url="http://s.test/a?x", canonical_url="http://s.test/a"))


def test_timestamps_come_back_aware_utc(sessions) -> None:  # type: ignore[no-untyped-def]
    queued = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        agency = session.scalar(select(Agency).where(Agency.region_id == region.id, Agency.code == "PUPR"))
        report_id = _report(session, region, agency, queued).id
    with sessions() as session:
        stored = session.get_one(Report, report_id)
        assert stored.queued_at == queued
        assert stored.queued_at.tzinfo is not None


def test_due_at_skips_weekends_and_national_holidays() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    due = due_at(friday, 3, "Asia/Makassar")
    assert due.astimezone(UTC).date() == date(2026, 11, 25)  # Mon, Tue, Wed
    before_christmas = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)  # Thursday; 25 Dec is a holiday
    assert due_at(before_christmas, 1, "Asia/Makassar").date() == date(2026, 12, 28)
    assert due_at(friday, 1, "Asia/Makassar", frozenset({date(2026, 11, 23)})).date() == date(2026, 11, 24)


def test_workflow_allows_the_lapor_path_and_audits_each_step(sessions) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        agency = session.scalar(select(Agency).where(Agency.region_id == region.id, Agency.code == "PUPR"))
        report = _report(session, region, agency, now)
        transition(session, report, ReportStatus.APPROVED, actor="user:op", now=now)
        with pytest.raises(TransitionError, match="nomor tracking"):
            transition(session, report, ReportStatus.FILED, actor="user:op", now=now)
        transition(session, report, ReportStatus.FILED, actor="user:op", tracking_id="1234567", now=now)
        transition(session, report, ReportStatus.FORWARDED, actor="user:op", now=now)
        assert report.followup_due_at is not None and report.followup_due_at > now
        with pytest.raises(TransitionError, match="tidak bisa menjadi"):
            transition(session, report, ReportStatus.QUEUED, actor="user:op", reason="x", now=now)
        audit = session.scalars(
            select(AuditLog).where(AuditLog.entity_type == "report", AuditLog.entity_id == report.id)
        ).all()
    assert [a.action for a in audit] == ["status:approved", "status:filed", "status:forwarded"]
    assert audit[1].after is not None
    assert (audit[1].after["status"], audit[1].after["tracking_id"]) == ("filed", "1234567")


def test_rejection_needs_a_reason(sessions) -> None:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        agency = session.scalar(select(Agency).where(Agency.region_id == region.id, Agency.code == "PUPR"))
        report = _report(session, region, agency, datetime(2026, 11, 23, tzinfo=UTC))
        with pytest.raises(TransitionError, match="perlu alasan"):
            transition(session, report, ReportStatus.REJECTED, actor="user:op")
        transition(
            session,
            report,
            ReportStatus.REJECTED,
            actor="user:op",
            reason="bukan aduan",
            reason_code=RejectReason.NOT_A_COMPLAINT,
        )
        assert report.status == ReportStatus.REJECTED


def test_named_queries_pending_and_overdue(sessions) -> None:  # type: ignore[no-untyped-def]
    old = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    fresh = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    now = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        region = session.scalar(select(Region).where(Region.code == "64.08"))
        agency = session.scalar(select(Agency).where(Agency.region_id == region.id, Agency.code == "PUPR"))
        late = _report(session, region, agency, old)
        on_time = _report(session, region, agency, fresh)
        filed = _report(session, region, agency, old)
        transition(session, filed, ReportStatus.APPROVED, actor="t", now=old)
        transition(session, filed, ReportStatus.FILED, actor="t", tracking_id="1000001", now=old)
        transition(session, filed, ReportStatus.FORWARDED, actor="t", now=old)
    with sessions() as session:
        pending = session.scalars(queries.pending_review("64.08")).all()
        overdue = session.scalars(queries.verification_overdue(now)).all()
        followup = session.scalars(queries.followup_overdue(now)).all()
        by_agency = session.scalars(queries.queue(agency_code="PUPR", status="queued")).all()
        other_region = session.scalars(queries.pending_review("63.72")).all()
    assert [r.id for r in pending] == [late.id, on_time.id]
    assert [r.id for r in overdue] == [late.id]
    assert [r.id for r in followup] == [filed.id]
    assert {r.id for r in by_agency} == {late.id, on_time.id}
    assert other_region == []
    assert late.verification_due_at < now < late.verification_due_at + timedelta(days=30)
