"""Periodic jobs, scheduled by the workers themselves (no cron needed; a cron line works too, see docs/jobs.md).

`@periodic(every=..., offset=...)` on a job registers it. Time is cut into slots of `every`, shifted by `offset`
(`every=1 day, offset=2 hours` is 02:00 UTC every night); each worker asks `enqueue_due()` every few seconds,
and the first to insert the (job, slot) row enqueues it; the others hit the unique constraint and move on. A slot
is taken up to `min(every, 1 hour)` late (a worker restarted at 02:20 still runs the 02:00 job); one missed for
longer, while no worker ran, is not caught up: the next one runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("crm.jobs")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MAX_LATENESS = timedelta(hours=1)


@dataclass(frozen=True)
class Schedule:
    name: str
    task: object  # a django-tasks Task
    every: timedelta
    offset: timedelta

    def slot(self, now: datetime) -> datetime:
        """The start of the slot `now` falls in."""
        elapsed = now - EPOCH - self.offset
        return EPOCH + self.offset + self.every * (elapsed // self.every)


SCHEDULES: dict[str, Schedule] = {}


def periodic(*, every: timedelta, offset: timedelta = timedelta(0), name: str | None = None):
    """Register a job (made with `@job`) to be enqueued once per `every`, at `offset` into each period."""
    if every <= timedelta(0) or not timedelta(0) <= offset < every:
        raise ValueError("periodic: every must be positive and 0 <= offset < every")

    def register(task):
        key = name or task.module_path
        SCHEDULES[key] = Schedule(key, task, every, offset)
        return task

    return register


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job whose current slot has not been enqueued yet; returns their names."""
    from .models import PeriodicRun

    now = now or timezone.now()
    enqueued = []
    for schedule in SCHEDULES.values():
        slot = schedule.slot(now)
        if now - slot > min(schedule.every, MAX_LATENESS):
            continue
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(name=schedule.name, slot=slot)
                result = schedule.task.enqueue()
                run.result_id = str(result.id)
                run.save(update_fields=["result_id"])
        except IntegrityError:
            continue  # another worker (or an earlier pass) has this slot
        logger.info("Periodic job %s enqueued for %s", schedule.name, slot.isoformat())
        enqueued.append(schedule.name)
    return enqueued
