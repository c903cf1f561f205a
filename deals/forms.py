"""Deal forms: the create/edit form and the small forms behind the deal page's actions."""

from decimal import Decimal

from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.forms import TenantModelForm, row, section
from crm.permissions import may_leave_unowned

from .models import STAGE_FORECAST_CATEGORY, STAGE_PROBABILITY, Deal, DealStage, ForecastCategory


class ContactSelect(forms.Select):
    """A contact select whose options carry their account id (`data-account`), so the page can offer only the
    contacts of the chosen account. Without JavaScript every contact is listed and the server checks."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-account"] = instance.account_id
        return option


class DealForm(TenantModelForm):
    """Create and edit a deal.

    Probability and forecast category follow the stage unless set by hand: leaving them empty (or typing the
    stage's default) means "follow the stage"; anything else marks them as set by hand.
    """

    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter ISO 4217 code, e.g. USD."))],
        widget=forms.TextInput(
            attrs={"class": "text-uppercase", "autocomplete": "off", "size": 3, "title": _("ISO 4217 code, e.g. USD")}
        ),
    )

    class Meta:
        model = Deal
        fields = (
            "name",
            "account",
            "primary_contact",
            "owner",
            "stage",
            "amount",
            "currency",
            "probability",
            "forecast_category",
            "expected_close_date",
            "source",
            "campaign",
            "medium",
            "term",
            "lost_reason",
            "description",
        )
        widgets = {
            "primary_contact": ContactSelect,
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "probability": forms.NumberInput(attrs={"min": "0", "max": "100", "step": "1"}),
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        deal = self.instance
        adding = deal._state.adding

        self._set_up_account_and_contact(deal)

        # The owner choices come from crm.permissions (TenantModelForm): a rep works their own deals and cannot
        # hand one to someone else (or to nobody).
        if may_leave_unowned(user, Deal):
            self.fields["owner"].empty_label = _("Unassigned")
        if adding:
            self.initial.setdefault("owner", user.pk)
            self.initial["amount"] = None
            if self.company is not None:
                self.initial.setdefault("currency", self.company.currency)

        self._set_up_stage_defaults(deal)
        self.helper.layout = self._layout()

    def _set_up_account_and_contact(self, deal) -> None:
        """Active accounts (and the deal's own), a contact labelled with its account, an optional amount."""
        self.fields["account"].queryset = self.fields["account"].queryset.filter(
            Q(is_active=True) | Q(pk=deal.account_id)
        )
        self.fields["account"].empty_label = _("Choose an account")
        self.fields["source"].choices = [("", _("Not known")), *self.fields["source"].choices[1:]]
        amount = self.fields["amount"]
        amount.required = False
        amount.widget.attrs["placeholder"] = _("Not known yet")
        contacts = self.fields["primary_contact"]
        contacts.queryset = contacts.queryset.select_related("account").order_by(
            "account__name", "last_name", "first_name", "pk"
        )
        contacts.label_from_instance = lambda contact: f"{contact.name} · {contact.account.name}"
        contacts.empty_label = _("No primary contact")

    def _set_up_stage_defaults(self, deal) -> None:
        """Probability and forecast category follow the stage unless set by hand: empty fields with the
        stage's defaults as hints (and on the stage select, for the page's script)."""
        stage = self.initial.get("stage") or deal.stage
        probability = self.fields["probability"]
        probability.required = False
        probability.widget.attrs["placeholder"] = _("Stage default: %(p)s") % {"p": STAGE_PROBABILITY[stage]}
        probability.help_text = _("Empty: follows the stage (%(defaults)s).") % {
            "defaults": ", ".join(f"{DealStage(s).label} {p}" for s, p in STAGE_PROBABILITY.items())
        }
        if not deal.probability_is_manual:
            self.initial["probability"] = None

        category = self.fields["forecast_category"]
        category.required = False
        category.choices = [("", _("Follow the stage (%(c)s)") % {"c": STAGE_FORECAST_CATEGORY[stage].label})] + [
            choice for choice in ForecastCategory.choices if choice[0] != ForecastCategory.CLOSED
        ]
        if not deal.forecast_category_is_manual or deal.forecast_category == ForecastCategory.CLOSED:
            self.initial["forecast_category"] = ""

        self.fields["lost_reason"].help_text = _("Required when the stage is Closed Lost.")
        # The stage defaults, for the page's script that updates the hints when the stage changes.
        self.fields["stage"].widget.attrs.update(
            {
                "data-probability-defaults": ",".join(f"{s}:{p}" for s, p in STAGE_PROBABILITY.items()),
                "data-category-defaults": ",".join(f"{s}:{c.label}" for s, c in STAGE_FORECAST_CATEGORY.items()),
            }
        )

    def _layout(self) -> Layout:
        return Layout(
            section(
                _("Deal"),
                "name",
                row("account", "primary_contact", css_class="col-md-6"),
                row("owner", "stage", css_class="col-md-6"),
                "description",
            ),
            section(
                _("Value & forecast"),
                Row(
                    Column("amount", css_class="col-8 col-md-4"),
                    Column("currency", css_class="col-4 col-md-2"),
                    Column("expected_close_date", css_class="col-md-6"),
                ),
                row("probability", "forecast_category", css_class="col-md-6"),
            ),
            section(
                _("Attribution"),
                row("source", "campaign", "medium", "term", css_class="col-md-6 col-xl-3"),
            ),
            section(_("Closing"), "lost_reason"),
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        return Decimal("0") if amount is None else amount

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage") or self.instance.stage
        if not self.has_error("probability"):
            probability = cleaned.get("probability")
            default = STAGE_PROBABILITY[stage]
            cleaned["probability_is_manual"] = probability is not None and probability != default
            if probability is None:
                cleaned["probability"] = default
        if not self.has_error("forecast_category"):
            category = cleaned.get("forecast_category") or ""
            default = STAGE_FORECAST_CATEGORY[stage]
            cleaned["forecast_category_is_manual"] = bool(category) and category != default
            if not category:
                cleaned["forecast_category"] = default
        # Not form fields, so construct_instance skips them: keep the instance in step for the model's clean().
        for flag in ("probability_is_manual", "forecast_category_is_manual"):
            if flag in cleaned:
                setattr(self.instance, flag, cleaned[flag])
        return cleaned

    def deal_data(self) -> dict:
        """The validated values for `deal_create` / `deal_update`."""
        names = (*self._meta.fields, "probability_is_manual", "forecast_category_is_manual")
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


class DealStageForm(forms.Form):
    """Move a deal to a stage (the deal page's stage path and select; the pipeline board)."""

    stage = forms.ChoiceField(label=_("Stage"), choices=DealStage.choices)
    lost_reason = forms.CharField(label=_("Why was it lost?"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stage") == DealStage.CLOSED_LOST and not (cleaned.get("lost_reason") or "").strip():
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return cleaned


class DealCloseLostForm(forms.Form):
    lost_reason = forms.CharField(
        label=_("Why was it lost?"),
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Price, chose a competitor, no budget")}),
    )
