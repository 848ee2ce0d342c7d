"""``pantau train --with-feedback``: the team's training data plus what operators decided, a new model in the
registry, and the eval gate's verdict before it may become the active one.

1. The feedback: every current label (``services.feedback``) of a region whose manager consents at training
   time (``region.feedback_consent``); a region without consent contributes nothing, not even a text read.
   Each label's text is read again from its document and must still have the label's text id; a label whose
   text is gone or changed is refused and counted. One example per text id (the latest decision wins), keyed
   by the text id, so ``nlp.labels.is_held_out(text_id)`` puts a quarter of it in a held-out slice.
2. The model: ``nlp.train.prepare(data_dir, extra=feedback)``, ``train``, written into the registry with its
   card (``var_dir/models``).
3. The gate: the pinned held-out sets and floors of ``nlp/evaluation/floors.json`` (``nlp.eval_gate``), AND
   the feedback's held-out slice, where the new model must score at least the active model's figure minus
   ``FEEDBACK_MARGIN``. Both pass: promoted (the previous model stays on disk, ``pantau model rollback``).
   The verdict goes into the card either way.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from config.schema import Platform
from db.models import Document, FeedbackLabel, Region
from flows.runtime import Runtime
from nlp.datasets import COMPLAINT, Example
from nlp.eval_gate import FLOORS, EvalSet, check, evaluation_sets, figure, measure
from nlp.labels import text_id
from nlp.model import ComplaintModel
from nlp.train import SEED, TrainingData, evaluate_held_out, package, prepare, train
from nlp.triage import triage_text
from services import model_registry

ORIGIN = "feedback"
# How far under the active model the new one may fall on the feedback's held-out slice. Below 50 texts one
# text is worth more than 2 points, so there the rule reads "no fewer texts right than the active model";
# on larger slices it allows the noise of a retrain (the pinned floors allow 1 point for it on thousands of
# texts; a slice of a few hundred decisions is noisier, so twice that).
FEEDBACK_MARGIN = 0.02


@dataclass
class Feedback:
    """The operators' labels a training may use, and what was left out and why."""

    examples: list[Example] = field(default_factory=list)
    used: Counter[str] = field(default_factory=Counter)  # labels per consenting region
    without_consent: Counter[str] = field(default_factory=Counter)  # labels of regions that did not consent
    text_missing: Counter[str] = field(default_factory=Counter)  # refused: the text is gone or changed
    duplicates: int = 0  # labels of a text another (later) label already gave

    @property
    def held_out(self) -> list[Example]:
        return [e for e in self.examples if e.held_out]

    def summary(self) -> dict[str, Any]:
        return {
            "examples": len(self.examples),
            "train": len(self.examples) - len(self.held_out),
            "held_out": len(self.held_out),
            "labels": dict(Counter(e.label for e in self.examples)),
            "used_by_region": dict(self.used),
            "without_consent_by_region": dict(self.without_consent),
            "text_missing_by_region": dict(self.text_missing),
            "duplicates": self.duplicates,
        }


def feedback_examples(runtime: Runtime) -> Feedback:
    """The current labels of consenting regions as training examples (see the module's docstring)."""
    found = Feedback()
    latest: dict[str, Example] = {}
    with runtime.sessions() as session:
        consent = dict(session.execute(select(Region.id, Region.feedback_consent)).tuples().all())
        codes = dict(session.execute(select(Region.id, Region.code)).tuples().all())
        current = (FeedbackLabel.superseded_by_id.is_(None), FeedbackLabel.label.is_not(None))
        per_region = select(FeedbackLabel.region_id, func.count()).where(*current)
        for region_id, count in session.execute(per_region.group_by(FeedbackLabel.region_id)).tuples():
            if not consent.get(region_id):
                found.without_consent[codes[region_id]] += count
        allowed = [region_id for region_id, yes in consent.items() if yes]
        rows = session.execute(
            select(FeedbackLabel, Document)
            .outerjoin(Document, Document.id == FeedbackLabel.document_id)
            .where(*current, FeedbackLabel.region_id.in_(allowed))
            .order_by(FeedbackLabel.decided_at, FeedbackLabel.id)
        ).tuples()
        for label, document in rows:
            region = codes[label.region_id]
            if document is None or not document.text or text_id(document.text) != label.text_id:
                found.text_missing[region] += 1
                continue
            found.used[region] += 1
            if label.text_id in latest:
                found.duplicates += 1
            latest[label.text_id] = Example(
                key=label.text_id,
                text=triage_text(document.title or "", document.text),
                label=str(label.label),
                function=label.function if label.label == COMPLAINT else None,
                agency=None,
                origin=ORIGIN,
                social=Platform(document.source.platform).is_social,
            )
    found.examples = sorted(latest.values(), key=lambda e: e.key)
    return found


# -- the feedback slice of the gate --------------------------------------------------------------------------


def slice_figures(model: ComplaintModel, held: Sequence[Example], threshold: float) -> dict[str, float]:
    """Detection accuracy on the slice (complaint when the score reaches ``threshold``), and function
    accuracy on its complaints that have a function. Accuracy, not F1: a slice of rejections has no
    complaint at all, and F1 of the complaint class would be undefined there."""
    if not held:
        return {}
    predictions = model.predict([e.text for e in held], social=[e.social for e in held])
    pairs = list(zip(held, predictions, strict=True))
    right = [(p.complaint_score >= threshold) == (e.label == COMPLAINT) for e, p in pairs]
    figures = {"detection_accuracy": sum(right) / len(right)}
    functions = [(e, p) for e, p in pairs if e.label == COMPLAINT and e.function]
    if functions:
        figures["function_accuracy"] = sum(p.function == e.function for e, p in functions) / len(functions)
    return figures


@dataclass(frozen=True)
class Verdict:
    passed: bool
    pinned_failures: list[str]
    pinned: dict[str, float]
    feedback_texts: int
    feedback: dict[str, dict[str, float | bool]]  # figure -> new, active, floor, passed

    @property
    def pinned_passed(self) -> bool:
        return not self.pinned_failures

    @property
    def feedback_passed(self) -> bool:
        return all(bool(row["passed"]) for row in self.feedback.values())

    def as_card(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "pinned": {
                "passed": self.pinned_passed,
                "failures": self.pinned_failures,
                "figures": self.pinned,
            },
            "feedback": {
                "passed": self.feedback_passed,
                "texts": self.feedback_texts,
                "margin": FEEDBACK_MARGIN,
                "figures": self.feedback,
            },
        }

    def lines(self) -> list[str]:
        """The verdict in words, for the CLI."""
        said = ["Gerbang evaluasi: " + ("LOLOS" if self.passed else "TIDAK LOLOS")]
        if self.pinned_passed:
            said.append(f"  set uji terpatok: lolos ({len(self.pinned)} angka di atas batasnya)")
        else:
            said.append("  set uji terpatok: tidak lolos")
            said.extend(f"    - {failure}" for failure in self.pinned_failures)
        if not self.feedback_texts:
            said.append(
                "  irisan uji umpan balik: kosong (belum ada keputusan operator yang disisihkan untuk uji)"
            )
        for name, row in self.feedback.items():
            said.append(
                f"  irisan uji umpan balik ({self.feedback_texts} teks), {FIGURE_NAMES.get(name, name)}: "
                f"{row['new']:.3f}; model aktif {row['active']:.3f}, batas {row['floor']:.3f} -> "
                + ("lolos" if row["passed"] else "tidak lolos")
            )
        return said


FIGURE_NAMES = {"detection_accuracy": "akurasi deteksi", "function_accuracy": "akurasi fungsi"}


def gate(
    model: ComplaintModel,
    active: ComplaintModel,
    held: Sequence[Example],
    sets: list[EvalSet],
    pinned: dict[str, Any],
    threshold: float,
) -> Verdict:
    """The new model against the pinned floors on the pinned sets, and against the active model on the
    feedback's held-out slice."""
    results = measure(model, sets, threshold)
    failures = _in_words(results, pinned) if check(results, pinned) else []
    figures = {path: round(figure(results, path), 4) for path in pinned.get("floors", {})}
    new, old = slice_figures(model, held, threshold), slice_figures(active, held, threshold)
    rows: dict[str, dict[str, float | bool]] = {}
    for name, value in new.items():
        floor = max(old[name] - FEEDBACK_MARGIN, 0.0)
        rows[name] = {"new": value, "active": old[name], "floor": floor, "passed": value >= floor - 1e-9}
    passed = not failures and all(bool(row["passed"]) for row in rows.values())
    return Verdict(passed, failures, figures, len(held), rows)


def _in_words(results: dict[str, dict[str, Any]], pinned: dict[str, Any]) -> list[str]:
    """``nlp.eval_gate.check``'s failures, said for the CLI's reader."""
    failures = [
        f"{name}: data evaluasi berubah (digest berbeda); patok ulang dengan sengaja"
        for name, digest in pinned.get("data_digests", {}).items()
        if results.get(name, {}).get("data_digest") != digest
    ]
    for path, floor in pinned.get("floors", {}).items():
        value = figure(results, path)
        if value < floor:
            failures.append(f"{path} = {value:.4f}, di bawah batasnya {floor:.4f}")
    return failures


# -- the whole run -------------------------------------------------------------------------------------------


def smaller(data: TrainingData, size: int, keep: Sequence[Example]) -> TrainingData:
    """``data`` cut to about ``size`` detection and ``size`` function examples (for tests and quick demos:
    the full model takes a minute), keeping every example in ``keep`` and a few of each function."""
    rng = random.Random(SEED)
    kept = {e.key for e in keep}
    detection = [e for e in data.detection_train if e.key not in kept]
    by_function: dict[str, list[Example]] = {}
    for e in data.function_train:
        if e.key not in kept:
            by_function.setdefault(e.function or "LAINNYA", []).append(e)
    share = max(5, size // max(len(by_function), 1))
    function = [e for rows in by_function.values() for e in rng.sample(rows, min(share, len(rows)))]
    return TrainingData(
        [
            *rng.sample(detection, min(size, len(detection))),
            *(e for e in data.detection_train if e.key in kept),
        ],
        [*function, *(e for e in data.function_train if e.key in kept)],
        data.held_out,
    )


@dataclass
class Outcome:
    version: str
    path: Path
    feedback: Feedback
    verdict: Verdict
    active_before: str
    promoted: bool
    metrics: dict[str, Any]
    counts: dict[str, int]


def train_with_feedback(
    runtime: Runtime,
    *,
    actor: str,
    data_dir: Path | None = None,
    sample: int | None = None,
    promote: bool = True,
    sets: list[EvalSet] | None = None,
    pinned: dict[str, Any] | None = None,
    prepare_data: Callable[[Path, Sequence[Example]], TrainingData] = prepare,
    progress: Callable[[str], object] = lambda _: None,
) -> Outcome:
    """Train on the team's data and the consenting regions' feedback, write the model into the registry,
    gate it, and promote it when the gate passes (and ``promote``). ``sample`` trains on a small part of the
    data (tests, a quick demo); ``sets`` and ``pinned`` replace the pinned evaluation (tests)."""
    settings = runtime.settings
    data_dir = data_dir or settings.shared_data_dir
    progress("Membaca keputusan operator...")
    found = feedback_examples(runtime)
    progress("Menyiapkan data...")
    data = prepare_data(data_dir, found.examples)
    if sample is not None:
        data = smaller(data, sample, found.examples)
    counts = {
        "detection_train": len(data.detection_train),
        "function_train": len(data.function_train),
        "held_out": len(data.held_out),
    }
    progress("Melatih...")
    model = train(data)
    registry = runtime.registry
    path = registry.new_path(model.version)
    model.version = path.stem
    progress("Mengevaluasi...")
    metrics = evaluate_held_out(model, data)
    package(model, data, metrics, path)
    active_version = registry.active_version()
    active = ComplaintModel.load(registry.active_path())
    verdict = gate(
        model,
        active,
        found.held_out,
        sets if sets is not None else evaluation_sets(data_dir),
        pinned if pinned is not None else json.loads(FLOORS.read_text(encoding="utf-8")),
        settings.complaint_threshold,
    )
    registry.update_card(
        model.version,
        gate=verdict.as_card(),
        feedback=found.summary(),
        trained_by=actor,
        gated_against=active_version,
        sample=sample,
    )
    promoted = False
    if verdict.passed and promote:
        model_registry.promote(
            runtime, model.version, actor=actor, reason="dilatih dengan umpan balik; lolos gerbang"
        )
        promoted = True
    return Outcome(model.version, path, found, verdict, active_version, promoted, metrics, counts)
