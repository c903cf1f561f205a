"""Lead-quality jobs: the nightly retraining of each Company's lead-score model, and rescoring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from crm.jobs import job, periodic
from crm.models import Company
from leads.models import Lead, LeadStatus

from . import assess_quality_batch
from .scoring import score_batch, scorer_for, train_company_model

logger = logging.getLogger("leads.quality")

# Converted and merged leads are history: they keep the score they had.
CLOSED_FOR_SCORING = (LeadStatus.CONVERTED, LeadStatus.MERGED)
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


def rescore_company(
    company: Company,
    *,
    batch_size: int = 1000,
    all_steps: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rescore a Company's open leads with its current model, one transaction per batch; returns how many.

    Converted and merged leads are history and keep their score. `all_steps` reruns the whole quality pipeline
    (validation, spam, duplicates, score) - for leads created before it existed.
    """
    leads = Lead.objects.filter(company=company).exclude(status__in=CLOSED_FOR_SCORING)
    pks = list(leads.order_by("pk").values_list("pk", flat=True))
    scorer = scorer_for(company.pk)
    for start in range(0, len(pks), batch_size):
        batch = list(Lead.objects.filter(pk__in=pks[start : start + batch_size]).order_by("pk"))
        with transaction.atomic():
            if all_steps:
                assess_quality_batch(batch, within_batch=False)
                Lead.objects.bulk_update(batch, PIPELINE_FIELDS)
            else:
                score_batch(batch, scorer=scorer)
                Lead.objects.bulk_update(batch, SCORE_FIELDS)
        if progress:
            progress(len(batch))
    return len(pks)


@job
def retrain_company_scores(company_id: int) -> dict:
    """Train one Company's model on its closed leads; when a new model is stored, rescore its open leads."""
    company = Company.objects.get(pk=company_id)
    result = train_company_model(company)
    if result.model is None:
        logger.info("Lead scores for %s not retrained: %s", company.slug, result.message)
        return {"company": company.slug, "model": None, "message": result.message, "rescored": 0}
    rescored = rescore_company(company)
    logger.info("Lead scores for %s: model v%s, %d leads rescored", company.slug, result.model.version, rescored)
    return {"company": company.slug, "model": result.model.version, "auc": result.auc, "rescored": rescored}


@periodic(every=timedelta(days=1), offset=timedelta(hours=2), name="retrain_lead_scores")
@job
def retrain_lead_scores() -> int:
    """Nightly at 02:00 UTC: one retraining job per active Company (so one Company's failure stops no other)."""
    companies = list(Company.objects.filter(is_active=True).values_list("pk", flat=True))
    for company_id in companies:
        retrain_company_scores.enqueue(company_id)
    return len(companies)
