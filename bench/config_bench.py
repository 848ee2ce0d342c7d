"""Reading the configuration (``config.catalog.load_catalog``: regions, gazetteers, functions, routes,
sources), which every ``pantau`` command, flow run and console start does once. Baseline, in the same
process: the same ``load_catalog`` with PyYAML's pure-Python reader, scanner and parser under Pantau's
strict loader, as it was until 2026-11-30 (it now scans and parses with libyaml and composes in Python).

    .venv/bin/python bench/config_bench.py [--repeat 20] [--json OUT]

Results are recorded in docs/benchmarks.md ("Configuration").
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from config import yaml_source
from config.catalog import Catalog, load_catalog
from config.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_json import emit


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs of ``work``, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


STRICT_LOADER = yaml_source._StrictLoader


class PurePythonStrictLoader(Reader, Scanner, Parser, STRICT_LOADER):
    """Pantau's strict loader over PyYAML's pure-Python reader, scanner and parser."""

    def __init__(self, stream: str) -> None:
        STRICT_LOADER.__init__(self, stream)
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


def same_reading(one: Catalog, other: Catalog) -> bool:
    """Both catalogs hold the same values, each read from the same place of the same text."""

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, yaml_source._LineDict):
            return a.spans == b.spans and all(same(a[key], b[key]) for key in a)
        if isinstance(a, yaml_source._LineList):
            return a.spans == b.spans and all(same(x, y) for x, y in zip(a, b, strict=True))
        return bool(a == b)

    documents = [(one.urgency_document, other.urgency_document)]
    documents += [(one.regions[code].document, other.regions[code].document) for code in one.regions]
    return (one.functions, one.sources, one.urgency) == (
        other.functions,
        other.sources,
        other.urgency,
    ) and all(
        a is not None and b is not None and a.text == b.text and same(a.data, b.data) for a, b in documents
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    settings = Settings()

    def load() -> None:
        load_catalog(settings.config_dir, settings.sources_file)

    read = load_catalog(settings.config_dir, settings.sources_file)  # imports outside the timing
    libyaml = best_of(args.repeat, load)
    with patch.object(yaml_source, "_StrictLoader", PurePythonStrictLoader):
        read_pure = load_catalog(settings.config_dir, settings.sources_file)
        pure_python = best_of(args.repeat, load)
    emit(
        {
            "same_values_and_places": same_reading(read, read_pure),
            "load_catalog_s": round(libyaml, 4),
            "load_catalog_pure_python_yaml_s": round(pure_python, 4),
            "ratio": round(libyaml / pure_python, 3),
            "repeat": args.repeat,
        },
        args.json,
    )


if __name__ == "__main__":
    main()
