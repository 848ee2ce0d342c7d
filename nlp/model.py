"""The complaint model: one shared vectoriser, a complaint detector and a function classifier.

Saved with skops (no pickle): loading checks every type in the file against an allow-list, so a model file
from an untrusted path cannot run code.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from scipy.sparse import csr_matrix
from sklearn.svm import LinearSVC

from nlp.features import TokenVectoriser
from nlp.text import tokens

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "nlp.", "builtins.", "collections.")


@dataclass(frozen=True)
class Prediction:
    complaint_score: float
    function: str
    function_score: float
    function_alternatives: list[tuple[str, float]]
    top_terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Detector:
    """A complaint detector and its Platt calibration: ``sigmoid(slope * decision + intercept)``."""

    classifier: LinearSVC
    calibration: tuple[float, float]

    def scores(self, features: csr_matrix) -> np.ndarray:
        slope, intercept = self.calibration
        raw = self.classifier.decision_function(features)
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-(slope * raw + intercept)))
        return probabilities


class ComplaintModel:
    """Vectoriser + detector (complaint vs not) + function classifier, with a version string.

    Social-media posts are scored by a detector of their own where the model has one (``social``): fitted on
    labelled posts only, so what it learns about posts cannot move the scores of news and letters."""

    def __init__(
        self,
        vectoriser: TokenVectoriser,
        detector: LinearSVC,
        function_classifier: LinearSVC,
        version: str,
        calibration: tuple[float, float],
        function_scale: float,
        social: Detector | None = None,
    ) -> None:
        self.vectoriser = vectoriser
        self.detector = detector
        self.function_classifier = function_classifier
        self.version = version
        self.calibration = calibration
        self.function_scale = function_scale  # function probabilities = softmax(scale * decision scores)
        self.social = social
        self._news = Detector(detector, calibration)  # news, letters: every text not marked social
        names = vectoriser.feature_names()
        # stems ("~perbaik") explain nothing to an operator: only words and word pairs are shown
        self._shown = np.array([not name.startswith("~") for name in names])
        self._names = np.asarray(names)

    def _explain(self, features: csr_matrix, i: int, detector: LinearSVC, n: int = 6) -> list[str]:
        """The words and word pairs that pushed text ``i`` most towards 'complaint' in ``detector``."""
        start, end = features.indptr[i], features.indptr[i + 1]
        shown = self._shown[features.indices[start:end]]
        indices = features.indices[start:end][shown]
        if indices.size == 0:
            return []
        contributions = features.data[start:end][shown] * detector.coef_[0][indices]
        order = np.argsort(-contributions)[:n]
        return [str(self._names[indices[i]]) for i in order if contributions[i] > 0]

    def predict(self, texts: Sequence[str], social: Sequence[bool] | None = None) -> list[Prediction]:
        return self.predict_tokens([tokens(text) for text in texts], social=social)

    def predict_tokens(
        self,
        documents: Sequence[list[str]],
        explain_from: float = 0.0,
        social: Sequence[bool] | None = None,
    ) -> list[Prediction]:
        """Predictions for texts already tokenised with ``nlp.text.tokens``; the terms that explain the score
        are found for texts scoring at least ``explain_from`` (triage skips the clear non-complaints).
        ``social`` marks the social-media posts among them (none when not given)."""
        if not documents:
            return []
        features = self.vectoriser.transform_tokens(documents)
        posts = np.zeros(len(documents), dtype=bool)
        if social is not None and self.social is not None:
            posts = np.asarray(social, dtype=bool)
            if posts.shape != (len(documents),):
                raise ValueError(f"{len(documents)} documents but {posts.size} social flags")
        complaint = self._news.scores(features)
        if posts.any() and self.social is not None:
            complaint[posts] = self.social.scores(features[posts])
        # no known word is no evidence: the bare intercept would call an empty or emoji-only post a complaint
        complaint[np.diff(features.indptr) == 0] = 0.0
        function_probs = self._function_probabilities(features)
        classes = self.function_classifier.classes_
        results = []
        for i in range(len(documents)):
            order = np.argsort(-function_probs[i])[:3]
            alternatives = [(str(classes[j]), float(function_probs[i, j])) for j in order]
            results.append(
                Prediction(
                    complaint_score=float(complaint[i]),
                    function=alternatives[0][0],
                    function_score=alternatives[0][1],
                    function_alternatives=alternatives,
                    top_terms=(
                        self._explain(features, i, self._detector(bool(posts[i])))
                        if complaint[i] >= explain_from
                        else []
                    ),
                )
            )
        return results

    def _detector(self, social: bool) -> LinearSVC:
        return self.social.classifier if social and self.social is not None else self.detector

    def _function_probabilities(self, features: csr_matrix) -> np.ndarray:
        z: np.ndarray = self.function_scale * self.function_classifier.decision_function(features)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        probs: np.ndarray = z / z.sum(axis=1, keepdims=True)
        return probs

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(
            {
                "vectoriser": self.vectoriser,
                "detector": self.detector,
                "function_classifier": self.function_classifier,
                "version": self.version,
                "calibration": list(self.calibration),
                "function_scale": self.function_scale,
                **(
                    {
                        "social_detector": self.social.classifier,
                        "social_calibration": list(self.social.calibration),
                    }
                    if self.social is not None
                    else {}
                ),
            },
            path,
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=9,
        )

    @classmethod
    def load(cls, path: Path) -> ComplaintModel:
        """Load a model saved by ``save``; refuses any type outside the allow-list."""
        if not path.exists():
            raise FileNotFoundError(f"no model at {path}: run `pantau train`")
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise ValueError(f"{path} contains types that are not allowed: {unexpected}")
        bundle: dict[str, Any] = sio.load(path, trusted=untrusted)
        slope, intercept = bundle["calibration"]
        social = None
        if "social_detector" in bundle:  # models trained before issue 12 have one detector for every text
            social_slope, social_intercept = bundle["social_calibration"]
            social = Detector(bundle["social_detector"], (float(social_slope), float(social_intercept)))
        return cls(
            bundle["vectoriser"],
            bundle["detector"],
            bundle["function_classifier"],
            bundle["version"],
            (float(slope), float(intercept)),
            float(bundle["function_scale"]),
            social,
        )
