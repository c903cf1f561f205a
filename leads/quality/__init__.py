"""The lead quality pipeline: validate -> spam -> duplicates -> score, the same for every entry point.

`assess_quality(lead, context=...)` for one lead (the rep's form, the web form, the admin) and
`assess_quality_batch(leads, context=...)` for imports and rescoring, batched: one velocity query, one duplicate query
for leads and one for contacts, and one model call per batch of `BATCH_SIZE`. Both set the lead's fields in
memory; the caller saves. Converted and merged leads are history and are left as they are.

`context` holds what only the entry point knows: `honeypot` (what the web form's hidden field held) and
`fill_seconds` (how long the form was open). See the modules for the rules:
validation.py, spam.py, duplicates.py, scoring.py; merge.py merges two leads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import duplicates, scoring, spam, validation

BATCH_SIZE = 1000

__all__ = ["BATCH_SIZE", "Prepared", "assess_quality", "assess_quality_batch", "prepare_lead"]


def assess_quality(lead, *, context: dict | None = None) -> None:
    """Run the whole pipeline on one lead (about four queries)."""
    if lead.is_read_only:
        return
    lead.sync_names()
    phone = validation.validate(lead)
    spam.score(lead, context=context, phone=phone)
    duplicates.find_duplicates(lead)
    scoring.score(lead)


@dataclass
class Prepared:
    """What `prepare_lead` worked out for one lead: the parsed phone, the spam rules and the score features that
    read only the lead."""

    phone: validation.PhoneResult
    spam_content: tuple[list, list]
    profile: dict[str, float]  # scoring.profile_features


def prepare_lead(lead, *, context: dict | None = None) -> Prepared:
    """The pipeline's steps that need no database: names synced, fields validated, the content spam rules run,
    the duplicate name key set and the lead's own score features read. For `assess_quality_batch(..., prepared=...)`:
    an import prepares a batch while the previous one is being written."""
    lead.sync_names()
    phone = validation.validate(lead)
    content = spam.content_reasons(lead, context=context, phone=phone)
    lead.name_key = duplicates.name_key(lead)
    return Prepared(phone, content, scoring.profile_features(lead))


def assess_quality_batch(
    leads: Iterable,
    *,
    context: dict | None = None,
    within_batch: bool = True,
    scorer: scoring.LinearScorer | None = None,
    prepared: dict[int, Prepared] | None = None,
) -> None:
    """Run the pipeline on many leads, batched per Company and `BATCH_SIZE`.

    The same results as `assess_quality` on each lead in turn, saving each before the next: an unsaved lead that
    matches an earlier one of the list becomes its duplicate (`within_batch`), so save them in list order.
    `scorer` scores instead of the Company's latest model (one query saved, and its memory of rows already
    scored kept): an import passes the same one for all its batches. Only for leads of one Company.
    `prepared` maps `id(lead)` to what `prepare_lead` returned (with the same `context`) for leads it already ran on.
    """
    by_company: dict[int, list] = {}
    for lead in leads:
        if not lead.is_read_only:
            by_company.setdefault(lead.company_id, []).append(lead)
    for company_leads in by_company.values():
        company_scorer = scorer or scoring.scorer_for(company_leads[0].company_id)
        for start in range(0, len(company_leads), BATCH_SIZE):
            _process_batch(company_leads[start : start + BATCH_SIZE], context, company_scorer, within_batch, prepared)


def _process_batch(batch: list, context: dict | None, scorer, within_batch: bool, prepared: dict | None) -> None:
    prepared = prepared or {}
    ready = [prepared.get(id(lead)) or prepare_lead(lead, context=context) for lead in batch]
    velocities = spam.velocity_counts_batch(batch)
    for lead, lead_ready, velocity in zip(batch, ready, velocities, strict=True):
        spam.score(lead, context=context, phone=lead_ready.phone, velocity=velocity, content=lead_ready.spam_content)
    duplicates.find_duplicates_batch(batch, within_batch=within_batch, keyed=True)
    scoring.score_batch(batch, scorer=scorer, profiles=[lead_ready.profile for lead_ready in ready])
