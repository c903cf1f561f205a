"""Rescore leads in batches (one model call per batch), with a progress bar on stderr.

    manage.py score_leads [--company SLUG] [--batch-size 1000] [--all-steps]

Converted and merged leads are history and keep their score. `--all-steps` reruns the whole quality pipeline
(validation, spam, duplicates, score) - for leads that were created before it existed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from crm.models import Company
from leads.models import Lead, LeadStatus
from leads.quality import assess_quality_batch
from leads.quality.scoring import score_batch, scorer_for

SCORE_FIELDS = ["lead_score", "score_model_version", "scored_at", "score_factors"]
PIPELINE_FIELDS = [
    *SCORE_FIELDS,
    "first_name",
    "last_name",
    "lead_name",
    "email",
    "phone",
    "country",
    "validation_status",
    "validation_errors",
    "spam_score",
    "spam_reasons",
    "name_key",
    "is_duplicate",
    "duplicate_of",
    "duplicate_contact",
]


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
        leads = Lead.objects.filter(company=company).exclude(status__in=(LeadStatus.CONVERTED, LeadStatus.MERGED))
        pks = list(leads.order_by("pk").values_list("pk", flat=True))
        scorer = scorer_for(company.pk)
        with tqdm(total=len(pks), desc=company.slug, unit="lead", file=sys.stderr, disable=not pks) as bar:
            for start in range(0, len(pks), batch_size):
                batch = list(Lead.objects.filter(pk__in=pks[start : start + batch_size]).order_by("pk"))
                with transaction.atomic():
                    if all_steps:
                        assess_quality_batch(batch, within_batch=False)
                        Lead.objects.bulk_update(batch, PIPELINE_FIELDS)
                    else:
                        score_batch(batch, scorer=scorer)
                        Lead.objects.bulk_update(batch, SCORE_FIELDS)
                bar.update(len(batch))
        return len(pks)
