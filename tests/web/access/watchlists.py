"""The manager's watchlists and routing table: only a manager, and only of their own region."""

from __future__ import annotations

from typing import Any

from tests.web.access import MANAGER_ONLY

PAGES = {
    "/watchlist": MANAGER_ONLY,
    "/watchlist/baru": MANAGER_ONLY,
    "/watchlist/{name}": MANAGER_ONLY,
    "/rute": MANAGER_ONLY,
    "/rute/{function}": MANAGER_ONLY,
}
# the logged-out get 403 (no CSRF token), every role but the manager 403; the manager's forms are tested in
# tests/web/test_watchlist_pages.py and test_routes_table_page.py
REFUSED = dict.fromkeys((None, "operator", "pimpinan", "pupr", "dlh", "operator-banjarbaru"), 403)
POSTS = {
    "/watchlist/pratinjau": REFUSED,
    "/watchlist/simpan": REFUSED,
    "/watchlist/nonaktifkan": REFUSED,
    "/rute/{function}": REFUSED,
}


def prepare(console: Any, report_id: int) -> dict[str, str]:
    """A watchlist the YAML of region 64.08 seeds, and a function of its routing table."""
    return {"name": "Sangatta", "function": "JALAN"}
