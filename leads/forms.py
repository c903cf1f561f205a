"""Lead forms: the create/edit form and the small forms behind the lead actions."""

from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms import TenantModelForm
from crm.permissions import assignable_owners, can_assign
from crm.users import user_label

from .models import BudgetRange, Lead, LeadStage, LeadStatus
from .services import SETTABLE_STATUSES

UNASSIGNED_LABEL = _("Unassigned queue")
SECTION = "card card-body mb-3 shadow-sm"


def settable_status_choices():
    return [(value, label) for value, label in LeadStatus.choices if value in SETTABLE_STATUSES]


class LeadForm(TenantModelForm):
    """Create and edit a lead. Quality fields (score, spam, validation, duplicates) are computed, not typed."""

    class Meta:
        model = Lead
        fields = [
            # Contact details
            "first_name",
            "last_name",
            "lead_name",
            "email",
            "phone",
            "company_name",
            "job_title",
            "country",
            "company_size",
            # Attribution
            "source",
            "source_detail",
            "campaign",
            "medium",
            "term",
            "content",
            # Qualification
            "lead_owner",
            "status",
            "disqualified_reason",
            "stage",
            "interest_product",
            "budget_range",
            "authority_level",
            "timeline",
            # Compliance
            "gdpr_consent",
            "opt_in_date",
            "dnd_status",
            "notes",
        ]
        widgets = {
            "opt_in_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        help_texts = {
            "lead_name": _("Filled from first and last name when left blank."),
            "phone": _("With the country code, e.g. +14155550100."),
        }
        error_messages = {
            "campaign": {"required": _("Every lead needs a campaign, so it can be attributed.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        owner = self.fields["lead_owner"]
        owner.empty_label = UNASSIGNED_LABEL
        if not can_assign(user, Lead):
            # Reps keep a lead for themselves or leave it to the queue (the owner choices: crm.permissions).
            owner.help_text = _("Leave it to the unassigned queue, or keep it yourself.")
            if self.instance._state.adding:
                self.initial.setdefault("lead_owner", user.pk)
        self.fields["status"].choices = settable_status_choices()
        self.fields["country"].choices = [("", _("Not known")), *list(self.fields["country"].choices)[1:]]
        self.fields["budget_range"].choices = [("", _("Not known")), *BudgetRange.choices]
        self.fields["disqualified_reason"].help_text = _("Required when the status is Disqualified.")
        self.helper.layout = Layout(
            Fieldset(
                _("Contact details"),
                Row(Column("first_name"), Column("last_name")),
                "lead_name",
                Row(Column("email"), Column("phone")),
                Row(Column("company_name"), Column("job_title")),
                Row(Column("country"), Column("company_size")),
                css_class=SECTION,
            ),
            Fieldset(
                _("Attribution"),
                Row(Column("source"), Column("source_detail"), Column("campaign")),
                Row(Column("medium"), Column("term"), Column("content")),
                css_class=SECTION,
            ),
            Fieldset(
                _("Qualification"),
                Row(Column("lead_owner"), Column("status"), Column("stage")),
                "disqualified_reason",
                Row(Column("budget_range"), Column("authority_level"), Column("timeline")),
                "interest_product",
                css_class=SECTION,
            ),
            Fieldset(
                _("Compliance"),
                Row(Column("gdpr_consent", "dnd_status"), Column("opt_in_date")),
                css_class=SECTION,
            ),
            Fieldset(_("Notes"), "notes", css_class=SECTION),
        )


class AssignForm(forms.Form):
    """A manager picks the owner of one lead (or the queue)."""

    lead_owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label=UNASSIGNED_LABEL,
        label=_("Assign to"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_owner"].queryset = assignable_owners(user, Lead)
        self.fields["lead_owner"].label_from_instance = user_label


class LeadIdsField(forms.ModelMultipleChoiceField):
    """Ticked lead ids; a value that is not a 64-bit id is refused like any other id that is not offered (SQLite
    cannot even bind it in the `IN (...)` that checks the choices)."""

    def _check_values(self, value):
        for pk in value:
            try:
                in_range = -(2**63) <= int(str(pk)) < 2**63
            except (TypeError, ValueError):
                continue  # the parent reports it as invalid_pk_value
            if not in_range:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class BulkAssignForm(forms.Form):
    """A manager gives the checked leads of the list to one owner. Only leads the user can see are accepted."""

    leads = LeadIdsField(
        queryset=None,
        error_messages={
            "required": _("Tick at least one lead."),
            "invalid_choice": _("Some of the ticked leads are not yours to assign."),
        },
    )
    lead_owner = forms.ModelChoiceField(
        queryset=None,
        label=_("Assign ticked leads to"),
        empty_label=_("Choose an owner…"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = Lead.objects.visible_to(user)
        self.fields["lead_owner"].queryset = assignable_owners(user, Lead)
        self.fields["lead_owner"].label_from_instance = user_label


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=settable_status_choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=255,
        help_text=_("Required to disqualify."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"), choices=LeadStage.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
