"""Accounts: the businesses we sell to. Never deleted, only deactivated."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from crm.history import TrackedHistory, acting_as
from crm.models import AccessPolicy, TrackedModel, TrackedQuerySet, choice_constraint

from .validators import normalise_gstin, validate_gstin

LEGAL_SUFFIXES = (
    "private limited",
    "pvt ltd",
    "pvt",
    "limited",
    "ltd",
    "llp",
    "llc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "srl",
    "bv",
    "nv",
    "plc",
    "pte",
    "pty",
    "oy",
    "ab",
)
_SUFFIX_RE = re.compile(r"(?:\s+(?:" + "|".join(re.escape(s) for s in LEGAL_SUFFIXES) + r"))+$")


def normalise_company_name(name: str) -> str:
    """Compare company names without case, accents, punctuation or legal suffixes ("Acme Pvt. Ltd." == "ACME")."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _SUFFIX_RE.sub("", text).strip()
    return re.sub(r"\s+", " ", text)


def domain_of_website(website: str) -> str:
    """`https://www.Acme.com/about` -> `acme.com`."""
    value = (website or "").strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.split("@")[-1].split(":", 1)[0]
    return value.removeprefix("www.").strip(".")


class AccountType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    PARTNER = "partner", _("Partner")
    COMPETITOR = "competitor", _("Competitor")
    RESELLER = "reseller", _("Reseller")


class CompanySize(models.TextChoices):
    S1_10 = "1-10", _("1-10 employees")
    S11_50 = "11-50", _("11-50 employees")
    S51_200 = "51-200", _("51-200 employees")
    S201_500 = "201-500", _("201-500 employees")
    S501_1000 = "501-1000", _("501-1,000 employees")
    S1001_5000 = "1001-5000", _("1,001-5,000 employees")
    S5001_PLUS = "5001+", _("5,001+ employees")


class Health(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    BLACK = "black", _("Black")


class Lifecycle(models.TextChoices):
    MQA = "mqa", _("MQA (marketing qualified)")
    SQA = "sqa", _("SQA (sales qualified)")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")


class AccountQuerySet(TrackedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def delete(self):
        raise ValidationError(_("Accounts are never deleted. Deactivate them instead."))

    delete.queryset_only = True


class Account(TrackedModel):
    name = models.CharField(_("name"), max_length=200)
    website = models.CharField(_("website"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    country = CountryField(_("country"), blank=True)
    account_type = models.CharField(
        _("account type"), max_length=16, choices=AccountType.choices, default=AccountType.PROSPECT
    )
    company_size = models.CharField(
        _("company size"), max_length=16, choices=CompanySize.choices, blank=True, help_text=_("Employee count.")
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In the company's currency."),
    )
    gstin = models.CharField(
        _("GSTIN"),
        max_length=15,
        blank=True,
        db_index=True,
        validators=[validate_gstin],
        help_text=_("Indian GST number: 15 characters, e.g. 27AAPFU0939F1ZV."),
    )
    health_score = models.CharField(_("health"), max_length=8, choices=Health.choices, default=Health.GREEN)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.MQA
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Accounts are deactivated, never deleted."))
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True, editable=False)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_accounts",
        verbose_name=_("owner"),
    )
    description = models.TextField(_("description"), blank=True)
    # Derived keys for matching (lead conversion, duplicates); kept in sync on save.
    domain = models.CharField(_("website domain"), max_length=200, blank=True, editable=False, db_index=True)
    name_key = models.CharField(_("normalised name"), max_length=200, blank=True, editable=False, db_index=True)

    access = AccessPolicy(
        owner_field="account_owner", rep_sees_all=True, rep_assigns_others=True, rep_leaves_unowned=True
    )
    objects = AccountQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["domain", "name_key"])  # the matching keys derive from other fields

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["company", "account_owner"], name="account_company_owner_idx"),
            models.Index(fields=["company", "is_active", "name"], name="account_company_active_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "gstin"], condition=~Q(gstin=""), name="account_gstin_unique_per_company"
            ),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_annual_revenue_not_negative",
            ),
            choice_constraint("account_type", AccountType, "account_type_valid"),
            choice_constraint("company_size", CompanySize, "account_company_size_valid", blank=True),
            choice_constraint("health_score", Health, "account_health_valid"),
            choice_constraint("lifecycle_stage", Lifecycle, "account_lifecycle_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:detail", kwargs={"pk": self.pk})

    def clean_fields(self, exclude=None):
        self.gstin = normalise_gstin(self.gstin)
        super().clean_fields(exclude)

    def clean(self):
        super().clean()
        self.validate_owner("account_owner")

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        if self.gstin and self.company_id:
            clash = Account.objects.filter(company_id=self.company_id, gstin=normalise_gstin(self.gstin))
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError({"gstin": _("Another account of your company already has this GSTIN.")})

    def save(self, *args, **kwargs):
        self.gstin = normalise_gstin(self.gstin)
        self.domain = domain_of_website(self.website)
        self.name_key = normalise_company_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"gstin", "domain", "name_key", "updated_at"}
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Accounts are never deleted. Deactivate the account instead."))

    def deactivate(self, *, by=None):
        if not self.is_active:
            return
        self.is_active = False
        self.deactivated_at = timezone.now()
        with acting_as(by):
            self.save(update_fields=["is_active", "deactivated_at"])

    def reactivate(self, *, by=None):
        if self.is_active:
            return
        self.is_active = True
        self.deactivated_at = None
        with acting_as(by):
            self.save(update_fields=["is_active", "deactivated_at"])

    def mark_customer(self):
        """A won deal makes its account a customer."""
        if self.account_type == AccountType.CUSTOMER and self.lifecycle_stage == Lifecycle.CUSTOMER:
            return
        self.account_type = AccountType.CUSTOMER
        self.lifecycle_stage = Lifecycle.CUSTOMER
        self.save(update_fields=["account_type", "lifecycle_stage"])
