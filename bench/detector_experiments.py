"""Candidate recipes for the complaint detector, compared by 5-fold cross-validation inside the training split
(the held-out split is never read here; ``python -m nlp.eval_gate`` scores the final candidate on it).

    .venv/bin/python bench/detector_experiments.py [--candidates NAME ...] [--curve] [--json OUT]

The examples are ``nlp.train.prepare``'s detection training set, which holds the training split of the team's
labelled social pool (``nlp.datasets.social_pool``): each text once, so no fold sees its own text. Each
candidate trains on four folds (the vectoriser too) and predicts the fifth; reported per origin: F1, precision
and recall at the 0.5 threshold of the Platt-calibrated score, as ``nlp.train.train`` makes it, and the best
F1 any threshold reaches (how well the scores rank). Results are recorded in docs/model.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from report_json import emit
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from config.settings import get_settings
from nlp.datasets import COMPLAINT, Example
from nlp.features import build_vectoriser
from nlp.metrics import detection_report
from nlp.text import normalise, tokens
from nlp.train import SEED, platt_calibration, prepare, train_social_detector

Weights = Callable[[Example], float]


@dataclass(frozen=True)
class Candidate:
    name: str
    weight: Weights
    origins: frozenset[str] | None = None  # train only on these origins (None: all)
    c: float = 0.5
    characters: bool = False  # add TF-IDF over character 2-5-grams within words to the token features
    cues: bool = False  # add the cue categories of a post (``CUES``) and every pair of them
    mlp: bool = False  # a small neural network (one hidden layer of 64) instead of the linear SVM
    calibrate_on: frozenset[str] | None = None  # fit the Platt mapping on these origins' scores (None: all)


def _weight(social: float, infra: float = 5.0) -> Weights:
    def weight(example: Example) -> float:
        return {"infra_tweets": infra, "social_pool": social}.get(example.origin, 1.0)

    return weight


SOCIAL = frozenset({"infra_tweets", "sp4n_tweets", "social_pool"})
CANDIDATES = {
    "without_social_pool": Candidate(
        "without_social_pool",
        _weight(1.0),
        frozenset({"surabaya", "infra_tweets", "sp4n_tweets", "news_pages", "team_news"}),
    ),
    "social_pool_x1": Candidate("social_pool_x1", _weight(1.0)),
    "social_pool_x3": Candidate("social_pool_x3", _weight(3.0)),
    "social_pool_x5": Candidate("social_pool_x5", _weight(5.0)),
    "social_pool_x3_c1": Candidate("social_pool_x3_c1", _weight(3.0), c=1.0),
    "social_pool_x3_c025": Candidate("social_pool_x3_c025", _weight(3.0), c=0.25),
    "social_pool_x3_characters": Candidate("social_pool_x3_characters", _weight(3.0), characters=True),
    "social_pool_x3_cues": Candidate("social_pool_x3_cues", _weight(3.0), cues=True),
    "social_only_cues": Candidate("social_only_cues", _weight(1.0, 1.0), SOCIAL, cues=True),
    "social_only_mlp": Candidate("social_only_mlp", _weight(1.0, 1.0), SOCIAL, mlp=True),
    "social_only": Candidate("social_only", _weight(1.0, 1.0), SOCIAL),
    "social_only_pool_calibrated": Candidate(
        "social_only_pool_calibrated", _weight(1.0, 1.0), SOCIAL, calibrate_on=frozenset({"social_pool"})
    ),
    "pool_only": Candidate("pool_only", _weight(1.0, 1.0), frozenset({"social_pool"})),
    "social_only_infra_x3": Candidate(
        "social_only_infra_x3", _weight(1.0, 3.0), SOCIAL, calibrate_on=frozenset({"social_pool"})
    ),
    "social_and_letters": Candidate(
        "social_and_letters",
        _weight(1.0, 1.0),
        SOCIAL | {"surabaya"},
        calibrate_on=frozenset({"social_pool"}),
    ),
    "social_only_characters": Candidate("social_only_characters", _weight(1.0, 1.0), SOCIAL, characters=True),
    "social_only_c1": Candidate("social_only_c1", _weight(1.0, 1.0), SOCIAL, c=1.0),
}


# Cue categories of a post, as words after ``nlp.text.tokens`` (slang already mapped: "udah" -> "sudah").
CUES = {
    "failure": {"error", "eror", "gagal", "rusak", "mati", "padam", "bocor", "macet", "mogok", "telat",
                "delay", "terlambat", "lambat", "lemot", "hilang", "salah", "ditolak", "kosong", "berantakan",
                "ambruk", "putus", "numpuk", "menumpuk", "bau", "kotor", "dilewati", "ngebut", "ugal",
                "kasar", "down"},
    "not_yet": {"belum", "tidak", "gabisa", "bisa"},
    "waiting": {"nunggu", "menunggu", "tunggu", "antri", "antre", "lama", "dari", "sejak"},
    "time": {"jam", "menit", "hari", "minggu", "bulan", "kemarin", "tadi", "sudah"},
    "first_person": {"saya", "aku", "gw", "gue", "kami", "sy", "aq", "ku", "kita"},
    "question": {"kok", "kenapa", "knp", "gimana", "gmn", "kapan", "mana", "apakah", "apa"},
    "request": {"tolong", "mohon", "harap", "minta", "segera", "please", "pls", "dibantu"},
    "addressing": {"min", "admin", "mimin", "pak", "bu", "kak"},
    "anger": {"kecewa", "parah", "kesel", "kesal", "anjir", "payah", "buruk", "jelek", "capek", "cape",
              "ribet"},
    "praise": {"terima", "makasih", "terimakasih", "mantap", "bagus", "keren", "semangat", "sukses", "hebat"},
    "info": {"cara", "syarat", "jadwal", "info", "informasi", "berapa", "dimana", "bagaimana", "link"},
    "reply": {"maaf", "ketidaknyamanan", "silakan", "dm", "hai", "halo"},
}  # fmt: skip
CUE_NAMES = sorted(CUES)
CUE_PAIRS = [(a, b) for i, a in enumerate(CUE_NAMES) for b in CUE_NAMES[i + 1 :]]


def cue_features(texts: list[str]) -> csr_matrix:
    """One row per text: each cue category present, each pair present, a question mark, an exclamation."""
    rows = []
    for text in texts:
        words = set(tokens(text))
        present = {name for name in CUE_NAMES if words & CUES[name]}
        row = [float(name in present) for name in CUE_NAMES]
        row += [float(a in present and b in present) for a, b in CUE_PAIRS]
        row += [float("?" in text), float("!" in text)]
        rows.append(row)
    return csr_matrix(np.array(rows, dtype=np.float32) * 0.3)


class Features:
    """The production token features, optionally beside character n-grams (sklearn, slower) and cues."""

    def __init__(self, characters: bool, cues: bool = False) -> None:
        self.cues = cues
        self.tokens = build_vectoriser()
        self.characters = (
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=200_000
            )
            if characters
            else None
        )

    def fit(self, texts: list[str]) -> Features:
        self.tokens.fit(texts)
        if self.characters is not None:
            self.characters.fit([normalise(t) for t in texts])
        return self

    def transform(self, texts: list[str]) -> csr_matrix:
        parts = [self.tokens.transform(texts)]
        if self.characters is not None:
            parts.append(self.characters.transform([normalise(t) for t in texts]))
        if self.cues:
            parts.append(cue_features(texts))
        made: csr_matrix = hstack(parts).tocsr()
        return made


def cross_validate(
    examples: list[Example], candidate: Candidate, errors: Path | None = None, worst: int = 50
) -> dict[str, Any]:
    gold = np.array([int(e.label == COMPLAINT) for e in examples])
    strata = [f"{e.origin}:{e.label}" for e in examples]
    scores = np.zeros(len(examples))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train_index, test_index in folds.split(np.zeros(len(examples)), strata):
        train = [examples[i] for i in train_index]
        if candidate.origins is not None:
            train = [e for e in train if e.origin in candidate.origins]
        texts = [e.text for e in train]
        vectoriser = Features(candidate.characters, candidate.cues).fit(texts)
        features = vectoriser.transform(texts)
        labels = [int(e.label == COMPLAINT) for e in train]
        weights = np.array([candidate.weight(e) for e in train])
        held = vectoriser.transform([examples[i].text for i in test_index])
        if candidate.mlp:  # its own probabilities; no sample weights in sklearn's MLP
            network = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=40, random_state=SEED)
            scores[test_index] = network.fit(features, labels).predict_proba(held)[:, 1]
            continue
        detector = LinearSVC(C=candidate.c, class_weight="balanced", random_state=SEED)
        on = None if candidate.calibrate_on is None else [e.origin in candidate.calibrate_on for e in train]
        slope, intercept = platt_calibration(detector, features, labels, weights, on)
        detector.fit(features, labels, sample_weight=weights)
        raw = detector.decision_function(held)
        scores[test_index] = 1 / (1 + np.exp(-(slope * raw + intercept)))
    if errors is not None:
        _write_errors(examples, gold, scores, errors, worst)
    by_origin: dict[str, Any] = {}
    for origin in sorted({e.origin for e in examples}):
        mask = np.array([e.origin == origin for e in examples])
        by_origin[origin] = score_report(gold[mask], scores[mask])
    return by_origin


def _write_errors(
    examples: list[Example], gold: np.ndarray, scores: np.ndarray, out: Path, worst: int
) -> None:
    """The ``worst`` social-pool posts the candidate got most confidently wrong, out of fold, as a CSV to read
    (id, gold label, score, text): for error analysis on this machine only, never committed (the texts have no
    licence)."""
    wrong = [
        (abs(float(scores[i]) - float(gold[i])), i)
        for i, e in enumerate(examples)
        if e.origin == "social_pool" and (scores[i] >= 0.5) != bool(gold[i])
    ]
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "gold", "score", "text"])
        for _, i in sorted(wrong, reverse=True)[:worst]:
            writer.writerow([examples[i].key, examples[i].label, f"{scores[i]:.3f}", examples[i].text])


CURVE_SHARES = (0.25, 0.5, 0.75, 1.0)


def learning_curve(examples: list[Example]) -> dict[str, Any]:
    """The chosen recipe of posts (``nlp.train.train_social_detector``) trained on a share of each training
    fold's posts (a random subset; 5 folds of the labelled posts): whether more labels would still pay."""
    posts = [e for e in examples if e.social]
    gold = np.array([int(e.label == COMPLAINT) for e in posts])
    pool = np.array([e.origin == "social_pool" for e in posts])
    folds = post_folds(posts)
    curve = {}
    for share in CURVE_SHARES:
        scores = np.zeros(len(posts))
        for train_index, test_index in folds:
            chosen = np.random.default_rng(SEED).permutation(train_index)[: int(len(train_index) * share)]
            train = [posts[i] for i in chosen]
            vectoriser = build_vectoriser().fit([e.text for e in train])
            detector = train_social_detector(vectoriser, train)
            assert detector is not None
            scores[test_index] = detector.scores(vectoriser.transform([posts[i].text for i in test_index]))
        curve[str(share)] = score_report(gold[pool], scores[pool])
    return curve


def post_folds(posts: list[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Five folds of labelled posts, stratified by origin and label (``bench/encoder_experiment.py`` scores
    fold 0 of the same folds)."""
    strata = [f"{e.origin}:{e.label}" for e in posts]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    return list(folds.split(np.zeros(len(posts)), strata))


def score_report(gold: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """F1, precision and recall at 0.5 (``nlp.metrics.detection_report``), and the best F1 any threshold
    reaches, with that threshold."""
    report = detection_report(
        [COMPLAINT if g else "not_complaint" for g in gold], list(scores), threshold=0.5
    )
    figures = {key: round(float(report[key]), 3) for key in ("f1", "precision", "recall")}
    figures["best_f1"], figures["at"] = _best_f1(gold, scores)
    return figures


def _best_f1(gold: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """The highest F1 any threshold reaches, and that threshold: how well the scores rank, apart from where
    the production threshold cuts."""
    best = (0.0, 0.5)
    for threshold in np.arange(0.05, 0.96, 0.05):
        predicted = scores >= threshold
        tp = int((predicted & (gold == 1)).sum())
        f1 = 2 * tp / max(int(predicted.sum()) + int(gold.sum()), 1)
        best = max(best, (round(f1, 3), round(float(threshold), 2)))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES), choices=list(CANDIDATES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--curve", action="store_true", help="the learning curve of the chosen recipe only")
    parser.add_argument(
        "--errors", type=Path, help="write each candidate's 50 worst social-pool errors here (NAME is added)"
    )
    args = parser.parse_args(argv)
    data_dir = get_settings().shared_data_dir
    examples = prepare(data_dir).detection_train
    assert len({e.key for e in examples}) == len(examples), "a text twice would leak across folds"
    results: dict[str, Any] = {}
    if args.curve:
        results["learning_curve"] = learning_curve(examples)
        args.candidates = []
    for name in args.candidates:
        started = time.perf_counter()
        errors = args.errors.with_name(f"{args.errors.stem}-{name}.csv") if args.errors else None
        results[name] = cross_validate(examples, CANDIDATES[name], errors)
        results[name]["seconds"] = round(time.perf_counter() - started, 1)
        print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
