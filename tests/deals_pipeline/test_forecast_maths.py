"""deals.forecast on the hand-computed scenario: periods, figures per stage, per owner and per forecast cell."""

from datetime import date
from decimal import Decimal

import pytest

from deals import forecast
from deals.models import Deal, DealStage
from tests.factories import DealFactory

from .scenario import TODAY

Q4 = forecast.Period.quarter(TODAY)
NOVEMBER = forecast.Period.month(TODAY)


class TestPeriods:
    @pytest.mark.parametrize(
        ("day", "start", "end", "label"),
        [
            (date(2026, 11, 16), date(2026, 10, 1), date(2026, 12, 31), "Q4 2026"),
            (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "Q1 2026"),
            (date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30), "Q2 2026"),
            (date(2027, 8, 5), date(2027, 7, 1), date(2027, 9, 30), "Q3 2027"),
        ],
    )
    def test_a_quarter_runs_from_its_first_to_its_last_day(self, day, start, end, label):
        period = forecast.Period.quarter(day)

        assert (period.start, period.end, period.label) == (start, end, label)

    def test_a_month_knows_its_last_day_in_a_leap_year(self):
        period = forecast.Period.month(date(2028, 2, 10))

        assert (period.start, period.end, period.label) == (date(2028, 2, 1), date(2028, 2, 29), "February 2028")

    def test_previous_and_next_step_by_a_whole_period(self):
        assert forecast.Period.quarter(TODAY).previous() == forecast.Period.quarter(date(2026, 9, 1))
        assert forecast.Period.quarter(TODAY).next() == forecast.Period.quarter(date(2027, 1, 1))
        assert forecast.Period.month(TODAY).next() == forecast.Period.month(date(2026, 12, 1))

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, forecast.Period.quarter(TODAY)),
            ({"period": "month"}, forecast.Period.month(TODAY)),
            ({"period": "month", "start": "2027-03-09"}, forecast.Period.month(date(2027, 3, 1))),
            ({"period": "quarter", "start": "not-a-date"}, forecast.Period.quarter(TODAY)),
            ({"period": "decade"}, forecast.Period.quarter(TODAY)),
            ({"period": "custom"}, forecast.Period.quarter(TODAY)),  # custom is not offered here
        ],
    )
    def test_the_forecast_reads_month_or_quarter_and_falls_back_to_this_quarter(self, params, expected):
        assert forecast.parse_period(params, today=TODAY) == expected

    def test_a_custom_span_given_backwards_is_put_right(self):
        kinds = ("month", "quarter", "custom", "all")

        period = forecast.parse_period(
            {"period": "custom", "start": "2026-12-31", "end": "2026-12-01"}, today=TODAY, kinds=kinds
        )

        assert (period.kind, period.start, period.end) == ("custom", date(2026, 12, 1), date(2026, 12, 31))

    def test_any_date_has_no_bounds(self):
        period = forecast.parse_period({"period": "all"}, today=TODAY, kinds=("quarter", "all"))

        assert (period.start, period.end, period.label) == (None, None, "Any date")
        assert period.date_q("expected_close_date") == forecast.Q()


@pytest.mark.django_db
class TestFiguresByStage:
    def test_the_board_columns_of_the_quarter_add_up_by_hand(self, world, company):
        deals = Deal.objects.for_company(company).filter(forecast.board_scope(Q4))

        figures = forecast.by_stage(deals, currency="USD")

        assert {stage: (b.count, b.total, b.weighted, b.other_currency) for stage, b in figures.items()} == {
            "prospecting": (2, Decimal("10000.00"), Decimal("1000"), 1),
            "qualification": (1, Decimal("20000.30"), Decimal("5000.075"), 0),
            "proposal": (1, Decimal("30000.00"), Decimal("15000"), 0),
            "negotiation": (1, Decimal("40000.00"), Decimal("30000"), 0),
            "closed_won": (1, Decimal("25000.00"), Decimal("25000"), 0),
            "closed_lost": (1, Decimal("12000.00"), Decimal("0"), 0),
        }

    def test_every_date_brings_in_the_deals_of_other_periods(self, world, company):
        deals = Deal.objects.for_company(company).filter(forecast.board_scope(forecast.Period.any_date()))

        figures = forecast.by_stage(deals, currency="USD")

        assert (figures["proposal"].count, figures["proposal"].total, figures["proposal"].weighted) == (
            2,
            Decimal("45000.50"),
            Decimal("22500.25"),
        )
        assert (figures["negotiation"].total, figures["negotiation"].weighted) == (Decimal("90000"), Decimal("70000"))
        assert (figures["closed_won"].count, figures["closed_won"].total) == (2, Decimal("34000"))

    def test_a_stage_without_deals_is_zero_not_missing(self, company):
        figures = forecast.by_stage(Deal.objects.for_company(company), currency="USD")

        assert figures["proposal"] == forecast.Bucket(0, Decimal("0"), Decimal("0"), 0)

    def test_the_weighted_total_is_exact_to_the_fraction_of_a_cent(self, company):
        for amount, probability in (("0.01", 50), ("0.01", 50), ("12345.67", 35)):
            DealFactory(company=company, amount=Decimal(amount), probability=probability, stage=DealStage.PROPOSAL)

        figures = forecast.totals(Deal.objects.for_company(company), currency="USD")

        assert figures.weighted == Decimal("4320.9945")  # 0.005 + 0.005 + 4320.9845, not a float's guess
        assert figures.total == Decimal("12345.69")

    def test_the_figures_come_from_one_query(self, world, company, django_assert_num_queries):
        with django_assert_num_queries(1):
            forecast.by_stage(Deal.objects.for_company(company), currency="USD")


@pytest.mark.django_db
class TestForecastRows:
    def test_each_owner_and_the_team_add_up_by_hand(self, world, company, rep, other_rep):
        result = forecast.forecast(
            Deal.objects.for_company(company), period=Q4, currency="USD", owners=[rep, other_rep]
        )
        rows = {row.owner_id: row for row in result.rows}

        assert [rows[rep.pk].value(column) for column in forecast.FORECAST_COLUMNS] == [
            Decimal("40000"), Decimal("0"), Decimal("20000.30"), Decimal("10000"),
            Decimal("70000.30"), Decimal("36000.075"), Decimal("25000"),
        ]  # fmt: skip
        assert [rows[other_rep.pk].value(column) for column in forecast.FORECAST_COLUMNS] == [
            Decimal("0"), Decimal("30000"), Decimal("0"), Decimal("0"),
            Decimal("30000"), Decimal("15000"), Decimal("0"),
        ]  # fmt: skip
        assert [result.total.value(column) for column in forecast.FORECAST_COLUMNS] == [
            Decimal("40000"), Decimal("30000"), Decimal("20000.30"), Decimal("10000"),
            Decimal("100000.30"), Decimal("51000.075"), Decimal("25000"),
        ]  # fmt: skip
        assert (result.total.pipeline.count, result.total.won.count, result.other_currency) == (5, 1, 1)

    def test_the_month_keeps_only_deals_closing_or_won_in_it(self, world, company, rep):
        result = forecast.forecast(Deal.objects.for_company(company), period=NOVEMBER, currency="USD", owners=[rep])

        assert [result.total.value(column) for column in forecast.FORECAST_COLUMNS] == [
            Decimal("40000"), Decimal("0"), Decimal("0"), Decimal("10000"),
            Decimal("50000"), Decimal("31000"), Decimal("25000"),
        ]  # fmt: skip

    def test_an_owner_with_nothing_in_the_period_still_has_a_row_of_zeros(self, world, company, manager):
        result = forecast.forecast(Deal.objects.for_company(company), period=Q4, currency="USD", owners=[manager])

        row = next(row for row in result.rows if row.owner_id == manager.pk)
        assert row.pipeline.total == row.won.total == Decimal("0")

    def test_a_closed_deal_leaves_the_open_categories(self, world, company, rep):
        world.deals["D3"].move_to_stage(DealStage.CLOSED_LOST, by=rep, lost_reason="Budget cut")

        result = forecast.forecast(Deal.objects.for_company(company), period=Q4, currency="USD")

        assert result.total.value("commit") == Decimal("0")
        assert result.total.pipeline.total == Decimal("60000.30")

    @pytest.mark.parametrize("column", forecast.FORECAST_COLUMNS)
    def test_every_cell_drills_down_to_deals_that_add_up_to_it(self, world, company, rep, other_rep, column):
        deals = Deal.objects.for_company(company)
        result = forecast.forecast(deals, period=Q4, currency="USD", owners=[rep, other_rep])

        for row in [*result.rows, result.total]:
            owner = None if row.is_total else row.owner_key
            behind = forecast.totals(
                forecast.forecast_cell(deals, period=Q4, column=column, owner=owner), currency="USD"
            )
            expected = behind.weighted if column == forecast.WEIGHTED else behind.total
            assert expected == row.value(column), (row.owner_name, column)

    def test_an_unknown_cell_or_owner_drills_down_to_nothing(self, world, company):
        deals = Deal.objects.for_company(company)

        assert not forecast.forecast_cell(deals, period=Q4, column="everything").exists()
        assert not forecast.forecast_cell(deals, period=Q4, column="pipeline", owner="1 OR 1=1").exists()

    def test_the_forecast_is_one_query(self, world, company, rep, django_assert_num_queries):
        with django_assert_num_queries(1):
            forecast.forecast(Deal.objects.for_company(company), period=Q4, currency="USD", owners=[rep])
