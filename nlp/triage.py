"""Triage: one call that says what a text is: complaint score and band, function, place, agency, why.

Pure over strings and configuration; ``flows.triage_service`` feeds it Documents and stores the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from config.catalog import Catalog
from nlp.gazetteer import Gazetteer, Location
from nlp.model import ComplaintModel
from nlp.routing import RouteChoice, route

COMPLAINT, REVIEW, NOT_COMPLAINT = "complaint", "review", "not_complaint"


@dataclass(frozen=True)
class TriageInput:
    text: str
    region_code: str
    title: str = ""


@dataclass(frozen=True)
class Triage:
    complaint_score: float
    band: str
    function: str
    function_score: float
    location: Location | None
    routes: list[RouteChoice]
    model_version: str
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def agency_code(self) -> str | None:
        return self.routes[0].agency_code if self.routes else None


class Triager:
    def __init__(
        self, model: ComplaintModel, catalog: Catalog, complaint_threshold: float, review_threshold: float
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.complaint_threshold = complaint_threshold
        self.review_threshold = review_threshold
        self.gazetteers = {code: Gazetteer(region.gazetteer) for code, region in catalog.regions.items()}

    def band(self, score: float) -> str:
        if score >= self.complaint_threshold:
            return COMPLAINT
        return REVIEW if score >= self.review_threshold else NOT_COMPLAINT

    def triage(self, items: Sequence[TriageInput]) -> list[Triage]:
        texts = [f"{item.title}\n{item.text}".strip() for item in items]
        predictions = self.model.predict(texts)
        results = []
        for item, text, prediction in zip(items, texts, predictions, strict=True):
            region = self.catalog.regions[item.region_code]
            location = self.gazetteers[item.region_code].locate(text)
            routes = route(region, prediction.function_alternatives)
            results.append(
                Triage(
                    complaint_score=prediction.complaint_score,
                    band=self.band(prediction.complaint_score),
                    function=prediction.function,
                    function_score=prediction.function_score,
                    location=location,
                    routes=routes,
                    model_version=self.model.version,
                    explanation={
                        "terms": prediction.top_terms,
                        "place_evidence": location.evidence if location else [],
                        "thresholds": {
                            "complaint": self.complaint_threshold,
                            "review": self.review_threshold,
                        },
                    },
                )
            )
        return results
