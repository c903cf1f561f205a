"""Leads: captured, cleaned, scored, assigned, qualified and converted."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Account, CompanySize
from contacts.models import Contact
from crm.gdpr import ERASED, PersonalDataPolicy
from crm.history import TrackedHistory
from crm.models import (
    AccessPolicy,
    Company,
    Source,
    TrackedModel,
    TrackedQuerySet,
    choice_constraint,
    percent_constraint,
)
from deals.models import Deal


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")
    MERGED = "merged", _("Merged")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class LeadStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    DECISION = "decision", _("Decision")


class AuthorityLevel(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    END_USER = "end_user", _("End user")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    UNKNOWN = "unknown", _("Unknown")


class BudgetRange(models.TextChoices):
    UNDER_10K = "lt_10k", _("Under 10k")
    FROM_10K = "10k_50k", _("10k-50k")
    FROM_50K = "50k_100k", _("50k-100k")
    FROM_100K = "100k_500k", _("100k-500k")
    OVER_500K = "gt_500k", _("Over 500k")


class Timeline(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    WITHIN_3_MONTHS = "1_3_months", _("1-3 months")
    WITHIN_6_MONTHS = "3_6_months", _("3-6 months")
    WITHIN_12_MONTHS = "6_12_months", _("6-12 months")
    LATER = "12_plus_months", _("12+ months")
    UNKNOWN = "unknown", _("Unknown")


class ValidationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")


class LeadQuerySet(TrackedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def queue(self):
        """Unassigned open leads that are not flagged as spam: the default work queue."""
        return self.open().filter(lead_owner__isnull=True).not_spam()

    def not_spam(self):
        return self.filter(spam_score__lt=F("company__spam_threshold"))

    def spam(self):
        return self.filter(spam_score__gte=F("company__spam_threshold"))


def split_full_name(full_name: str) -> tuple[str, str]:
    """'Ada King Lovelace' -> ('Ada King', 'Lovelace'); a single word is the last name."""
    parts = (full_name or "").split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


class Lead(TrackedModel):
    # No single-column indexes on company and created_at: every lead query is scoped to a Company, and the
    # (company, ...) indexes of Meta serve both. An import maintains each index on every row it writes.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"), editable=False, db_index=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Contact details
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    lead_name = models.CharField(
        _("full name"),
        max_length=201,
        blank=True,
        help_text=_(
            "Legacy full name: filled from first and last name when blank, split into them when only it is given."
        ),
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("Stored in E.164, e.g. +14155550100."))
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    company_size = models.CharField(
        _("company size"), max_length=16, choices=CompanySize.choices, blank=True, help_text=_("Employee count.")
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    country = CountryField(_("country"), blank=True)
    # Attribution
    source = models.CharField(_("source"), max_length=32, choices=Source.choices, default=Source.OTHER)
    campaign = models.CharField(_("campaign"), max_length=120, help_text=_("Required: every lead is attributable."))
    medium = models.CharField(_("medium"), max_length=120, blank=True)
    term = models.CharField(_("term"), max_length=120, blank=True)
    content = models.CharField(_("content"), max_length=120, blank=True, help_text=_("utm_content"))
    source_detail = models.CharField(
        _("source detail"), max_length=120, blank=True, help_text=_("The raw utm_source, e.g. google or newsletter.")
    )
    campaign_defaulted = models.BooleanField(
        _("campaign defaulted"),
        default=False,
        editable=False,
        help_text=_("The web form URL carried no utm_campaign: the Company's default campaign was used."),
    )
    # Assignment and qualification
    lead_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
        help_text=_("Empty: the lead waits in the unassigned queue."),
    )
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    stage = models.CharField(_("stage"), max_length=16, choices=LeadStage.choices, default=LeadStage.AWARENESS)
    disqualified_reason = models.CharField(_("disqualified reason"), max_length=255, blank=True)
    interest_product = models.CharField(_("product of interest"), max_length=150, blank=True)
    budget_range = models.CharField(_("budget"), max_length=16, choices=BudgetRange.choices, blank=True)
    authority_level = models.CharField(
        _("authority"), max_length=16, choices=AuthorityLevel.choices, default=AuthorityLevel.UNKNOWN
    )
    timeline = models.CharField(_("timeline"), max_length=16, choices=Timeline.choices, default=Timeline.UNKNOWN)
    # Compliance
    gdpr_consent = models.BooleanField(_("GDPR consent"), default=False)
    opt_in_date = models.DateField(_("opt-in date"), null=True, blank=True)
    dnd_status = models.BooleanField(_("do not disturb"), default=False)
    # Quality
    lead_score = models.PositiveSmallIntegerField(
        _("lead score"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    score_factors = models.JSONField(_("score factors"), default=list, blank=True, editable=False)
    score_model_version = models.CharField(_("score model"), max_length=64, blank=True, editable=False)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, editable=False)
    spam_score = models.PositiveSmallIntegerField(
        _("spam score"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    spam_reasons = models.JSONField(_("spam reasons"), default=list, blank=True, editable=False)
    validation_status = models.CharField(
        _("validation"), max_length=16, choices=ValidationStatus.choices, default=ValidationStatus.PENDING
    )
    validation_errors = models.JSONField(_("validation problems"), default=list, blank=True, editable=False)
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    duplicate_contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicate_leads",
        verbose_name=_("duplicate of contact"),
        editable=False,
        help_text=_("The oldest contact of the Company this lead matches."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_leads",
        verbose_name=_("merged into"),
        editable=False,
    )
    name_key = models.CharField(_("normalised name and company"), max_length=300, blank=True, editable=False)
    submitted_ip = models.GenericIPAddressField(_("submitted from IP"), null=True, blank=True, editable=False)
    # Conversion
    converted_to_account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_leads",
        verbose_name=_("converted to account"),
        editable=False,
    )
    converted_contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_leads",
        verbose_name=_("converted to contact"),
        editable=False,
    )
    converted_deal = models.OneToOneField(
        Deal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_lead",
        verbose_name=_("converted to deal"),
        editable=False,
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    access = AccessPolicy(
        owner_field="lead_owner", rep_sees_unowned=True, rep_edits_unowned=True, rep_leaves_unowned=True
    )
    # Personal data (crm.gdpr: the export of a person's data and its erasure).
    gdpr = PersonalDataPolicy(
        personal=(
            "first_name",
            "last_name",
            "lead_name",
            "email",
            "phone",
            "company_name",
            "job_title",
            "country",
            "notes",
            "submitted_ip",
        ),
        # The company name and country are business data (and feed the reports): kept. The legacy full name
        # follows first + last name (Lead.sync_names), so it reads "Erased" too.
        anonymise={
            "first_name": "",
            "last_name": ERASED,
            "lead_name": ERASED,
            "email": "",
            "phone": "",
            "job_title": "",
            "notes": "",
            "submitted_ip": None,
            "name_key": "",
            "spam_reasons": [],
            "validation_errors": [],
        },
        attribution=("source", "source_detail", "campaign", "medium", "term", "content"),
        profile=(
            "status",
            "stage",
            "interest_product",
            "budget_range",
            "authority_level",
            "timeline",
            "company_size",
            "disqualified_reason",
            "lead_score",
            "score_factors",
            "spam_score",
            "validation_status",
            "is_duplicate",
            "created_at",
            "converted_at",
        ),
        links=(
            "converted_contact",
            "converted_to_account",
            "converted_deal",
            "duplicate_of",
            "duplicate_contact",
            "duplicates",
            "merged_into",
            "merged_leads",
        ),
    )
    objects = LeadQuerySet.as_manager()
    # Field history; what the quality pipeline derives on every save (factors, reasons, keys) is left out.
    history = TrackedHistory(
        excluded_fields=[
            "score_factors",
            "scored_at",
            "score_model_version",
            "spam_reasons",
            "validation_errors",
            "name_key",
        ]
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["company", "status"], name="lead_company_status_idx"),
            models.Index(fields=["company", "lead_owner", "status"], name="lead_company_owner_idx"),
            models.Index(fields=["company", "campaign"], name="lead_company_campaign_idx"),
            models.Index(fields=["company", "-created_at", "-id"], name="lead_company_created_idx"),
            models.Index(fields=["company", "email"], name="lead_company_email_idx"),
            models.Index(fields=["company", "phone"], name="lead_company_phone_idx"),
            models.Index(fields=["company", "name_key"], name="lead_company_namekey_idx"),
        ]
        constraints = [
            percent_constraint("lead_score", "lead_score_0_100"),
            percent_constraint("spam_score", "lead_spam_score_0_100"),
            models.CheckConstraint(condition=~Q(campaign=""), name="lead_campaign_required"),
            choice_constraint("status", LeadStatus, "lead_status_valid"),
            choice_constraint("stage", LeadStage, "lead_stage_valid"),
            choice_constraint("authority_level", AuthorityLevel, "lead_authority_level_valid"),
            choice_constraint("budget_range", BudgetRange, "lead_budget_range_valid", blank=True),
            choice_constraint("timeline", Timeline, "lead_timeline_valid"),
            choice_constraint("validation_status", ValidationStatus, "lead_validation_status_valid"),
            choice_constraint("source", Source, "lead_source_valid"),
            choice_constraint("company_size", CompanySize, "lead_company_size_valid", blank=True),
            models.CheckConstraint(
                condition=Q(is_duplicate=False)
                | Q(duplicate_of__isnull=False)
                | Q(duplicate_contact__isnull=False)
                | Q(status=LeadStatus.MERGED),
                name="lead_duplicate_has_original",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("leads:detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        return self.lead_name or self.email or f"Lead #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED

    @property
    def is_read_only(self) -> bool:
        """Converted and merged leads are history: nobody edits them."""
        return self.status in (LeadStatus.CONVERTED, LeadStatus.MERGED)

    @property
    def outreach_blocked_reason(self) -> str:
        """Why outreach (calls, emails) is not allowed, or '' when it is."""
        if self.dnd_status:
            return _("Do not disturb: this lead asked not to be contacted.")
        if not self.gdpr_consent:
            return _("No GDPR consent: do not send marketing to this lead.")
        return ""

    def sync_names(self) -> None:
        """Keep the legacy full name and first/last name consistent."""
        self.first_name = (self.first_name or "").strip()
        self.last_name = (self.last_name or "").strip()
        self.lead_name = " ".join((self.lead_name or "").split())
        if self.lead_name and not (self.first_name or self.last_name):
            self.first_name, self.last_name = split_full_name(self.lead_name)
        elif self.first_name or self.last_name:
            joined = " ".join(part for part in (self.first_name, self.last_name) if part)
            if not self.lead_name:
                self.lead_name = joined

    def clean(self):
        self.sync_names()
        super().clean()
        if not (self.lead_name or self.email or self.phone):
            raise ValidationError(_("Give at least a name, an email or a phone number."))
        if not (self.campaign or "").strip():
            raise ValidationError({"campaign": _("Every lead needs a campaign, so it can be attributed.")})
        self.validate_owner("lead_owner")
        if self.status == LeadStatus.DISQUALIFIED and not self.disqualified_reason.strip():
            raise ValidationError({"disqualified_reason": _("Say why the lead is disqualified.")})

    def save(self, *args, **kwargs):
        self.sync_names()
        self.email = (self.email or "").strip().lower()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"updated_at"}
        super().save(*args, **kwargs)


class LeadScoreModel(models.Model):
    """A Company's trained lead-scoring model: a logistic regression kept as plain numbers.

    `features` is the vocabulary (e.g. "source=referral", "completeness"), `coefficients` one weight per
    feature, `means` the average training lead (the baseline the factors on the lead page are measured
    against). Scoring is a dot product in numpy: nothing is unpickled from the database.
    """

    company = models.ForeignKey(
        "crm.Company", on_delete=models.CASCADE, related_name="lead_score_models", verbose_name=_("company")
    )
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    algorithm = models.CharField(_("algorithm"), max_length=64, default="logistic_regression")
    auc = models.FloatField(_("holdout AUC"), null=True, blank=True)
    n_samples = models.PositiveIntegerField(_("training outcomes"))
    n_positive = models.PositiveIntegerField(_("converted leads"))
    features = models.JSONField(_("features"), default=list)
    coefficients = models.JSONField(_("coefficients"), default=list)
    means = models.JSONField(_("feature means"), default=list)
    intercept = models.FloatField(_("intercept"), default=0.0)

    class Meta:
        verbose_name = _("lead score model")
        verbose_name_plural = _("lead score models")
        ordering = ["company_id", "-version", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "version"], name="lead_score_model_version_unique"),
        ]

    def __str__(self):
        return _("Lead score model v%(version)s") % {"version": self.version}

    @property
    def label(self) -> str:
        """What `Lead.score_model_version` records, e.g. "lr-v3"."""
        return f"lr-v{self.version}"


from .importing.models import LeadImport, LeadImportRow  # noqa: E402,F401
