"""Deal workflows: create, edit and move a deal. Every stage change goes through `Deal.move_to_stage`.

`Deal.move_to_stage` is the one place for the stage rules (probability and forecast category follow the stage
unless set by hand, closing stamps `closed_at`, a lost deal needs a reason, a won deal makes its account a
customer). The services below never write `stage` themselves: they save the other fields, then hand the stage
to that method, so the deal page, the edit form, the pipeline board and the admin cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from crm.history import acting_as
from crm.models import Company

from .models import Deal, DealStage

# What a user may set on a deal through a form; the rest is derived (closed_at, the stage defaults) or stamped.
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "account",
        "primary_contact",
        "owner",
        "stage",
        "amount",
        "currency",
        "probability",
        "probability_is_manual",
        "expected_close_date",
        "forecast_category",
        "forecast_category_is_manual",
        "source",
        "campaign",
        "medium",
        "term",
        "lost_reason",
        "description",
    }
)


def _apply(deal: Deal, data: Mapping[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable on a deal: {', '.join(sorted(unknown))}")
    for field, value in data.items():
        setattr(deal, field, value)


def deal_create(*, company: Company, data: Mapping[str, Any], by) -> Deal:
    """Create a deal from validated field values.

    The currency defaults to the Company's. A deal created directly at a stage gets that stage's rules, as
    if it had been moved there: created as Closed Won, its account becomes a customer.
    """
    deal = Deal(company=company, created_by=by)
    _apply(deal, data)
    deal.currency = (deal.currency or company.currency).upper()
    deal.full_clean()
    stage, lost_reason = deal.stage, deal.lost_reason
    with transaction.atomic(), acting_as(by):
        deal.save()
        deal.move_to_stage(stage, by=by, lost_reason=lost_reason)
    return deal


def deal_update(*, deal: Deal, data: Mapping[str, Any], by) -> Deal:
    """Apply validated field values to a stored deal; a change of stage goes through `Deal.move_to_stage`.

    The stored row is re-read under a lock (`deal` may be a form's instance that already carries the new
    values), so the stage it moves *from* is the one in the database. The version the edit form showed
    (`deal.expected_version`) goes with it: when someone saved the deal since, `ConcurrentEditError` is raised
    and nothing is written. Returns the saved deal.
    """
    expected_version = deal.__dict__.pop("expected_version", None)
    with transaction.atomic(), acting_as(by):
        stored = Deal.objects.select_for_update().get(pk=deal.pk, company_id=deal.company_id)
        if expected_version is not None:
            stored.expected_version = expected_version
        previous_stage = stored.stage
        _apply(stored, data)
        stored.full_clean()
        stage, lost_reason = stored.stage, stored.lost_reason
        stored.stage = previous_stage
        stored.save()
        # Also when the stage is unchanged: the defaults follow the (possibly cleared) manual flags, and a won
        # deal moved to another account makes that account a customer. The method is idempotent.
        stored.move_to_stage(stage, by=by, lost_reason=lost_reason)
    return stored


def deal_move_stage(*, deal: Deal, stage: str, by, lost_reason: str = "") -> Deal:
    """Move a deal to `stage` (deal page, pipeline board). Raises ValidationError for a lost deal without reason."""
    with transaction.atomic():
        deal.move_to_stage(DealStage(stage), by=by, lost_reason=lost_reason)
    return deal


def deal_close_won(*, deal: Deal, by) -> Deal:
    return deal_move_stage(deal=deal, stage=DealStage.CLOSED_WON, by=by)


def deal_close_lost(*, deal: Deal, by, lost_reason: str) -> Deal:
    return deal_move_stage(deal=deal, stage=DealStage.CLOSED_LOST, by=by, lost_reason=lost_reason)
