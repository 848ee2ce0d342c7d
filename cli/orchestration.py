"""``pantau schedule`` and ``pantau deploy``: every job on its schedule, on one machine or on a work pool.

Both need a Prefect server (``PREFECT_API_URL``) and stop with one line without one (``flows.schedule``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from cli import _require_database, _say, app
from config.settings import get_settings

if TYPE_CHECKING:
    from flows.schedule import Job


def _announce(jobs: list[Job]) -> None:
    for job in jobs:
        _say(f"  {job.name}: {job.when}")
    _say("Penjadwal berjalan; Ctrl-C untuk berhenti.")


@app.command()
def schedule() -> None:
    """Run monitor, filing, sync, deadlines and digest on their schedules (PANTAU_SCHEDULE_*) in this
    process until Ctrl-C or SIGTERM; needs a Prefect server at PREFECT_API_URL."""
    _require_database()
    settings = get_settings()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # each run's one-line outcome on the console
    from flows.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.schedule import serve_all

    serve_all(settings, announce=_announce)
    _say("Penjadwal berhenti.")


@app.command()
def deploy(
    pool: Annotated[str, typer.Option("--pool", help="Prefect work pool (type process; created if missing)")],
) -> None:
    """Register the five jobs, with their schedules, as deployments of work pool POOL on the Prefect server
    at PREFECT_API_URL; workers run them from this project's folder."""
    settings = get_settings()
    from flows.prefect_env import configure_prefect

    configure_prefect(settings)
    from flows.deploy import deploy_all

    deployed = deploy_all(settings, pool)
    _say(f"Terdaftar di work pool {pool}:")
    for item in deployed:
        _say(f"  {item.name}: {item.job.when}")
    _say(f"Jalankan pekerja di tiap mesin: prefect worker start --pool {pool}")
