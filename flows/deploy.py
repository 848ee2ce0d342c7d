"""Register Pantau's five jobs as deployments of a Prefect work pool (``pantau deploy --pool NAME``).

The deployments point at this project's source folder: a ``process`` worker started on a machine that has
the folder (and Pantau installed in the Python it runs) sets that folder as the working directory and runs
``flows/<job>.py`` in a subprocess with the worker's own environment, so the ``PANTAU_*`` settings and the
LAPOR! tokens stay on the worker machines and never go to the Prefect server. No image is built or pushed.

Schedules are those of ``flows.schedule``. Every job runs one at a time (overlapping runs are cancelled)
except filing: several workers may drain the filing and notification outboxes together, each row claimed
by one of them (docs/scale.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.workers.process import ProcessWorker

from config.errors import PantauError
from config.settings import PROJECT_ROOT, Settings
from flows.schedule import (
    DEPLOYMENT_NAME,
    Job,
    digest_timezone,
    job_catalog,
    one_at_a_time,
    require_prefect_api,
    scheduled_jobs,
)

POOL_TYPE = "process"


class WrongPool(PantauError):
    """The named work pool exists but does not run processes."""


@dataclass(frozen=True)
class Deployed:
    job: Job
    name: str  # flow/deployment, e.g. filing/pantau


def ensure_pool(pool: str) -> bool:
    """Create the ``process`` work pool ``pool`` unless it exists; True when it was created."""
    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(pool)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            try:
                client.create_work_pool(WorkPoolCreate(name=pool, type=POOL_TYPE, base_job_template=template))
            except ObjectAlreadyExists:
                return False  # a deploy elsewhere created it meanwhile
            return True
    if existing.type != POOL_TYPE:
        raise WrongPool(
            f"work pool {pool!r} bertipe {existing.type!r}; Pantau butuh pool bertipe {POOL_TYPE!r}"
        )
    return False


def deploy_all(settings: Settings, pool: str) -> list[Deployed]:
    """Create or update the five deployments on the server at ``PREFECT_API_URL`` for work pool ``pool``
    (created as a ``process`` pool if missing). Running it again updates them in place."""
    require_prefect_api()
    jobs = scheduled_jobs(settings, digest_timezone(job_catalog(settings)))
    ensure_pool(pool)
    deployed = []
    for job in jobs:
        source = Flow.from_source(str(PROJECT_ROOT), job.entrypoint)
        assert isinstance(source, Flow), "called without an event loop: the sync variant answers"
        deployment = source.to_deployment(
            DEPLOYMENT_NAME,
            schedule=job.schedule(),
            concurrency_limit=None if job.overlaps_on_pool else one_at_a_time(),
            description=f"Pantau: {job.name}, {job.when}",
        )
        assert isinstance(deployment, RunnerDeployment)
        deployment.apply(work_pool_name=pool)
        deployed.append(Deployed(job, f"{job.name}/{DEPLOYMENT_NAME}"))
    return deployed
