"""What each viewer may reach, one module per area of the console (the authorisation matrix reads them all).

Each module has ``PAGES`` (GET path -> expected status per viewer; None is logged out) and ``POSTS`` (POST
path -> expected status per viewer; None as a status means the viewer may act and what it gets depends on the
form). Paths may hold ``{report_id}`` (a report of region 64.08 forwarded to PUPR) and any placeholder the
module's optional ``prepare(console, report_id) -> dict`` returns.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

# a page of the manager's only: the others are refused, the logged-out sent to the login
MANAGER_ONLY = {
    None: 303,
    "operator": 403,
    "manajer": 200,
    "pimpinan": 403,
    "pupr": 403,
    "dlh": 403,
    "operator-banjarbaru": 403,
}


def areas() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
