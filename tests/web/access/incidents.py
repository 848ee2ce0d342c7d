"""The incident actions of the report page (merge, split, re-route, urgent, file now): operators and managers
of the report's region only. Another role is refused (403) before anything is read, another region's operator
finds no such report (404), the logged-out have no CSRF token (403). The operator's and manager's own answers
depend on the form (the matrix posts a stale version), so they are not fixed here."""

from __future__ import annotations

from typing import Any

PAGES: dict[str, dict[Any, int | None]] = {}
REFUSED = {
    None: 403,
    "pimpinan": 403,
    "pupr": 403,
    "dlh": 403,
    "operator-banjarbaru": 404,
    "operator": None,
    "manajer": None,
}
POSTS = {
    "/laporan/{report_id}/gabung": REFUSED,
    "/laporan/{report_id}/pisah": REFUSED,
    "/laporan/{report_id}/alihkan": REFUSED,
    "/laporan/{report_id}/mendesak": REFUSED,
    "/laporan/{report_id}/kirim": REFUSED,
}
