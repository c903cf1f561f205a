"""The forecast page (`/deals/forecast/`), its drill-down and its CSV export.

A rep sees their own row; a manager sees every owner (reps with nothing in the period too) and the team total.
The figures come from `forecast.forecast` (one grouped query); a drill-down lists the deals behind one cell with
`forecast.forecast_cell`, the very condition the cell's sum used, so the list always adds up to the cell.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from crm import charts
from crm.csv_export import stream_csv
from crm.models import company_of
from crm.permissions import can_see_all_owners

from . import forecast
from .models import Deal, ForecastCategory

FORECAST_PERIODS = (forecast.PeriodKind.MONTH, forecast.PeriodKind.QUARTER)
DRILL_PAGE_SIZE = 25
CENTS = Decimal("0.01")

CATEGORY_COLORS = {
    ForecastCategory.COMMIT: charts.GREEN,
    ForecastCategory.BEST_CASE: charts.BLUE,
    ForecastCategory.MOST_LIKELY: charts.CYAN,
    ForecastCategory.WORST_CASE: charts.LIGHT_GREY,
}


def column_labels() -> dict[str, str]:
    labels = {category.value: str(category.label) for category in forecast.FORECAST_CATEGORIES}
    labels.update(
        {
            forecast.PIPELINE: _("Open pipeline"),
            forecast.WEIGHTED: _("Weighted pipeline"),
            forecast.WON: _("Closed won"),
        }
    )
    return labels


def forecast_chart(result: forecast.Forecast, *, title: str) -> charts.StackedChart:
    """The forecast as stacked bars: one bar per owner, split by category."""
    series = [
        charts.Series(key=category.value, label=str(category.label), color=CATEGORY_COLORS[category])
        for category in forecast.FORECAST_CATEGORIES
    ]
    data = [(row.owner_name, {key: bucket.total for key, bucket in row.category_cells()}, "") for row in result.rows]
    return charts.stacked_bars(series, data, title=title, currency=result.currency)


def _cell_link(period, column, owner_key) -> str:
    params = {**period.params(), "column": column}
    if owner_key:
        params["owner"] = owner_key
    return f"{reverse('deals:forecast')}?{urlencode(params)}#drill-down"


def _deal_list_link(period, column, owner_key) -> str:
    """The same deals in the deal list, when its filters can express the cell (open columns only)."""
    if column == forecast.WON:
        return ""
    params = {"status": "open"}
    if column in {category.value for category in forecast.FORECAST_CATEGORIES}:
        params["forecast_category"] = column
    if owner_key:
        params["owner"] = "null" if owner_key == forecast.UNASSIGNED else owner_key
    params["expected_close_date_after"] = period.start.isoformat()
    params["expected_close_date_before"] = period.end.isoformat()
    return f"{reverse('deals:list')}?{urlencode(params)}"


def table_rows(result: forecast.Forecast, *, with_total: bool):
    """The table: per row its cells (column, bucket figure, drill-down link)."""
    rows = [*result.rows, result.total] if with_total else list(result.rows)
    table = []
    for row in rows:
        owner_key = "" if row.is_total else row.owner_key
        cells = [
            {
                "column": column,
                "value": row.value(column),
                "count": bucket.count,
                "href": _cell_link(result.period, column, owner_key),
            }
            for column, bucket in (
                *row.category_cells(),
                (forecast.PIPELINE, row.pipeline),
                (forecast.WEIGHTED, row.pipeline),
                (forecast.WON, row.won),
            )
        ]
        table.append({"row": row, "cells": cells, "owner_key": owner_key})
    return table


class ForecastView(TemplateView):
    template_name = "deals/forecast/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        period = forecast.parse_period(self.request.GET, today=today, kinds=FORECAST_PERIODS)
        result = forecast.forecast_for_user(user, period)
        manager = can_see_all_owners(user, Deal)
        labels = column_labels()
        context.update(
            {
                "period": period,
                "forecast": result,
                "sees_all_owners": manager,
                "columns": [(key, labels[key]) for key in forecast.FORECAST_COLUMNS],
                "table": table_rows(result, with_total=manager),
                "chart": forecast_chart(
                    result,
                    title=_("Open pipeline by forecast category, %(period)s") % {"period": period.label},
                ),
                "nav": {
                    "previous": "?" + urlencode(period.previous().params()),
                    "next": "?" + urlencode(period.next().params()),
                    "this_month": "?" + urlencode(forecast.Period.month(today).params()),
                    "this_quarter": "?" + urlencode(forecast.Period.quarter(today).params()),
                },
                "period_query": urlencode(period.params()),
                "export_url": f"{reverse('deals:forecast_export')}?{urlencode(period.params())}",
            }
        )
        context.update(self._drill_down(user, period, result, labels))
        return context

    def _drill_down(self, user, period, result, labels) -> dict:
        column = self.request.GET.get("column", "")
        if column not in forecast.FORECAST_COLUMNS:
            return {}
        owner_key = self.request.GET.get("owner", "")
        deals = forecast.forecast_cell(Deal.objects.visible_to(user), period=period, column=column, owner=owner_key)
        figures = forecast.totals(deals, currency=result.currency)
        paginator = Paginator(
            deals.select_related("account", "owner").order_by("expected_close_date", "closed_at", "pk"),
            DRILL_PAGE_SIZE,
        )
        paginator.count = figures.count  # already counted by the aggregate: no second COUNT query
        page = paginator.get_page(self.request.GET.get("page"))
        owner_name = _("the team")
        if owner_key:
            owner_name = next(
                (row.owner_name for row in result.rows if row.owner_key == owner_key), _("an owner you cannot see")
            )
        return {
            "drill": {
                "column": column,
                "column_label": labels[column],
                "owner_key": owner_key,
                "owner_name": owner_name,
                "figures": figures,
                "page": page,
                "deal_list_url": _deal_list_link(period, column, owner_key),
                "is_weighted": column == forecast.WEIGHTED,
            }
        }


@require_GET
def forecast_export(request):
    """The forecast table as CSV (UTF-8 with a BOM), for the period chosen on the page."""
    period = forecast.parse_period(request.GET, today=timezone.localdate(), kinds=FORECAST_PERIODS)
    result = forecast.forecast_for_user(request.user, period)
    labels = column_labels()
    header = [_("Owner"), *(labels[key] for key in forecast.FORECAST_COLUMNS), _("Open deals"), _("Won deals")]
    header.append(_("Currency"))
    rows = [*result.rows, result.total] if can_see_all_owners(request.user, Deal) else list(result.rows)
    lines = [
        [
            row.owner_name,
            *(row.value(key).quantize(CENTS) for key in forecast.FORECAST_COLUMNS),
            row.pipeline.count,
            row.won.count,
            result.currency,
        ]
        for row in rows
    ]
    label = period.label.replace(" ", "-")
    company = company_of(request.user)
    slug = getattr(company, "slug", "") or "crm"
    return stream_csv(header, lines, filename=f"forecast-{slug}-{label}.csv")
