"""The account list's filters: every choice field, owner, country, industry, created and revenue ranges, `q`, `o`."""

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters.widgets import DateRangeWidget, RangeWidget

from crm.filters import SearchFilter, StableOrderingFilter, TenantFilterSet, TextFilter, company_user_choices

from .models import Account, AccountType, CompanySize, Health, Lifecycle

ANY = _("Any")


class ActiveFilter(django_filters.ChoiceFilter):
    """Active accounts by default (`?is_active=true`); `false` shows the deactivated ones, `all` both."""

    ACTIVE, INACTIVE, ALL = "true", "false", "all"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "choices",
            [(self.ACTIVE, _("Active")), (self.INACTIVE, _("Inactive")), (self.ALL, _("Active and inactive"))],
        )
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value == self.ACTIVE:
            return qs.filter(is_active=True)
        if value == self.INACTIVE:
            return qs.filter(is_active=False)
        return qs


class AccountFilter(TenantFilterSet):
    q = SearchFilter(
        search_fields=("name", "website", "phone", "gstin"),
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, website, phone or GSTIN")}),
    )
    is_active = ActiveFilter(label=_("Status"))
    account_type = django_filters.ChoiceFilter(choices=AccountType.choices, empty_label=ANY)
    lifecycle_stage = django_filters.ChoiceFilter(choices=Lifecycle.choices, empty_label=ANY)
    health_score = django_filters.ChoiceFilter(choices=Health.choices, empty_label=ANY, label=_("Health"))
    company_size = django_filters.ChoiceFilter(choices=CompanySize.choices, empty_label=ANY)
    account_owner = django_filters.ModelChoiceFilter(queryset=company_user_choices, empty_label=ANY, label=_("Owner"))
    country = django_filters.ChoiceFilter(choices=countries, empty_label=ANY)
    industry = TextFilter()
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label=_("Created"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    annual_revenue = django_filters.RangeFilter(
        label=_("Annual revenue"), widget=RangeWidget(attrs={"inputmode": "decimal", "placeholder": _("any")})
    )
    o = StableOrderingFilter(
        columns={
            "name": ("name",),
            "account_type": ("account_type",),
            "lifecycle_stage": ("lifecycle_stage",),
            "health_score": ("health_score",),
            "industry": ("industry",),
            "country": ("country",),
            "annual_revenue": ("annual_revenue",),
            "contacts": ("contact_count",),
            "open_deals": ("open_deal_count",),
            "owner": ("account_owner__first_name", "account_owner__last_name"),
            "created": ("created_at",),
        },
        labels={"account_type": _("Type"), "health_score": _("Health"), "lifecycle_stage": _("Lifecycle")},
        ranks={"health_score": Health.values, "lifecycle_stage": Lifecycle.values},
    )

    main_filters = ("q", "is_active", "lifecycle_stage", "account_owner")

    class Meta:
        model = Account
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # No status in the URL means the default view: active accounts only.
        if data is None:
            data = QueryDict(mutable=True)
        if not data.get("is_active"):
            data = data.copy()
            data["is_active"] = ActiveFilter.ACTIVE
        super().__init__(data, *args, **kwargs)
