"""The deal list's filters: GET parameters named after the fields, `q` to search, `o` to sort."""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.widgets import DateRangeWidget, RangeWidget

from accounts.models import Account
from crm.filters import SearchFilter, TextFilter, company_user_choices, visible_choices
from crm.models import Source
from crm.permissions import can_see_all_owners
from crm.users import user_label

from .models import CLOSED_STAGES, Deal, DealStage, ForecastCategory


class DealStatus:
    """The quick filter above the list: where a deal stands, whatever its exact stage."""

    OPEN = "open"
    CLOSED = "closed"
    WON = "won"
    LOST = "lost"
    choices = (
        (OPEN, _("Open")),
        (WON, _("Won")),
        (LOST, _("Lost")),
        (CLOSED, _("Closed")),
    )


STAGE_ORDER = Case(
    *(When(stage=stage, then=Value(rank)) for rank, stage in enumerate(DealStage.values)),
    default=Value(len(DealStage.values)),
    output_field=IntegerField(),
)


class DealOrderingFilter(django_filters.OrderingFilter):
    """Sort by the allowed columns; `stage` sorts in pipeline order, not alphabetically; pk breaks ties."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param not in EMPTY_VALUES]
        if any(field.lstrip("-") == "stage" for field in ordering):
            qs = qs.alias(stage_rank=STAGE_ORDER)
            ordering = [field.replace("stage", "stage_rank") for field in ordering]
        return qs.order_by(*ordering, "-pk")


class DealFilterSet(django_filters.FilterSet):
    q = SearchFilter(
        search_fields=("name", "account__name", "campaign"),
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Deal, account or campaign")}),
    )
    status = django_filters.ChoiceFilter(
        choices=DealStatus.choices, method="filter_status", label=_("Status"), empty_label=_("Any status")
    )
    stage = django_filters.ChoiceFilter(choices=DealStage.choices, empty_label=_("Any stage"))
    forecast_category = django_filters.ChoiceFilter(
        choices=ForecastCategory.choices, label=_("Forecast category"), empty_label=_("Any category")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=company_user_choices, label=_("Owner"), empty_label=_("Any owner"), null_label=_("Unassigned")
    )
    account = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Account), label=_("Account"), empty_label=_("Any account")
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label=_("Any source"))
    campaign = TextFilter(label=_("Campaign"))
    expected_close_date = django_filters.DateFromToRangeFilter(
        label=_("Expected close"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Created"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    amount = django_filters.RangeFilter(
        label=_("Amount"), widget=RangeWidget(attrs={"type": "number", "min": "0", "step": "any"})
    )
    o = DealOrderingFilter(
        fields=("name", "amount", "expected_close_date", "stage", "probability", "created_at"),
        label=_("Sort by"),
    )

    # Shown in the always-visible row of the filter form; the rest fold under "More filters". `status` is the
    # row of quick-filter pills above the form (kept in the form as a hidden input).
    main_fields = ("q", "stage", "owner", "account")
    hidden_fields = ("status",)

    class Meta:
        model = Deal
        fields = ()

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and not can_see_all_owners(request.user, Deal):
            # A rep sees only their own deals: an owner filter would only add noise.
            del self.filters["owner"]
        if "owner" in self.filters:
            self.form.fields["owner"].label_from_instance = user_label

    def filter_status(self, queryset, name, value):
        if value == DealStatus.OPEN:
            return queryset.open()
        if value == DealStatus.WON:
            return queryset.won()
        if value == DealStatus.LOST:
            return queryset.filter(stage=DealStage.CLOSED_LOST)
        if value == DealStatus.CLOSED:
            return queryset.filter(stage__in=CLOSED_STAGES)
        return queryset

    @property
    def main_form_fields(self):
        return [self.form[name] for name in self.main_fields if name in self.form.fields]

    @property
    def more_form_fields(self):
        return [
            self.form[name]
            for name in self.form.fields
            if name not in self.main_fields and name not in self.hidden_fields
        ]

    @property
    def more_is_active(self):
        """Open the "More filters" fold when one of its filters is in use."""
        data = self.data or {}
        return any(
            data.get(key)
            for name in self.form.fields
            if name not in self.main_fields and name not in self.hidden_fields and name != "o"
            for key in (name, f"{name}_after", f"{name}_before", f"{name}_min", f"{name}_max")
        )
