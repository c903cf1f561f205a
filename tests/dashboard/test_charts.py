"""crm.charts: the SVG geometry from Decimal values, and the partials that draw it."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from crm import charts


class TestHelpers:
    @pytest.mark.parametrize(
        ("part", "whole", "expected"),
        [(1, 3, "33.33"), (2, 3, "66.67"), (5, 8, "62.50"), (0, 0, "0.00"), (7, 7, "100.00")],
    )
    def test_percent_rounds_half_up_to_two_places(self, part, whole, expected):
        assert charts.percent(part, whole) == Decimal(expected)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(0, "0"), (950, "950"), (12500, "12.5k"), (1_570_500, "1.57M"), (2_000_000_000, "2B"), ("12.5", "12.50")],
    )
    def test_compact_labels(self, value, expected):
        assert charts.compact(Decimal(value)) == expected

    @pytest.mark.parametrize(
        ("largest", "top", "step"),
        [(48, 60, 20), (1_570_500, 2_000_000, 500_000), (3, 3, 1), (0, 1, 1), (100, 100, 50)],
    )
    def test_the_axis_ends_on_a_round_number_with_whole_steps_for_counts(self, largest, top, step):
        assert charts.axis(Decimal(largest)) == (Decimal(top), Decimal(step))


class TestBarChart:
    def test_bar_heights_are_proportional_to_the_values(self):
        chart = charts.bar_chart(
            [charts.Item("A", Decimal("30")), charts.Item("B", Decimal("15")), charts.Item("C", Decimal("0"))],
            title="Test",
        )

        top, _step = charts.axis(Decimal("30"))
        heights = [bar.height for bar in chart.bars]
        assert heights == [int(160 * 30 / top), int(160 * 15 / top), 0]
        assert [bar.y + bar.height for bar in chart.bars] == [chart.plot_bottom] * 3
        assert not chart.is_empty

    def test_a_tiny_value_still_shows_a_sliver(self):
        chart = charts.bar_chart([charts.Item("Big", Decimal("1000000")), charts.Item("Tiny", Decimal("1"))], title="T")

        assert chart.bars[1].height == 1

    def test_the_bars_share_the_width_after_the_axis_labels(self):
        chart = charts.bar_chart([charts.Item("A", 1), charts.Item("B", 2)], title="T")

        assert [bar.x for bar in chart.bars] == ["18.1%", "63.6%"]
        assert [bar.width for bar in chart.bars] == ["27.3%", "27.3%"]

    def test_the_partial_draws_a_titled_svg_with_a_tooltip_per_bar(self):
        chart = charts.bar_chart(
            [charts.money_item("Proposal", Decimal("45000.50"), "USD", href="/deals/?stage=proposal")],
            title="Pipeline <by stage>",
        )

        html = render_to_string("crm/charts/bar.html", {"chart": chart})

        assert f'aria-labelledby="{chart.id}-title {chart.id}-desc"' in html
        assert "<title>Proposal: USD 45,000.50</title>" in html
        assert "Pipeline &lt;by stage&gt;" in html
        assert '<a href="/deals/?stage=proposal"' in html
        assert "<script" not in html
        assert "style=" not in html

    def test_an_empty_chart_says_so(self):
        html = render_to_string("crm/charts/bar.html", {"chart": charts.bar_chart([charts.Item("A", 0)], title="T")})

        assert "Nothing to show yet" in html


class TestHorizontalBars:
    def test_the_largest_value_fills_the_width(self):
        chart = charts.hbar_chart([charts.Item("A", Decimal("200")), charts.Item("B", Decimal("50"))], title="T")

        assert [bar.width for bar in chart.bars] == ["100%", "25%"]
        assert chart.height == 2 * charts.ROW_HEIGHT

    def test_the_partial_has_a_label_value_and_tooltip_per_row(self):
        chart = charts.hbar_chart([charts.money_item("Web form", Decimal("34000"), "USD")], title="T")

        html = render_to_string("crm/charts/hbar.html", {"chart": chart})

        assert "<title>Web form: USD 34,000.00</title>" in html
        assert 'width="100%"' in html


class TestFunnel:
    def test_each_step_has_its_rate_from_the_previous_and_its_share_of_the_first(self):
        chart = charts.funnel_chart(
            [charts.Item("Captured", 10), charts.Item("Contacted", 8), charts.Item("Qualified", 5),
             charts.Item("Won", 0)],
            title="Funnel",
        )  # fmt: skip

        assert [(step.rate, step.of_first) for step in chart.steps] == [
            (None, Decimal("100.00")),
            (Decimal("80.00"), Decimal("80.00")),
            (Decimal("62.50"), Decimal("50.00")),
            (Decimal("0.00"), Decimal("0.00")),
        ]
        assert [(step.x, step.width) for step in chart.steps] == [
            ("0%", "100%"),
            ("10%", "80%"),
            ("25%", "50%"),
            ("50%", "0%"),
        ]

    def test_the_partial_carries_the_rates(self):
        chart = charts.funnel_chart([charts.Item("Captured", 4), charts.Item("Won", 1)], title="F")

        html = render_to_string("crm/charts/funnel.html", {"chart": chart})

        assert 'data-rate="25.00"' in html
        assert "<title>Won: 1 (25.00% of Captured), 25.00% of the previous step</title>" in html


class TestStackedBars:
    SERIES = [charts.Series("commit", "Commit", charts.GREEN), charts.Series("best_case", "Best Case", charts.BLUE)]

    def test_segments_follow_each_other_on_one_scale_shared_by_the_rows(self):
        chart = charts.stacked_bars(
            self.SERIES,
            [("Ann", {"commit": Decimal("30"), "best_case": Decimal("10")}, ""), ("Bob", {"best_case": 20}, "")],
            title="Forecast",
            currency="USD",
        )

        ann, bob = chart.rows
        assert [(s.series.key, s.x, s.width) for s in ann.segments] == [
            ("commit", "0%", "75%"),
            ("best_case", "75%", "25%"),
        ]
        assert [(s.series.key, s.x, s.width) for s in bob.segments] == [("best_case", "0%", "50%")]
        assert (ann.total, ann.total_display) == (Decimal("40"), "USD 40.00")

    def test_the_partial_has_a_legend_and_a_tooltip_per_segment(self):
        chart = charts.stacked_bars(self.SERIES, [("Ann", {"commit": Decimal("30")}, "")], title="F", currency="USD")

        html = render_to_string("crm/charts/stacked.html", {"chart": chart})

        assert "<title>Ann · Commit: USD 30.00</title>" in html
        assert 'aria-label="Legend"' in html
        assert "Best Case" in html
