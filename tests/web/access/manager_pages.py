"""The manager's region pages (deadlines and contacts, sources, users, audit): only a manager, and only of
their own region: another region's account or agency answers 404, as if it did not exist (the pages of the
manager's own accounts and agencies are in tests/web/test_manager_pages.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Agency, Region, User
from tests.web.access import MANAGER_ONLY

PAGES = {
    "/tenggat-kontak": MANAGER_ONLY,
    "/tenggat-kontak/opd/{agency_id}": {**MANAGER_ONLY, "manajer": 404},
    "/sumber": MANAGER_ONLY,
    "/pengguna": MANAGER_ONLY,
    "/pengguna/{user_id}": {**MANAGER_ONLY, "manajer": 404},
    "/audit": MANAGER_ONLY,
}
# the logged-out get 403 (no CSRF token), every role but the manager 403; the manager's forms are tested in
# tests/web/test_manager_pages.py
REFUSED = dict.fromkeys((None, "operator", "pimpinan", "pupr", "dlh", "operator-banjarbaru"), 403)
POSTS = {
    "/tenggat-kontak/tenggat": REFUSED,
    "/tenggat-kontak/eskalasi": REFUSED,
    "/tenggat-kontak/kontak": REFUSED,
    "/tenggat-kontak/umpan-balik": REFUSED,
    "/tenggat-kontak/opd/{agency_id}/kontak": REFUSED,
    "/pengguna": REFUSED,
    "/pengguna/{user_id}/status": REFUSED,
    "/pengguna/{user_id}/kata-sandi": REFUSED,
    "/pengguna/{user_id}/peran": REFUSED,
}


def prepare(console: Any, report_id: int) -> dict[str, int]:
    """An account and an agency of another region (63.72) than the manager's (64.08)."""
    with console.runtime.sessions() as session:
        user = session.scalars(select(User.id).where(User.username == "operator-banjarbaru")).one()
        query = select(Agency.id).join(Region).where(Region.code == "63.72", Agency.code == "DISKOMINFO")
        return {"user_id": user, "agency_id": session.scalars(query).one()}
