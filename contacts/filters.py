"""The contact list's filters: account, every choice field, primary, owner, created range, `q`, `o`."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget

from accounts.models import Account
from crm.filters import SearchFilter, StableOrderingFilter, TenantFilterSet, company_user_choices, visible_choices

from .models import Channel, Contact, ContactRole, Influence

ANY = _("Any")


class ContactFilter(TenantFilterSet):
    q = SearchFilter(
        search_fields=("first_name", "last_name", "email", "phone", "account__name", "job_title"),
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    account = django_filters.ModelChoiceFilter(queryset=visible_choices(Account), empty_label=ANY)
    role = django_filters.ChoiceFilter(choices=ContactRole.choices, empty_label=ANY)
    preferred_channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label=ANY)
    influence_score = django_filters.ChoiceFilter(choices=Influence.choices, empty_label=ANY, label=_("Influence"))
    is_primary_contact = django_filters.BooleanFilter(
        label=_("Primary contact"),
        widget=forms.Select(choices=[("", ANY), ("true", _("Primary only")), ("false", _("Not primary"))]),
    )
    owner = django_filters.ModelChoiceFilter(queryset=company_user_choices, empty_label=ANY)
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label=_("Created"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    o = StableOrderingFilter(
        columns={
            "name": ("last_name", "first_name"),
            "account": ("account__name",),
            "job_title": ("job_title",),
            "role": ("role",),
            "email": ("email",),
            "influence": ("influence_score",),
            "preferred_channel": ("preferred_channel",),
            "owner": ("owner__first_name", "owner__last_name"),
            "created": ("created_at",),
        },
        labels={"preferred_channel": _("Channel")},
        ranks={"influence_score": [Influence.LOW, Influence.MEDIUM, Influence.HIGH]},
    )

    main_filters = ("q", "account", "role", "owner")

    class Meta:
        model = Contact
        fields = []
