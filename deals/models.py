"""Deals (opportunities) and their pipeline rules."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from contacts.models import Contact
from crm.history import TrackedHistory, acting_as
from crm.models import AccessPolicy, Source, TrackedModel, TrackedQuerySet, choice_constraint, percent_constraint


class DealStage(models.TextChoices):
    PROSPECTING = "prospecting", _("Prospecting")
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    CLOSED_WON = "closed_won", _("Closed Won")
    CLOSED_LOST = "closed_lost", _("Closed Lost")


OPEN_STAGES = (DealStage.PROSPECTING, DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION)
CLOSED_STAGES = (DealStage.CLOSED_WON, DealStage.CLOSED_LOST)

STAGE_PROBABILITY = {
    DealStage.PROSPECTING: 10,
    DealStage.QUALIFICATION: 25,
    DealStage.PROPOSAL: 50,
    DealStage.NEGOTIATION: 75,
    DealStage.CLOSED_WON: 100,
    DealStage.CLOSED_LOST: 0,
}


class ForecastCategory(models.TextChoices):
    WORST_CASE = "worst_case", _("Worst Case")
    MOST_LIKELY = "most_likely", _("Most Likely")
    BEST_CASE = "best_case", _("Best Case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")


# The category a deal takes from its stage unless its owner overrides it.
STAGE_FORECAST_CATEGORY = {
    DealStage.PROSPECTING: ForecastCategory.WORST_CASE,
    DealStage.QUALIFICATION: ForecastCategory.MOST_LIKELY,
    DealStage.PROPOSAL: ForecastCategory.BEST_CASE,
    DealStage.NEGOTIATION: ForecastCategory.COMMIT,
    DealStage.CLOSED_WON: ForecastCategory.CLOSED,
    DealStage.CLOSED_LOST: ForecastCategory.CLOSED,
}


class DealQuerySet(TrackedQuerySet):
    def open(self):
        return self.filter(stage__in=OPEN_STAGES)

    def won(self):
        return self.filter(stage=DealStage.CLOSED_WON)


class Deal(TrackedModel):
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deals", verbose_name=_("account"))
    primary_contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("primary contact"),
        help_text=_("A contact of the deal's account."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_deals",
        verbose_name=_("owner"),
    )
    stage = models.CharField(_("stage"), max_length=16, choices=DealStage.choices, default=DealStage.PROSPECTING)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code."))
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Follows the stage's default unless set by hand."),
    )
    probability_is_manual = models.BooleanField(_("probability set by hand"), default=False)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True, db_index=True)
    forecast_category = models.CharField(
        _("forecast category"), max_length=16, choices=ForecastCategory.choices, default=ForecastCategory.WORST_CASE
    )
    forecast_category_is_manual = models.BooleanField(_("forecast category set by hand"), default=False)
    # Attribution carried from the source lead (the lead itself links here through Lead.converted_deal).
    source = models.CharField(_("source"), max_length=32, choices=Source.choices, blank=True)
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    medium = models.CharField(_("medium"), max_length=120, blank=True)
    term = models.CharField(_("term"), max_length=120, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)

    access = AccessPolicy(owner_field="owner")
    objects = DealQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["company", "owner"], name="deal_company_owner_idx"),
            models.Index(fields=["company", "stage"], name="deal_company_stage_idx"),
            models.Index(fields=["company", "expected_close_date"], name="deal_company_close_idx"),
        ]
        constraints = [
            percent_constraint("probability", "deal_probability_0_100"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            choice_constraint("stage", DealStage, "deal_stage_valid"),
            choice_constraint("forecast_category", ForecastCategory, "deal_forecast_category_valid"),
            choice_constraint("source", Source, "deal_source_valid", blank=True),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("deals:detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_won(self) -> bool:
        return self.stage == DealStage.CLOSED_WON

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount or Decimal("0")) * Decimal(self.probability) / Decimal(100)

    def clean(self):
        super().clean()
        if self.company_id:
            if self.account_id:
                self.validate_same_company(account=self.account)
            if self.primary_contact_id:
                self.validate_same_company(primary_contact=self.primary_contact)
        if self.primary_contact_id and self.account_id and self.primary_contact.account_id != self.account_id:
            raise ValidationError(
                {"primary_contact": _("The primary contact must be a contact of the deal's account.")}
            )
        self.validate_owner("owner")
        if self.stage == DealStage.CLOSED_LOST and not self.lost_reason.strip():
            raise ValidationError({"lost_reason": _("Say why the deal was lost.")})
        if self.currency:
            self.currency = self.currency.strip().upper()

    def apply_stage_defaults(self):
        """Probability and forecast category follow the stage unless set by hand; closing stamps closed_at."""
        if not self.probability_is_manual or self.stage in CLOSED_STAGES:
            self.probability = STAGE_PROBABILITY[self.stage]
        if not self.forecast_category_is_manual or self.stage in CLOSED_STAGES:
            self.forecast_category = STAGE_FORECAST_CATEGORY[self.stage]
        if self.stage in CLOSED_STAGES:
            # A closed deal's probability and category are facts, not estimates: reopening starts from defaults.
            self.probability_is_manual = False
            self.forecast_category_is_manual = False
            self.closed_at = self.closed_at or timezone.now()
        else:
            self.closed_at = None
            self.lost_reason = ""

    def move_to_stage(self, stage: str, *, by=None, lost_reason: str = "") -> None:
        """The one way a deal changes stage (deal page, pipeline board, admin).

        Probability and forecast category follow the stage; closing sets closed_at; winning makes the
        account a customer; losing needs a reason.
        """
        stage = DealStage(stage)
        if stage == DealStage.CLOSED_LOST and not (lost_reason or "").strip():
            raise ValidationError({"lost_reason": _("Say why the deal was lost.")})
        with transaction.atomic(), acting_as(by):
            previous = self.stage
            self.stage = stage
            if stage != previous and stage in CLOSED_STAGES:
                self.closed_at = timezone.now()
            self.apply_stage_defaults()
            if stage == DealStage.CLOSED_LOST:
                self.lost_reason = lost_reason.strip()
            self.save(
                update_fields=[
                    "stage",
                    "probability",
                    "probability_is_manual",
                    "forecast_category",
                    "forecast_category_is_manual",
                    "closed_at",
                    "lost_reason",
                    "updated_at",
                ]
            )
            if stage == DealStage.CLOSED_WON:
                self.account.mark_customer()
