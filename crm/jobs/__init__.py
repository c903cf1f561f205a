"""Background jobs: the one engine every app's slow work runs on (docs/jobs.md).

Built on django-tasks (the backport of Django 6's `django.tasks`) with its database backend: a job is a row in
the database, so it is enqueued in the same transaction as the data it works on and cannot be lost between the
two. What this package adds to the framework:

- `@job(...)`: a task that retries a database blip (a lost connection, a restart) with backoff instead of
  failing, and whose log lines carry the job id;
- `@periodic(...)`: a job enqueued on a schedule by the workers themselves (once per slot, however many run);
- `manage.py worker` (a worker with a heartbeat, the scheduler and the stale-job sweep) and `manage.py
  run_jobs` (run what is queued, then exit);
- `queue_status()`: what /healthz reports (oldest queued job's age, workers seen).

App code imports from here: `from crm.jobs import job`.
"""

from .base import TRANSIENT_ERRORS, job
from .schedule import periodic

__all__ = ["TRANSIENT_ERRORS", "job", "periodic"]
