"""Training, as a declared workflow: prepare -> train -> evaluate -> package (model + model card).

Reproducible: fixed seeds, inputs in a fixed order, the held-out split a function of each example's key.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from nlp.datasets import (
    COMPLAINT,
    Example,
    infrastructure_tweets,
    social_pool,
    sp4n_tweets,
    surabaya,
    team_news,
)
from nlp.features import TokenVectoriser, build_vectoriser
from nlp.metrics import detection_report, function_report
from nlp.model import ComplaintModel, Detector
from nlp.news_pages import news_pages

SEED = 20261122
SURABAYA_FOR_DETECTION = 4000  # cap so that formal Surabaya letters do not swamp posts and news
TWEET_WEIGHT = 5.0  # weight of labelled social posts in the detector: its hardest, thinnest origin
SOCIAL_C = 0.5  # the social detector's C, chosen by cross-validation (bench/detector_experiments.py)
# The social pool trains only the social detector: in the shared one it cost news recall (docs/model.md).
SOCIAL_ONLY_ORIGINS = frozenset({"social_pool"})
SOCIAL_CALIBRATION_ORIGIN = "social_pool"


@dataclass(frozen=True)
class TrainingData:
    detection_train: list[Example]
    function_train: list[Example]
    held_out: list[Example]

    def digest(self) -> str:
        h = hashlib.sha256()
        for example in [*self.detection_train, *self.function_train, *self.held_out]:
            h.update(f"{example.key}\t{example.label}\t{example.function}\n".encode())
        return h.hexdigest()


def team_labelled(data_dir: Path) -> list[Example]:
    """Every text the team labelled by reading (posts, news pages, team news): all but Surabaya's letters."""
    return [
        *infrastructure_tweets(data_dir),
        *sp4n_tweets(data_dir),
        *social_pool(data_dir),
        *news_pages(data_dir),
        *team_news(),
    ]


def prepare(data_dir: Path, extra: Sequence[Example] = ()) -> TrainingData:
    """The training data; ``extra`` are further labelled examples (operators' feedback, keyed by text id),
    split into training and held-out like every labelled source."""
    sby = surabaya(data_dir)
    labelled = [*team_labelled(data_dir), *extra]
    everything = [*sby, *labelled]
    held_out = [e for e in everything if e.held_out]
    sby_train = [e for e in sby if not e.held_out]
    rng = random.Random(SEED)
    sby_detection = rng.sample(sby_train, min(SURABAYA_FOR_DETECTION, len(sby_train)))
    labelled_train = [e for e in labelled if not e.held_out]
    function_train = [*sby_train, *(e for e in labelled_train if e.label == COMPLAINT and e.function)]
    return TrainingData([*sby_detection, *labelled_train], function_train, held_out)


def train(data: TrainingData) -> ComplaintModel:
    texts = [e.text for e in data.detection_train]
    vectoriser = build_vectoriser().fit([*texts, *(e.text for e in data.function_train)])
    shared = [e for e in data.detection_train if e.origin not in SOCIAL_ONLY_ORIGINS]
    features = vectoriser.transform([e.text for e in shared])
    gold = [int(e.label == COMPLAINT) for e in shared]
    weights = np.array([TWEET_WEIGHT if e.origin == "infra_tweets" else 1.0 for e in shared])
    detector = LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)
    calibration = platt_calibration(detector, features, gold, weights)
    detector.fit(features, gold, sample_weight=weights)
    social = train_social_detector(vectoriser, [e for e in data.detection_train if e.social])
    function_features = vectoriser.transform([e.text for e in data.function_train])
    function_gold = [e.function or "LAINNYA" for e in data.function_train]
    function_classifier = LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)
    function_scale = softmax_scale(function_classifier, function_features, function_gold)
    function_classifier.fit(function_features, function_gold)
    for classifier in (detector, function_classifier, *([social.classifier] if social else [])):
        classifier.coef_ = classifier.coef_.astype("float32")
    version = f"tfidf-svc-{datetime.now(UTC):%Y%m%d}-{data.digest()[:8]}"
    return ComplaintModel(
        vectoriser, detector, function_classifier, version, calibration, function_scale, social
    )


def train_social_detector(vectoriser: TokenVectoriser, posts: list[Example]) -> Detector | None:
    """The detector of social-media posts, fitted on labelled posts alone (None without both kinds). Its
    scores are mapped to probabilities on the social pool's posts where there are some: a sample of whole
    streams (comments under official accounts, searches, chatter), where the infrastructure tweets were
    picked by keywords and hold three times as many complaints."""
    gold = [int(e.label == COMPLAINT) for e in posts]
    if len(set(gold)) < 2 or min(gold.count(0), gold.count(1)) < 5:  # too few to calibrate on 5 folds
        return None
    features = vectoriser.transform([e.text for e in posts])
    detector = LinearSVC(C=SOCIAL_C, class_weight="balanced", random_state=SEED)
    stream = [e.origin == SOCIAL_CALIBRATION_ORIGIN for e in posts]
    fit_on = stream if len({g for g, s in zip(gold, stream, strict=True) if s}) == 2 else None
    calibration = platt_calibration(detector, features, gold, fit_on=fit_on)
    detector.fit(features, gold)
    return Detector(detector, calibration)


def platt_calibration(
    detector: LinearSVC,
    features: csr_matrix,
    gold: list[int],
    weights: np.ndarray | None = None,
    fit_on: Sequence[bool] | None = None,
) -> tuple[float, float]:
    """Platt scaling fitted on out-of-fold decision scores: (slope, intercept) so that
    ``sigmoid(slope * score + intercept)`` is a probability. The class and sample weights that help the
    detector find rare complaints make its raw scores too eager; this maps them back to observed
    frequencies. ``fit_on`` limits the mapping to the examples whose frequencies it should match."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    params = {"sample_weight": weights} if weights is not None else None
    scores = cross_val_predict(detector, features, gold, cv=folds, method="decision_function", params=params)
    rows = np.ones(len(gold), dtype=bool) if fit_on is None else np.asarray(fit_on, dtype=bool)
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(
        np.asarray(scores)[rows].reshape(-1, 1), np.asarray(gold)[rows]
    )
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def softmax_scale(classifier: LinearSVC, features: csr_matrix, gold: list[str]) -> float:
    """The factor that turns the function classifier's decision scores into probabilities
    (``softmax(scale * scores)``): the one with the lowest log-loss on out-of-fold scores."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    scores = np.asarray(cross_val_predict(classifier, features, gold, cv=folds, method="decision_function"))
    truth = np.searchsorted(np.unique(gold), gold)

    def log_loss(scale: float) -> float:
        z = scale * scores
        z -= z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(truth)), truth].mean())

    return min((float(s) for s in np.geomspace(0.5, 50, 41)), key=log_loss)


def evaluate_held_out(model: ComplaintModel, data: TrainingData) -> dict[str, Any]:
    held = data.held_out
    predictions = model.predict([e.text for e in held], social=[e.social for e in held])
    detection = detection_report(
        [e.label for e in held], [p.complaint_score for p in predictions], threshold=0.5
    )
    complaints = [
        (e, p) for e, p in zip(held, predictions, strict=True) if e.label == COMPLAINT and e.function
    ]
    function = function_report([e.function or "" for e, _ in complaints], [p.function for _, p in complaints])
    by_origin = {}
    for origin in sorted({e.origin for e in held}):
        pairs = [(e, p) for e, p in zip(held, predictions, strict=True) if e.origin == origin]
        by_origin[origin] = detection_report(
            [e.label for e, _ in pairs], [p.complaint_score for _, p in pairs], threshold=0.5
        )
    return {"detection": detection, "function": function, "detection_by_origin": by_origin}


def package(model: ComplaintModel, data: TrainingData, metrics: dict[str, Any], model_path: Path) -> Path:
    """Save the model and write its card (``.card.json``) beside it."""
    model.save(model_path)
    card = {
        "version": model.version,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_digest": data.digest(),
        "data": {
            "detection_train": dict(Counter(f"{e.origin}:{e.label}" for e in data.detection_train)),
            "function_train": len(data.function_train),
            "held_out": dict(Counter(f"{e.origin}:{e.label}" for e in data.held_out)),
        },
        "held_out_metrics": metrics,
        "size_bytes": model_path.stat().st_size,
    }
    card_path = model_path.with_suffix(".card.json")
    card_path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return card_path
