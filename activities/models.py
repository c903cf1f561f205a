"""Activities: the calls, meetings, tasks, notes and emails that make up a rep's day, each on one record."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from contacts.models import Contact
from crm.history import TrackedHistory
from crm.models import AccessPolicy, TrackedModel, TrackedQuerySet, choice_constraint
from deals.models import Deal
from leads.models import Lead


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    EMAIL = "email", _("Email")


# Kinds that are planned for a time (and so have a due date, a reminder and a place in "my day").
SCHEDULED_KINDS = (ActivityKind.TASK, ActivityKind.MEETING)


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    LEFT_VOICEMAIL = "left_voicemail", _("Left voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


# The records an activity can belong to: exactly one of these foreign keys is set.
RECORD_FIELDS = ("lead", "account", "contact", "deal")


def _exactly_one_record() -> Q:
    condition = Q()
    for name in RECORD_FIELDS:
        term = Q(**{f"{name}__isnull": False}) & Q(
            **{f"{other}__isnull": True for other in RECORD_FIELDS if other != name}
        )
        condition |= term
    return condition


class ActivityQuerySet(TrackedQuerySet):
    def open(self):
        """Not done yet: the tasks and meetings still to do."""
        return self.filter(done_at__isnull=True, kind__in=SCHEDULED_KINDS)

    def done(self):
        return self.filter(done_at__isnull=False)

    def with_record(self):
        """Loads the record each activity belongs to (and so makes the permission checks free of queries)."""
        return self.select_related(*RECORD_FIELDS, "owner")


class Activity(TrackedModel):
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, help_text=_("When a task or meeting is due."))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True, help_text=_("When a meeting ends."))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("owner"),
    )
    # The record it belongs to: exactly one (a check constraint says so).
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="activities", verbose_name=_("lead")
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="activities", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="activities", verbose_name=_("contact")
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="activities", verbose_name=_("deal")
    )
    # Reminders (a job sends each once): when the owner is reminded, and when that was done.
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)

    access = AccessPolicy(owner_field="owner", through=RECORD_FIELDS, rep_assigns_others=True)
    # Personal data: an activity is part of its lead's or contact's data (crm.gdpr reaches it through them).
    objects = ActivityQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["remind_at", "reminded_at"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The timeline of each kind of record, newest first.
            models.Index(fields=["lead", "-created_at"], name="activity_lead_timeline_idx"),
            models.Index(fields=["account", "-created_at"], name="activity_account_timeline_idx"),
            models.Index(fields=["contact", "-created_at"], name="activity_contact_timeline_idx"),
            models.Index(fields=["deal", "-created_at"], name="activity_deal_timeline_idx"),
            # "My open tasks by due date" (my day), and the team's for a manager.
            models.Index(
                fields=["owner", "due_at"], condition=Q(done_at__isnull=True), name="activity_open_by_owner_idx"
            ),
            models.Index(
                fields=["company", "due_at"], condition=Q(done_at__isnull=True), name="activity_open_by_company_idx"
            ),
            models.Index(fields=["owner", "-done_at"], name="activity_done_by_owner_idx"),
            # The reminders still to send.
            models.Index(fields=["remind_at"], condition=Q(reminded_at__isnull=True), name="activity_reminder_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_record(), name="activity_exactly_one_record"),
            choice_constraint("kind", ActivityKind, "activity_kind_valid"),
            choice_constraint("outcome", CallOutcome, "activity_outcome_valid", blank=True),
            choice_constraint("direction", Direction, "activity_direction_valid", blank=True),
            models.CheckConstraint(
                condition=~Q(kind__in=SCHEDULED_KINDS) | Q(due_at__isnull=False), name="activity_scheduled_has_due"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(due_at__isnull=False, ends_at__gte=models.F("due_at")),
                name="activity_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("activities:detail", kwargs={"pk": self.pk})

    @property
    def record(self):
        """The lead, account, contact or deal this activity belongs to."""
        return self.access.parent(self) if self.record_field else None

    @property
    def record_field(self) -> str | None:
        for name in RECORD_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return None

    @property
    def is_scheduled(self) -> bool:
        return self.kind in SCHEDULED_KINDS

    @property
    def is_open(self) -> bool:
        return self.is_scheduled and self.done_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    def clean(self):
        super().clean()
        errors = {}
        if sum(getattr(self, f"{name}_id") is not None for name in RECORD_FIELDS) != 1:
            errors["__all__"] = _("An activity belongs to exactly one lead, account, contact or deal.")
        if self.kind in SCHEDULED_KINDS and self.due_at is None:
            errors["due_at"] = _("Give the date and time it is due.")
        if self.ends_at is not None:
            if self.kind != ActivityKind.MEETING:
                self.ends_at = None
            elif self.due_at is not None and self.ends_at < self.due_at:
                errors["ends_at"] = _("A meeting cannot end before it starts.")
        if self.outcome and self.kind != ActivityKind.CALL:
            errors["outcome"] = _("Only a call has an outcome.")
        if errors:
            raise ValidationError(errors)
        record = self.record
        if record is not None and self.company_id:
            self.validate_same_company(**{self.record_field: record})
        self.validate_owner("owner")
