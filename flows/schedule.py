"""Pantau's five jobs on their schedules, served by one long-running process (``pantau schedule``).

The schedules come from the settings (``PANTAU_SCHEDULE_*``). An interval job first runs FIRST_RUN_AFTER
its deployment is registered, then every interval: starting the scheduler shows at once that each job works,
and a restart drains the outboxes without waiting a whole interval (a server too busy to plan that first run
in time plans the next one). The digest runs daily at ``schedule_digest_time`` in the regions' time zone; a
deployment has one time zone, so when the configured regions do not share one, the digest goes out at that
time in Asia/Jakarta (WIB) for all of them.

Serving needs a Prefect server that keeps the schedules (``PREFECT_API_URL``): the temporary local server
that ``pantau run`` starts does not run Prefect's scheduler. Runs of one job never overlap: each deployment
has one concurrency slot, and a run that comes due while the previous one still runs is cancelled rather
than queued behind it (the outboxes and the crawl frontier keep its work for the next run).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.schedules import Cron, Interval, Schedule
from prefect.types.entrypoint import EntrypointType

from config.catalog import Catalog, load_catalog
from config.errors import PantauError
from config.settings import Settings

DEPLOYMENT_NAME = "pantau"  # every job's deployment: monitor/pantau, filing/pantau, ...
SHARED_TIMEZONE = "Asia/Jakarta"
API_CHECK_TIMEOUT = 10.0  # seconds
# the server plans runs every few seconds: a first run this close is planned before its time has passed
FIRST_RUN_AFTER = timedelta(seconds=15)


class PrefectApiMissing(PantauError):
    """No Prefect server to keep the schedules and deployments."""


@dataclass(frozen=True)
class Job:
    name: str  # the flow's name
    entrypoint: str  # file:function under the project root (a work pool runs it from the source folder)
    every: timedelta | None = None  # an interval job, or
    daily_at: str | None = None  # a daily one at HH:MM
    timezone: str = "UTC"  # of daily_at
    overlaps_on_pool: bool = False  # runs may overlap on a work pool: row claims keep the workers apart

    def schedule(self) -> Schedule:
        """The job's schedule, built when its deployment is: an interval's first run is FIRST_RUN_AFTER
        from now (see the module docstring)."""
        if self.daily_at is not None:
            hour, minute = self.daily_at.split(":")
            return Cron(f"{int(minute)} {int(hour)} * * *", timezone=self.timezone)
        assert self.every is not None, "a job runs at an interval or daily"
        return Interval(self.every, anchor_date=datetime.now(UTC) + FIRST_RUN_AFTER)

    @property
    def when(self) -> str:
        """The schedule for the operator, in Bahasa Indonesia."""
        if self.daily_at is not None:
            return f"tiap hari pukul {self.daily_at} ({self.timezone})"
        assert self.every is not None, "a job runs at an interval or daily"
        return f"tiap {int(self.every.total_seconds() // 60)} menit"

    def flow(self) -> Flow[..., Any]:
        """The flow object, imported from the installed package (``flows/filing.py:filing`` ->
        ``flows.filing.filing``)."""
        path, function = self.entrypoint.split(":")
        found: Flow[..., Any] = getattr(
            importlib.import_module(path.removesuffix(".py").replace("/", ".")), function
        )
        return found


def digest_timezone(catalog: Catalog) -> str:
    """The regions' one time zone, or Asia/Jakarta when they have several (see the module docstring)."""
    zones = {region.definition.timezone for region in catalog.regions.values()}
    return zones.pop() if len(zones) == 1 else SHARED_TIMEZONE


def scheduled_jobs(settings: Settings, timezone: str) -> list[Job]:
    """Monitor, filing, sync, deadlines and digest with the schedules the settings give them."""
    return [
        Job(
            "monitor", "flows/monitor.py:monitor", every=timedelta(minutes=settings.schedule_monitor_minutes)
        ),
        Job(
            "filing",
            "flows/filing.py:filing",
            every=timedelta(minutes=settings.schedule_filing_minutes),
            overlaps_on_pool=True,
        ),
        Job("sync", "flows/status_sync.py:sync", every=timedelta(minutes=settings.schedule_sync_minutes)),
        Job(
            "deadlines",
            "flows/deadlines.py:deadlines",
            every=timedelta(minutes=settings.schedule_deadlines_minutes),
        ),
        Job(
            "digest",
            "flows/digest.py:digest",
            daily_at=settings.schedule_digest_time,
            timezone=timezone,
        ),
    ]


def one_at_a_time() -> ConcurrencyLimitConfig:
    """One run of a deployment at a time; a run that would overlap is cancelled, not queued."""
    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def require_prefect_api() -> str:
    """``PREFECT_API_URL``, once its server answers; PrefectApiMissing (one line for the CLI) otherwise."""
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if not url:
        raise PrefectApiMissing(
            "PREFECT_API_URL belum diisi: jalankan `prefect server start` lalu "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api (lihat docs/scale.md)"
        )
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=API_CHECK_TIMEOUT).raise_for_status()
    except httpx.HTTPError as exc:
        raise PrefectApiMissing(f"server Prefect di {url} tidak menjawab: {exc}") from None
    return url


def job_catalog(settings: Settings) -> Catalog:
    """The configuration, checked before anything is registered: a bad file stops here with its line."""
    return load_catalog(settings.config_dir, settings.sources_file)


def served_deployments(settings: Settings) -> tuple[list[Job], list[RunnerDeployment]]:
    jobs = scheduled_jobs(settings, digest_timezone(job_catalog(settings)))
    deployments = [
        RunnerDeployment.from_flow(
            job.flow(),
            DEPLOYMENT_NAME,
            schedule=job.schedule(),
            concurrency_limit=one_at_a_time(),
            entrypoint_type=EntrypointType.MODULE_PATH,  # each run imports the installed package
            description=f"Pantau: {job.name}, {job.when}",
        )
        for job in jobs
    ]
    return jobs, deployments


class _Runner(Runner):
    """Prefect's runner, stopping cleanly on SIGTERM and Ctrl-C: the runs in flight are cancelled (marked
    Cancelled, their concurrency slots freed at once) and the schedules paused before ``start`` returns.
    Prefect's own SIGTERM handler exits from inside the event loop: runs stay marked Running and keep their
    slot for minutes (the job's next runs are cancelled meanwhile), with a traceback on the console."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        loop = getattr(self, "_loop", None)
        if loop is None or self.stopping:
            raise KeyboardInterrupt  # not serving yet, or asked a second time: stop now
        asyncio.run_coroutine_threadsafe(self.astop(), loop)


def serve_all(settings: Settings, announce: Callable[[list[Job]], None] | None = None) -> None:
    """Serve every job on its schedule until SIGTERM or Ctrl-C; each run is a fresh subprocess of this
    process, with its environment (the ``PANTAU_*`` settings). ``announce`` hears the jobs once they are
    ready to serve. On the way out the runs in flight are cancelled (their work stays in the outboxes and
    the frontier for the next run) and the schedules paused, so no run piles up as late while nothing
    serves them; the next ``serve_all`` resumes them."""
    require_prefect_api()
    jobs, deployments = served_deployments(settings)
    runner = _Runner(pause_on_shutdown=True)
    for deployment in deployments:
        runner.add_deployment(deployment)
    if announce is not None:
        announce(jobs)
    interrupt = signal.signal(signal.SIGINT, runner.handle_sigterm)  # the runner handles SIGTERM alike
    try:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: stop without waiting
            asyncio.run(runner.start())
    finally:
        signal.signal(signal.SIGINT, interrupt)
