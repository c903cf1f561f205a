"""Contacts: the people at an account."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from crm.gdpr import ERASED, PersonalDataPolicy
from crm.history import TrackedHistory, acting_as
from crm.models import AccessPolicy, TrackedModel, choice_constraint


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision Maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    CHAMPION = "champion", _("Champion")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    IN_PERSON = "in_person", _("In person")


class Influence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Contact(TrackedModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("account"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, db_index=True, help_text=_("E.164, e.g. +14155550100.")
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=ContactRole.choices, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    influence_score = models.CharField(
        _("influence"), max_length=8, choices=Influence.choices, default=Influence.MEDIUM
    )
    is_primary_contact = models.BooleanField(
        _("primary contact"), default=False, help_text=_("At most one primary contact per account.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_contacts",
        verbose_name=_("owner"),
    )
    gdpr_consent = models.BooleanField(_("GDPR consent"), default=False)
    opt_in_date = models.DateField(_("opt-in date"), null=True, blank=True)
    dnd_status = models.BooleanField(_("do not disturb"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    access = AccessPolicy(owner_field="owner", rep_sees_all=True, rep_assigns_others=True, rep_leaves_unowned=True)
    # Personal data (crm.gdpr: the export of a person's data and its erasure).
    gdpr = PersonalDataPolicy(
        personal=("first_name", "last_name", "email", "phone", "job_title", "notes"),
        anonymise={"first_name": "", "last_name": ERASED, "email": "", "phone": "", "job_title": "", "notes": ""},
        profile=("role", "preferred_channel", "influence_score", "is_primary_contact", "created_at"),
        links=("account", "converted_leads", "duplicate_leads"),
    )
    history = TrackedHistory()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["company", "owner"], name="contact_company_owner_idx"),
            models.Index(fields=["company", "email"], name="contact_company_email_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_primary_contact=True), name="contact_one_primary_per_account"
            ),
            choice_constraint("role", ContactRole, "contact_role_valid", blank=True),
            choice_constraint("preferred_channel", Channel, "contact_channel_valid"),
            choice_constraint("influence_score", Influence, "contact_influence_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("contacts:detail", kwargs={"pk": self.pk})

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def clean(self):
        super().clean()
        self.email = (self.email or "").strip().lower()
        if self.account_id and self.company_id:
            self.validate_same_company(account=self.account)
        self.validate_owner("owner")

    def validate_constraints(self, exclude=None):
        if self.is_primary_contact and self.account_id:
            others = Contact.objects.filter(account_id=self.account_id, is_primary_contact=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {"is_primary_contact": _("This account already has a primary contact. Use 'Make primary' instead.")}
                )
        super().validate_constraints(exclude)

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def make_primary(self, *, by=None):
        """Make this the account's primary contact; the previous one stops being primary, atomically.

        Both changes are recorded in the contacts' history (the queryset update records too), as made by `by`.
        """
        with transaction.atomic(), acting_as(by, reason=_("Primary contact changed")):
            list(Account.objects.select_for_update().filter(pk=self.account_id).values_list("pk", flat=True))
            Contact.objects.filter(account_id=self.account_id, is_primary_contact=True).exclude(pk=self.pk).update(
                is_primary_contact=False, updated_at=timezone.now()
            )
            self.is_primary_contact = True
            self.save(update_fields=["is_primary_contact", "updated_at"])
