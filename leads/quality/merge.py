"""Merge two leads of one Company: a manager picks the survivor and, field by field, which value survives.

One transaction. The other lead is never deleted: it becomes status "merged", `merged_into` and
`duplicate_of` point at the survivor, and it keeps its own values and its conversion links (a converted lead is
never merged away). The references that say which lead is the original move to the survivor: leads that were
the other's duplicates or had been merged into it. A "do not disturb" request is never
lost: the survivor is DND when either lead was. The survivor then runs through the quality pipeline again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import can_merge, require
from leads.models import Lead, LeadStatus

SURVIVOR = "survivor"
OTHER = "other"
BOTH = "both"

# The fields a manager chooses between, in the order the merge page shows them.
MERGE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "company_size",
    "job_title",
    "country",
    "source",
    "source_detail",
    "campaign",
    "medium",
    "term",
    "content",
    "lead_owner",
    "stage",
    "interest_product",
    "budget_range",
    "authority_level",
    "timeline",
    "gdpr_consent",
    "notes",
)
# Fields that follow another field's choice (the opt-in date belongs to the consent it records).
FOLLOWS = {"opt_in_date": "gdpr_consent"}
# Fields whose values can be kept together.
COMBINABLE = frozenset({"notes"})


def _value(lead: Lead, name: str):
    field = Lead._meta.get_field(name)
    return getattr(lead, field.attname)


def merge_choices_default(survivor: Lead, other: Lead) -> dict[str, str]:
    """Keep the survivor's values, fill its blanks from the other lead, and keep both leads' notes."""
    choices = {}
    for name in MERGE_FIELDS:
        if name in COMBINABLE:
            choices[name] = BOTH
        elif _value(survivor, name) in (None, "") and _value(other, name) not in (None, ""):
            choices[name] = OTHER
        else:
            choices[name] = SURVIVOR
    return choices


def _combine(first: str, second: str) -> str:
    first, second = (first or "").strip(), (second or "").strip()
    if not second or second == first:
        return first
    if not first:
        return second
    return f"{first}\n\n{second}"


def _check(survivor: Lead, other: Lead, by) -> None:
    require(can_merge(by, survivor), _("Only managers merge leads."))
    require(can_merge(by, survivor, other), _("Both leads must belong to your company."))
    if other.pk == survivor.pk:
        raise ValidationError(_("Choose two different leads."))
    if other.status == LeadStatus.MERGED or survivor.status == LeadStatus.MERGED:
        raise ValidationError(_("A merged lead cannot be merged again; merge into the lead it was merged into."))
    if other.status == LeadStatus.CONVERTED:
        raise ValidationError(_("A converted lead cannot be merged away; keep it as the surviving lead."))


def _move_references(survivor: Lead, other: Lead) -> None:
    """Leads that duplicated `other`, or had been merged into it, now point at the survivor.

    Only these links move: they say which lead is the original. Records that describe the other lead's own
    history (its conversion, the import that created it) stay with it.
    """
    others = Lead.objects.exclude(pk__in=[survivor.pk, other.pk])
    now = timezone.now()
    others.filter(duplicate_of=other).update(duplicate_of=survivor, updated_at=now)
    others.filter(merged_into=other).update(merged_into=survivor, updated_at=now)


def merge_leads(*, survivor: Lead, other: Lead, by, choices: dict[str, str] | None = None) -> Lead:
    """Merge `other` into `survivor`. `choices` maps a field of `MERGE_FIELDS` to "survivor", "other" or, for
    notes, "both"; fields left out keep the default of `merge_choices_default`. Returns the survivor."""
    from . import assess_quality

    _check(survivor, other, by)
    with transaction.atomic():
        locked = {lead.pk: lead for lead in Lead.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk])}
        survivor, other = locked[survivor.pk], locked[other.pk]
        _check(survivor, other, by)

        chosen = merge_choices_default(survivor, other)
        unknown = set(choices or {}) - set(MERGE_FIELDS)
        if unknown:
            raise ValidationError(
                _("These fields cannot be merged: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
            )
        chosen.update(choices or {})
        changed = []
        for name in MERGE_FIELDS:
            choice = chosen[name]
            if choice not in (SURVIVOR, OTHER, BOTH) or (choice == BOTH and name not in COMBINABLE):
                raise ValidationError(_("Choose which value of %(field)s survives.") % {"field": name})
            if choice == BOTH:
                value = _combine(_value(survivor, name), _value(other, name))
            elif choice == OTHER:
                value = _value(other, name)
            else:
                continue
            if value != _value(survivor, name):
                changed.append(name)
                setattr(survivor, Lead._meta.get_field(name).attname, value)
        for name, leader in FOLLOWS.items():
            if chosen[leader] == OTHER and _value(other, name) != _value(survivor, name):
                changed.append(name)
                setattr(survivor, name, _value(other, name))
        if other.dnd_status and not survivor.dnd_status:
            changed.append("dnd_status")
            survivor.dnd_status = True
        if survivor.status == LeadStatus.CONVERTED and changed:
            raise ValidationError(_("The surviving lead is converted and read-only: keep its values."))
        if {"first_name", "last_name"} & set(changed):
            survivor.lead_name = ""
            survivor.sync_names()

        _move_references(survivor, other)
        other.status = LeadStatus.MERGED
        other.merged_into = survivor
        other.is_duplicate = True
        other.duplicate_of = survivor
        other.save(update_fields=["status", "merged_into", "is_duplicate", "duplicate_of"])

        if survivor.duplicate_of_id == other.pk:
            survivor.duplicate_of = None
            survivor.is_duplicate = survivor.duplicate_contact_id is not None
        assess_quality(survivor)
        survivor.full_clean()
        survivor.save()
    return survivor
