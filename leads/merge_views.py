"""The merge page: a manager merges two leads of the Company, choosing the survivor and each field's value.

`/leads/<pk>/merge/<other_pk>/`: both leads come from `Lead.objects.visible_to(user)` (another Company's lead is
a 404); only managers and admins merge (a rep gets a 403). The merge itself is one call to
`leads.quality.merge.merge_leads`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from crm.permissions import can_merge, require
from crm.users import user_label

from .models import Lead
from .quality.merge import BOTH, COMBINABLE, MERGE_FIELDS, OTHER, SURVIVOR, merge_choices_default, merge_leads

FIRST, SECOND = "first", "second"


def display_value(lead: Lead, name: str) -> str:
    field = Lead._meta.get_field(name)
    if field.is_relation:
        return user_label(getattr(lead, name))
    if field.choices:
        return str(getattr(lead, f"get_{name}_display")()) if getattr(lead, name) else ""
    value = getattr(lead, name)
    if isinstance(value, bool):
        return str(_("Yes")) if value else str(_("No"))
    if name == "country":
        return value.name if value else ""
    return "" if value is None else str(value)


class LeadMergeForm(forms.Form):
    """Which lead survives, and for each field the two leads disagree on, whose value is kept."""

    survivor = forms.ChoiceField(label=_("Surviving lead"), widget=forms.RadioSelect)

    def __init__(self, *args, first: Lead, second: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.first, self.second = first, second
        self.fields["survivor"].choices = [(FIRST, f"#{first.pk} {first}"), (SECOND, f"#{second.pk} {second}")]
        # A converted lead is never merged away: when one of the two is converted, it survives.
        self.fields["survivor"].initial = SECOND if second.is_converted else FIRST
        defaults = merge_choices_default(first, second)
        self.rows = []
        for name in MERGE_FIELDS:
            first_value, second_value = display_value(first, name), display_value(second, name)
            if first_value == second_value:
                continue
            choices = [(FIRST, first_value or "—"), (SECOND, second_value or "—")]
            if name in COMBINABLE:
                choices.append((BOTH, _("Keep both")))
            initial = {SURVIVOR: FIRST, OTHER: SECOND, BOTH: BOTH}[defaults[name]]
            self.fields[name] = forms.ChoiceField(
                label=Lead._meta.get_field(name).verbose_name.capitalize(),
                choices=choices,
                initial=initial,
                required=False,  # not chosen: the survivor keeps its value, or takes the other's to fill a blank
                widget=forms.RadioSelect,
            )
            self.rows.append(self[name])
        self.same_count = len(MERGE_FIELDS) - len(self.rows)

    def merge_arguments(self) -> dict:
        """The survivor, the other lead and the per-field choices for `merge_leads`."""
        survivor_is_first = self.cleaned_data["survivor"] == FIRST
        survivor, other = (self.first, self.second) if survivor_is_first else (self.second, self.first)
        survivor_key = FIRST if survivor_is_first else SECOND
        choices = {}
        for name in MERGE_FIELDS:
            picked = self.cleaned_data.get(name)
            if not picked:
                continue  # the same on both leads, or left to the default
            if picked == BOTH:
                choices[name] = BOTH
            else:
                choices[name] = SURVIVOR if picked == survivor_key else OTHER
        return {"survivor": survivor, "other": other, "choices": choices}


class LeadMergeView(View):
    template_name = "leads/quality/merge.html"

    def dispatch(self, request, *args, **kwargs):
        leads = Lead.objects.visible_to(request.user).select_related("lead_owner")
        self.first = get_object_or_404(leads, pk=kwargs["pk"])
        self.second = get_object_or_404(leads, pk=kwargs["other_pk"])
        require(can_merge(request.user, self.first, self.second), _("Only managers merge leads."))
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        context = {"form": form, "first": self.first, "second": self.second}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(LeadMergeForm(first=self.first, second=self.second))

    def post(self, request, *args, **kwargs):
        form = LeadMergeForm(request.POST, first=self.first, second=self.second)
        if not form.is_valid():
            return self.render_form(form)
        arguments = form.merge_arguments()
        try:
            survivor = merge_leads(**arguments, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_form(form)
        messages.success(request, _("Lead #%(other)s was merged into this lead.") % {"other": arguments["other"].pk})
        return redirect(survivor)
