"""The contact form: explicit fields in sections; account and owner choices are scoped to the user's Company."""

from crispy_forms.layout import Layout
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.forms import TenantModelForm, row, section

from .models import Contact


class ContactForm(TenantModelForm):
    # Not a model field of the form: ticking it switches the account's primary contact (contact_save does it,
    # atomically) instead of failing on the one-primary-per-account rule.
    is_primary_contact = forms.BooleanField(
        label=_("Primary contact of the account"),
        required=False,
        help_text=_("If the account already has a primary contact, this contact takes over."),
    )

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "job_title",
            "account",
            "email",
            "phone",
            "preferred_channel",
            "gdpr_consent",
            "opt_in_date",
            "dnd_status",
            "role",
            "influence_score",
            "owner",
            "notes",
        ]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "placeholder": "+14155550100"}),
            "opt_in_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and not self.initial.get("owner"):
            self.initial["owner"] = self.user.pk
        self.fields["is_primary_contact"].initial = self.instance.is_primary_contact
        self.fields["owner"].empty_label = _("Nobody")
        self.fields["account"].empty_label = _("Choose an account")
        self.fields["role"].choices = [("", _("Not set")), *self.fields["role"].choices[1:]]
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.helper.layout = Layout(
            section(
                _("Person"),
                row("first_name", "last_name", css_class="col-md-6"),
                row("job_title", "account", css_class="col-md-6"),
                "is_primary_contact",
            ),
            section(
                _("Reaching them"),
                row("email", "phone", css_class="col-md-6"),
                row("preferred_channel", "opt_in_date", css_class="col-md-6"),
                row("gdpr_consent", "dnd_status", css_class="col-md-6"),
            ),
            section(
                _("Influence"),
                row("role", "influence_score", "owner", css_class="col-md-4"),
            ),
            section(_("Notes"), "notes"),
        )

    def scoped_queryset(self, model):
        """Accounts to choose from: the Company's active ones (plus the contact's current account, even inactive)."""
        queryset = super().scoped_queryset(model)
        if model is Contact.account.field.related_model:
            keep = Q(is_active=True)
            if self.instance.account_id:
                keep |= Q(pk=self.instance.account_id)
            queryset = queryset.filter(keep)
        return queryset

    def clean(self):
        cleaned_data = super().clean()
        # The contact keeps its primary flag only on the same account and while the box stays ticked; becoming
        # primary is done after saving, by contact_save (the previous primary steps down in the same transaction).
        stays_primary = (
            self.instance.is_primary_contact
            and "account" not in self.changed_data
            and cleaned_data.get("is_primary_contact", False)
        )
        self.instance.is_primary_contact = bool(stays_primary)
        return cleaned_data
