"""Server-rendered SVG charts: the builders compute the geometry, the templates in `crm/charts/` draw it.

No JavaScript: a chart is plain SVG in the page, crisp at any size, readable by tests, with a `<title>` tooltip
on every mark. Every chart on a page has its numbers in an HTML table beside or under it.

Geometry: horizontal positions and widths are percentages of the chart's width (`x="12.5%"`), vertical ones are
pixels, so a chart stretches to its card while its text keeps its size (no `viewBox` scaling that would shrink
labels to nothing on a phone). Values arrive as Decimal and stay Decimal: percentages are quantized Decimals.

Builders:
- `bar_chart(items)`: vertical bars, one per item, with the value on top and gridlines labelled in place.
- `hbar_chart(items)`: horizontal bars, a label and value line above each bar (fits a phone).
- `funnel_chart(steps)`: centred bars narrowing step by step, each with its conversion rate.
- `stacked_bars(series, rows)`: one horizontal bar per row split into the series (a stacked forecast).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .templatetags.crm_tags import money

ZERO = Decimal("0")
HUNDRED = Decimal("100")
PCT = Decimal("0.01")

# Bootstrap's palette, so charts match the badges.
BLUE = "#0d6efd"
CYAN = "#0dcaf0"
TEAL = "#20c997"
GREEN = "#198754"
YELLOW = "#ffc107"
ORANGE = "#fd7e14"
RED = "#dc3545"
LIGHT_GREY = "#adb5bd"

_ids = itertools.count(1)


def _chart_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def percent(part, whole) -> Decimal:
    """`part` as a percentage of `whole`, to 0.01 (0 when `whole` is 0)."""
    part, whole = Decimal(part or 0), Decimal(whole or 0)
    if whole == 0:
        return ZERO.quantize(PCT)
    return (part * HUNDRED / whole).quantize(PCT, rounding=ROUND_HALF_UP)


def nice_step(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 x 10^n at or above `value` (a gridline step; 1 for 0 or less)."""
    value = Decimal(value or 0)
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for power in (exponent, exponent + 1):
        for step in (1, 2, 5):
            candidate = Decimal(step).scaleb(power)
            if candidate >= value:
                return candidate
    return Decimal(10).scaleb(exponent + 1)


def axis(largest: Decimal, *, steps: int = 4) -> tuple[Decimal, Decimal]:
    """(top, step) of a value axis: about `steps` gridlines at round values, the top at or above `largest`.
    Counts get whole-number gridlines (the step is at least 1)."""
    largest = Decimal(largest or 0)
    step = max(nice_step(largest / steps), Decimal(1)) if largest >= 1 else nice_step(largest / steps)
    lines = max(int((largest / step).to_integral_value(rounding=ROUND_CEILING)), 1)
    return step * lines, step


def compact(value) -> str:
    """12_500 -> "12.5k", 1_250_000 -> "1.25M": short labels on the bars (the tables carry the exact figure)."""
    value = Decimal(value or 0)
    for threshold, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k")):
        if abs(value) >= threshold:
            scaled = (value / threshold).quantize(PCT, rounding=ROUND_HALF_UP).normalize()
            return f"{scaled:f}{suffix}"
    if value == value.to_integral_value():
        return f"{value.to_integral_value():f}"
    return f"{value.quantize(PCT, rounding=ROUND_HALF_UP):f}"


def short_money(value, currency: str = "") -> str:
    """`USD 4.23M`: a money figure for a headline (its exact value goes in the tooltip and the tables)."""
    return f"{currency} {compact(value)}".strip()


def _pct(value: Decimal) -> str:
    """A percentage for an SVG attribute: "12.5%"."""
    return f"{Decimal(value).quantize(PCT, rounding=ROUND_HALF_UP).normalize():f}%"


@dataclass
class Item:
    """One figure to chart. `display` is the exact text for tooltips (money with its currency, or a count)."""

    label: str
    value: Decimal
    display: str = ""
    href: str = ""
    color: str = ""
    key: str = ""

    def __post_init__(self):
        self.value = Decimal(self.value or 0)
        self.display = self.display or format_count(self.value)


def format_count(value) -> str:
    return f"{Decimal(value or 0).to_integral_value():,f}"


def money_item(label, value, currency, **kwargs) -> Item:
    return Item(label=label, value=value, display=money(value, currency), **kwargs)


@dataclass
class Tick:
    value: Decimal
    label: str
    y: int


@dataclass
class Bar:
    item: Item
    x: str
    width: str
    center: str
    y: int
    height: int
    color: str
    short: str

    @property
    def tooltip(self) -> str:
        return f"{self.item.label}: {self.item.display}"


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    height: int
    plot_top: int
    plot_bottom: int
    label_y: int
    is_empty: bool
    kind: str = "bar"


AXIS_GUTTER = Decimal(9)


def bar_chart(items: Sequence[Item], *, title: str, description: str = "", color: str = BLUE) -> BarChart:
    """Vertical bars, one per item; the axis top is a round number above the largest value."""
    plot_top, plot_height = 24, 160
    plot_bottom = plot_top + plot_height
    top, step = axis(max((item.value for item in items), default=ZERO))
    gutter = AXIS_GUTTER  # the gridline labels sit left of the bars
    slot = (HUNDRED - gutter) / max(len(items), 1)
    bar_width = slot * Decimal("0.6")
    bars = []
    for index, item in enumerate(items):
        height = int((item.value / top * plot_height).to_integral_value(rounding=ROUND_HALF_UP)) if top else 0
        if item.value > 0:
            height = max(height, 1)
        x = gutter + slot * index + (slot - bar_width) / 2
        bars.append(
            Bar(
                item=item,
                x=_pct(x),
                width=_pct(bar_width),
                center=_pct(gutter + slot * index + slot / 2),
                y=plot_bottom - height,
                height=height,
                color=item.color or color,
                short=compact(item.value),
            )
        )
    lines = int(top / step)
    ticks = [
        Tick(value=step * line, label=compact(step * line), y=plot_bottom - plot_height * line // lines)
        for line in range(1, lines + 1)
    ]
    return BarChart(
        id=_chart_id("bar"),
        title=title,
        description=description or title,
        bars=bars,
        ticks=ticks,
        height=plot_bottom + 26,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        label_y=plot_bottom + 18,
        is_empty=all(item.value == 0 for item in items),
    )


@dataclass
class HBar:
    item: Item
    width: str
    label_y: int
    bar_y: int
    color: str

    @property
    def tooltip(self) -> str:
        return f"{self.item.label}: {self.item.display}"


@dataclass
class HBarChart:
    id: str
    title: str
    description: str
    bars: list[HBar]
    height: int
    bar_height: int
    is_empty: bool
    kind: str = "hbar"


ROW_HEIGHT = 40
HBAR_HEIGHT = 14


def hbar_chart(items: Sequence[Item], *, title: str, description: str = "", color: str = BLUE) -> HBarChart:
    """Horizontal bars: each row is a label (left) and value (right) line, then the bar under it."""
    top = max((item.value for item in items), default=ZERO)
    bars = []
    for index, item in enumerate(items):
        width = item.value / top * HUNDRED if top else ZERO
        bars.append(
            HBar(
                item=item,
                width=_pct(width),
                label_y=index * ROW_HEIGHT + 14,
                bar_y=index * ROW_HEIGHT + 20,
                color=item.color or color,
            )
        )
    return HBarChart(
        id=_chart_id("hbar"),
        title=title,
        description=description or title,
        bars=bars,
        height=max(len(items), 1) * ROW_HEIGHT,
        bar_height=HBAR_HEIGHT,
        is_empty=all(item.value == 0 for item in items),
    )


@dataclass
class FunnelStep:
    item: Item
    rate: Decimal | None  # conversion from the previous step, in %
    of_first: Decimal  # share of the first step, in %
    x: str
    width: str
    label_y: int
    bar_y: int
    color: str
    first_label: str = ""

    @property
    def tooltip(self) -> str:
        values = {"label": self.item.label, "display": self.item.display, "share": self.of_first}
        values |= {"first": self.first_label, "rate": self.rate}
        if self.rate is None:
            return _("%(label)s: %(display)s (%(share)s%% of %(first)s)") % values
        return _("%(label)s: %(display)s (%(share)s%% of %(first)s), %(rate)s%% of the previous step") % values


@dataclass
class FunnelChart:
    id: str
    title: str
    description: str
    steps: list[FunnelStep]
    height: int
    bar_height: int
    is_empty: bool
    kind: str = "funnel"


FUNNEL_ROW = 48
FUNNEL_BAR = 22


def funnel_chart(steps: Sequence[Item], *, title: str, description: str = "", color: str = BLUE) -> FunnelChart:
    """Centred bars whose width is each step's share of the first; each step carries its conversion rate
    (this step / the previous step) and its share of the first step."""
    first = steps[0].value if steps else ZERO
    result = []
    previous = None
    for index, item in enumerate(steps):
        share = percent(item.value, first)
        width = max(share, Decimal("0.5")) if item.value > 0 else ZERO
        result.append(
            FunnelStep(
                item=item,
                rate=None if previous is None else percent(item.value, previous),
                of_first=share,
                x=_pct((HUNDRED - width) / 2),
                width=_pct(width),
                label_y=index * FUNNEL_ROW + 14,
                bar_y=index * FUNNEL_ROW + 20,
                color=item.color or color,
                first_label=steps[0].label,
            )
        )
        previous = item.value
    return FunnelChart(
        id=_chart_id("funnel"),
        title=title,
        description=description or title,
        steps=result,
        height=max(len(steps), 1) * FUNNEL_ROW,
        bar_height=FUNNEL_BAR,
        is_empty=first == 0,
    )


@dataclass
class Series:
    key: str
    label: str
    color: str


@dataclass
class Segment:
    series: Series
    value: Decimal
    display: str
    x: str
    width: str

    @property
    def tooltip(self) -> str:
        return f"{self.series.label}: {self.display}"


@dataclass
class StackedRow:
    label: str
    total: Decimal
    total_display: str
    segments: list[Segment]
    label_y: int
    bar_y: int
    href: str = ""


@dataclass
class StackedChart:
    id: str
    title: str
    description: str
    series: list[Series]
    rows: list[StackedRow]
    height: int
    bar_height: int
    is_empty: bool
    kind: str = "stacked"


def stacked_bars(
    series: Sequence[Series],
    rows: Sequence[tuple[str, dict[str, Decimal], str]],
    *,
    title: str,
    currency: str = "",
    description: str = "",
) -> StackedChart:
    """One horizontal bar per row (label, {series key: value}, link), split into the series in order; bars
    share one scale (the largest row total), so rows compare at a glance."""
    totals = [sum((Decimal(values.get(s.key) or 0) for s in series), ZERO) for _label, values, _href in rows]
    top = max(totals, default=ZERO)
    built = []
    for index, ((label, values, href), total) in enumerate(zip(rows, totals, strict=True)):
        offset = ZERO
        segments = []
        for one in series:
            value = Decimal(values.get(one.key) or 0)
            if value <= 0:
                continue
            width = value / top * HUNDRED if top else ZERO
            segments.append(
                Segment(
                    series=one,
                    value=value,
                    display=money(value, currency) if currency else format_count(value),
                    x=_pct(offset),
                    width=_pct(width),
                )
            )
            offset += width
        built.append(
            StackedRow(
                label=label,
                total=total,
                total_display=money(total, currency) if currency else format_count(total),
                segments=segments,
                label_y=index * ROW_HEIGHT + 14,
                bar_y=index * ROW_HEIGHT + 20,
                href=href,
            )
        )
    return StackedChart(
        id=_chart_id("stacked"),
        title=title,
        description=description or title,
        series=list(series),
        rows=built,
        height=max(len(rows), 1) * ROW_HEIGHT,
        bar_height=HBAR_HEIGHT + 2,
        is_empty=top == 0,
    )
