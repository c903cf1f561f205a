"""`manage.py run_jobs`: run every queued job that is due, then exit (`make jobs`; tests and cron-only setups)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the queued jobs until the queue is empty, then exit. --periodic first enqueues the due periodic jobs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queue-name", default="*", help="Comma-separated queues, or * for all (default).")
        parser.add_argument(
            "--periodic",
            action="store_true",
            help="Enqueue the periodic jobs whose slot is due before running (for a cron line instead of a worker).",
        )

    def handle(self, *, queue_name: str, periodic: bool, verbosity: int, **options) -> None:
        if periodic:
            from crm.jobs.schedule import enqueue_due

            for name in enqueue_due():
                self.stdout.write(f"Enqueued periodic job {name}")
        call_command(
            "worker",
            batch=True,
            interval=0,
            reload=False,
            startup_delay=False,
            queue_name=queue_name,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
