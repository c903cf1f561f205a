"""Pipeline and forecast figures, computed in the database.

Every figure here is one `aggregate()` or one grouped `values().annotate()` query with conditional `Sum`/`Count`:
no Python loop over deals. Python only reshapes the handful of aggregated rows (one per stage or per owner).

Definitions (the pipeline board, the forecast page and the dashboard all use these):

- **Money** is a Decimal in the Company's currency. A deal in another currency is counted (its card shows its
  own amount) but never added to a money total: without exchange rates a sum across currencies is wrong. The
  number of such deals is reported next to the totals (`other_currency`), so nothing disappears silently.
- **Weighted amount** of a deal = amount x probability / 100. Totals are computed exactly: the database sums
  `amount * probability` (cents x an integer percentage, exact in NUMERIC) and the division by 100 happens
  in Python on the Decimal.
- **Open pipeline in a period**: open deals (Prospecting .. Negotiation) whose expected close date falls in
  the period. **Won / lost in a period**: deals closed won / lost whose `closed_at` falls in the period (in
  the site's time zone).
- **Forecast categories** (Commit, Best Case, Most Likely, Worst Case) are not cumulative: each open deal
  counts in exactly the category it carries. The category follows the stage (`STAGE_FORECAST_CATEGORY`) unless
  the owner set it by hand; a closed deal is in "Closed" and leaves the open categories.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from crm.models import Role, company_of, company_users, parse_id
from crm.permissions import can_see_all_owners
from crm.users import user_label

from .models import CLOSED_STAGES, OPEN_STAGES, Deal, DealStage, ForecastCategory

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENTS = Decimal("0.01")

# The open categories, in the order a forecast reads them (most certain first).
FORECAST_CATEGORIES = (
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.MOST_LIKELY,
    ForecastCategory.WORST_CASE,
)
BOARD_STAGES = (*OPEN_STAGES, *CLOSED_STAGES)

# Forecast columns beyond the categories (used by the drill-down and the CSV).
PIPELINE = "pipeline"
WEIGHTED = "weighted"
WON = "won"
FORECAST_COLUMNS = (*(category.value for category in FORECAST_CATEGORIES), PIPELINE, WEIGHTED, WON)
UNASSIGNED = "none"  # the owner key of deals without an owner (drill-down links, CSV)


# --- periods -----------------------------------------------------------------------------------------------------


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    CUSTOM = "custom"
    ALL = "all"
    labels = {MONTH: _("Month"), QUARTER: _("Quarter"), CUSTOM: _("Custom dates"), ALL: _("Any date")}


def month_bounds(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    return start, month_bounds(date(day.year, first_month + 2, 1))[1]


@dataclass(frozen=True)
class Period:
    """A span of dates, both ends inclusive; `None` leaves that end open (`kind == "all"`: no bound at all)."""

    kind: str
    start: date | None
    end: date | None

    @classmethod
    def month(cls, day: date) -> Period:
        return cls(PeriodKind.MONTH, *month_bounds(day))

    @classmethod
    def quarter(cls, day: date) -> Period:
        return cls(PeriodKind.QUARTER, *quarter_bounds(day))

    @classmethod
    def any_date(cls) -> Period:
        return cls(PeriodKind.ALL, None, None)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return self.start.strftime("%B %Y")
        if self.kind == PeriodKind.QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind == PeriodKind.ALL or (self.start is None and self.end is None):
            return str(_("Any date"))
        if self.start is None:
            return str(_("Until %(end)s")) % {"end": self.end.isoformat()}
        if self.end is None:
            return str(_("From %(start)s")) % {"start": self.start.isoformat()}
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def is_navigable(self) -> bool:
        return self.kind in (PeriodKind.MONTH, PeriodKind.QUARTER)

    def previous(self) -> Period:
        """The month or quarter before this one."""
        build = type(self).month if self.kind == PeriodKind.MONTH else type(self).quarter
        return build(self.start - timedelta(days=1))

    def next(self) -> Period:
        """The month or quarter after this one."""
        build = type(self).month if self.kind == PeriodKind.MONTH else type(self).quarter
        return build(self.end + timedelta(days=1))

    def params(self) -> dict[str, str]:
        """The GET parameters that select this period (`parse_period` reads them back)."""
        if self.kind == PeriodKind.ALL:
            return {"period": PeriodKind.ALL}
        params = {"period": self.kind}
        if self.start:
            params["start"] = self.start.isoformat()
        if self.kind == PeriodKind.CUSTOM and self.end:
            params["end"] = self.end.isoformat()
        return params

    def date_q(self, field_name: str) -> Q:
        """Deals whose date field `field_name` falls in the period (an open end is no bound)."""
        condition = Q()
        if self.start:
            condition &= Q(**{f"{field_name}__gte": self.start})
        if self.end:
            condition &= Q(**{f"{field_name}__lte": self.end})
        return condition

    def datetime_q(self, field_name: str) -> Q:
        """Deals whose datetime field falls in the period, days taken in the site's time zone."""
        condition = Q()
        if self.start:
            condition &= Q(**{f"{field_name}__gte": _start_of_day(self.start)})
        if self.end:
            condition &= Q(**{f"{field_name}__lt": _start_of_day(self.end + timedelta(days=1))})
        return condition


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def parse_period(
    params: Mapping[str, str],
    *,
    today: date,
    default: str = PeriodKind.QUARTER,
    kinds: Iterable[str] = (PeriodKind.MONTH, PeriodKind.QUARTER),
) -> Period:
    """The period chosen by GET parameters: `period` (one of `kinds`), `start` (a date inside the month or
    quarter, or the first day of a custom span) and `end` (the last day of a custom span). Anything missing or
    invalid falls back to the `default` kind around today; a custom span given backwards is put right."""
    kinds = tuple(kinds)
    kind = params.get("period") or default
    if kind not in kinds:
        kind = default
    start = _date_param(params.get("start"))
    if kind == PeriodKind.ALL:
        return Period.any_date()
    if kind == PeriodKind.MONTH:
        return Period.month(start or today)
    if kind == PeriodKind.QUARTER:
        return Period.quarter(start or today)
    end = _date_param(params.get("end"))
    if start is None and end is None:
        return Period.quarter(today)
    if start and end and start > end:
        start, end = end, start
    return Period(PeriodKind.CUSTOM, start, end)


# A date parameter outside these years is ignored: the period arithmetic (next month, next day, start of day in
# the site's time zone) would step off the ends of the calendar.
DATE_PARAM_YEARS = range(1000, 9999)


def _date_param(value) -> date | None:
    try:
        day = parse_date(value or "")
    except ValueError:
        return None
    return day if day is not None and day.year in DATE_PARAM_YEARS else None


# --- the shared aggregate expressions ----------------------------------------------------------------------------


def in_currency(currency: str) -> Q:
    return Q(currency=(currency or "").upper())


def _money_sum(condition: Q):
    return Sum("amount", filter=condition, default=ZERO)


def _weight_sum(condition: Q):
    """Sum of amount x probability (still x 100): exact in the database; `weighted()` divides in Python."""
    return Sum(
        F("amount") * F("probability"),
        filter=condition,
        default=ZERO,
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def weighted(weight_sum) -> Decimal:
    return (Decimal(weight_sum or 0) / HUNDRED).quantize(Decimal("0.0001"))


def open_in(period: Period) -> Q:
    return Q(stage__in=OPEN_STAGES) & period.date_q("expected_close_date")


def closed_in(period: Period, stage: str) -> Q:
    return Q(stage=stage) & period.datetime_q("closed_at")


@dataclass
class Bucket:
    """Count and money of a set of deals: `total` and `weighted` are in the Company's currency."""

    count: int = 0
    total: Decimal = ZERO
    weighted: Decimal = ZERO
    other_currency: int = 0

    def __add__(self, other: Bucket) -> Bucket:
        return Bucket(
            self.count + other.count,
            self.total + other.total,
            self.weighted + other.weighted,
            self.other_currency + other.other_currency,
        )


def _bucket_annotations(condition: Q, currency: str, prefix: str = "") -> dict:
    money = condition & in_currency(currency)
    return {
        f"{prefix}count": Count("pk", filter=condition),
        f"{prefix}total": _money_sum(money),
        f"{prefix}weight": _weight_sum(money),
        f"{prefix}other_currency": Count("pk", filter=condition & ~in_currency(currency)),
    }


def _bucket(row: Mapping, prefix: str = "") -> Bucket:
    return Bucket(
        count=row[f"{prefix}count"] or 0,
        total=Decimal(row[f"{prefix}total"] or ZERO).quantize(CENTS),
        weighted=weighted(row[f"{prefix}weight"]),
        other_currency=row[f"{prefix}other_currency"] or 0,
    )


# --- pipeline by stage -------------------------------------------------------------------------------------------


def board_scope(period: Period) -> Q:
    """What the pipeline board shows for a period: open deals closing in it, and deals won or lost in it."""
    return open_in(period) | closed_in(period, DealStage.CLOSED_WON) | closed_in(period, DealStage.CLOSED_LOST)


def by_stage(deals: QuerySet, *, currency: str, stages: Iterable[str] = BOARD_STAGES) -> dict[str, Bucket]:
    """Count, total and weighted amount per stage of `deals` (already scoped and filtered): one query.

    Every stage of `stages` is in the result, with zeros when it has no deal."""
    stages = tuple(stages)
    rows = deals.filter(stage__in=stages).order_by().values("stage").annotate(**_bucket_annotations(Q(), currency))
    found = {row["stage"]: _bucket(row) for row in rows}
    return {stage: found.get(stage, Bucket()) for stage in stages}


def totals(deals: QuerySet, *, currency: str) -> Bucket:
    """Count, total and weighted amount of `deals`: one query."""
    return _bucket(deals.order_by().aggregate(**_bucket_annotations(Q(), currency)))


# --- pipeline by owner -------------------------------------------------------------------------------------------

OWNER_FIELDS = ("owner", "owner__first_name", "owner__last_name", "owner__username")


def owner_label(row: Mapping) -> str:
    if row.get("owner") is None:
        return str(_("Unassigned"))
    full = f"{row.get('owner__first_name') or ''} {row.get('owner__last_name') or ''}".strip()
    return full or row.get("owner__username") or f"#{row['owner']}"


def by_owner(deals: QuerySet, *, currency: str) -> list[tuple[dict, Bucket]]:
    """Count, total and weighted per owner of `deals`, biggest total first: one query."""
    rows = (
        deals.order_by()
        .values(*OWNER_FIELDS)
        .annotate(**_bucket_annotations(Q(), currency))
        .order_by("-total", "owner__first_name", "owner__last_name", "owner")
    )
    return [({"id": row["owner"], "name": owner_label(row)}, _bucket(row)) for row in rows]


# --- the forecast ------------------------------------------------------------------------------------------------


@dataclass
class ForecastRow:
    """One owner's (or the team's) forecast for a period, in the Company's currency."""

    owner_id: int | None
    owner_name: str
    # Every open category is always present (an empty team or owner reads as zeros, never a KeyError).
    categories: dict[str, Bucket] = field(
        default_factory=lambda: {category.value: Bucket() for category in FORECAST_CATEGORIES}
    )
    pipeline: Bucket = field(default_factory=Bucket)
    won: Bucket = field(default_factory=Bucket)
    is_total: bool = False

    @property
    def weighted(self) -> Decimal:
        return self.pipeline.weighted

    @property
    def owner_key(self) -> str:
        return UNASSIGNED if self.owner_id is None else str(self.owner_id)

    @property
    def other_currency(self) -> int:
        return self.pipeline.other_currency + self.won.other_currency

    def category_cells(self) -> list[tuple[str, Bucket]]:
        return [(category.value, self.categories.get(category.value, Bucket())) for category in FORECAST_CATEGORIES]

    def value(self, column: str) -> Decimal:
        """The money figure of one column (the CSV and the charts read it)."""
        if column == PIPELINE:
            return self.pipeline.total
        if column == WEIGHTED:
            return self.pipeline.weighted
        if column == WON:
            return self.won.total
        return self.categories.get(column, Bucket()).total

    def __add__(self, other: ForecastRow) -> ForecastRow:
        return ForecastRow(
            owner_id=None,
            owner_name=str(_("Team total")),
            categories={
                key: self.categories.get(key, Bucket()) + other.categories.get(key, Bucket())
                for key in {*self.categories, *other.categories}
            },
            pipeline=self.pipeline + other.pipeline,
            won=self.won + other.won,
            is_total=True,
        )


@dataclass
class Forecast:
    period: Period
    currency: str
    rows: list[ForecastRow]
    total: ForecastRow

    @property
    def other_currency(self) -> int:
        return self.total.other_currency


def forecast_annotations(period: Period, currency: str) -> dict:
    annotations = {}
    open_condition = open_in(period)
    for category in FORECAST_CATEGORIES:
        annotations.update(
            _bucket_annotations(open_condition & Q(forecast_category=category), currency, f"{category.value}_")
        )
    annotations.update(_bucket_annotations(open_condition, currency, "pipeline_"))
    annotations.update(_bucket_annotations(closed_in(period, DealStage.CLOSED_WON), currency, "won_"))
    return annotations


def forecast_scope(period: Period) -> Q:
    return open_in(period) | closed_in(period, DealStage.CLOSED_WON)


def _forecast_row(row: Mapping, owner_id, owner_name) -> ForecastRow:
    return ForecastRow(
        owner_id=owner_id,
        owner_name=owner_name,
        categories={category.value: _bucket(row, f"{category.value}_") for category in FORECAST_CATEGORIES},
        pipeline=_bucket(row, "pipeline_"),
        won=_bucket(row, "won_"),
    )


def forecast(deals: QuerySet, *, period: Period, currency: str, owners: Iterable = ()) -> Forecast:
    """The forecast of `deals` (already scoped to what the user sees) for `period`, one row per owner: one query.

    `owners` (users) always get a row, with zeros when they have nothing in the period (a manager sees the
    reps who have nothing committed); owners of deals in the period get one too, as do unassigned deals.
    The team total adds up the owners' rows (a handful of Decimal sums, not a loop over deals)."""
    grouped = (
        deals.filter(forecast_scope(period))
        .order_by()
        .values(*OWNER_FIELDS)
        .annotate(**forecast_annotations(period, currency))
    )
    rows = {row["owner"]: _forecast_row(row, row["owner"], owner_label(row)) for row in grouped}
    for user in owners:
        if user.pk not in rows:
            rows[user.pk] = ForecastRow(
                owner_id=user.pk,
                owner_name=user_label(user),
                categories={category.value: Bucket() for category in FORECAST_CATEGORIES},
            )
    ordered = sorted(rows.values(), key=lambda row: (row.owner_id is None, row.owner_name.lower(), row.owner_id or 0))
    total = sum(ordered, ForecastRow(None, str(_("Team total")), is_total=True))
    total.owner_name, total.is_total = str(_("Team total")), True
    return Forecast(period=period, currency=currency, rows=ordered, total=total)


def forecast_for_user(user, period: Period) -> Forecast:
    """The forecast a user may see: a rep's own row; for a manager a row per owner, every rep of the Company
    included (with zeros when they have nothing in the period), and the team total. One query for the figures,
    one for a manager's reps."""
    company = company_of(user)
    currency = company.currency if company else ""
    if company is None:
        owners = []
    elif can_see_all_owners(user, Deal):
        owners = list(company_users(company).filter(membership__role=Role.REP))
    else:
        owners = [user]
    return forecast(Deal.objects.visible_to(user), period=period, currency=currency, owners=owners)


def forecast_cell(deals: QuerySet, *, period: Period, column: str, owner: str | None = None) -> QuerySet:
    """The deals behind one forecast cell (the drill-down): exactly the condition the cell's sum used.

    `owner` is a user id, `UNASSIGNED` for deals without an owner, or None for the team (every owner)."""
    if column == WON:
        condition = closed_in(period, DealStage.CLOSED_WON)
    elif column in (PIPELINE, WEIGHTED):
        condition = open_in(period)
    elif column in FORECAST_COLUMNS:
        condition = open_in(period) & Q(forecast_category=column)
    else:
        return deals.none()
    deals = deals.filter(condition)
    if owner == UNASSIGNED:
        deals = deals.filter(owner__isnull=True)
    elif owner:
        owner_id = parse_id(owner)
        deals = deals.filter(owner_id=owner_id) if owner_id is not None else deals.none()
    return deals
