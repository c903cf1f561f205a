"""Lead workflows: every change a user makes to a lead goes through one of these functions.

Each is keyword-only, runs in a transaction, checks the caller's right to act (PermissionDenied) and the
lead's state (ValidationError), and saves only the fields it changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.history import acting_as
from crm.models import membership_of
from crm.permissions import assignable_owners, can_assign, can_edit, can_take, in_company_of, require

from .conversion.service import Conversion, ConversionError, lead_convert  # noqa: F401  (the conversion workflow)
from .models import Lead, LeadStage, LeadStatus
from .quality import assess_quality
from .quality.scoring import score

# Statuses a user may set by hand; converted and merged are reached only through conversion and merging.
SETTABLE_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED)
READ_ONLY_STATUSES = (LeadStatus.CONVERTED, LeadStatus.MERGED)


def process_lead(*, lead: Lead, by: AbstractBaseUser | None, source: str = "form", context: dict | None = None) -> Lead:
    """The one step every single-lead entry point (rep's form, web form, admin) runs to save a lead.

    Runs the quality pipeline (validation, spam score, duplicates, lead score: `leads.quality`), then validates
    and saves, in one transaction. `source` says which entry point called ("form", "web", "admin");
    `context` carries what only that entry point knows (the web form's honeypot and fill time).
    Imports run the same pipeline in batches through `leads.quality.assess_quality_batch`.
    """
    with transaction.atomic(), acting_as(by):
        if lead._state.adding and lead.created_by_id is None and by is not None and by.is_authenticated:
            lead.created_by = by
        assess_quality(lead, context=context)
        lead.full_clean()
        lead.save()
    return lead


def _rescore(lead: Lead) -> list[str]:
    """Stage and status are score features: refresh the score when they change. Returns the fields to save."""
    score(lead)
    return ["lead_score", "score_model_version", "scored_at", "score_factors"]


def _check_writable(lead: Lead) -> None:
    if lead.is_read_only:
        raise ValidationError(
            _("This lead is %(status)s and can no longer be changed.") % {"status": lead.get_status_display().lower()}
        )


def _check_owner(owner, by) -> None:
    if owner is not None and not assignable_owners(by, Lead).filter(pk=owner.pk).exists():
        raise ValidationError({"lead_owner": _("The owner must be an active user of your company.")})


def lead_assign(*, lead: Lead, owner: AbstractBaseUser | None, by: AbstractBaseUser) -> Lead:
    """A manager gives the lead to `owner` (None sends it back to the unassigned queue)."""
    require(in_company_of(by, lead), _("This lead belongs to another company."))
    require(can_assign(by, lead), _("Only managers assign leads."))
    _check_writable(lead)
    _check_owner(owner, by)
    with transaction.atomic(), acting_as(by, reason=_("Assigned") if owner else _("Sent back to the queue")):
        lead.lead_owner = owner
        lead.save(update_fields=["lead_owner"])
    return lead


def leads_bulk_assign(*, leads: Iterable[Lead], owner: AbstractBaseUser, by: AbstractBaseUser) -> int:
    """A manager gives many leads to `owner` at once. Converted and merged leads are left alone.

    Returns the number of leads assigned. Leads of another Company are never touched. The queryset update
    bumps each lead's version and records its history (`crm.models.TrackedQuerySet`).
    """
    require(can_assign(by, Lead), _("Only managers assign leads."))
    if owner is None:
        raise ValidationError({"lead_owner": _("Choose who gets the leads.")})
    _check_owner(owner, by)
    membership = membership_of(by)
    pks = [lead.pk for lead in leads]
    with transaction.atomic(), acting_as(by, reason=_("Bulk assignment")):
        return (
            Lead.objects.for_company(membership.company)
            .filter(pk__in=pks)
            .exclude(status__in=READ_ONLY_STATUSES)
            .update(lead_owner=owner, updated_at=timezone.now())
        )


def lead_take(*, lead: Lead, by: AbstractBaseUser) -> Lead:
    """ "Assign to me": the user takes an unassigned lead from the queue.

    Race-safe: the UPDATE only matches while the lead is still unassigned, so of two users who click at
    the same moment exactly one gets it; the other is told that someone else took it.
    """
    require(can_take(by, lead), _("This lead belongs to another company."))
    _check_writable(lead)
    if lead.lead_owner_id == by.pk:
        raise ValidationError(_("This lead is already yours."))
    if lead.lead_owner_id is not None:
        raise ValidationError(_("This lead already has an owner; ask a manager to reassign it."))
    with transaction.atomic(), acting_as(by, reason=_("Taken from the queue")):
        taken = (
            Lead.objects.filter(pk=lead.pk, company_id=lead.company_id, lead_owner__isnull=True)
            .exclude(status__in=READ_ONLY_STATUSES)
            .update(lead_owner=by, updated_at=timezone.now())
        )
    if not taken:
        raise ValidationError(_("Someone else took this lead a moment ago."))
    lead.lead_owner = by
    return lead


def _check_can_edit(lead: Lead, by) -> None:
    require(in_company_of(by, lead), _("This lead belongs to another company."))
    require(can_edit(by, lead), _("You can only change your own leads and the unassigned queue."))
    _check_writable(lead)


def lead_set_status(*, lead: Lead, status: str, by: AbstractBaseUser, reason: str = "") -> Lead:
    """Move the lead to `status`. Disqualifying needs a reason; converted and merged are not set by hand."""
    _check_can_edit(lead, by)
    if status not in SETTABLE_STATUSES:
        raise ValidationError({"status": _("Choose new, contacted, qualified or disqualified.")})
    reason = (reason or "").strip()
    if status == LeadStatus.DISQUALIFIED and not reason:
        raise ValidationError({"disqualified_reason": _("Say why the lead is disqualified.")})
    with transaction.atomic(), acting_as(by):
        lead.status = status
        lead.disqualified_reason = reason if status == LeadStatus.DISQUALIFIED else ""
        lead.save(update_fields=["status", "disqualified_reason", *_rescore(lead)])
    return lead


def lead_set_stage(*, lead: Lead, stage: str, by: AbstractBaseUser) -> Lead:
    """Move the lead to another buying stage (awareness, consideration, decision)."""
    _check_can_edit(lead, by)
    if stage not in LeadStage.values:
        raise ValidationError({"stage": _("Choose awareness, consideration or decision.")})
    with transaction.atomic(), acting_as(by):
        lead.stage = stage
        lead.save(update_fields=["stage", *_rescore(lead)])
    return lead
