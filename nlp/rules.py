"""The configured rules, compiled once: watchlists and vertical-body rules of a region, urgency rules.

All three are written in the watchlist query language (``nlp.watchlist``), so Diskominfo learns one syntax;
a query that does not parse is a configuration error pointing at its file, line and column. They are compiled
when the configuration loads (``flows.runtime.Runtime.catalog``), so a bad one stops start-up.
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

URGENT_PRIORITY = 10  # an urgent item outranks any combination of watchlists (priorities are 1..5 each)


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


@dataclass(frozen=True)
class CompiledRules:
    """Every rule of the configuration, compiled: each region's watchlists and vertical rules, and urgency."""

    regions: dict[str, RegionRules]
    urgency: tuple[UrgencyRule, ...]


def _compiled(query: str, document: YamlDocument | None, loc: Sequence[str | int]) -> Query:
    """``query`` compiled; one that does not parse is a ConfigError at the line and column of the fault."""
    try:
        return parse(query)
    except QuerySyntaxError as exc:
        if document is None:
            raise
        raise document.error_in_text(loc, exc.position, f"query does not parse: {exc.inline}") from None


def compile_region(region: Region) -> RegionRules:
    definition, document = region.definition, region.document
    for i, item in enumerate(definition.watchlists):
        _compiled(item.query, document, ["watchlists", i, "query"])  # Watchlist() below reuses it
    return RegionRules(
        watchlists=tuple(Watchlist(w.name, w.query, w.priority) for w in definition.watchlists),
        vertical=tuple(
            VerticalRule(
                rule.agency,
                _compiled(rule.query, document, ["vertical", i, "query"]),
                frozenset(rule.functions),
            )
            for i, rule in enumerate(definition.vertical)
        ),
    )


def compile_urgency(catalog: Catalog) -> tuple[UrgencyRule, ...]:
    document = catalog.urgency_document
    return tuple(
        UrgencyRule(rule.name, _compiled(rule.query, document, ["rules", i, "query"]))
        for i, rule in enumerate(catalog.urgency)
    )


def compile_rules(catalog: Catalog) -> CompiledRules:
    """All the rules of ``catalog``. Called when the configuration loads (``flows.runtime``), so the first
    query that does not parse stops start-up with its file, line and column; the Triager calls it again and
    gets the same compiled queries (``nlp.watchlist.parse`` is memoised)."""
    regions = {code: compile_region(region) for code, region in catalog.regions.items()}
    return CompiledRules(regions, compile_urgency(catalog))


def urgency_matches(rules: Sequence[UrgencyRule], doc: WatchDocument) -> list[str]:
    """The names of the urgency rules the text matches."""
    return [rule.name for rule in rules if rule.query.matches(doc)]
