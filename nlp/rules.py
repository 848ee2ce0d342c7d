"""The configured rules, compiled once: watchlists and vertical-body rules of a region, urgency rules.

All three are written in the watchlist query language (``nlp.watchlist``), so Diskominfo learns one syntax;
a query that does not parse is a configuration error pointing at its file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from config.catalog import Catalog, Region
from config.yaml_source import YamlDocument
from nlp.watchlist import (
    Query,
    QuerySyntaxError,
    WatchDocument,
    Watchlist,
    WatchlistHit,
    match_watchlists,
    parse,
)


@dataclass(frozen=True)
class VerticalRule:
    agency_code: str
    query: Query
    functions: frozenset[str]

    def applies(self, function: str, doc: WatchDocument) -> bool:
        return (not self.functions or function in self.functions) and self.query.matches(doc)


@dataclass(frozen=True)
class UrgencyRule:
    name: str
    query: Query


@dataclass(frozen=True)
class RegionRules:
    watchlists: tuple[Watchlist, ...]
    vertical: tuple[VerticalRule, ...]

    def watchlist_hits(self, doc: WatchDocument) -> list[WatchlistHit]:
        return match_watchlists(self.watchlists, doc)

    def vertical_agency(self, function: str, doc: WatchDocument) -> tuple[str, list[str]] | None:
        """The vertical body the text belongs to, with the terms that said so (first matching rule wins)."""
        for rule in self.vertical:
            if rule.applies(function, doc):
                return rule.agency_code, rule.query.evidence(doc)
        return None


def _checked(query: str, document: YamlDocument | None, loc: Sequence[str | int]) -> None:
    try:
        parse(query)
    except QuerySyntaxError as exc:
        if document is None:
            raise
        raise document.error(loc, f"query does not parse:\n{exc}") from None


def compile_region(region: Region) -> RegionRules:
    definition, document = region.definition, region.document
    for i, item in enumerate(definition.watchlists):
        _checked(item.query, document, ["watchlists", i, "query"])
    for i, rule in enumerate(definition.vertical):
        _checked(rule.query, document, ["vertical", i, "query"])
    return RegionRules(
        watchlists=tuple(Watchlist(w.name, w.query, w.priority) for w in definition.watchlists),
        vertical=tuple(
            VerticalRule(rule.agency, parse(rule.query), frozenset(rule.functions))
            for rule in definition.vertical
        ),
    )


def compile_urgency(catalog: Catalog) -> tuple[UrgencyRule, ...]:
    for i, rule in enumerate(catalog.urgency):
        _checked(rule.query, catalog.urgency_document, ["rules", i, "query"])
    return tuple(UrgencyRule(rule.name, parse(rule.query)) for rule in catalog.urgency)


def urgency_matches(rules: Sequence[UrgencyRule], doc: WatchDocument) -> list[str]:
    """The names of the urgency rules the text matches."""
    return [rule.name for rule in rules if rule.query.matches(doc)]
