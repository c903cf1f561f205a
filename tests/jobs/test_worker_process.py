"""`manage.py worker` as operators run it: a separate process that picks up a job enqueued by another, is seen
alive by its heartbeat, and stops cleanly on SIGTERM (a deploy) without leaving its heartbeat behind.

On PostgreSQL the worker process uses the test database itself; on SQLite (whose test database lives in memory)
it gets a migrated database file of its own."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from crm.jobs.models import WorkerHeartbeat

from . import sample_jobs

BASE_DIR = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture
def database_url(tmp_path):
    """A URL the worker process can reach with the same data as this test (see the module docstring)."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}", None
    path = tmp_path / "worker.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env_for(url), check=True, timeout=120
    )
    return url, path


def env_for(url):
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "worker-test-key"}


def shell(url, code):
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env_for(url),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_worker_process_runs_a_job_beats_and_stops_cleanly_on_sigterm(database_url):
    url, sqlite_path = database_url
    if sqlite_path:
        job_id = shell(url, "from tests.jobs.sample_jobs import add; print(add.enqueue(20, 22).id)")
    else:
        job_id = str(sample_jobs.add.enqueue(20, 22).id)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"],
        cwd=BASE_DIR,
        env=env_for(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def status():
        if sqlite_path:
            code = f"from django_tasks_db.models import DBTaskResult as R; print(R.objects.get(pk='{job_id}').status)"
            return shell(url, code)
        return DBTaskResult.objects.get(pk=job_id).status

    def beats():
        if sqlite_path:
            return int(shell(url, "from crm.jobs.models import WorkerHeartbeat as W; print(W.objects.count())"))
        return WorkerHeartbeat.objects.count()

    try:
        wait_for(lambda: status() == TaskResultStatus.SUCCESSFUL)
        assert beats() == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert beats() == 0
