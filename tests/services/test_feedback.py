"""Operators' decisions become labels (``feedback_label``) in the decision's own transaction, on SQLite and
PostgreSQL: what each decision says, how a later decision or an undo supersedes a label, and which regions'
labels a training may read (the manager's consent, off by default)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from db.models import Document, FeedbackLabel, Region, RejectReason, Report, Role
from nlp.labels import text_id
from services import actions
from services.actions import ActionError, Actor, Corrections
from services.model_training import feedback_examples
from services.region_settings import SettingsRefused, fingerprint, region_settings, update_feedback_consent

MANAGER = Actor("user:manajer", Role.MANAGER)


def _text(words: str) -> str:
    """A text of its own (the fixture's reports share one text otherwise, and labels are per text id)."""
    return f"Warga mengeluhkan {words} di Kecamatan Bengalon sejak pekan lalu ({uuid.uuid4().hex[:8]})."


def _labels(desk, report_id: int, current_only: bool = False) -> list[FeedbackLabel]:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        query = select(FeedbackLabel).where(FeedbackLabel.report_id == report_id).order_by(FeedbackLabel.id)
        if current_only:
            query = query.where(FeedbackLabel.superseded_by_id.is_(None))
        rows = list(session.scalars(query))
        for row in rows:
            session.expunge(row)
        return rows


def _texts(desk, report_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    from db.models import Detection

    with desk.runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        docs = session.scalars(
            select(Document)
            .join(Detection, Detection.document_id == Document.id)
            .where(Detection.issue_id == report.issue_id)
        )
        return {text_id(d.text or "") for d in docs}


def _consent(desk, code: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        region_id = session.scalars(select(Region.id).where(Region.code == code)).one()
    now = region_settings(desk.runtime, region_id)
    update_feedback_consent(
        desk.runtime,
        region_id,
        allowed,
        expected=now.feedback_consent_version,
        actor=MANAGER,
        reason="uji izin umpan balik",
    )


def test_approval_labels_every_mention_a_complaint_of_the_incidents_function(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(mentions=2, text=_text("jalan berlubang"))
    actions.approve(desk.runtime, report_id, actor=operator)
    labels = _labels(desk, report_id)
    assert len(labels) == 2  # the fixture's two mentions share a text: one label per document still
    assert {(lb.label, lb.function, lb.decision, lb.actor) for lb in labels} == {
        ("complaint", "JALAN", "approved", operator.name)
    }
    assert all(lb.model_version == "uji" and lb.agency_code is None and lb.place is None for lb in labels)
    assert {lb.text_id for lb in labels} == _texts(desk, report_id)


def test_a_corrected_function_place_and_opd_are_the_label(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(text=_text("saluran tersumbat"))
    corrections = Corrections(
        function="DRAINASE", lokasi="Desa Sepaso, Kecamatan Bengalon", agency_code="PUPR"
    )
    actions.approve(desk.runtime, report_id, actor=operator, corrections=corrections)
    (label,) = _labels(desk, report_id)
    assert (label.label, label.function, label.decision) == ("complaint", "DRAINASE", "corrected")
    assert label.place == "Desa Sepaso, Kecamatan Bengalon"
    assert label.agency_code is None  # PUPR was already the OPD: not a correction
    report = desk.get(report_id)
    assert (
        report.kategori != "" and report.kategori == desk.runtime.catalog.functions["DRAINASE"].lapor_category
    )
    correct = [row for row in desk.audit(report_id) if row.action == "correct"]
    assert correct and correct[0].after is not None and correct[0].after["function"] == "DRAINASE"
    with pytest.raises(ActionError, match="fungsi 'JEMBATAN_GANTUNG' tidak dikenal"):
        actions.approve(
            desk.runtime, desk.report(), actor=operator, corrections=Corrections(function="JEMBATAN_GANTUNG")
        )


def test_a_reroute_supersedes_the_approval_with_the_corrected_agency(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(text=_text("lampu jalan padam"), function="PJU", agency="PERKIM")
    actions.approve(desk.runtime, report_id, actor=operator)
    actions.reroute(desk.runtime, report_id, "PUPR", actor=operator, reason="jalan nasional? bukan, PUPR")
    first, second = _labels(desk, report_id)
    assert first.superseded_by_id == second.id and second.superseded_by_id is None
    assert (second.label, second.decision, second.agency_code, second.function) == (
        "complaint",
        "corrected",
        "PUPR",
        "PJU",
    )


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (RejectReason.NOT_A_COMPLAINT, "not_complaint"),
        (RejectReason.SPAM, "not_complaint"),
        (RejectReason.DUPLICATE, None),
        (RejectReason.INSUFFICIENT, None),
    ],
)
def test_rejection_codes_say_not_a_complaint_or_record_the_decision_only(  # type: ignore[no-untyped-def]
    desk, operator, code: RejectReason, label: str | None
) -> None:
    report_id = desk.report(text=_text("bukan keluhan"))
    actions.reject(desk.runtime, report_id, actor=operator, code=code, reason="uji")
    (row,) = _labels(desk, report_id)
    assert (row.label, row.decision, row.function) == (label, f"rejected:{code.value}", None)


def test_an_undo_and_a_later_different_decision_supersede_the_label(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(text=_text("sampah menumpuk"), function="SAMPAH", agency="DLH")
    actions.approve(desk.runtime, report_id, actor=operator)
    actions.return_to_review(desk.runtime, report_id, actor=operator, reason="salah pilih")
    (current,) = _labels(desk, report_id, current_only=True)
    assert (current.label, current.decision) == (None, "undone")  # no label until the next decision
    actions.reject(desk.runtime, report_id, actor=operator, code=RejectReason.NOT_A_COMPLAINT)
    history = _labels(desk, report_id)
    assert [row.decision for row in history] == ["approved", "undone", "rejected:bukan_keluhan"]
    assert [row.superseded_by_id for row in history] == [history[1].id, history[2].id, None]
    postponed = desk.report(text=_text("pasar becek"))
    actions.postpone(desk.runtime, postponed, actor=operator, reason="menunggu foto")
    actions.resume(desk.runtime, postponed, actor=operator, reason="foto datang")
    actions.not_authority(desk.runtime, postponed, actor=operator, body="BBPJN", reason="jalan nasional")
    actions.return_to_review(desk.runtime, postponed, actor=operator, reason="ternyata jalan kabupaten")
    assert _labels(desk, postponed) == []  # none of these says what the text is; an undo of nothing: no row


def test_a_refused_decision_writes_no_label(desk, operator, operator_b) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(text=_text("air mati"))
    version = desk.get(report_id).version
    actions.reject(desk.runtime, report_id, actor=operator_b, code=RejectReason.NOT_A_COMPLAINT)
    with pytest.raises(actions.Conflict):
        actions.approve(desk.runtime, report_id, actor=operator, expected_version=version)
    with pytest.raises(ActionError):
        actions.reject(desk.runtime, desk.report(), actor=operator, code=RejectReason.OTHER)  # no reason
    assert [row.actor for row in _labels(desk, report_id)] == [operator_b.name]


def test_merged_mentions_are_recorded_as_duplicates_without_a_label(desk, operator) -> None:  # type: ignore[no-untyped-def]
    keep = desk.report(text=_text("jembatan retak"))
    absorb = desk.report(text=_text("jembatan retak juga"))
    actions.approve(desk.runtime, absorb, actor=operator)
    actions.merge(desk.runtime, keep, absorb, actor=operator)
    approved, merged = _labels(desk, absorb)
    assert approved.superseded_by_id == merged.id
    assert (merged.label, merged.decision) == (None, "rejected:duplikat")


def _banjarbaru_source(desk) -> None:  # type: ignore[no-untyped-def]
    """A news source of Kota Banjarbaru (the demo's sources are all of Kutai Timur)."""
    from db.models import Source
    from db.session import transaction

    with transaction(desk.runtime.sessions) as session:
        region_id = session.scalars(select(Region.id).where(Region.code == "63.72")).one()
        session.add(
            Source(
                slug="uji-banjarbaru",
                name="Uji",
                region_id=region_id,
                platform="rss",
                url="https://x.example/",
            )
        )


def test_a_region_without_consent_contributes_nothing(desk, operator) -> None:  # type: ignore[no-untyped-def]
    _banjarbaru_source(desk)
    ours = desk.report(text=_text("jalan amblas"))
    theirs = desk.report(region="63.72", agency="PUPR", text=_text("lampu taman mati"))
    actions.reject(desk.runtime, ours, actor=operator, code=RejectReason.NOT_A_COMPLAINT)
    actions.approve(desk.runtime, theirs, actor=Actor("user:operator-banjarbaru"))
    nothing = feedback_examples(desk.runtime)  # consent is off by default in every region
    assert nothing.examples == [] and not nothing.used
    assert nothing.without_consent == {"64.08": 1, "63.72": 1}

    _consent(desk, "64.08", True)
    found = feedback_examples(desk.runtime)
    assert {e.key for e in found.examples} == _texts(desk, ours)  # not Banjarbaru's text, nor its label
    assert all("lampu taman" not in e.text for e in found.examples)
    assert dict(found.used) == {"64.08": 1} and dict(found.without_consent) == {"63.72": 1}
    (example,) = found.examples
    assert (example.label, example.function, example.origin) == ("not_complaint", None, "feedback")

    _consent(desk, "64.08", False)  # taken back: the next training reads nothing of it again
    assert feedback_examples(desk.runtime).examples == []
    with desk.runtime.sessions() as session:
        rows = session.scalars(select(Region.id).where(Region.code == "64.08"))
        region_id = rows.one()
    audit = [row for row in _region_audit(desk, region_id) if "feedback_consent" in (row.after or {})]
    assert [(row.before, row.after) for row in audit] == [
        ({"feedback_consent": False}, {"feedback_consent": True}),
        ({"feedback_consent": True}, {"feedback_consent": False}),
    ]


def _region_audit(desk, region_id: int):  # type: ignore[no-untyped-def]
    from db.models import AuditLog

    with desk.runtime.sessions() as session:
        rows = list(
            session.scalars(
                select(AuditLog)
                .where(AuditLog.entity_type == "region", AuditLog.entity_id == region_id)
                .order_by(AuditLog.id)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def test_consent_is_the_managers_with_a_reason_and_a_fresh_form(desk, operator) -> None:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        region_id = session.scalars(select(Region.id).where(Region.code == "64.08")).one()
    off = fingerprint(False)
    with pytest.raises(actions.Forbidden):
        update_feedback_consent(desk.runtime, region_id, True, expected=off, actor=operator, reason="x")
    with pytest.raises(SettingsRefused, match="alasan"):
        update_feedback_consent(desk.runtime, region_id, True, expected=off, actor=MANAGER, reason=" ")
    update_feedback_consent(desk.runtime, region_id, True, expected=off, actor=MANAGER, reason="setuju")
    with pytest.raises(actions.Conflict):  # a form read before the change
        update_feedback_consent(desk.runtime, region_id, False, expected=off, actor=MANAGER, reason="tidak")


def test_a_label_whose_text_is_gone_or_changed_is_refused_and_counted(desk, operator) -> None:  # type: ignore[no-untyped-def]
    kept, changed = desk.report(text=_text("got tersumbat")), desk.report(text=_text("pju mati"))
    for report_id in (kept, changed):
        actions.reject(desk.runtime, report_id, actor=operator, code=RejectReason.SPAM)
    _consent(desk, "64.08", True)
    with desk.runtime.sessions() as session, session.begin():
        document_id = session.scalars(
            select(FeedbackLabel.document_id).where(FeedbackLabel.report_id == changed)
        ).one()
        session.execute(update(Document).where(Document.id == document_id).values(text="teks lain"))
    found = feedback_examples(desk.runtime)
    assert {e.key for e in found.examples} == _texts(desk, kept)
    assert dict(found.text_missing) == {"64.08": 1} and dict(found.used) == {"64.08": 1}
