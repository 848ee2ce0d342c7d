"""Downloads of the lists: the queue for those who read it, the inbox for OPD liaisons, the audit log for
managers, the batch for assisted entry for those who type it in (what each file holds:
tests/services/test_exports.py and tests/web/test_export_downloads.py)."""

from __future__ import annotations

from typing import Any

from tests.web.access import MANAGER_ONLY

OPD_ONLY = {
    None: 303,
    "operator": 403,
    "manajer": 403,
    "pimpinan": 403,
    "pupr": 200,
    "dlh": 200,
    "operator-banjarbaru": 403,
}
PAGES = {
    "/ekspor/antrean.{fmt}": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pimpinan": 200,
        "pupr": 403,
        "dlh": 403,
        "operator-banjarbaru": 200,
    },
    "/ekspor/kotak-masuk.{fmt}": OPD_ONLY,
    "/ekspor/audit.{fmt}": MANAGER_ONLY,
    "/ekspor/siap-input.{fmt}": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pimpinan": 403,
        "pupr": 403,
        "dlh": 403,
        "operator-banjarbaru": 200,
    },
}
POSTS: dict[str, dict[Any, int | None]] = {}


def prepare(console: Any, report_id: int) -> dict[str, str]:
    return {"fmt": "xlsx"}
