"""The evaluation gate: the committed model meets its pinned floors on the pinned held-out data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.eval_gate import FLOORS, GATED, EvalSet, check, export, pin, run
from nlp.evaluate import read_csv, read_labelled

RESULTS: dict[str, dict[str, Any]] = {
    "detection": {"data_digest": "abc", "f1": 0.93, "by_origin": {"surabaya": {"f1": 0.99}}},
    "function": {"data_digest": "def", "macro_f1": 0.70},
}
PATHS = ["detection.f1", "detection.by_origin.surabaya.f1", "function.macro_f1"]


def test_pinned_floors_sit_one_margin_under_the_measured_figures() -> None:
    pinned = pin(RESULTS, PATHS, "v1")
    assert pinned["floors"] == {
        "detection.f1": 0.92,
        "detection.by_origin.surabaya.f1": 0.98,
        "function.macro_f1": 0.69,
    }
    assert check(RESULTS, pinned) == []


def test_gate_fails_on_a_figure_below_its_floor_and_on_changed_data() -> None:
    pinned = pin(RESULTS, PATHS, "v1")
    worse = json.loads(json.dumps(RESULTS))
    worse["function"]["macro_f1"] = 0.60
    worse["detection"]["data_digest"] = "changed"
    failures = check(worse, pinned)
    assert any("function.macro_f1 = 0.6000 is below its floor 0.6900" in f for f in failures)
    assert any("detection: evaluation data changed" in f for f in failures)


def test_export_writes_sets_that_pantau_evaluate_reads(tmp_path: Path) -> None:
    item = EvalSet(
        "routing_team",
        "routing",
        ["Jalan rusak, di, sini", 'kata "kutip"'],
        ["PUPR", "PUPR"],
        {"JALAN": "PUPR"},
    )
    export([item], tmp_path)
    assert read_csv(tmp_path / "routing_team.csv", "text", "label") == (item.texts, item.labels)
    assert (tmp_path / "routing_team.yaml").read_text(encoding="utf-8") == "JALAN: PUPR\n"


@pytest.mark.shared_data
def test_committed_model_passes_the_gate(shared_data: Path) -> None:
    pinned = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert sorted(pinned["floors"]) == sorted(GATED)
    lines: list[str] = []
    assert run([], report=lines.append) == 0, "".join(lines)


def test_export_marks_the_social_posts_of_a_set(tmp_path: Path) -> None:
    item = EvalSet(
        "detection", "detection", ["jalan rusak", "bus ga dateng2"], ["complaint", "complaint"],
        origins=["team_news", "social_pool"], social=[False, True],
    )  # fmt: skip
    export([item], tmp_path)
    read = read_labelled(tmp_path / "detection.csv", "text", "label")
    assert read == (item.texts, item.labels, item.social)
