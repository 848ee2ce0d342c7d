"""Route a function to an agency through the region's routing table (configuration, never code)."""

from __future__ import annotations

from dataclasses import dataclass

from config.catalog import Region


@dataclass(frozen=True)
class RouteChoice:
    function: str
    agency_code: str
    agency_name: str
    agency_kind: str
    score: float


def route(region: Region, alternatives: list[tuple[str, float]]) -> list[RouteChoice]:
    """The agencies for the function alternatives (best first), one choice per agency."""
    choices: list[RouteChoice] = []
    seen: set[str] = set()
    for function, score in alternatives:
        agency = region.agency_for(function)
        if agency is None or agency.code in seen:
            continue
        seen.add(agency.code)
        choices.append(RouteChoice(function, agency.code, agency.short_name, agency.kind.value, score))
    return choices


def vertical_choice(
    region: Region, agency_code: str, function: str, score: float, routes: list[RouteChoice]
) -> list[RouteChoice]:
    """``routes`` with the vertical body ``agency_code`` put first (a body outside the regional government
    that the text names: PLN, BPJS, police, national roads); the table's choices stay as alternatives."""
    agency = region.agencies[agency_code]
    first = RouteChoice(function, agency.code, agency.short_name, agency.kind.value, score)
    return [first, *(r for r in routes if r.agency_code != agency_code)]
