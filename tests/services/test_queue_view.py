"""The review queue's service: every filter narrows in SQL to the right reports, pages follow the queue's
order, and bulk actions act report by report (a stale one refused, the others done), on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.models import AuditLog, Detection, Issue, IssueStatus, Region, RejectReason, Report, ReportStatus
from db.session import transaction
from services import actions, bulk_actions
from services.actions import ActionError, Actor
from services.bulk_actions import Outcome, Picked
from services.reports import (
    STATUS_ALL,
    STATUS_NEEDS_OPERATOR,
    InvalidFilter,
    QueueFilter,
    Viewer,
    queue_choices,
    queue_view,
)
from tests.services.queue_shapes import kecamatan, shape


def _ids(desk, **wanted: Any) -> list[int]:  # type: ignore[no-untyped-def]
    view = queue_view(desk.runtime, QueueFilter(region_code="64.08", **wanted))
    return [row["id"] for row in view.rows]


def _source_of(desk, report_id: int) -> str:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        issue = session.get_one(Report, report_id).issue
        return issue.detections[0].document.source.slug


def test_each_filter_narrows_to_its_reports(desk, operator: Actor) -> None:  # type: ignore[no-untyped-def]
    (place, place_name), (elsewhere, _) = kecamatan(desk.runtime, 0), kecamatan(desk.runtime, 1)
    plain = shape(desk.runtime, desk.report(), kecamatan_code=elsewhere)
    rubbish = desk.report(function="SAMPAH", agency="DLH", title="Sampah menumpuk di pasar")
    placed = shape(desk.runtime, desk.report(), kecamatan_code=place)
    watched = shape(desk.runtime, desk.report(), watchlists=["banjir-sangatta", "jalan-poros"])
    urgent = shape(desk.runtime, desk.report(), urgent=True)
    other_source = next(s for s in ("kabarsangatta", "wartakutim") if s != _source_of(desk, plain))
    sourced = shape(desk.runtime, desk.report(), source=other_source)
    unsure = shape(desk.runtime, desk.report(mentions=2), band="review")
    mixed = shape(desk.runtime, desk.report(mentions=2), band="review")
    with transaction(desk.runtime.sessions) as session:  # one of its two mentions is a complaint
        session.get_one(Report, mixed).issue.detections[0].band = "complaint"
    rejected = desk.report()
    actions.reject(desk.runtime, rejected, actor=operator, code=RejectReason.SPAM)

    waiting = {plain, rubbish, placed, watched, urgent, sourced, unsure, mixed}
    assert set(_ids(desk, status=STATUS_NEEDS_OPERATOR)) == waiting
    assert set(_ids(desk, status=STATUS_ALL)) == set(_ids(desk)) == waiting | {rejected}
    assert _ids(desk, status="rejected") == [rejected]
    assert _ids(desk, function="SAMPAH") == [rubbish]
    assert _ids(desk, agency_code="DLH") == [rubbish]
    assert _ids(desk, kecamatan_code=place) == [placed]
    assert _ids(desk, watchlist="jalan-poros") == [watched]
    assert _ids(desk, watchlist="jalan") == []  # a whole name, not a part of one
    assert _ids(desk, urgent_only=True) == [urgent]
    assert _ids(desk, source=other_source) == [sourced]
    assert _ids(desk, band="review") == [unsure]  # best band: the mixed one is a complaint
    assert set(_ids(desk, band="complaint")) == waiting - {unsure} | {rejected}
    assert _ids(desk, band="review", status="rejected") == []
    assert _ids(desk, kecamatan_code=place, function="SAMPAH") == []  # filters narrow together
    counted = QueueFilter(region_code="64.08", function="SAMPAH", page_size=50)
    assert queue_view(desk.runtime, counted).total == 1  # the count narrows with the rows

    rows = {row["id"]: row for row in queue_view(desk.runtime, QueueFilter(region_code="64.08")).rows}
    assert rows[placed]["kecamatan"] == place_name
    assert rows[rubbish]["fungsi"] == desk.runtime.catalog.functions["SAMPAH"].name
    assert (rows[unsure]["perlu_ditinjau"], rows[mixed]["perlu_ditinjau"]) == (True, False)
    assert rows[unsure]["jumlah_sebutan"] == 2
    assert queue_view(desk.runtime, QueueFilter(region_code="63.72")).rows == []  # another region: none


def test_pages_follow_the_queue_order(desk) -> None:  # type: ignore[no-untyped-def]
    oldest = desk.report()
    low = shape(desk.runtime, desk.report(), priority=1)
    high = shape(desk.runtime, desk.report(), priority=5)
    urgent = shape(desk.runtime, desk.report(), urgent=True)
    newest = desk.report()
    order = [urgent, high, low, oldest, newest]
    assert _ids(desk) == order

    pages = [
        queue_view(desk.runtime, QueueFilter(region_code="64.08", page=n, page_size=2)) for n in (1, 2, 3)
    ]
    assert [[row["id"] for row in page.rows] for page in pages] == [order[:2], order[2:4], order[4:]]
    assert {(page.total, page.pages) for page in pages} == {(5, 3)}
    beyond = queue_view(desk.runtime, QueueFilter(region_code="64.08", page=9, page_size=2))
    assert (beyond.page, [row["id"] for row in beyond.rows]) == (3, [newest])  # past the end: the last
    empty = queue_view(desk.runtime, QueueFilter(region_code="63.72", page=1, page_size=2))
    assert (empty.total, empty.pages, empty.rows) == (0, 1, [])


@pytest.mark.parametrize(
    "wanted",
    [{"status": "selesai-semua"}, {"band": "keluhan"}, {"page": 0, "page_size": 50}],
)
def test_a_filter_that_names_nothing_is_refused(desk, wanted: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidFilter):
        queue_view(desk.runtime, QueueFilter(region_code="64.08", **wanted))


def test_the_filters_offer_the_region_s_own_values(desk) -> None:  # type: ignore[no-untyped-def]
    choices = queue_choices(desk.runtime, "64.08")
    assert choices.statuses[0][0] == STATUS_NEEDS_OPERATOR and choices.statuses[-1][0] == STATUS_ALL
    assert ("queued", "menunggu tinjauan") in choices.statuses
    assert kecamatan(desk.runtime, 0) in choices.kecamatan
    assert ("SAMPAH", desk.runtime.catalog.functions["SAMPAH"].name) in choices.functions
    assert "PUPR" in dict(choices.agencies) and "kabarsangatta" in dict(choices.sources)
    assert choices.bands == [("complaint", "keluhan"), ("review", "perlu ditinjau")]
    elsewhere = queue_choices(desk.runtime, "63.72")
    assert not set(dict(elsewhere.sources)) & set(dict(choices.sources))


# -- bulk actions -------------------------------------------------------------------------------------------


def _viewer(desk, region: str = "64.08") -> Viewer:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        return Viewer(region_id=session.scalars(select(Region.id).where(Region.code == region)).one())


def _picked(desk, *report_ids: int) -> list[Picked]:  # type: ignore[no-untyped-def]
    return [Picked(report_id, desk.get(report_id).version) for report_id in report_ids]


def _audit(desk, actor: str, action: str) -> list[int]:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        return list(
            session.scalars(
                select(AuditLog.entity_id)
                .where(AuditLog.actor == actor, AuditLog.action == action)
                .order_by(AuditLog.id)
            )
        )


def test_bulk_approve_refuses_the_stale_row_and_does_the_others(desk, operator, operator_b) -> None:  # type: ignore[no-untyped-def]
    first, stale, last = desk.report(), desk.report(), desk.report()
    picked = _picked(desk, first, stale, last)  # what the operator's page showed
    actions.reject(desk.runtime, stale, actor=operator_b, code=RejectReason.SPAM)  # meanwhile

    outcomes = bulk_actions.approve_all(desk.runtime, picked, actor=operator, viewer=_viewer(desk))

    assert [(o.report_id, o.outcome) for o in outcomes] == [
        (first, Outcome.DONE),
        (stale, Outcome.CHANGED),
        (last, Outcome.DONE),
    ]
    assert "sudah diubah oleh user:operator-b" in outcomes[1].message
    assert [desk.get(r).status for r in (first, stale, last)] == ["approved", "rejected", "approved"]
    assert desk.filing(first) is not None and desk.filing(stale) is None
    assert _audit(desk, operator.name, "status:approved") == [first, last]


def test_bulk_reject_gives_each_report_the_reason_code(desk, operator) -> None:  # type: ignore[no-untyped-def]
    spam, approved = desk.report(), desk.report()
    actions.approve(desk.runtime, approved, actor=operator)
    viewer = _viewer(desk)

    unexplained = bulk_actions.reject_all(
        desk.runtime, _picked(desk, spam), actor=operator, viewer=viewer, code=RejectReason.OTHER
    )
    assert unexplained[0].outcome == Outcome.REFUSED and "perlu keterangan" in unexplained[0].message
    assert desk.get(spam).status == "queued"

    outcomes = bulk_actions.reject_all(
        desk.runtime,
        _picked(desk, spam, approved),
        actor=operator,
        viewer=viewer,
        code=RejectReason.SPAM,
        reason="iklan",
    )
    assert [o.outcome for o in outcomes] == [Outcome.DONE, Outcome.DONE]
    assert {desk.get(r).reject_reason for r in (spam, approved)} == {"spam"}
    assert [a.reason for a in desk.audit(spam)][-1] == "spam: iklan"


def test_bulk_merge_moves_every_picked_report_into_the_kept_one(desk, operator, operator_b) -> None:  # type: ignore[no-untyped-def]
    keep, one, two, stale = desk.report(), desk.report(mentions=2), desk.report(), desk.report()
    picked = _picked(desk, one, keep, two, stale)
    actions.reject(desk.runtime, stale, actor=operator_b, code=RejectReason.SPAM)

    outcomes = bulk_actions.merge_all(desk.runtime, picked, keep=keep, actor=operator, viewer=_viewer(desk))

    assert [(o.report_id, o.outcome) for o in outcomes] == [
        (keep, Outcome.DONE),
        (one, Outcome.DONE),
        (two, Outcome.DONE),
        (stale, Outcome.CHANGED),
    ]
    assert "2 laporan digabung" in outcomes[0].message
    with desk.runtime.sessions() as session:
        kept = session.get_one(Report, keep).issue
        assert kept.mention_count == 4
        mentions = session.scalars(select(Detection).where(Detection.issue_id == kept.id)).all()
        assert len(mentions) == 4
        for absorbed in (one, two):
            issue = session.get_one(Report, absorbed).issue
            assert (issue.status, issue.merged_into_id) == (IssueStatus.MERGED, kept.id)
        assert session.get_one(Issue, session.get_one(Report, stale).issue_id).status == IssueStatus.OPEN
    assert [desk.get(r).reject_reason for r in (one, two)] == ["duplikat", "duplikat"]
    assert _audit(desk, operator.name, "merge") == [kept.id, kept.id]


def test_a_stale_kept_report_merges_nothing(desk, operator, operator_b) -> None:  # type: ignore[no-untyped-def]
    keep, other = desk.report(), desk.report()
    picked = _picked(desk, keep, other)
    actions.approve(desk.runtime, keep, actor=operator_b)

    outcomes = bulk_actions.merge_all(desk.runtime, picked, keep=keep, actor=operator, viewer=_viewer(desk))

    assert [(o.report_id, o.outcome) for o in outcomes] == [(keep, Outcome.REFUSED), (other, Outcome.CHANGED)]
    assert desk.get(other).status == ReportStatus.QUEUED
    assert _audit(desk, operator.name, "merge") == []


def test_bulk_actions_never_reach_another_region(desk, operator) -> None:  # type: ignore[no-untyped-def]
    mine = desk.report()
    elsewhere = _viewer(desk, "63.72")
    outcomes = bulk_actions.approve_all(desk.runtime, _picked(desk, mine), actor=operator, viewer=elsewhere)
    assert [(o.outcome, o.message) for o in outcomes] == [(Outcome.REFUSED, f"laporan #{mine} tidak ada")]
    with pytest.raises(ActionError, match="tidak ada"):
        bulk_actions.merge_all(
            desk.runtime, _picked(desk, mine, desk.report()), keep=mine, actor=operator, viewer=elsewhere
        )
    assert desk.get(mine).status == ReportStatus.QUEUED and len(desk.audit(mine)) == 1


def test_a_bulk_request_must_make_sense(desk, operator) -> None:  # type: ignore[no-untyped-def]
    one, two = desk.report(), desk.report()
    viewer = _viewer(desk)
    with pytest.raises(ActionError, match="belum ada laporan"):
        bulk_actions.approve_all(desk.runtime, [], actor=operator, viewer=viewer)
    with pytest.raises(ActionError, match="dua kali"):
        bulk_actions.approve_all(desk.runtime, _picked(desk, one, one), actor=operator, viewer=viewer)
    with pytest.raises(ActionError, match="harus ikut dipilih"):
        bulk_actions.merge_all(desk.runtime, _picked(desk, one), keep=two, actor=operator, viewer=viewer)
    with pytest.raises(ActionError, match="minimal dua"):
        bulk_actions.merge_all(desk.runtime, _picked(desk, one), keep=one, actor=operator, viewer=viewer)
