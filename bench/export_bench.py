"""Exports at scale: a region's whole review queue (every status) or its whole audit log, in the database
bench/console_data.py filled, as CSV and XLSX, after a small export of the same list in the same process:
time, rows a second, and the process's resident memory before each and its peak during it (Linux: the
peak is reset before each export through ``/proc/self/clear_refs``). Flat memory means the big export's
peak stays near the small one's.

    .venv/bin/python bench/export_bench.py [--database pantau_bench | --sqlite FILE] [--province 64]
                                           [--region 64.08] [--list queue|audit] [--json OUT]

The small export is the queue's waiting road reports, or the audit log of one day.

Results are recorded in docs/benchmarks.md ("Exports").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from config.settings import Settings
from db.models import Role, User
from flows.runtime import Runtime
from services import exports
from services.accounts import active_account
from services.audit_view import AuditFilter
from services.exports import Export, Format
from services.reports import QueueFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import province_config
from console_load import database_urls, ensure_account
from report_json import emit

Made = Callable[[Format], Export]


def _rss_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS: now; VmHWM: the peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure(make: Made, fmt: Format, folder: Path) -> dict[str, Any]:
    """One export, written in full; the process's resident memory before it and at its peak during it."""
    before = _rss_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from the current size
    started = time.perf_counter()
    export = make(fmt)
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
        "rss_before_mb": before,
        "peak_rss_mb": _rss_mb("VmHWM"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pantau_bench")
    parser.add_argument("--sqlite", type=Path, help="the SQLite file bench/console_data.py --sqlite wrote")
    parser.add_argument("--province", help="the province's configuration (bench/province_config.py)")
    parser.add_argument("--region", default="64.08")
    parser.add_argument("--list", choices=("queue", "audit"), default="queue")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.province:
        province_config.use(args.province)
    runtime = Runtime(Settings(database_url=database_urls(args.database, args.sqlite)[0]))
    role = Role.OPERATOR if args.list == "queue" else Role.MANAGER
    username = f"bench-{role.value}-{args.region}"
    ensure_account(runtime, username, role, args.region, None)
    with runtime.sessions() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
    account = active_account(runtime, user_id)
    assert account is not None
    small: Made
    big: Made
    if args.list == "queue":
        waiting_roads = QueueFilter(status="queued", function="JALAN")
        small = partial(exports.queue_export, runtime, account, waiting_roads)
        big = partial(exports.queue_export, runtime, account, QueueFilter(status="semua"))
    else:
        one_day = AuditFilter(date_from="2026-11-02", date_to="2026-11-02")
        small = partial(exports.audit_export, runtime, account, one_day)
        big = partial(exports.audit_export, runtime, account, AuditFilter())
    result: dict[str, Any] = {"list": args.list, "region": args.region}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in Format:
            first = measure(small, fmt, Path(folder))
            whole = measure(big, fmt, Path(folder))
            result[fmt.value] = {
                "small": first,
                "big": whole,
                "peak_rss_growth_mb": round(whole["peak_rss_mb"] - first["peak_rss_mb"], 1),
                "rows_ratio": round(whole["rows"] / max(first["rows"], 1), 1),
            }
    runtime.close()
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
