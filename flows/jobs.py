"""What the scheduled jobs (filing, sync, deadlines, digest) share: their runtime, retry policy and log lines.

Each job is a thin Prefect flow over one service in ``services/``; the service keeps its own failure
bookkeeping (an outbox row's attempts and back-off, a region's LAPOR! breaker). What reaches the flow is what
the service could not absorb: the database gone for a moment (a task retry a few seconds later fixes that),
or a problem that needs a person (no schema yet, a bad configuration file), which no retry fixes and which
fails the run at once, with one log line, visible as the run's Failed state in Prefect.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from prefect import Flow, Task, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun, State, TaskRun
from prefect.logging.loggers import flow_run_logger, get_run_logger

from config.errors import ConfigError
from config.settings import get_settings
from db.schema_check import DatabaseNotInitialised, require_current_schema
from flows.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")

TASK_RETRIES = 2
TASK_RETRY_DELAYS: list[float] = [
    5.0,
    30.0,
]  # seconds: a database restart or failover is over within the second wait
# a whole run again, once: a run every few minutes catches up anyway, so one retry shortly after is enough
FLOW_RETRIES = 1
FLOW_RETRY_DELAY_SECONDS = 20
NEEDS_A_PERSON = (ConfigError, DatabaseNotInitialised)


def worker_id() -> str:
    """``host:pid``: who claimed an outbox row, as it shows in ``claimed_by`` and the audit log."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def job_runtime() -> Iterator[Runtime]:
    """A Runtime from the process's settings, for one run; stops first, with the reason, on a database
    that ``pantau init`` has not set up (rather than failing later on a missing table)."""
    settings = get_settings()
    require_current_schema(settings.resolved_database_url)
    runtime = Runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


def worth_retrying(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """A task's retry condition: everything but a failure that needs a person."""
    try:
        state.result()
    except NEEDS_A_PERSON:
        return False
    except Exception:
        return True
    return False


def log_failure(flow: Flow[..., Any], flow_run: FlowRun, state: State[Any]) -> None:
    """``on_failure`` hook: the run failed for good (its retries used up); one error line on the console and
    in the run's Prefect log, beside its Failed state."""
    flow_run_logger(flow_run, flow).error(
        "pekerjaan %s gagal (run %s, percobaan %d): %s",
        flow.name,
        flow_run.name,
        flow_run.run_count,
        state.message,
    )


def job_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """The decorator of a job's task: retried for what a later try can fix (``worth_retrying``), never
    cached (each run acts on the database as it is now)."""
    return task(
        name=name,
        retries=TASK_RETRIES,
        retry_delay_seconds=TASK_RETRY_DELAYS,
        retry_condition_fn=worth_retrying,
        cache_policy=NO_CACHE,
    )


def job_flow(name: str) -> Callable[[Callable[P, R]], Flow[P, R]]:
    """The decorator of a job's flow: one retry of the whole run, and one log line when it fails for good."""
    return flow(
        name=name,
        retries=FLOW_RETRIES,
        retry_delay_seconds=FLOW_RETRY_DELAY_SECONDS,
        on_failure=[log_failure],
        log_prints=False,
    )


def log_summary(job: str, summary: object) -> None:
    """The run's outcome in one line (the summaries print themselves in Bahasa Indonesia)."""
    get_run_logger().info("%s: %s", job, summary)
