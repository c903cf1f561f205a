"""A django-tasks-db worker that also writes a heartbeat, enqueues the periodic jobs and sweeps stale jobs."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

from .base import TRANSIENT_ERRORS
from .models import WorkerHeartbeat
from .schedule import enqueue_due
from .tasks import HEARTBEAT_SECONDS

logger = logging.getLogger("crm.jobs")


def beat(worker_id: str, queues: str, started_at) -> None:
    """Write this worker's heartbeat row (one upsert)."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "queues": queues[:255],
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


class Worker(DatabaseWorker):
    """Runs jobs like `db_worker`; beside it, a thread beats the heart and enqueues what the schedule says is due.

    The thread has its own database connection; it keeps going through a database outage (logging it) so the
    worker is seen alive again as soon as the database is back.
    """

    def __init__(self, *, schedule: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.schedule = schedule
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def tick(self, *, own_connection: bool = True) -> None:
        try:
            beat(self.worker_id, ",".join(self.queue_names), self.started_at)
            if self.schedule:
                enqueue_due()
        except TRANSIENT_ERRORS as exc:
            logger.warning("Worker %s: heartbeat failed (%s)", self.worker_id, exc)
        finally:
            if own_connection:
                connection.close()

    def _beat_forever(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(HEARTBEAT_SECONDS)

    def run(self) -> None:
        thread = None
        if connection.in_atomic_block:
            # Started inside a transaction (a test): a second connection could not see its data, so beat once here.
            self.tick(own_connection=False)
        else:
            thread = threading.Thread(target=self._beat_forever, name="crm-worker-heartbeat", daemon=True)
            thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            if thread:
                thread.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
