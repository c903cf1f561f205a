"""The job engine's own periodic jobs: find jobs whose worker died, and prune old bookkeeping."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .base import job
from .models import PeriodicRun, WorkerHeartbeat
from .schedule import periodic

logger = logging.getLogger("crm.jobs")

# A worker writes its heartbeat every HEARTBEAT_SECONDS; one not seen for WORKER_LOST_AFTER has died (kill -9,
# a lost machine, a deploy that did not stop it cleanly), and the job it was running will never finish.
HEARTBEAT_SECONDS = 10
WORKER_LOST_AFTER = timedelta(seconds=60)
KEEP_FINISHED = timedelta(days=30)


class WorkerLost(Exception):
    """The worker running this job stopped sending heartbeats: it died with the job unfinished."""


def live_workers(now=None):
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(seen_at__gte=now - WORKER_LOST_AFTER)


def mark_stale(now=None) -> int:
    """Fail every running job whose worker is gone; returns how many. Resumable jobs (imports) pick up from
    their own checkpoints when run again; the rest are retried by whoever enqueued them or by hand."""
    now = now or timezone.now()
    alive = set(live_workers(now).values_list("worker_id", flat=True))
    stale = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker in alive:
            continue
        # Started moments ago by a worker whose first heartbeat is still on its way: leave it.
        if result.started_at and result.started_at > now - WORKER_LOST_AFTER:
            continue
        error = WorkerLost(f"worker {worker or '?'} stopped sending heartbeats")
        # Conditional, so a job that finished meanwhile keeps its real outcome.
        updated = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {error}\n",
        )
        if not updated:
            continue
        logger.warning("Job %s (%s) marked failed: worker %s lost", result.id, result.task_path, worker)
        stale += 1
    return stale


@periodic(every=timedelta(minutes=1), name="mark_stale_jobs")
@job
def mark_stale_jobs() -> int:
    return mark_stale()


@periodic(every=timedelta(days=1), offset=timedelta(hours=3), name="prune_job_records")
@job
def prune_job_records() -> dict:
    cutoff = timezone.now() - KEEP_FINISHED
    finished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    ).delete()[0]
    runs = PeriodicRun.objects.filter(slot__lt=cutoff).delete()[0]
    workers = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()[0]
    return {"jobs": finished, "periodic_runs": runs, "workers": workers}
