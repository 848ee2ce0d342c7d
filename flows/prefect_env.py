"""Prefect's environment for an embedded run; call before Prefect is imported.

Without ``PREFECT_API_URL`` a flow starts Prefect's temporary local server with its SQLite under
``var/prefect``; analytics are off (no internet here) and start-up gets time on a loaded machine. Two such
servers on one var dir would migrate the same Prefect database together: a cycle first takes the var dir's
``flows.cycle_lock`` (``cli._run_cycle``).
"""

from __future__ import annotations

import os

from config.settings import Settings


def configure_prefect(settings: Settings) -> None:
    defaults = {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
