"""Exports at scale: the review queue of a region with 88,826 reports (bench/console_data.py's database),
as CSV and XLSX, after a small export of the same queue in the same process: time, rows a second, and the
process's peak resident memory after each. Flat memory means the big export adds little to the peak.

    .venv/bin/python bench/export_bench.py [--database pantau_bench] [--region 64.08] [--json OUT]

Results are recorded in docs/benchmarks.md ("Exports").
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from config.settings import Settings
from db.models import Role
from flows.runtime import Runtime
from services import exports
from services.accounts import active_account
from services.exports import Format
from services.reports import QueueFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from console_load import database_urls, ensure_account


def measure(runtime: Runtime, account: Any, wanted: QueueFilter, fmt: Format, folder: Path) -> dict[str, Any]:
    """One export, written in full; the process's peak resident memory after it (it only ever grows, so
    a big export after a small one shows what the big one added)."""
    started = time.perf_counter()
    export = exports.queue_export(runtime, account, wanted, fmt)
    counted = [0]

    def counting(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for counted[0], row in enumerate(rows, start=1):
            yield row

    export.rows = counting(export.rows)
    if fmt == Format.CSV:
        size = sum(len(chunk) for chunk in exports.csv_chunks(export))
    else:
        path = folder / f"{export.name}.xlsx"
        exports.write_xlsx(export, path)
        size = path.stat().st_size
        path.unlink()
    seconds = time.perf_counter() - started
    return {
        "rows": counted[0],
        "seconds": round(seconds, 2),
        "rows_per_second": round(counted[0] / seconds),
        "file_mb": round(size / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pantau_bench")
    parser.add_argument("--region", default="64.08")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    runtime = Runtime(Settings(database_url=database_urls(args.database)[0]))
    username = f"bench-operator-{args.region}"
    ensure_account(runtime, username, Role.OPERATOR, args.region, None)
    with runtime.sessions() as session:
        from sqlalchemy import select

        from db.models import User

        user_id = session.scalars(select(User.id).where(User.username == username)).one()
    account = active_account(runtime, user_id)
    assert account is not None
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in Format:
            small = measure(
                runtime, account, QueueFilter(status="queued", function="JALAN"), fmt, Path(folder)
            )
            big = measure(runtime, account, QueueFilter(status="semua"), fmt, Path(folder))
            result[fmt.value] = {
                "small": small,
                "big": big,
                "peak_rss_growth_mb": round(big["peak_rss_mb"] - small["peak_rss_mb"], 1),
                "rows_ratio": round(big["rows"] / max(small["rows"], 1), 1),
            }
    runtime.close()
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
