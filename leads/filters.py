"""The lead list's filters. GET parameters are named after the fields (`?status=new&lead_owner=3`)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from crm.filters import SearchFilter, company_user_choices
from crm.models import Source

from .forms import UNASSIGNED_LABEL, user_label
from .models import AuthorityLevel, BudgetRange, Lead, LeadStage, LeadStatus, Timeline, ValidationStatus

# `?lead_owner=none` lists the unassigned queue.
UNASSIGNED = "none"

SPAM_INCLUDE = "1"
SPAM_ONLY = "only"
SPAM_CHOICES = ((SPAM_INCLUDE, _("Include spam")), (SPAM_ONLY, _("Only spam")))

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
YES_NO = forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])


class StableOrderingFilter(django_filters.OrderingFilter):
    """`?o=` ordering with the pk as tie-breaker, so pagination never repeats or skips a row."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            last = next((v for v in reversed(value) if v), "")
            qs = qs.order_by(*qs.query.order_by, "-pk" if last.startswith("-") else "pk")
        return qs


class LeadFilterSet(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("lead_name", "first_name", "last_name", "email", "phone", "company_name"),
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email, phone, company")}),
    )
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, empty_label=_("Any status"))
    stage = django_filters.ChoiceFilter(choices=LeadStage.choices, empty_label=_("Any stage"))
    lead_owner = django_filters.ModelChoiceFilter(
        queryset=company_user_choices,
        label=_("Owner"),
        empty_label=_("Anyone"),
        null_label=UNASSIGNED_LABEL,
        null_value=UNASSIGNED,
    )
    campaign = django_filters.CharFilter(lookup_expr="icontains", label=_("Campaign"))
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label=_("Any source"))
    medium = django_filters.CharFilter(lookup_expr="icontains", label=_("Medium"))
    country = django_filters.ChoiceFilter(choices=countries, empty_label=_("Any country"))
    authority_level = django_filters.ChoiceFilter(
        choices=AuthorityLevel.choices, label=_("Authority"), empty_label=_("Any authority")
    )
    budget_range = django_filters.ChoiceFilter(
        choices=BudgetRange.choices, label=_("Budget"), empty_label=_("Any budget")
    )
    timeline = django_filters.ChoiceFilter(choices=Timeline.choices, label=_("Timeline"), empty_label=_("Any timeline"))
    validation_status = django_filters.ChoiceFilter(
        choices=ValidationStatus.choices, label=_("Validation"), empty_label=_("Any")
    )
    created_at_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE_INPUT
    )
    created_at_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until"), widget=DATE_INPUT
    )
    lead_score_min = django_filters.NumberFilter(
        field_name="lead_score", lookup_expr="gte", label=_("Score from"), min_value=0, max_value=100
    )
    lead_score_max = django_filters.NumberFilter(
        field_name="lead_score", lookup_expr="lte", label=_("Score up to"), min_value=0, max_value=100
    )
    spam_score_min = django_filters.NumberFilter(
        field_name="spam_score", lookup_expr="gte", label=_("Spam score from"), min_value=0, max_value=100
    )
    spam_score_max = django_filters.NumberFilter(
        field_name="spam_score", lookup_expr="lte", label=_("Spam score up to"), min_value=0, max_value=100
    )
    is_duplicate = django_filters.BooleanFilter(label=_("Duplicate"), widget=YES_NO)
    gdpr_consent = django_filters.BooleanFilter(label=_("GDPR consent"), widget=YES_NO)
    dnd_status = django_filters.BooleanFilter(label=_("Do not disturb"), widget=YES_NO)
    spam = django_filters.ChoiceFilter(
        choices=SPAM_CHOICES, label=_("Spam"), empty_label=_("Hide spam"), method="filter_spam"
    )
    o = StableOrderingFilter(
        fields=("created_at", "lead_name", "company_name", "lead_score", "status", "campaign"),
        label=_("Sort by"),
    )

    # The filters shown first; the rest fold under "More filters".
    main_filters = ("q", "status", "stage", "lead_owner", "campaign")

    class Meta:
        model = Lead
        fields = []

    @property
    def form(self):
        form = super().form
        form.fields["lead_owner"].label_from_instance = user_label
        return form

    def filter_spam(self, queryset, name, value):
        return queryset  # applied in `qs`, because hiding spam is also the default of an unfiltered list

    @property
    def qs(self):
        if not hasattr(self, "_spam_rule_applied"):
            queryset = super().qs
            spam = self.data.get("spam", "")
            if spam == SPAM_ONLY:
                queryset = queryset.spam()
            elif spam != SPAM_INCLUDE:
                queryset = queryset.not_spam()
            self._qs = queryset
            self._spam_rule_applied = True
        return self._qs

    def main_fields(self):
        return [self.form[name] for name in self.main_filters]

    def more_fields(self):
        return [field for field in self.form if field.name not in self.main_filters and field.name != "o"]

    def more_filters_active(self) -> bool:
        return any(self.data.get(field.name) for field in self.more_fields())
