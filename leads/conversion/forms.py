"""The convert page's form: which account and contact to use, and the deal's fields.

`account` is "new" or the id of an account of the lead's Company; `contact` is blank (automatic: the account's
contact with the lead's email, else a new one) or the id of a contact of the chosen account. Ids of another
Company, or a contact of another account, are form errors. The deal fields are optional: blank keeps the
service's defaults (name "<account> - <product>", amount 0, close date from the lead's timeline).
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalise_gstin, validate_gstin
from contacts.models import Contact
from crm.models import parse_id
from deals.models import STAGE_FORECAST_CATEGORY, DealStage, ForecastCategory

from ..models import Lead, LeadStatus
from .matching import accounts_for_conversion
from .service import expected_close_date_for

NEW = "new"
OPEN_FORECAST_CATEGORIES = [choice for choice in ForecastCategory.choices if choice[0] != ForecastCategory.CLOSED]


class LeadConvertForm(forms.Form):
    account = forms.CharField(
        label=_("Account"),
        required=False,
        help_text=_("An existing account of your company, or “new” to create one from the lead."),
    )
    gstin = forms.CharField(
        label=_("GSTIN of the new account"),
        max_length=15,
        required=False,
        validators=[validate_gstin],
        help_text=_("Optional: the Indian GST number of the new account."),
    )
    contact = forms.CharField(
        label=_("Contact"),
        required=False,
        help_text=_("Blank: reuse the account's contact with the lead's email, else create a new contact."),
    )
    create_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    deal_name = forms.CharField(
        label=_("Deal name"),
        max_length=200,
        required=False,
        help_text=_("Blank: “<account> - <product of interest>”."),
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=OPEN_FORECAST_CATEGORIES,
        required=False,
        initial=STAGE_FORECAST_CATEGORY[DealStage.PROSPECTING],
    )
    confirm = forms.BooleanField(
        label=_("Convert anyway: this lead is not qualified yet"),
        required=False,
    )

    def __init__(self, *args, lead: Lead, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.user = user
        self.fields["expected_close_date"].initial = expected_close_date_for(lead)
        self.fields["amount"].widget.attrs["step"] = "0.01"
        self.needs_confirmation = lead.status != LeadStatus.QUALIFIED
        if not self.needs_confirmation:
            del self.fields["confirm"]
        self.helper = FormHelper(self)
        self.helper.form_tag = False

    def clean_account(self):
        value = (self.cleaned_data.get("account") or "").strip()
        if value in ("", NEW):
            return None
        account = None
        if (pk := parse_id(value)) is not None:
            account = accounts_for_conversion(self.lead, self.user).filter(pk=pk).first()
        if account is None:
            raise forms.ValidationError(_("Choose an account of your company."), code="foreign_account")
        return account

    def clean_contact(self):
        value = (self.cleaned_data.get("contact") or "").strip()
        if value in ("", NEW):
            return None
        contact = None
        if (pk := parse_id(value)) is not None:
            contact = Contact.objects.filter(company_id=self.lead.company_id, pk=pk).first()
        if contact is None:
            raise forms.ValidationError(_("Choose a contact of your company."), code="foreign_contact")
        return contact

    def clean_gstin(self):
        return normalise_gstin(self.cleaned_data.get("gstin"))

    def clean(self):
        cleaned = super().clean()
        account, contact = cleaned.get("account"), cleaned.get("contact")
        wrong_account = contact is not None and (account is None or contact.account_id != account.pk)
        if wrong_account and "account" not in self.errors:
            self.add_error(
                "contact",
                forms.ValidationError(
                    _("This contact belongs to another account: choose a contact of the chosen account."),
                    code="contact_of_other_account",
                ),
            )
        if self.needs_confirmation and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                forms.ValidationError(
                    _("This lead is %(status)s, not qualified: tick “Convert anyway” to confirm."),
                    code="not_qualified",
                    params={"status": self.lead.get_status_display().lower()},
                ),
            )
        return cleaned

    def service_kwargs(self) -> dict:
        """The keyword arguments of `lead_convert` (besides `lead` and `by`)."""
        data = self.cleaned_data
        return {
            "account": data.get("account"),
            "contact": data.get("contact"),
            "gstin": data.get("gstin") or "",
            "create_deal": bool(data.get("create_deal")),
            "deal_values": {
                "name": (data.get("deal_name") or "").strip(),
                "amount": data.get("amount"),
                "expected_close_date": data.get("expected_close_date"),
                "forecast_category": data.get("forecast_category"),
            },
        }
