"""Evaluation figures: macro-F1, per-class precision/recall/F1/support and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

COMPLAINT = "complaint"


def classification_report(
    gold: Sequence[str], predicted: Sequence[str], known: Sequence[str] = ()
) -> dict[str, Any]:
    """Macro-F1 over the labels present in ``gold``; a prediction outside them counts as wrong.

    ``known`` labels always get a row and a column of the confusion matrix, even when absent.
    """
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    matrix_labels = sorted(set(gold) | set(predicted) | set(known))
    return {
        "macro_f1": float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        "accuracy": float(sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)),
        "n": len(gold),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": {
            "labels": matrix_labels,
            "matrix": confusion_matrix(gold, predicted, labels=matrix_labels).tolist(),
        },
    }


def detection_report(gold: Sequence[str], scores: Sequence[float], threshold: float) -> dict[str, Any]:
    """Binary report for complaint detection: the complaint class's F1, precision and recall, plus macro."""
    predicted = [COMPLAINT if s >= threshold else "not_complaint" for s in scores]
    report = classification_report(gold, predicted, known=(COMPLAINT, "not_complaint"))
    positive = report["per_class"].get(COMPLAINT, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
    report.update(
        threshold=threshold,
        f1=positive["f1"],
        precision=positive["precision"],
        recall=positive["recall"],
        calibration=calibration_report(gold, scores),
    )
    return report


def calibration_report(gold: Sequence[str], scores: Sequence[float], bins: int = 10) -> dict[str, float]:
    """How far the complaint probability is from the observed frequency: Brier score and expected
    calibration error (ECE: per-bin |mean score - share of complaints|, weighted by the bin's size)."""
    if not scores:
        return {"brier": 0.0, "ece": 0.0}
    truth = np.array([g == COMPLAINT for g in gold], dtype=float)
    prob = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    which = np.minimum((prob * bins).astype(int), bins - 1)
    ece = sum(
        abs(prob[which == b].mean() - truth[which == b].mean()) * (which == b).sum()
        for b in range(bins)
        if (which == b).any()
    ) / len(prob)
    return {"brier": float(np.mean((prob - truth) ** 2)), "ece": float(ece)}


def function_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    return classification_report(gold, predicted)
