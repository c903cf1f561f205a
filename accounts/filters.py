"""The account list's filters: every choice field, owner, country, industry, created and revenue ranges, `q`, `o`."""

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.http import QueryDict
from django_countries import countries
from django_filters.constants import EMPTY_VALUES
from django_filters.widgets import DateRangeWidget, RangeWidget

from crm.filters import SearchFilter, TextFilter, company_user_choices

from .models import Account, AccountType, CompanySize, Health, Lifecycle

ANY = "Any"


class SortFilter(django_filters.OrderingFilter):
    """`?o=name` / `?o=-name`: sort by a whitelisted column.

    `columns` maps a URL parameter to one or more model fields (a name sorts by last and first name);
    empty values sort last either way and the pk breaks ties, so pagination is stable. A choice field listed in
    `ranks` sorts in the order of its values (green, yellow, red, black), not alphabetically.
    """

    def __init__(
        self,
        *args,
        columns: dict[str, tuple[str, ...]],
        labels: dict[str, str] | None = None,
        ranks: dict[str, list[str]] | None = None,
        **kwargs,
    ):
        self.columns = columns
        self.ranks = ranks or {}
        labels = labels or {}
        choices = []
        for param in columns:
            label = labels.get(param, param.replace("_", " ").capitalize())
            choices += [(param, label), (f"-{param}", f"{label} (descending)")]
        kwargs["choices"] = choices
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            descending = param.startswith("-")
            for field in self.columns[param.removeprefix("-")]:
                sort_key = f"{field}_rank" if field in self.ranks else field
                if field in self.ranks:
                    qs = qs.annotate(**{sort_key: self.rank(field)})
                ordering.append(F(sort_key).desc(nulls_last=True) if descending else F(sort_key).asc(nulls_last=True))
        return qs.order_by(*ordering, "-pk" if value[0].startswith("-") else "pk") if ordering else qs

    def rank(self, field):
        values = self.ranks[field]
        whens = [When(**{field: value}, then=Value(position)) for position, value in enumerate(values)]
        return Case(*whens, default=Value(len(values)), output_field=IntegerField())


class ActiveFilter(django_filters.ChoiceFilter):
    """Active accounts by default (`?is_active=true`); `false` shows the deactivated ones, `all` both."""

    ACTIVE, INACTIVE, ALL = "true", "false", "all"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "choices", [(self.ACTIVE, "Active"), (self.INACTIVE, "Inactive"), (self.ALL, "Active and inactive")]
        )
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value == self.ACTIVE:
            return qs.filter(is_active=True)
        if value == self.INACTIVE:
            return qs.filter(is_active=False)
        return qs


class AccountFilter(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("name", "website", "phone", "gstin"),
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, website, phone or GSTIN"}),
    )
    is_active = ActiveFilter(label="Status")
    account_type = django_filters.ChoiceFilter(choices=AccountType.choices, empty_label=ANY)
    lifecycle_stage = django_filters.ChoiceFilter(choices=Lifecycle.choices, empty_label=ANY)
    health_score = django_filters.ChoiceFilter(choices=Health.choices, empty_label=ANY, label="Health")
    company_size = django_filters.ChoiceFilter(choices=CompanySize.choices, empty_label=ANY)
    account_owner = django_filters.ModelChoiceFilter(queryset=company_user_choices, empty_label=ANY, label="Owner")
    country = django_filters.ChoiceFilter(choices=countries, empty_label=ANY)
    industry = TextFilter()
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label="Created", widget=DateRangeWidget(attrs={"type": "date"})
    )
    annual_revenue = django_filters.RangeFilter(
        label="Annual revenue", widget=RangeWidget(attrs={"inputmode": "decimal", "placeholder": "any"})
    )
    o = SortFilter(
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
        labels={"account_type": "Type", "health_score": "Health", "lifecycle_stage": "Lifecycle"},
        ranks={"health_score": Health.values, "lifecycle_stage": Lifecycle.values},
    )

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
