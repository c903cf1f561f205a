"""The dashboard's figures: a rep's morning view and a manager's week.

It lives on the roof (`crm.site`): it reads leads and deals and imports them openly. Every figure is one
aggregate or grouped query; the page runs a fixed number of queries whatever the number of leads and deals
(rep: 6, manager: 10, plus the session and the user).

Definitions:

- **Lead funnel** over the leads captured in the chosen window (`created_at`), merged duplicates left out (a
  merged lead is the same person as the lead it was merged into). A lead counts at a step if it reached that
  step or a later one:
    captured  = every lead;
    contacted = status contacted, qualified, converted, or disqualified (disqualifying a lead means it was
                worked; it stops there);
    qualified = status qualified or converted;
    converted = status converted;
    won       = converted, and the deal it was converted to (`converted_deal`) is Closed Won.
  Each step's rate is its count / the previous step's count; "of captured" is its count / captured.
- **Attribution** groups the same leads by source, campaign and medium: leads, conversions (status converted),
  conversion rate, and won revenue = the amounts of the Closed Won deals those leads were converted to, in the
  Company's currency.
- Pipeline and forecast figures follow `deals.forecast` (open deals; weighted = amount x probability / 100).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import charts
from crm.models import Source, membership_of
from crm.permissions import can_see_all_owners
from deals import forecast
from deals.forecast import WON, Period, quarter_bounds
from deals.forecast_views import forecast_chart
from deals.models import OPEN_STAGES, Deal, DealStage, ForecastCategory
from leads.models import OPEN_STATUSES, Lead, LeadStatus

ATTRIBUTION_ROWS = 10
LIST_ROWS = 10
CLOSING_ROWS = 20
# The funnel and attribution look at the leads captured in a window; this quarter by default, like the forecast
# (and a quarter's leads are a fraction of the table: the four lead queries stay fast at 100k leads).
LEAD_WINDOWS = {
    "quarter": gettext_lazy("This quarter"),
    "12m": gettext_lazy("Last 12 months"),
    "all": gettext_lazy("All time"),
}
DEFAULT_LEAD_WINDOW = "quarter"
STAGE_COLORS = {
    "prospecting": charts.LIGHT_GREY,
    "qualification": charts.CYAN,
    "proposal": charts.BLUE,
    "negotiation": charts.ORANGE,
}
STATUS_COLORS = {"new": charts.BLUE, "contacted": charts.CYAN, "qualified": charts.GREEN}


def _url(name, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def dashboard_context(user, params=None) -> dict:
    """The figures for the user's dashboard: the manager's view for managers and admins, else the rep's."""
    membership = membership_of(user)
    if membership is None:
        return {"view": None}
    params = params or {}
    today = timezone.localdate()
    company = membership.company
    if can_see_all_owners(user, Deal):
        return manager_dashboard(user, company=company, today=today, params=params)
    return rep_dashboard(user, company=company, today=today)


# --- the rep's dashboard -----------------------------------------------------------------------------------------


def rep_dashboard(user, *, company, today: date) -> dict:
    currency = company.currency
    counted, leads_by_status, unworked = _my_open_leads(user)

    my_deals = Deal.objects.visible_to(user).filter(owner=user)
    by_stage = forecast.by_stage(my_deals.open(), currency=currency, stages=OPEN_STAGES)
    pipeline = _stage_rows(by_stage, owner=user.pk)
    by_stage_total = sum(by_stage.values(), forecast.Bucket())

    # My deals closing this month (a list and its totals: two queries).
    month = forecast.Period.month(today)
    closing = my_deals.open().filter(month.date_q("expected_close_date"))
    closing_totals = forecast.totals(closing, currency=currency)
    closing_deals = list(closing.select_related("account").order_by("expected_close_date", "pk")[:CLOSING_ROWS])

    quarter = forecast.Period.quarter(today)
    row, forecast_lines, forecast_items = _my_forecast(user, quarter, currency)
    return {
        "view": "rep",
        "currency": currency,
        "today": today,
        "kpis": {
            "open_leads": sum(item["count"] for item in leads_by_status),
            "unworked": counted.get(LeadStatus.NEW.value, 0),
            "pipeline": by_stage_total,
            "closing": closing_totals,
            "won_quarter": row.won,
        },
        "short": _short_money(
            currency,
            pipeline=by_stage_total.total,
            pipeline_weighted=by_stage_total.weighted,
            closing=closing_totals.total,
            won_quarter=row.won.total,
        ),
        "leads_by_status": leads_by_status,
        "leads_chart": charts.bar_chart(
            [
                charts.Item(line["label"], line["count"], href=line["href"], color=STATUS_COLORS[line["status"]])
                for line in leads_by_status
            ],
            title=_("My open leads by status"),
        ),
        "unworked": unworked,
        "unworked_url": _url("leads:list", status=LeadStatus.NEW.value, lead_owner=user.pk),
        "pipeline": pipeline,
        "pipeline_chart": _stage_chart(pipeline, currency, title=_("My open pipeline by stage")),
        "month": month,
        "closing": closing_deals,
        "closing_totals": closing_totals,
        "quarter": quarter,
        "forecast_row": row,
        "forecast_lines": forecast_lines,
        "forecast_chart": charts.hbar_chart(forecast_items, title=_("My forecast for %(q)s") % {"q": quarter.label}),
    }


def _my_open_leads(user) -> tuple[dict, list[dict], list]:
    """The user's open leads counted by status (one query) and their oldest unworked new leads (one query)."""
    my_leads = Lead.objects.visible_to(user).filter(lead_owner=user)
    # My open leads by status (one query).
    counted = dict(my_leads.filter(status__in=OPEN_STATUSES).order_by().values_list("status").annotate(n=Count("pk")))
    leads_by_status = [
        {
            "status": status.value,
            "label": str(status.label),
            "count": counted.get(status.value, 0),
            "href": _url("leads:list", status=status.value, lead_owner=user.pk),
        }
        for status in OPEN_STATUSES
    ]
    # My unworked new leads: status new, oldest first (one query; their number is in the row above).
    unworked = list(
        my_leads.filter(status=LeadStatus.NEW)
        .only("pk", "lead_name", "email", "company_name", "source", "campaign", "lead_score", "created_at")
        .order_by("created_at", "pk")[:LIST_ROWS]
    )
    return counted, leads_by_status, unworked


def _my_forecast(user, quarter, currency) -> tuple:
    """The user's forecast row for the quarter, its lines (category or won, with a drill-down link) and bars."""
    my_forecast = forecast.forecast_for_user(user, quarter)
    row = next((one for one in my_forecast.rows if one.owner_id == user.pk), my_forecast.total)
    forecast_lines = [
        {
            "key": key,
            "label": str(DealStage.CLOSED_WON.label) if key == forecast.WON else str(_category_label(key)),
            "bucket": row.won if key == forecast.WON else row.categories[key],
            "href": _url("deals:forecast", **quarter.params(), column=key, owner=user.pk) + "#drill-down",
        }
        for key in (*(category.value for category in forecast.FORECAST_CATEGORIES), forecast.WON)
    ]
    forecast_items = [
        charts.money_item(
            line["label"], line["bucket"].total, currency, color=_category_color(line["key"]), href=line["href"]
        )
        for line in forecast_lines
    ]
    return row, forecast_lines, forecast_items


def _short_money(currency, **values) -> dict[str, str]:
    """Headline figures ("USD 4.23M") that fit a card on a phone; the exact amounts are in the tooltips."""
    return {key: charts.short_money(value, currency) for key, value in values.items()}


def _category_label(key):
    return ForecastCategory(key).label


def _category_color(key):
    return {
        "commit": charts.GREEN,
        "best_case": charts.BLUE,
        "most_likely": charts.CYAN,
        "worst_case": charts.LIGHT_GREY,
        WON: charts.TEAL,
    }[key]


def _stage_rows(by_stage: dict, *, owner=None) -> list[dict]:
    return [
        {
            "stage": stage,
            "label": str(DealStage(stage).label),
            "figures": bucket,
            "href": _url("deals:list", status="open", stage=stage, owner=owner),
        }
        for stage, bucket in by_stage.items()
    ]


def _stage_chart(rows, currency, *, title) -> charts.BarChart:
    return charts.bar_chart(
        [
            charts.money_item(
                row["label"], row["figures"].total, currency, href=row["href"], color=STAGE_COLORS[row["stage"]]
            )
            for row in rows
        ],
        title=title,
        description=_("Open deal amounts per stage, in %(currency)s") % {"currency": currency},
    )


# --- the manager's dashboard -------------------------------------------------------------------------------------


def lead_window_start(window: str, today: date) -> date | None:
    """The first capture day of the funnel and attribution window (None: all time). "12m" is the 365 days up
    to and including today."""
    if window == "quarter":
        return quarter_bounds(today)[0]
    if window == "12m":
        return today - timedelta(days=364)
    return None


def manager_dashboard(user, *, company, today: date, params) -> dict:
    currency = company.currency
    deals = Deal.objects.visible_to(user)
    open_deals = deals.open()

    by_stage = forecast.by_stage(open_deals, currency=currency, stages=OPEN_STAGES)
    pipeline = _stage_rows(by_stage)
    by_stage_total = sum(by_stage.values(), forecast.Bucket())
    owner_rows = _owner_rows(open_deals, currency)

    quarter = forecast.Period.quarter(today)
    team_forecast = forecast.forecast_for_user(user, quarter)

    overdue = open_deals.filter(expected_close_date__lt=today)
    overdue_totals = forecast.totals(overdue, currency=currency)
    overdue_deals = list(overdue.select_related("account", "owner").order_by("expected_close_date", "pk")[:LIST_ROWS])

    window, since, funnel, attribution = _lead_figures(user, params=params, today=today, currency=currency)

    return {
        "view": "manager",
        "currency": currency,
        "today": today,
        "kpis": {
            "pipeline": by_stage_total,
            "won_quarter": team_forecast.total.won,
            "commit_quarter": team_forecast.total.categories[forecast.ForecastCategory.COMMIT.value],
            "overdue": overdue_totals,
            "captured": funnel["steps"][0]["count"],
            "win_rate": funnel["steps"][-1]["of_captured"],
        },
        "short": _short_money(
            currency,
            pipeline=by_stage_total.total,
            pipeline_weighted=by_stage_total.weighted,
            commit_quarter=team_forecast.total.categories[forecast.ForecastCategory.COMMIT.value].total,
            won_quarter=team_forecast.total.won.total,
            overdue=overdue_totals.total,
        ),
        "pipeline": pipeline,
        "pipeline_chart": _stage_chart(pipeline, currency, title=_("Team open pipeline by stage")),
        "owners": owner_rows,
        "owners_chart": charts.hbar_chart(
            [
                charts.money_item(row["owner"]["name"], row["figures"].total, currency, href=row["href"])
                for row in owner_rows
            ],
            title=_("Team open pipeline by owner"),
        ),
        "quarter": quarter,
        "forecast": team_forecast,
        "forecast_chart": forecast_chart(
            team_forecast, title=_("Forecast for %(q)s by owner and category") % {"q": quarter.label}
        ),
        "overdue": overdue_deals,
        "overdue_totals": overdue_totals,
        "lead_window": window,
        "lead_windows": [
            {"key": key, "label": label, "href": _url("dashboard", leads=key), "active": key == window}
            for key, label in LEAD_WINDOWS.items()
        ],
        "lead_since": since,
        "funnel": funnel,
        "funnel_chart": charts.funnel_chart(
            [charts.Item(step["label"], step["count"], href=step["href"]) for step in funnel["steps"]],
            title=_("Lead funnel"),
            description=_("Leads captured, contacted, qualified, converted and won, with each step's rate"),
        ),
        "attribution": attribution,
        "attribution_chart": attribution_chart(attribution["source"]["rows"], currency),
    }


def _owner_rows(open_deals, currency) -> list[dict]:
    """The open pipeline per owner (one query), each with a link to the owner's open deals."""
    by_owner = forecast.by_owner(open_deals, currency=currency)
    return [
        {
            "owner": owner,
            "figures": bucket,
            "href": _url("deals:list", status="open", owner="null" if owner["id"] is None else owner["id"]),
        }
        for owner, bucket in by_owner
    ]


def _lead_figures(user, *, params, today: date, currency: str) -> tuple:
    """The lead window asked for (`?leads=`), its first day, the funnel and the attribution by dimension."""
    window = params.get("leads") if params.get("leads") in LEAD_WINDOWS else DEFAULT_LEAD_WINDOW
    since = lead_window_start(window, today)
    funnel = lead_funnel(user, since=since)
    attribution = {
        dimension: lead_attribution(user, dimension=dimension, since=since, currency=currency)
        for dimension in ("source", "campaign", "medium")
    }
    return window, since, funnel, attribution


def attribution_chart(rows, currency) -> charts.HBarChart:
    """Won revenue by source; while no lead of the window has been won, the leads by source instead."""
    if any(row["won_revenue"] > 0 for row in rows):
        return charts.hbar_chart(
            [
                charts.money_item(row["label"], row["won_revenue"], currency, href=row["href"])
                for row in rows
                if row["won_revenue"] > 0
            ],
            title=_("Won revenue by lead source"),
        )
    return charts.hbar_chart(
        [charts.Item(row["label"], row["leads"], href=row["href"]) for row in rows],
        title=_("Leads by source (none won yet)"),
    )


def _captured_leads(user, since: date | None):
    leads = Lead.objects.visible_to(user).exclude(status=LeadStatus.MERGED)
    if since:
        leads = leads.filter(Period("custom", since, None).datetime_q("created_at"))
    return leads


def funnel_conditions() -> list[tuple[str, str, Q]]:
    """(key, label, condition) per funnel step: a lead counts at a step if it reached it or a later one."""
    converted = Q(status=LeadStatus.CONVERTED)
    return [
        ("captured", _("Captured"), Q()),
        (
            "contacted",
            _("Contacted"),
            Q(status__in=(LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)),
        ),
        ("qualified", _("Qualified"), Q(status__in=(LeadStatus.QUALIFIED, LeadStatus.CONVERTED))),
        ("converted", _("Converted"), converted),
        ("won", _("Won"), converted & Q(converted_deal__stage=DealStage.CLOSED_WON)),
    ]


def lead_funnel(user, *, since: date | None) -> dict:
    """The funnel over the leads captured since `since`: one aggregate query."""
    steps = funnel_conditions()
    counts = _captured_leads(user, since).aggregate(
        **{key: Count("pk", filter=condition) for key, _label, condition in steps}
    )
    captured = counts["captured"]
    rows = []
    previous = None
    list_statuses = {"contacted": "contacted", "qualified": "qualified", "converted": "converted", "won": "converted"}
    for key, label, _condition in steps:
        count = counts[key]
        rows.append(
            {
                "key": key,
                "label": str(label),
                "count": count,
                "rate": None if previous is None else charts.percent(count, previous),
                "of_captured": charts.percent(count, captured),
                "href": _url(
                    "leads:list",
                    status=list_statuses.get(key, ""),
                    created_at_after=since.isoformat() if since else "",
                ),
            }
        )
        previous = count
    return {"steps": rows}


ATTRIBUTION_LABELS = {
    "source": gettext_lazy("Source"),
    "campaign": gettext_lazy("Campaign"),
    "medium": gettext_lazy("Medium"),
}


def lead_attribution(user, *, dimension: str, since: date | None, currency: str) -> dict:
    """Leads, conversions and won revenue per value of `dimension` (source, campaign or medium): one query.

    The biggest won revenue first (then conversions, then leads); the first `ATTRIBUTION_ROWS` rows are shown
    and `more` says whether there are others."""
    converted = Q(status=LeadStatus.CONVERTED)
    won = converted & Q(converted_deal__stage=DealStage.CLOSED_WON)
    grouped = list(
        _captured_leads(user, since)
        .order_by()
        .values(dimension)
        .annotate(
            leads=Count("pk"),
            conversions=Count("pk", filter=converted),
            won=Count("pk", filter=won),
            won_revenue=Sum(
                "converted_deal__amount", filter=won & Q(converted_deal__currency=currency), default=Decimal("0")
            ),
        )
        .order_by("-won_revenue", "-conversions", "-leads", dimension)[: ATTRIBUTION_ROWS + 1]
    )
    source_labels = dict(Source.choices)
    rows = []
    for row in grouped[:ATTRIBUTION_ROWS]:
        value = row[dimension]
        label = str(source_labels.get(value, value)) if dimension == "source" else value
        rows.append(
            {
                "value": value,
                "label": label or _("(none)"),
                "leads": row["leads"],
                "conversions": row["conversions"],
                "conversion_rate": charts.percent(row["conversions"], row["leads"]),
                "won": row["won"],
                "won_revenue": Decimal(row["won_revenue"] or 0).quantize(Decimal("0.01")),
                "href": _url("leads:list", **{dimension: value}, created_at_after=since.isoformat() if since else "")
                if value
                else "",
            }
        )
    return {
        "dimension": dimension,
        "label": ATTRIBUTION_LABELS[dimension],
        "rows": rows,
        "more": len(grouped) > ATTRIBUTION_ROWS,
    }
