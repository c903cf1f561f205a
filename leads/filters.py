"""The lead list's filters. GET parameters are named after the fields (`?status=new&lead_owner=3`)."""

import django_filters
from django import forms
from django.db.models import F, Func, TextField
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from crm.filters import (
    SearchFilter,
    StableOrderingFilter,
    TenantFilterSet,
    TextFilter,
    company_user_choices,
    search_terms,
)
from crm.models import Source, company_of

from .forms import UNASSIGNED_LABEL, user_label
from .models import AuthorityLevel, BudgetRange, Lead, LeadStage, LeadStatus, Timeline, ValidationStatus

# `?lead_owner=none` lists the unassigned queue.
UNASSIGNED = "none"

SPAM_INCLUDE = "1"
SPAM_ONLY = "only"
SPAM_CHOICES = ((SPAM_INCLUDE, _("Include spam")), (SPAM_ONLY, _("Only spam")))

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
YES_NO = forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])


class QuickSelect(forms.Select):
    """A single <select> of flat choices, written in Python. Django's template renders one sub-template per
    <option>: for the 250 countries that cost more than all the other filters together, on every list view."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = next(iter(self.format_value(value)), "")
        options = []
        for option, label in self.choices:
            chosen = str(option) == selected
            selected = None if chosen else selected  # like Django: only the first match is selected
            options.append(f'<option value="{escape(option)}"{" selected" if chosen else ""}>{escape(label)}</option>')
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(options)}</select>')  # every part escaped


# What `?q=` searches. The migration `leads.0005_lead_search_indexes` indexes exactly this expression on
# PostgreSQL (a pg_trgm GIN index on UPPER(...)): change both together.
SEARCH_FIELDS = ("lead_name", "first_name", "last_name", "email", "phone", "company_name")


class SearchText(Func):
    """The searched columns joined by spaces, one string per lead.

    A search word holds no whitespace, so it occurs in this string exactly when it occurs in one of the columns:
    the same rows as an `icontains` per column, found through one trigram index instead of six.
    `indexed=False` appends '' (the same text, another expression): a condition the planner checks on the rows
    it has found rather than through the index.
    """

    output_field = TextField()
    arg_joiner = " || ' ' || "

    def __init__(self, *, indexed: bool = True):
        self.template = "(%(expressions)s)" if indexed else "(%(expressions)s || '')"
        super().__init__(*(F(field) for field in SEARCH_FIELDS))


class LeadSearchFilter(SearchFilter):
    """`?q=`: every word must occur (icontains) in the name, email, phone or company of the lead.

    On PostgreSQL the `UPPER(...) LIKE UPPER('%word%')` that icontains writes is answered by the trigram index
    on the same expression; on SQLite it is the plain LIKE.
    """

    def filter(self, qs, value):
        terms = search_terms(value)
        if not terms:
            return qs
        qs = qs.alias(search_text=SearchText(), search_text_checked=SearchText(indexed=False))
        for term in terms:
            local, at, _domain = term.partition("@")
            if at and len(local) >= 3:
                # An email address: the part before the @ tells leads apart, the domain is shared by thousands
                # (its trigrams would make the index read every lead of it). Look the local part up in the index
                # and check the whole address on the rows found.
                qs = qs.filter(search_text__icontains=local, search_text_checked__icontains=term)
            else:
                qs = qs.filter(search_text__icontains=term)
        return qs


class LeadFilterSet(TenantFilterSet):
    q = LeadSearchFilter(
        search_fields=SEARCH_FIELDS,
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
    campaign = TextFilter(label=_("Campaign"))
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label=_("Any source"))
    medium = TextFilter(label=_("Medium"))
    country = django_filters.ChoiceFilter(choices=countries, empty_label=_("Any country"), widget=QuickSelect)
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
        columns=("created_at", "lead_name", "company_name", "lead_score", "status", "campaign"),
        labels={"created_at": _("Created"), "lead_name": _("Name"), "company_name": _("Company")},
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
                queryset = self.spam_rule(queryset, spam=True)
            elif spam != SPAM_INCLUDE:
                queryset = self.spam_rule(queryset, spam=False)
            self._qs = queryset
            self._spam_rule_applied = True
        return self._qs

    def spam_rule(self, queryset, *, spam: bool):
        """Spam or not, against the user's Company threshold as a constant (already loaded with the user).

        A constant lets the planner use the column's statistics and the list's indexes; the join that
        `LeadQuerySet.spam()` / `not_spam()` make to the Company table would hide them.
        """
        company = company_of(getattr(self.request, "user", None))
        if company is None:
            return queryset.spam() if spam else queryset.not_spam()
        if spam:
            return queryset.filter(spam_score__gte=company.spam_threshold)
        return queryset.filter(spam_score__lt=company.spam_threshold)
