"""The dashboard: managers, pimpinan and operators, each of their own region (its figures:
tests/services/test_dashboard.py; the page: tests/web/test_dashboard_page.py)."""

from __future__ import annotations

from typing import Any

PAGES = {
    "/dasbor": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pimpinan": 200,
        "pupr": 403,
        "dlh": 403,
        "operator-banjarbaru": 200,
    },
}
PAGES["/dasbor/laporan-triwulan.{fmt}"] = PAGES["/dasbor"]
POSTS: dict[str, dict[Any, int | None]] = {}


def prepare(console: Any, report_id: int) -> dict[str, str]:
    return {"fmt": "pdf"}
