"""Rescore leads in batches (one model call per batch), with a progress bar on stderr.

    manage.py score_leads [--company SLUG] [--batch-size 1000] [--all-steps]

Converted and merged leads are history and keep their score. `--all-steps` reruns the whole quality pipeline
(validation, spam, duplicates, score) - for leads that were created before it existed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from crm.models import Company
from leads.models import Lead
from leads.quality.jobs import CLOSED_FOR_SCORING, rescore_company


class Command(BaseCommand):
    help = "Rescore leads with their Company's current model (or the rule-based prior), in batches."

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", help="Only this Company (default: every active one).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--all-steps", action="store_true", help="Rerun validation, spam and duplicates too.")

    def handle(self, *args, company=None, batch_size=1000, all_steps=False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        companies = Company.objects.filter(is_active=True)
        if company:
            companies = Company.objects.filter(slug=company)
            if not companies.exists():
                raise CommandError(f"No company with the slug “{company}”.")
        total = 0
        for each in companies.order_by("slug"):
            total += self.score_company(each, batch_size=batch_size, all_steps=all_steps)
        self.stdout.write(self.style.SUCCESS(f"Rescored {total} leads."))

    def score_company(self, company, *, batch_size, all_steps) -> int:
        total = Lead.objects.filter(company=company).exclude(status__in=CLOSED_FOR_SCORING).count()
        with tqdm(total=total, desc=company.slug, unit="lead", file=sys.stderr, disable=not total) as bar:
            return rescore_company(company, batch_size=batch_size, all_steps=all_steps, progress=bar.update)
