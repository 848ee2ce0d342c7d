"""Run one crawl in its own process (Scrapy's reactor cannot restart): ``python -m crawlers.run``.

The flow starts this module as a subprocess with a crawl-run id and the source slugs, and reads back the
per-source counters from ``--stats-file``. A source whose slug names its own spider uses it; every other
source runs on the config-driven ``news`` spider (``crawlers.process``). The process dies with the one that
started it (``--parent-pid``), and exits with ``EXIT_STORE_UNAVAILABLE`` and one line on stderr when the
database stops answering mid-crawl (what it could not store stays pending in the frontier).

The extraction workers are started first, before Scrapy and the database layer are imported, so that their
start-up (trafilatura's imports and set-up) and this process's overlap.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawlers.extraction_workers import ExtractionWorkers
from crawlers.lifeline import die_with_parent

EXIT_STORE_UNAVAILABLE = 3


def _worker_count() -> int:
    """PANTAU_EXTRACTION_WORKERS as the settings read it (one per CPU when unset)."""
    from config.settings import get_settings

    return get_settings().extraction_workers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl Pantau sources in this process.")
    parser.add_argument("--source", action="append", required=True, help="source slug (repeatable)")
    parser.add_argument("--run-id", type=int, default=None)
    parser.add_argument("--base-url", default=None, help="value of __BASE_URL__ in the sources file")
    parser.add_argument("--stats-file", type=Path, required=True)
    parser.add_argument("--probe-file", type=Path, help="fetch one article, store nothing, write it here")
    parser.add_argument("--parent-pid", type=int, help="die when this process dies")
    args = parser.parse_args(argv)
    if args.parent_pid:
        die_with_parent(args.parent_pid)
    found: list[dict[str, Any]] | None = [] if args.probe_file else None
    workers = _worker_count()
    if found is None and workers > 0:
        ExtractionWorkers.shared(workers)  # started now, adopted by the pipeline when the crawl runs
    from crawlers.process import crawl

    stats, unavailable = crawl(args.source, args.run_id, args.base_url, found)
    args.stats_file.write_text(json.dumps(stats, indent=2, sort_keys=True), encoding="utf-8")
    if args.probe_file:
        args.probe_file.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    if unavailable:
        sys.stderr.write(unavailable.replace("\n", " ") + "\n")
        return EXIT_STORE_UNAVAILABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
