"""Login, the queue, the inbox and the report page with its review and OPD actions."""

from __future__ import annotations

ADMIN = {"operator": 200, "manajer": 200, "operator-banjarbaru": 200}
PAGES = {
    "/": {
        None: 303,
        **dict.fromkeys(("operator", "manajer", "pupr", "dlh", "pimpinan", "operator-banjarbaru"), 303),
    },
    "/masuk": {
        None: 200,
        **dict.fromkeys(("operator", "manajer", "pupr", "dlh", "pimpinan", "operator-banjarbaru"), 200),
    },
    "/antrean": {None: 303, **ADMIN, "pimpinan": 200, "pupr": 403, "dlh": 403},
    "/kotak-masuk": {
        None: 303,
        "operator": 403,
        "manajer": 403,
        "pimpinan": 403,
        "pupr": 200,
        "dlh": 200,
        "operator-banjarbaru": 403,
    },
    "/laporan/{report_id}": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pimpinan": 200,
        "pupr": 200,
        "dlh": 404,
        "operator-banjarbaru": 404,
    },
}
# a report's actions: another OPD and another region get 404 (the report does not exist for them), the
# logged-out 403 (no CSRF token); the pimpinan reads only
REFUSED = {None: 403, "dlh": 404, "operator-banjarbaru": 404}
POSTS = {
    # bulk actions on the queue: operators and managers (another region: tests/web/test_queue_page.py)
    "/antrean/massal": {None: 403, "pimpinan": 403, "pupr": 403, "dlh": 403},
    "/laporan/{report_id}/setujui": {**REFUSED, "pimpinan": 403},
    "/laporan/{report_id}/tolak": {**REFUSED, "pimpinan": 403},
    "/laporan/{report_id}/catat-tracking": {**REFUSED, "pimpinan": 403},
    "/laporan/{report_id}/terima": {**REFUSED, "pimpinan": 403},
    "/laporan/{report_id}/tanggapi": {**REFUSED, "pimpinan": 403},
    "/laporan/{report_id}/kembalikan": {**REFUSED, "pimpinan": 403},
    "/masuk": {},
    "/keluar": {},
    # the choice of a province user's region: nobody else has one to make (tests/web/test_console_access.py)
    "/wilayah": {
        None: 403,
        **dict.fromkeys(("operator", "manajer", "pupr", "dlh", "pimpinan"), 403),
        "operator-banjarbaru": 403,
    },
}
