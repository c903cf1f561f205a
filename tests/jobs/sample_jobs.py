"""Jobs the engine's tests enqueue (a job must be a module-level function that the worker can import)."""

import logging

from django.db import OperationalError

from crm import logcontext
from crm.jobs import job

logger = logging.getLogger("crm.jobs.sample")

# How often each job ran, and what it saw (the tests read and reset these).
CALLS: list[dict] = []


@job
def add(a: int, b: int) -> int:
    CALLS.append({"job": "add", "job_id": logcontext.job_id.get()})
    logger.warning("adding %s and %s", a, b)
    return a + b


@job(backoff=(0.01, 0.02, 0.03))
def flaky(failures: int) -> str:
    """Raises a database error the first `failures` times it runs, then succeeds."""
    CALLS.append({"job": "flaky"})
    if len([c for c in CALLS if c["job"] == "flaky"]) <= failures:
        raise OperationalError("server closed the connection unexpectedly")
    return "done"


@job(backoff=(0.01,))
def broken() -> None:
    CALLS.append({"job": "broken"})
    raise ValueError("a bug, not a blip")


@job(queue="imports")
def long_one() -> str:
    return "imported"
