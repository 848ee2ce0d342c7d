"""The report workflow and every operator/OPD action, on SQLite and PostgreSQL: allowed and refused
transitions, the audit log, optimistic versioning, merge and split."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from db.models import (
    Agency,
    AuditLog,
    DeliveryState,
    Detection,
    FollowUp,
    Issue,
    IssueStatus,
    RejectReason,
    Report,
    ReportStatus,
)
from db.session import transaction
from db.workflow import TRANSITIONS, TransitionError, transition
from services import actions
from services.actions import ActionError, Actor, Conflict, Corrections, Forbidden
from services.reports import next_deadline

S = ReportStatus
ALL = list(ReportStatus)


def _force(desk, report_id: int, status: ReportStatus) -> None:  # type: ignore[no-untyped-def]
    """Put a report in ``status`` directly (set-up only: the transition under test is what goes through
    the workflow)."""
    with transaction(desk.runtime.sessions) as session:
        report = session.get_one(Report, report_id)
        report.status = status
        report.tracking_id = f"{1000000 + report_id}" if status not in (S.QUEUED, S.APPROVED) else None
        report.forwarded_at = report.filed_at = report.queued_at


def _needs(to: ReportStatus) -> dict[str, object]:
    return {
        "reason": "alasan uji",
        "reason_code": RejectReason.SPAM if to == S.REJECTED else None,
        "tracking_id": "7000001" if to == S.FILED else None,
        "authority_body": "BBPJN Kalimantan Timur" if to == S.NOT_AUTHORITY else None,
    }


def test_every_transition_is_allowed_or_refused_with_a_clear_message(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    allowed = refused = 0
    for before in ALL:
        for to in ALL:
            _force(desk, report_id, before)
            with transaction(desk.runtime.sessions) as session:
                report = session.get_one(Report, report_id)
                if to in TRANSITIONS[before]:
                    transition(session, report, to, actor="user:uji", **_needs(to))  # type: ignore[arg-type]
                    assert report.status == to
                    allowed += 1
                    continue
                with pytest.raises(TransitionError) as refusal:
                    transition(session, report, to, actor="user:uji", **_needs(to))  # type: ignore[arg-type]
                message = str(refusal.value)
                assert (
                    f"laporan #{report_id}" in message and f"({before})" in message and f"({to})" in message
                )
                assert ("yang diizinkan" in message) or ("final" in message)
                for allowed_to in TRANSITIONS[before]:
                    assert f"({allowed_to})" in message
                assert report.status == before
                refused += 1
    assert allowed == sum(len(v) for v in TRANSITIONS.values()) and allowed + refused == len(ALL) ** 2


def test_transitions_check_what_they_need(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    with transaction(desk.runtime.sessions) as session:
        report = session.get_one(Report, report_id)
        with pytest.raises(TransitionError, match="kode alasan"):
            transition(session, report, S.REJECTED, actor="u", reason="x")
        with pytest.raises(TransitionError, match="instansi yang berwenang"):
            transition(session, report, S.NOT_AUTHORITY, actor="u", reason="x")
        with pytest.raises(TransitionError, match="perlu alasan"):
            transition(session, report, S.POSTPONED, actor="u")
        transition(session, report, S.APPROVED, actor="u")
        with pytest.raises(TransitionError, match="nomor tracking"):
            transition(session, report, S.FILED, actor="u")
        transition(session, report, S.FILED, actor="u", tracking_id="1234567")
        other = session.scalar(
            select(Agency).where(Agency.code == "PUPR", Agency.region_id != report.region_id)
        )
        with pytest.raises(TransitionError, match="bukan OPD aktif"):
            transition(session, report, S.FORWARDED, actor="u", agency=other)


def test_each_action_is_audited_with_who_why_before_and_after(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.approve(desk.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, report_id, "#1234 567", actor=operator)
    opd = Actor("user:penghubung-pupr", actions.Role.OPD, "PUPR")
    actions.acknowledge(desk.runtime, report_id, actor=opd)
    actions.answer(desk.runtime, report_id, "Lubang sudah ditambal tim UPT jalan.", actor=opd)
    actions.close(desk.runtime, report_id, actor=operator, reason="pelapor puas")
    trail = [
        (a.action, a.actor, a.before["status"] if a.before else None, a.after["status"] if a.after else None)
        for a in desk.audit(report_id)
        if a.action.startswith("status:")
    ]
    assert trail == [
        ("status:approved", "user:operator-a", "queued", "approved"),
        ("status:filed", "user:operator-a", "approved", "filed"),
        ("status:forwarded", "user:operator-a", "filed", "forwarded"),
        ("status:acknowledged", "user:penghubung-pupr", "forwarded", "acknowledged"),
        ("status:followed_up", "user:penghubung-pupr", "acknowledged", "followed_up"),
        ("status:closed", "user:operator-a", "followed_up", "closed"),
    ]
    closed = desk.audit(report_id)[-1]
    assert closed.reason == "pelapor puas" and closed.at is not None
    report = desk.get(report_id)
    assert report.tracking_id == "1234567" and report.closed_at is not None and report.autoclose_due_at


def test_approve_applies_redacted_corrections_and_writes_the_filing_intent(desk, operator) -> None:  # type: ignore[no-untyped-def]
    api_report, manual_report = desk.report(), desk.report()
    state = actions.approve(
        desk.runtime,
        api_report,
        actor=operator,
        corrections=Corrections(
            judul="Jalan rusak parah di Bengalon",
            isi="Jalan rusak. Pelapor: NIK 6408012345670001, HP 081234567890.",
            agency_code="perkim",
            klasifikasi="aspirasi",
        ),
    )
    assert (
        state.status == "approved"
        and state.filing == DeliveryState.PENDING
        and state.agency == "Dinas Perkim"
    )
    report = desk.get(api_report)
    assert "6408012345670001" not in report.isi and "081234567890" not in report.isi
    assert report.judul == "Jalan rusak parah di Bengalon" and report.klasifikasi == "aspirasi"
    manual = actions.approve(desk.runtime, manual_report, actor=operator, mode=actions.LaporMode.MANUAL)
    assert manual.filing == DeliveryState.WAITING_ENTRY
    with pytest.raises(ActionError, match="klasifikasi"):
        actions.approve(desk.runtime, desk.report(), actor=operator, corrections=Corrections(klasifikasi="x"))
    with pytest.raises(ActionError, match="OPD aktif"):
        actions.approve(
            desk.runtime, desk.report(), actor=operator, corrections=Corrections(agency_code="NOPE")
        )
    with pytest.raises(ActionError, match="belum punya OPD"):
        actions.approve(desk.runtime, desk.report(agency=None), actor=operator)


def test_two_operators_on_one_report_one_wins_the_other_is_told_who(desk, operator, operator_b) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    seen = desk.get(report_id).version  # both operators looked at the report at this version
    actions.approve(desk.runtime, report_id, actor=operator, expected_version=seen)
    with pytest.raises(Conflict, match="sudah diubah oleh user:operator-a"):
        actions.reject(
            desk.runtime, report_id, actor=operator_b, code=RejectReason.SPAM, expected_version=seen
        )
    assert desk.get(report_id).status == "approved"


def test_the_version_column_refuses_a_write_based_on_a_stale_read(desk) -> None:  # type: ignore[no-untyped-def]
    """Two transactions read version 1; the second to write must fail, not overwrite the first."""
    report_id = desk.report()
    sessions = desk.runtime.sessions
    first, second = sessions(), sessions()
    try:
        a = first.get_one(Report, report_id)
        b = second.get_one(Report, report_id)
        a.judul = "versi A"
        first.commit()
        second.rollback() if False else None
        b.judul = "versi B"
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    assert desk.get(report_id).judul == "versi A"


def test_concurrent_operators_never_lose_an_update(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    version = desk.get(report_id).version
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def act(n: int) -> None:
        barrier.wait()
        try:
            if n % 2:
                actions.approve(desk.runtime, report_id, actor=Actor(f"user:op{n}"), expected_version=version)
            else:
                actions.reject(
                    desk.runtime,
                    report_id,
                    actor=Actor(f"user:op{n}"),
                    code=RejectReason.SPAM,
                    expected_version=version,
                )
            outcomes.append("won")
        except (Conflict, TransitionError, ActionError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=act, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1, outcomes
    changes = [a for a in desk.audit(report_id) if a.action.startswith("status:")]
    assert len(changes) == 1 and desk.get(report_id).version > version


def test_reject_needs_a_code_and_other_needs_words(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    with pytest.raises(ActionError, match="lainnya"):
        actions.reject(desk.runtime, report_id, actor=operator, code=RejectReason.OTHER)
    state = actions.reject(
        desk.runtime, report_id, actor=operator, code=RejectReason.DUPLICATE, reason="sama"
    )
    assert state.status == "rejected" and desk.get(report_id).reject_reason == "duplikat"
    reopened = actions.return_to_review(desk.runtime, report_id, actor=operator, reason="ternyata beda")
    assert reopened.status == "queued" and desk.get(report_id).reject_reason is None


def test_tracking_id_is_validated_and_unique(desk, operator) -> None:  # type: ignore[no-untyped-def]
    first, second = desk.report(), desk.report()
    for report_id in (first, second):
        actions.approve(desk.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    for bad in ("LAP-123", "12345", "12345678901", "", "1234567a"):
        with pytest.raises(ActionError):
            actions.record_tracking_id(desk.runtime, first, bad, actor=operator)
    state = actions.record_tracking_id(desk.runtime, first, " #7654321 ", actor=operator)
    assert (
        state.status == "forwarded" and state.tracking_id == "7654321" and state.filing == DeliveryState.DONE
    )
    with pytest.raises(ActionError, match="sudah dipakai laporan"):
        actions.record_tracking_id(desk.runtime, second, "7654321", actor=operator)
    report = desk.get(first)
    assert report.followup_due_at is not None and report.settlement_due_at is not None
    sent = desk.notifications(first)
    assert [(n.kind, n.channel, n.recipient) for n in sent] == [
        ("forwarded", "email", "penghubung.pupr@kutaitimur.example")
    ]


def test_return_to_review_takes_back_an_unsent_filing_only(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.approve(desk.runtime, report_id, actor=operator)
    state = actions.return_to_review(desk.runtime, report_id, actor=operator, reason="salah OPD")
    assert state.status == "queued" and state.filing == DeliveryState.CANCELLED
    actions.approve(desk.runtime, report_id, actor=operator)
    with transaction(desk.runtime.sessions) as session:  # a worker tried to send it
        filing = session.scalar(select(actions.Filing).where(actions.Filing.report_id == report_id))
        filing.attempts, filing.state = 1, DeliveryState.PENDING
    with pytest.raises(ActionError, match="mungkin sudah tercatat di LAPOR!"):
        actions.return_to_review(desk.runtime, report_id, actor=operator, reason="salah OPD")


def _forwarded(desk, operator) -> int:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.approve(desk.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, report_id, f"{2000000 + report_id}", actor=operator)
    return report_id


def test_reroute_forwards_again_with_a_fresh_deadline_and_keeps_history(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    before = desk.get(report_id)
    with pytest.raises(ActionError, match="sudah didisposisikan"):
        actions.reroute(desk.runtime, report_id, "PUPR", actor=operator, reason="x")
    state = actions.reroute(desk.runtime, report_id, "PERKIM", actor=operator, reason="ini lampu jalan")
    after = desk.get(report_id)
    assert state.status == "forwarded" and state.agency == "Dinas Perkim"
    assert after.forwarded_at >= before.forwarded_at and after.agency_id != before.agency_id
    forwards = [a for a in desk.audit(report_id) if a.action == "status:forwarded"]
    assert len(forwards) == 2 and forwards[1].before["agency_id"] == before.agency_id
    assert forwards[1].reason == "ini lampu jalan"
    recipients = [n.recipient for n in desk.notifications(report_id)]
    assert recipients == ["penghubung.pupr@kutaitimur.example", "penghubung.perkim@kutaitimur.example"]


def test_opd_actions_and_their_limits(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    stranger = Actor("user:penghubung-dlh", actions.Role.OPD, "DLH")
    pupr = Actor("user:penghubung-pupr", actions.Role.OPD, "PUPR")
    with pytest.raises(Forbidden):
        actions.acknowledge(desk.runtime, report_id, actor=stranger)
    with pytest.raises(Forbidden):
        actions.approve(desk.runtime, desk.report(), actor=pupr)
    actions.acknowledge(desk.runtime, report_id, actor=pupr)
    returned = actions.return_not_ours(desk.runtime, report_id, actor=pupr, reason="jalan nasional")
    assert returned.status == "filed"
    assert "dikembalikan oleh Dinas PUPR: jalan nasional" in desk.audit(report_id)[-1].reason
    actions.reroute(desk.runtime, report_id, "PUPR", actor=operator, reason="tetap PUPR, ruas kabupaten")
    with pytest.raises(ActionError, match="terlalu pendek"):
        actions.answer(desk.runtime, report_id, "ok", actor=pupr)
    state = actions.answer(desk.runtime, report_id, "Sudah ditambal. Info: 081234567890", actor=pupr)
    assert state.status == "followed_up"
    with desk.runtime.sessions() as session:  # what the queue shows next: the day it closes by itself
        answered = session.get_one(Report, report_id)
        assert next_deadline(answered, datetime.now(UTC)) is not None
        assert next_deadline(answered, datetime.now(UTC))[0] == "autoclose"  # type: ignore[index]
    with desk.runtime.sessions() as session:
        answers = session.scalars(select(FollowUp).where(FollowUp.report_id == report_id)).all()
        assert len(answers) == 1 and "081234567890" not in answers[0].text


def test_postpone_resume_not_authority_archive(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.postpone(desk.runtime, report_id, actor=operator, reason="perlu foto lokasi")
    assert actions.resume(desk.runtime, report_id, actor=operator, reason="foto ada").status == "queued"
    with pytest.raises(TransitionError, match="instansi yang berwenang"):
        actions.not_authority(desk.runtime, report_id, actor=operator, body=" ", reason="jalan nasional")
    state = actions.not_authority(
        desk.runtime, report_id, actor=operator, body="BBPJN Kaltim", reason="nasional"
    )
    assert state.status == "not_authority" and desk.get(report_id).authority_body == "BBPJN Kaltim"
    other = desk.report()
    assert actions.archive(desk.runtime, other, actor=operator, reason="iklan").status == "archived"
    with pytest.raises(TransitionError, match="final"):
        actions.return_to_review(desk.runtime, other, actor=operator, reason="x")


def test_merge_moves_mentions_and_rejects_the_duplicate(desk, operator) -> None:  # type: ignore[no-untyped-def]
    keep, absorb = desk.report(mentions=2), desk.report(mentions=3)
    absorbed_links = desk.get(absorb).source_links
    state = actions.merge(desk.runtime, keep, absorb, actor=operator)
    assert state.id == keep
    kept, gone = desk.get(keep), desk.get(absorb)
    assert gone.status == "rejected" and gone.reject_reason == "duplikat"
    assert set(absorbed_links) <= set(kept.source_links)
    with desk.runtime.sessions() as session:
        kept_issue = session.get_one(Issue, kept.issue_id)
        gone_issue = session.get_one(Issue, gone.issue_id)
        moved = session.scalars(select(Detection).where(Detection.issue_id == kept_issue.id)).all()
        assert kept_issue.mention_count == 5 and len(moved) == 5
        assert gone_issue.status == IssueStatus.MERGED and gone_issue.merged_into_id == kept_issue.id
        merged = session.scalars(select(AuditLog).where(AuditLog.action == "merge")).all()
        assert len(merged) == 1
    filed = _forwarded(desk, operator)
    with pytest.raises(ActionError, match="sudah di LAPOR!"):
        actions.merge(desk.runtime, keep, filed, actor=operator)
    assert actions.merge(desk.runtime, filed, desk.report(), actor=operator).status == "forwarded"


def test_split_makes_a_new_issue_with_its_own_queued_report(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(mentions=3)
    with desk.runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        detection = session.scalars(select(Detection).where(Detection.issue_id == report.issue_id)).all()[-1]
        url = detection.document.url
        detection_id = detection.id
    new = actions.split(desk.runtime, report_id, detection_id, actor=operator)
    assert new.id != report_id and new.status == "queued"
    old, fresh = desk.get(report_id), desk.get(new.id)
    assert url not in old.source_links and fresh.source_links == [url]
    with desk.runtime.sessions() as session:
        assert session.get_one(Issue, old.issue_id).mention_count == 2
        assert session.get_one(Detection, detection_id).issue_id == fresh.issue_id
    single = desk.report()
    with desk.runtime.sessions() as session:
        only = session.scalar(
            select(Detection.id).where(Detection.issue_id == session.get_one(Report, single).issue_id)
        )
    with pytest.raises(ActionError, match="hanya punya satu sebutan"):
        actions.split(desk.runtime, single, only, actor=operator)
    with pytest.raises(ActionError, match="bukan bagian"):
        actions.split(desk.runtime, report_id, only, actor=operator)


def test_missing_report_is_a_clear_error(desk, operator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(actions.NotFound, match="laporan #999 tidak ada"):
        actions.approve(desk.runtime, 999, actor=operator)


def test_timestamps_of_the_life_are_stamped(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk, operator)
    report = desk.get(report_id)
    assert report.approved_at and report.filed_at and report.forwarded_at
    assert report.settlement_due_at and (report.settlement_due_at - report.filed_at).days == 60
    assert report.followup_due_at > report.forwarded_at > datetime(2026, 1, 1, tzinfo=UTC)
