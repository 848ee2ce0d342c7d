"""Load and cross-check all YAML data into one immutable ``Catalog``.

Anything inconsistent (a route to an unknown agency, a desa outside its kecamatan, two sources with one slug)
raises ``ConfigError`` with the file and line, so a bad edit stops start-up instead of misrouting a report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.calendar import load_cuti_bersama
from config.errors import ConfigError
from config.schema import (
    AgencyDef,
    AgencyKind,
    FunctionDef,
    FunctionsFile,
    GazetteerFile,
    LaporMode,
    Platform,
    RegionDef,
    SourceDef,
    SourcesFile,
    UrgencyFile,
    UrgencyRuleDef,
)
from config.yaml_source import YamlDocument


@dataclass(frozen=True)
class Region:
    """A region (tenant) with its agencies, routing table, deadlines and gazetteer."""

    definition: RegionDef
    gazetteer: GazetteerFile
    agencies: dict[str, AgencyDef] = field(default_factory=dict)
    document: YamlDocument | None = None  # where the definition came from: errors found later point into it

    @property
    def code(self) -> str:
        return self.definition.code

    def agency_for(self, function: str) -> AgencyDef | None:
        """The agency that the routing table names for ``function``, if any."""
        code = self.definition.routes.get(function)
        return self.agencies.get(code) if code else None

    def canonical_routes(self) -> dict[str, str]:
        """Function -> canonical agency code (label_maps), through this region's routing table."""
        return {f: self.agencies[a].canonical for f, a in self.definition.routes.items()}

    @property
    def holidays(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.definition.extra_holidays)


@dataclass(frozen=True)
class Catalog:
    functions: dict[str, FunctionDef]
    regions: dict[str, Region]
    sources: tuple[SourceDef, ...]
    urgency: tuple[UrgencyRuleDef, ...] = ()
    urgency_document: YamlDocument | None = None

    def function_parents(self) -> dict[str, str]:
        """Added function code -> the domain.md code it refines (for routing tables that lack it)."""
        return {code: f.parent for code, f in self.functions.items() if f.parent}

    def source(self, slug: str) -> SourceDef:
        for source in self.sources:
            if source.slug == slug:
                return source
        raise KeyError(f"unknown source {slug!r}")


def _unique(doc: YamlDocument, items: Iterable[tuple[str, list[str | int]]], what: str) -> None:
    seen: set[str] = set()
    for key, loc in items:
        if key in seen:
            raise doc.error(loc, f"duplicate {what} {key!r}")
        seen.add(key)


def load_functions(path: Path) -> dict[str, FunctionDef]:
    doc = YamlDocument.read(path)
    parsed = doc.validate(FunctionsFile)
    _unique(doc, ((f.code, ["functions", i, "code"]) for i, f in enumerate(parsed.functions)), "function")
    codes = {f.code for f in parsed.functions}
    for i, function in enumerate(parsed.functions):
        if function.parent is not None and function.parent not in codes:
            raise doc.error(["functions", i, "parent"], f"unknown parent function {function.parent!r}")
    return {f.code: f for f in parsed.functions}


def load_gazetteer(path: Path, region_code: str) -> GazetteerFile:
    doc = YamlDocument.read(path)
    gaz = doc.validate(GazetteerFile)
    if gaz.region != region_code:
        raise doc.error(["region"], f"gazetteer is for {gaz.region}, expected {region_code}")
    codes: list[tuple[str, list[str | int]]] = []
    for i, kec in enumerate(gaz.kecamatan):
        if not kec.code.startswith(region_code + "."):
            raise doc.error(["kecamatan", i, "code"], f"kecamatan {kec.code} is not in region {region_code}")
        codes.append((kec.code, ["kecamatan", i, "code"]))
        for j, desa in enumerate(kec.desa):
            loc: list[str | int] = ["kecamatan", i, "desa", j, "code"]
            if not desa.code.startswith(kec.code + "."):
                raise doc.error(loc, f"desa {desa.code} is not in kecamatan {kec.code}")
            codes.append((desa.code, loc))
    _unique(doc, codes, "place code")
    return gaz


def _check_filing(doc: YamlDocument, region: RegionDef) -> None:
    """The LAPOR! adapter has what its mode needs, and every escalation rung names a known contact."""
    lapor = region.lapor
    if lapor.mode == LaporMode.API and not ((lapor.base_url or lapor.base_url_env) and lapor.token_env):
        raise doc.error(["lapor"], "mode api needs base_url (or base_url_env) and token_env")
    rungs = set(region.contacts) | {rung for a in region.agencies for rung in a.contacts} | {"liaison"}
    for i, step in enumerate(region.escalation):
        if step.notify not in rungs:
            raise doc.error(["escalation", i, "notify"], f"no contact called {step.notify!r} in the region")
    steps = [s.after_working_days for s in region.escalation]
    if steps != sorted(steps):
        raise doc.error(["escalation"], "steps must be in order of after_working_days")


def load_region(path: Path, functions: dict[str, FunctionDef]) -> Region:
    doc = YamlDocument.read(path)
    region = doc.validate(RegionDef)
    try:
        ZoneInfo(region.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise doc.error(["timezone"], f"unknown time zone {region.timezone!r}") from None
    _unique(doc, ((a.code, ["agencies", i, "code"]) for i, a in enumerate(region.agencies)), "agency")
    agencies = {a.code: a for a in region.agencies}
    if region.admin_agency not in agencies:
        raise doc.error(["admin_agency"], f"unknown agency {region.admin_agency!r}")
    for function, agency in region.routes.items():
        if function not in functions:
            raise doc.error(["routes", function], f"unknown function {function!r}")
        if agency not in agencies:
            raise doc.error(["routes", function], f"route {function} -> unknown agency {agency!r}")
    for i, rule in enumerate(region.vertical):
        agency_def = agencies.get(rule.agency)
        if agency_def is None or agency_def.kind != AgencyKind.VERTIKAL:
            raise doc.error(
                ["vertical", i, "agency"], f"{rule.agency!r} is not a vertikal agency of the region"
            )
        for function in rule.functions:
            if function not in functions:
                raise doc.error(["vertical", i, "functions"], f"unknown function {function!r}")
    _unique(doc, ((w.name, ["watchlists", i, "name"]) for i, w in enumerate(region.watchlists)), "watchlist")
    _check_filing(doc, region)
    missing = sorted(set(functions) - set(region.routes))
    if missing:
        raise doc.error(["routes"], f"no route for function(s) {', '.join(missing)}")
    gazetteer_path = path.parent.parent / "wilayah" / region.gazetteer
    if not gazetteer_path.is_file():
        raise doc.error(["gazetteer"], f"gazetteer file not found: {gazetteer_path}")
    gazetteer = load_gazetteer(gazetteer_path, region.code)
    return Region(definition=region, gazetteer=gazetteer, agencies=agencies, document=doc)


# where the demo's sources point when no local site serves them (a command that only reads the database,
# such as `pantau queue` or `pantau serve` after `make demo`): a port nothing listens on, so a crawl of them
# fails per source instead of the whole configuration refusing to load
UNSERVED_BASE_URL = "http://127.0.0.1:9"


def load_sources(
    path: Path, regions: dict[str, Region], base_url: str | None = None
) -> tuple[SourceDef, ...]:
    doc = YamlDocument.read(path, {"__BASE_URL__": base_url or UNSERVED_BASE_URL})
    parsed = doc.validate(SourcesFile)
    _unique(doc, ((s.slug, ["sources", i, "slug"]) for i, s in enumerate(parsed.sources)), "source")
    for i, source in enumerate(parsed.sources):
        if source.region not in regions:
            raise doc.error(["sources", i, "region"], f"unknown region {source.region!r}")
        needs_account = source.platform in (Platform.YOUTUBE, Platform.FACEBOOK, Platform.INSTAGRAM)
        if needs_account and not (source.account or "").strip():
            raise doc.error(["sources", i], f"a {source.platform} source needs an `account`")
        if source.article_pattern is not None:
            try:
                re.compile(source.article_pattern)
            except re.error as exc:
                raise doc.error(["sources", i, "article_pattern"], f"invalid regex: {exc}") from None
    return tuple(parsed.sources)


def _region_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ConfigError(
            folder, None, "folder not found: one regions/<code>-<name>.yaml per region is expected"
        )
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ConfigError(folder, None, "no region file: one <code>-<name>.yaml per region is expected")
    return files


def load_catalog(config_dir: Path, sources_file: Path, base_url: str | None = None) -> Catalog:
    """Read ``functions.yaml``, every ``regions/*.yaml`` (with its gazetteer) and the sources file."""
    functions = load_functions(config_dir / "functions.yaml")
    load_cuti_bersama()  # a bad edit of the holiday data stops start-up, not the first deadline
    regions: dict[str, Region] = {}
    for path in _region_files(config_dir / "regions"):
        region = load_region(path, functions)
        if region.code in regions:
            doc = YamlDocument.read(path)
            raise doc.error(["code"], f"region {region.code} is defined twice")
        regions[region.code] = region
    sources = load_sources(sources_file, regions, base_url)
    urgency_doc = YamlDocument.read(config_dir / "urgency.yaml")
    urgency = urgency_doc.validate(UrgencyFile).rules
    _unique(urgency_doc, ((r.name, ["rules", i, "name"]) for i, r in enumerate(urgency)), "urgency rule")
    return Catalog(
        functions=functions,
        regions=regions,
        sources=sources,
        urgency=tuple(urgency),
        urgency_document=urgency_doc,
    )
