"""What a log line is about: the request, the user, the Company and the job it was written for.

Context variables, set by the request middleware (`crm.middleware.RequestLogMiddleware`) and by the job engine
(`crm.jobs`, for the length of a job), and read by `ContextFilter`, which copies them onto every log record so
that the formatters can print them (`%(request_id)s`, `%(job_id)s`; the JSON formatter prints them all).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
company_id: ContextVar[int | None] = ContextVar("company_id", default=None)
job_id: ContextVar[str] = ContextVar("job_id", default="")

FIELDS = {"request_id": request_id, "user_id": user_id, "company_id": company_id, "job_id": job_id}


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, company_id and job_id to every record (empty when not set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in FIELDS.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True
