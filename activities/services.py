"""Activity workflows: log what happened, schedule what is next, complete it. Views, the API and the importer
call these; each checks who may do it (crm.permissions) and runs in one transaction."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.history import acting_as
from crm.permissions import can_edit, can_view, require
from leads.models import Lead, LeadStatus
from leads.services import lead_set_status

from .models import RECORD_FIELDS, SCHEDULED_KINDS, Activity, ActivityKind


def record_field_of(record) -> str:
    """`"lead"`, `"account"`, `"contact"` or `"deal"`: the activity's foreign key for this record."""
    name = record._meta.model_name
    if name not in RECORD_FIELDS:
        raise ValueError(f"activities do not belong to a {name}")
    return name


def default_owner(record, *, by):
    """Who a new scheduled activity is for: the record's owner, or the user when the record has none."""
    owner_id = record.access.owner_id(record)
    return getattr(record, record.access.owner_field) if owner_id is not None else by


def new_activity(*, record, kind: str, by: AbstractBaseUser) -> Activity:
    """An unsaved activity on `record` with the defaults a form starts from."""
    activity = Activity(company_id=record.company_id, created_by=by, kind=kind)
    setattr(activity, record_field_of(record), record)
    activity.owner = default_owner(record, by=by) if kind in SCHEDULED_KINDS else by
    return activity


def save_activity(*, activity: Activity, by: AbstractBaseUser, mark_contacted: bool = False) -> Activity:
    """Create or update an activity (validated); a call or note is done when logged. The user must see the record;
    an existing activity must be editable by them. `mark_contacted` moves a new lead to "contacted" (a call)."""
    record = activity.record
    require(record is not None and can_view(by, record), _("You cannot add activities to this record."))
    if activity.pk:
        require(can_edit(by, activity), _("You cannot change this activity."))
    if activity.kind not in SCHEDULED_KINDS and activity.done_at is None:
        activity.done_at = timezone.now()
    if activity.owner_id is None:
        activity.owner = by
    activity.full_clean()
    with transaction.atomic(), acting_as(by):
        activity.save()
        if mark_contacted and isinstance(record, Lead) and record.status == LeadStatus.NEW and can_edit(by, record):
            lead_set_status(lead=record, status=LeadStatus.CONTACTED, by=by)
    return activity


def complete_activity(*, activity: Activity, by: AbstractBaseUser, when: datetime | None = None) -> Activity:
    """Mark a task or meeting done (once: completing a done one changes nothing)."""
    require(can_edit(by, activity), _("You cannot change this activity."))
    if activity.kind not in SCHEDULED_KINDS:
        raise ValidationError(_("Only a task or a meeting is completed."))
    if activity.done_at is not None:
        return activity
    activity.done_at = when or timezone.now()
    with transaction.atomic(), acting_as(by):
        activity.save(update_fields=["done_at", "updated_at", "version"])
    return activity


def reopen_activity(*, activity: Activity, by: AbstractBaseUser) -> Activity:
    """Undo a completion (a task ticked by mistake)."""
    require(can_edit(by, activity), _("You cannot change this activity."))
    if activity.kind in SCHEDULED_KINDS and activity.done_at is not None:
        activity.done_at = None
        with transaction.atomic(), acting_as(by):
            activity.save(update_fields=["done_at", "updated_at", "version"])
    return activity


def follow_up(*, activity: Activity, by: AbstractBaseUser) -> Activity:
    """An unsaved task on the same record, for the same owner: "schedule a follow-up?" after completing one."""
    follow = new_activity(record=activity.record, kind=ActivityKind.TASK, by=by)
    follow.owner = activity.owner or by
    return follow
