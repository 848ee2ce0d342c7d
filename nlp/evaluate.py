"""``pantau evaluate``: score the model on labelled data (a CSV, or the held-out split of ../shared).

detection: labels complaint/not_complaint (1/0, true/false accepted); function: function codes;
routing: canonical agency codes, predicted as function -> agency through a routing table.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from nlp.metrics import classification_report, detection_report
from nlp.model import ComplaintModel

_TRUE = {"1", "true", "yes", "complaint", "ya"}
_FALSE = {"0", "false", "no", "not_complaint", "tidak", "bukan"}
KINDS = ("detection", "function", "routing")


class EvaluationDataError(ValueError):
    """The evaluation file cannot be used as given (missing column, unknown label...)."""


def detection_label(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return "complaint"
    if lowered in _FALSE:
        return "not_complaint"
    raise EvaluationDataError(f"not a detection label: {value!r}")


SOCIAL_COLUMN = "social"  # optional: 1 marks a social-media post (scored by the model's social detector)


def read_csv(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    texts, labels, _ = read_labelled(path, text_column, label_column)
    return texts, labels


def read_labelled(
    path: Path, text_column: str, label_column: str
) -> tuple[list[str], list[str], list[bool] | None]:
    """Texts and labels of a CSV, and which texts are social-media posts when it has a ``social`` column."""
    texts, labels, social = [], [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for column in (text_column, label_column):
            if column not in (reader.fieldnames or []):
                raise EvaluationDataError(f"{path}: no column {column!r} (columns: {reader.fieldnames})")
        marked = SOCIAL_COLUMN in (reader.fieldnames or [])
        for row in reader:
            label = (row[label_column] or "").strip()
            if label:
                texts.append(row[text_column] or "")
                labels.append(label)
                social.append(marked and (row[SOCIAL_COLUMN] or "").strip().lower() in ("1", "true", "ya"))
    return texts, labels, social if marked else None


def read_routing(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise EvaluationDataError(f"{path}: expected a flat mapping of function code -> agency code")
    return data


def routed_agency(function: str, routing: dict[str, str], parents: dict[str, str]) -> str:
    """The agency a routing table gives a function; a refined code it lacks falls back on its parent."""
    code: str | None = function
    while code is not None:
        if code in routing:
            return routing[code]
        code = parents.get(code)
    return "OTHER"


def evaluate(
    kind: str,
    model: ComplaintModel,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    threshold: float = 0.5,
    routing: dict[str, str] | None = None,
    parents: dict[str, str] | None = None,
    social: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """Score ``texts`` against ``labels``; ``social`` marks the social-media posts among them, which the
    model scores with its social detector."""
    if kind not in KINDS:
        raise EvaluationDataError(f"unknown evaluation {kind!r}; choose one of {', '.join(KINDS)}")
    started = time.perf_counter()
    predictions = model.predict(list(texts), social=social)
    seconds = time.perf_counter() - started
    if kind == "detection":
        report = detection_report(
            [detection_label(v) for v in labels], [p.complaint_score for p in predictions], threshold
        )
    elif kind == "function":
        report = classification_report(list(labels), [p.function for p in predictions])
    else:
        if routing is None:
            raise EvaluationDataError("routing evaluation needs a routing table")
        predicted = [routed_agency(p.function, routing, parents or {}) for p in predictions]
        report = classification_report(list(labels), predicted)
    report.update(
        kind=kind,
        model_version=model.version,
        documents=len(texts),
        seconds=round(seconds, 3),
        docs_per_second=round(len(texts) / seconds, 1) if seconds > 0 else None,
    )
    return report
