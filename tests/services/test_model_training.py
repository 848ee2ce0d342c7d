"""Training with operators' feedback: the feedback joins the data split by its text id, the new model goes
into the registry with the gate's verdict in its card, it is promoted only when the pinned sets and the
feedback's held-out slice both pass, triage then loads it, and a rollback brings the previous one back.

No test trains the full model (a minute on two cores): the sample parameter trains on a few hundred
examples, and the feedback slice's rule is shown with a tiny model trained on the team's news. The training
itself reads the database once; it runs on SQLite (the labels and consent it reads are tested on both
databases in test_feedback.py).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import cli
from config.settings import get_settings
from db.models import AuditLog, Region, RejectReason, Role
from flows.runtime import Runtime
from nlp.datasets import COMPLAINT, NOT_COMPLAINT, Example, team_news
from nlp.labels import is_held_out, text_id
from nlp.model import ComplaintModel
from nlp.train import TrainingData, prepare, train
from services import actions, model_registry
from services.actions import Actor
from services.model_training import FEEDBACK_MARGIN, gate, train_with_feedback
from services.region_settings import fingerprint, update_feedback_consent

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
runner = CliRunner()


def _text(part: str, held_out: bool) -> str:
    """A complaint-like text whose text id falls in (or out of) the held-out split, as asked."""
    while True:
        text = f"Warga mengeluhkan {part} di Kecamatan Bengalon sejak pekan lalu ({uuid.uuid4().hex[:8]})."
        if is_held_out(text_id(text)) == held_out:
            return text


def _consent(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        region_id = session.scalars(select(Region.id).where(Region.code == "64.08")).one()
    update_feedback_consent(
        runtime,
        region_id,
        True,
        expected=fingerprint(False),
        actor=Actor("user:manajer", Role.MANAGER),
        reason="uji",
    )


@pytest.mark.shared_data
def test_feedback_joins_the_training_data_split_by_its_text_id(shared_data: Path) -> None:
    one, other = _text("latih", held_out=False), _text("uji", held_out=True)
    trained = Example(text_id(one), one, NOT_COMPLAINT, None, None, "feedback")
    held = Example(text_id(other), other, COMPLAINT, "JALAN", None, "feedback")
    data = prepare(shared_data, extra=[trained, held])
    assert trained in data.detection_train and trained not in data.held_out
    assert held in data.held_out and held not in data.detection_train and held not in data.function_train
    without = prepare(shared_data)
    assert len(data.detection_train) == len(without.detection_train) + 1
    assert len(data.held_out) == len(without.held_out) + 1


@SQLITE_ONLY
def test_a_model_passing_both_gates_is_promoted_loaded_and_rolled_back(
    desk, operator, shared_data: Path
) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(text=_text("jalan berlubang", held_out=False))
    actions.approve(desk.runtime, report_id, actor=operator)
    _consent(desk.runtime)
    bundled = desk.runtime.registry.active_version()
    outcome = train_with_feedback(
        desk.runtime,
        actor="user:pelatih",
        sample=400,
        sets=[],
        pinned={"floors": {}, "data_digests": {}},  # the pinned gate is the next test's: here it passes
    )
    assert outcome.verdict.passed and outcome.promoted and outcome.active_before == bundled
    assert outcome.verdict.feedback_texts == 0  # the one feedback text is in the training part
    assert outcome.feedback.summary()["train"] == 1
    registry = desk.runtime.registry
    assert registry.active_version() == outcome.version != bundled
    card = json.loads(outcome.path.with_suffix(".card.json").read_text(encoding="utf-8"))
    assert card["gate"]["passed"] is True and card["trained_by"] == "user:pelatih"
    assert card["feedback"]["used_by_region"] == {"64.08": 1} and card["sample"] == 400
    assert card["data"]["detection_train"]["feedback:complaint"] == 1

    fresh = Runtime(desk.runtime.settings)  # what the next triage loads
    try:
        assert fresh.model.version == outcome.version
    finally:
        fresh.close()
    assert model_registry.rollback(desk.runtime, actor="user:pelatih", reason="uji") == (
        outcome.version,
        bundled,
    )
    with desk.runtime.sessions() as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.entity_type == "model").order_by(AuditLog.id))
        assert [(r.action, r.before, r.after) for r in rows] == [
            ("promote", {"active": bundled}, {"active": outcome.version}),
            ("rollback", {"active": outcome.version}, {"active": bundled}),
        ]


@pytest.mark.slow
@SQLITE_ONLY
def test_the_demo_path_rejects_two_retrains_and_shows_the_verdict(  # type: ignore[no-untyped-def]
    desk, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pantau demo-feedback`` on a database with queued reports: two rejections, consent, training (a
    sample here), the verdict. A model trained on a few hundred examples fails the pinned floors, so it is
    kept on disk with its verdict and not promoted."""
    monkeypatch.setattr(cli.console, "width", 1000)  # table cells on one line
    ids = [
        desk.report(text=_text("lampu jalan padam", held_out=False)),
        desk.report(text=_text("saluran tersumbat", held_out=True)),
    ]
    result = runner.invoke(cli.app, ["demo-feedback", "--sample", "400"])
    assert result.exit_code == 0, result.output
    out = result.output
    for report_id in ids:
        assert f"Ditolak sebagai bukan keluhan: laporan #{report_id}" in out
    assert "(1 data latih, 0 irisan uji)" in out and "(0 data latih, 1 irisan uji)" in out
    assert "diizinkan oleh manajer-demo (diaudit)" in out
    assert "Gerbang evaluasi: TIDAK LOLOS" in out and "di bawah batasnya" in out
    assert "irisan uji umpan balik (1 teks), akurasi deteksi" in out
    assert "Tidak dipromosikan" in out
    assert all(desk.get(report_id).reject_reason == RejectReason.NOT_A_COMPLAINT for report_id in ids)
    registry = desk.runtime.registry
    (trained,) = [e for e in registry.entries() if not e.bundled]
    assert trained.gate_passed is False and not trained.active
    assert trained.card["gate"]["pinned"]["passed"] is False
    listing = runner.invoke(cli.app, ["model", "list"])
    assert trained.version in listing.output and "tidak lolos" in listing.output
    refused = runner.invoke(cli.app, ["model", "promote", trained.version])
    assert refused.exit_code == 2 and "tidak lolos gerbang evaluasi" in refused.output


def _flipped_model() -> ComplaintModel:
    """A tiny model taught the opposite of the team's news labels: worse than any real one."""
    functions = ["JALAN", "SAMPAH", "PJU"]
    flipped = [
        dataclasses.replace(
            e,
            label=NOT_COMPLAINT if e.label == COMPLAINT else COMPLAINT,
            function=e.function or functions[i % 3],
        )
        for i, e in enumerate(team_news())
    ]
    return train(TrainingData(flipped, [e for e in flipped if e.label == COMPLAINT], []))


def test_the_feedback_slice_refuses_a_model_worse_than_the_active_one() -> None:
    active = ComplaintModel.load(get_settings().model_path)
    held = [e for e in team_news() if e.held_out][:12]
    assert {e.label for e in held} == {COMPLAINT, NOT_COMPLAINT}
    no_pinned = {"floors": {}, "data_digests": {}}
    same = gate(active, active, held, [], no_pinned, 0.5)
    assert same.passed and set(same.feedback) == {"detection_accuracy", "function_accuracy"}
    worse = gate(_flipped_model(), active, held, [], no_pinned, 0.5)
    assert not worse.passed and worse.pinned_passed and not worse.feedback_passed
    row = worse.feedback["detection_accuracy"]
    assert row["floor"] == pytest.approx(max(float(row["active"]) - FEEDBACK_MARGIN, 0.0))
    assert float(row["new"]) < float(row["floor"]) and row["passed"] is False
    assert any("akurasi deteksi" in line and "tidak lolos" in line for line in worse.lines())
