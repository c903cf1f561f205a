"""The `@job` decorator: a django-tasks task that survives a database blip and says which job it is in its logs."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django_tasks import task
from django_tasks.signals import task_finished, task_started

from crm import logcontext

logger = logging.getLogger("crm.jobs")

# A database restart or a failover drops the connection: psycopg raises OperationalError (or InterfaceError on a
# closed connection). Those are retried; anything else is a bug or bad data and fails the job at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Waits between attempts, in seconds: a PostgreSQL restart takes about 1.5 s, a failover up to a minute.
BACKOFF = (1, 2, 5, 15, 30)


def _reconnect() -> None:
    """Drop the broken connection so that the next query opens a fresh one."""
    with contextlib.suppress(*TRANSIENT_ERRORS):  # closing a dead socket can fail too
        connection.close()
    close_old_connections()


def job(
    func: Callable | None = None,
    *,
    queue: str = "default",
    priority: int = 0,
    backoff: tuple[float, ...] = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
):
    """Make a module-level function a job: `@job` or `@job(queue="imports")`; enqueue with `f.enqueue(...)`.

    Arguments must be JSON values (ids, not model instances). The function should be idempotent or resumable: a
    transient database error makes it run again from the start after a wait (`backoff`), as long as it was not
    inside a transaction the caller opened; after the last wait the job fails with the error.
    """

    def decorate(f: Callable):
        @functools.wraps(f)
        def run(*args, **kwargs):
            for attempt, wait in enumerate((*backoff, None), start=1):
                try:
                    return f(*args, **kwargs)
                except TRANSIENT_ERRORS as exc:
                    if wait is None or connection.in_atomic_block:
                        raise
                    logger.warning(
                        "Job %s: database unavailable (%s); attempt %d, retrying in %ss",
                        f.__qualname__,
                        exc.__class__.__name__,
                        attempt,
                        wait,
                    )
                    _reconnect()
                    sleep(wait)
            raise AssertionError("unreachable")  # pragma: no cover

        return task(queue_name=queue, priority=priority)(run)

    return decorate(func) if func is not None else decorate


def _job_started(sender, task_result, **kwargs) -> None:
    logcontext.job_id.set(str(task_result.id))
    logger.info("Job %s started: %s", task_result.id, task_result.task.name)


def _job_finished(sender, task_result, **kwargs) -> None:
    logger.info("Job %s finished: %s", task_result.id, task_result.status)
    logcontext.job_id.set("")


task_started.connect(_job_started, dispatch_uid="crm.jobs.started")
task_finished.connect(_job_finished, dispatch_uid="crm.jobs.finished")
