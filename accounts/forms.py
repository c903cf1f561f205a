"""The account form: explicit fields in the sections a rep thinks in; owner choices are the Company's users."""

from crispy_forms.bootstrap import PrependedText
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import TenantModelForm, row, section

from .models import Account
from .validators import normalise_gstin


class AccountForm(TenantModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "website",
            "industry",
            "company_size",
            "annual_revenue",
            "country",
            "phone",
            "gstin",
            "account_type",
            "lifecycle_stage",
            "health_score",
            "account_owner",
            "description",
        ]
        widgets = {
            "website": forms.TextInput(attrs={"placeholder": _("https://www.example.com"), "inputmode": "url"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "gstin": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "class": "font-monospace"}
            ),
            "annual_revenue": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and not self.initial.get("account_owner"):
            self.initial["account_owner"] = self.user.pk
        self.fields["account_owner"].empty_label = _("Nobody")
        currency = self.company.currency if self.company else ""
        self.fields["name"].widget.attrs["autofocus"] = True
        self.helper.layout = Layout(
            section(
                _("Company"),
                "name",
                row("website", "industry", css_class="col-md-6"),
                row("company_size", PrependedText("annual_revenue", currency), css_class="col-md-6"),
                row("country", "phone", css_class="col-md-6"),
                Field("gstin"),
            ),
            section(
                _("Relationship"),
                row("account_type", "lifecycle_stage", "health_score", "account_owner", css_class="col-md-6 col-xxl-3"),
            ),
            section(_("Notes"), "description"),
        )

    def clean_gstin(self):
        return normalise_gstin(self.cleaned_data.get("gstin"))
