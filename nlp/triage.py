"""Triage: one call that says what a text is: complaint score and band, function, place, agency, urgency,
watchlists, and why.

Pure over strings and configuration; ``flows.triage_service`` feeds it Documents and stores the results.
A text is tokenised once (``nlp.text.tokens``) for the model, the watchlists, the urgency and vertical rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from config.catalog import Catalog, Region
from nlp.foreign_places import ForeignPlace, ForeignPlaceFinder
from nlp.gazetteer import Gazetteer, Location
from nlp.model import ComplaintModel, Prediction
from nlp.phrases import Tokens
from nlp.redact import redact_values
from nlp.routing import RouteChoice, route, vertical_choice
from nlp.rules import URGENT_PRIORITY, RegionRules, UrgencyRule, compile_rules, urgency_matches
from nlp.streets import find_streets
from nlp.text import tokens
from nlp.watchlist import WatchDocument, WatchlistHit

COMPLAINT, REVIEW, NOT_COMPLAINT = "complaint", "review", "not_complaint"
IN_REGION, OUTSIDE_REGION, PLACE_UNKNOWN = "in_region", "outside_region", "unknown"


@dataclass(frozen=True)
class TriageInput:
    text: str
    region_code: str
    title: str = ""
    source_slug: str = ""
    social: bool = False  # a social-media post: scored by the model's social detector


@dataclass(frozen=True)
class Triage:
    complaint_score: float
    band: str
    function: str
    function_score: float
    location: Location | None
    routes: list[RouteChoice]
    model_version: str
    place_status: str = PLACE_UNKNOWN
    outside: ForeignPlace | None = None
    streets: list[str] = field(default_factory=list)
    urgent: bool = False
    watchlists: list[WatchlistHit] = field(default_factory=list)
    priority: int = 0
    explanation: dict[str, Any] = field(default_factory=dict)
    words: list[str] = field(default_factory=list, repr=False)  # ``nlp.text.tokens``: reused by clustering

    @property
    def agency_code(self) -> str | None:
        return self.routes[0].agency_code if self.routes else None


def triage_text(title: str, text: str) -> str:
    """The text triage reads of a document: its title, then its body."""
    return f"{title}\n{text}".strip()


def watch_document(
    words: Sequence[str], region: Region, place_names: Iterable[str | None], source_slug: str, function: str
) -> WatchDocument:
    """A text's words as the watchlists see them, with the region's name and the kecamatan and desa it names
    for ``wilayah:``; the console's watchlist preview builds its documents here too, so it tells the truth."""
    names = [region.definition.name, *(name for name in place_names if name)]
    return WatchDocument.from_tokens(words, region.code, names, source_slug, function)


def place_status(location: Location | None, outside: list[ForeignPlace], streets: list[str]) -> str:
    """In the region when it names one of its places (or only a street, with no other region named);
    outside ("bukan wewenang") when it names only another region; else unknown ("lokasi belum diketahui")."""
    if location is not None:
        return IN_REGION
    if outside:
        return OUTSIDE_REGION
    return IN_REGION if streets else PLACE_UNKNOWN


class Triager:
    def __init__(
        self, model: ComplaintModel, catalog: Catalog, complaint_threshold: float, review_threshold: float
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.complaint_threshold = complaint_threshold
        self.review_threshold = review_threshold
        self.gazetteers = {code: Gazetteer(region.gazetteer) for code, region in catalog.regions.items()}
        self.foreign = {code: ForeignPlaceFinder(code) for code in catalog.regions}
        rules = compile_rules(catalog)  # already checked when the catalog loaded: the queries are reused
        self.rules: dict[str, RegionRules] = rules.regions
        self.urgency: tuple[UrgencyRule, ...] = rules.urgency
        self.urgent_functions = frozenset(code for code, f in catalog.functions.items() if f.urgent)

    def use_region(self, region: Region, rules: RegionRules) -> None:
        """Triage the region's next texts with ``region`` (its routing table) and ``rules`` (its watchlists):
        configuration changed in the console (``flows.console_config``), the model stays loaded."""
        self.catalog = replace(self.catalog, regions={**self.catalog.regions, region.code: region})
        self.rules[region.code] = rules

    def band(self, score: float) -> str:
        if score >= self.complaint_threshold:
            return COMPLAINT
        return REVIEW if score >= self.review_threshold else NOT_COMPLAINT

    def triage(self, items: Sequence[TriageInput]) -> list[Triage]:
        texts = [triage_text(item.title, item.text) for item in items]
        words = [tokens(text) for text in texts]
        predictions = self.model.predict_tokens(
            words, explain_from=self.review_threshold, social=[item.social for item in items]
        )
        return [
            self._one(item, text, doc_words, prediction)
            for item, text, doc_words, prediction in zip(items, texts, words, predictions, strict=True)
        ]

    def _one(self, item: TriageInput, text: str, words: list[str], prediction: Prediction) -> Triage:
        """One text's triage. What only matters for an item someone will look at (places, streets, vertical
        bodies, urgency) is skipped for the "not a complaint" band, most of the stream."""
        region = self.catalog.regions[item.region_code]
        band = self.band(prediction.complaint_score)
        relevant = band != NOT_COMPLAINT
        split = Tokens.split(text) if relevant else None
        location = self.gazetteers[item.region_code].locate_in(split) if split is not None else None
        outside = self.foreign[item.region_code].find_in(split) if split is not None and not location else []
        streets = find_streets(text) if relevant else []
        places = (location.kecamatan_name, location.desa_name) if location is not None else ()
        doc = watch_document(words, region, places, item.source_slug, prediction.function)
        rules = self.rules[item.region_code]
        routes = route(region, prediction.function_alternatives)
        vertical = rules.vertical_agency(prediction.function, doc) if relevant else None
        if vertical is not None:
            routes = vertical_choice(
                region, vertical[0], prediction.function, prediction.function_score, routes
            )
        urgency = urgency_matches(self.urgency, doc) if relevant else []
        urgent = relevant and (bool(urgency) or prediction.function in self.urgent_functions)
        hits = rules.watchlist_hits(doc)
        status = place_status(location, outside, streets)
        return Triage(
            complaint_score=prediction.complaint_score,
            band=band,
            function=prediction.function,
            function_score=prediction.function_score,
            location=location,
            routes=routes,
            model_version=self.model.version,
            place_status=status,
            outside=outside[0] if status == OUTSIDE_REGION else None,
            streets=streets,
            urgent=urgent,
            watchlists=hits,
            priority=(URGENT_PRIORITY if urgent else 0) + sum(hit.priority for hit in hits),
            # what the operator is shown of why: words of the text, so redacted like every text leaving Pantau
            explanation=redact_values(
                {
                    "terms": prediction.top_terms,
                    "place_evidence": location.evidence if location else [],
                    "outside_evidence": [f"{p.name} ({p.evidence})" for p in outside[:3]],
                    "streets": streets,
                    "urgency": urgency,
                    "urgent_function": prediction.function in self.urgent_functions,
                    "vertical": {"agency": vertical[0], "terms": vertical[1]} if vertical else None,
                    "watchlists": [{"name": h.name, "terms": h.terms, "priority": h.priority} for h in hits],
                    "thresholds": {"complaint": self.complaint_threshold, "review": self.review_threshold},
                    "model_version": self.model.version,
                }
            ),
            words=words,
        )
