"""`/deals/forecast/` and its CSV export: the cells, the drill-down, role scoping and query counts."""

import csv
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from crm.models import Role
from tests.factories import member

from .scenario import MARKER

FORECAST = reverse("deals:forecast")
EXPORT = reverse("deals:forecast_export")
CELL = re.compile(r'<td[^>]*data-column="(?P<column>\w+)" data-value="(?P<value>[^"]*)"')
ROW = re.compile(r'<tr data-owner="(?P<owner>[^"]+)".*?</tr>', re.S)
COLUMNS = ["commit", "best_case", "most_likely", "worst_case", "pipeline", "weighted", "won"]


def table(response) -> dict:
    """{owner key: [cell values in column order]} from the forecast table's data attributes."""
    html = response.content.decode()
    body = html[html.index('data-testid="forecast-table"') :]
    rows = {}
    for row in ROW.finditer(body):
        cells = {m["column"]: Decimal(m["value"]) for m in CELL.finditer(row[0])}
        rows[row["owner"]] = [cells[column] for column in COLUMNS]
    return rows


def d(*values):
    return [Decimal(value) for value in values]


def export_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
class TestTheForecastTable:
    def test_a_manager_sees_each_owner_and_the_team_total_added_up_by_hand(self, world, manager_client, rep, other_rep):
        response = manager_client.get(FORECAST)

        assert response.status_code == 200
        assert response.context["period"].label == "Q4 2026"
        assert table(response) == {
            str(rep.pk): d("40000", "0", "20000.30", "10000", "70000.30", "36000.075", "25000"),
            str(other_rep.pk): d("0", "30000", "0", "0", "30000", "15000", "0"),
            "total": d("40000", "30000", "20000.30", "10000", "100000.30", "51000.075", "25000"),
        }

    def test_the_figures_are_shown_to_the_cent(self, world, manager_client):
        html = manager_client.get(FORECAST).content.decode()

        assert "100,000.30" in html
        assert "51,000.08" in html  # 51000.075 rounded half-even for display

    def test_a_rep_sees_only_their_own_row(self, world, rep_client, rep, other_rep):
        response = rep_client.get(FORECAST)

        assert table(response) == {
            str(rep.pk): d("40000", "0", "20000.30", "10000", "70000.30", "36000.075", "25000"),
        }
        assert (other_rep.get_full_name() or other_rep.username) not in response.content.decode()

    def test_every_rep_of_the_company_has_a_row_even_with_nothing_in_the_period(self, world, company, manager_client):
        newcomer = member(company, Role.REP, username="newcomer", first_name="Nora", last_name="New")

        rows = table(manager_client.get(FORECAST))

        assert rows[str(newcomer.pk)] == d("0", "0", "0", "0", "0", "0", "0")

    def test_the_month_view_keeps_only_november(self, world, manager_client, rep, other_rep):
        response = manager_client.get(FORECAST, {"period": "month"})

        assert response.context["period"].label == "November 2026"
        assert table(response)["total"] == d("40000", "0", "0", "10000", "50000", "31000", "25000")

    def test_next_quarter_holds_the_deal_closing_in_january(self, world, manager_client, other_rep):
        response = manager_client.get(FORECAST, {"period": "quarter", "start": "2027-02-01"})

        assert table(response)[str(other_rep.pk)] == d("0", "50000", "0", "0", "50000", "40000", "0")

    def test_an_outsider_sees_nothing_of_ours(self, world, outsider_client, rep, other_rep):
        response = outsider_client.get(FORECAST)

        rows = table(response)
        assert str(rep.pk) not in rows
        assert str(other_rep.pk) not in rows
        assert rows["total"][0] == Decimal("999999.00")

    @pytest.mark.parametrize("client_fixture", ["manager_client", "rep_client"])
    def test_another_companys_marker_never_appears(self, world, request, client_fixture):
        client = request.getfixturevalue(client_fixture)

        for params in ({}, {"column": "commit"}, {"column": "pipeline", "period": "month"}):
            assert MARKER.encode() not in client.get(FORECAST, params).content
        assert MARKER not in "".join(",".join(row) for row in export_rows(client.get(EXPORT)))

    # Up to 4 for the request (session, user, membership, Company), the forecast, and a manager's reps; a drill-down
    # adds its figures and its page.
    @pytest.mark.parametrize(("client_fixture", "limit"), [("manager_client", 6), ("rep_client", 5)])
    def test_the_page_runs_a_fixed_number_of_queries(
        self, world, request, client_fixture, limit, django_assert_max_num_queries
    ):
        client = request.getfixturevalue(client_fixture)
        client.get(FORECAST)

        with django_assert_max_num_queries(limit):
            client.get(FORECAST)
        with django_assert_max_num_queries(limit + 2):
            client.get(FORECAST, {"column": "pipeline"})


@pytest.mark.django_db
class TestTheDrillDown:
    @pytest.mark.parametrize(
        ("column", "owner_key", "names"),
        [
            ("commit", "rep", ["D3 Initech renewal"]),
            ("best_case", "", ["D4 Hooli platform"]),
            ("worst_case", "rep", ["D1 Initech pilot", "D10 Initech Berlin"]),
            ("pipeline", "other_rep", ["D4 Hooli platform"]),
            ("weighted", "", ["D1 Initech pilot", "D3 Initech renewal", "D10 Initech Berlin", "D2 Initech upgrade",
                              "D4 Hooli platform"]),
            ("won", "", ["D7 Initech licences"]),
        ],
    )  # fmt: skip
    def test_a_cell_lists_the_deals_behind_it(self, world, manager_client, request, column, owner_key, names):
        params = {"column": column}
        if owner_key:
            params["owner"] = request.getfixturevalue(owner_key).pk

        response = manager_client.get(FORECAST, params)

        drill = response.context["drill"]
        assert [deal.name for deal in drill["page"].object_list] == names
        assert drill["figures"].count == len(names)

    def test_the_drill_down_adds_up_to_the_cell(self, world, manager_client, rep):
        response = manager_client.get(FORECAST, {"column": "weighted", "owner": rep.pk})

        figures = response.context["drill"]["figures"]
        assert (figures.count, figures.total, figures.weighted) == (4, Decimal("70000.30"), Decimal("36000.075"))
        assert 'data-figure="drill-count">4<' in response.content.decode()

    def test_every_cell_links_to_its_drill_down(self, world, manager_client, rep):
        html = manager_client.get(FORECAST).content.decode()

        quarter = "/deals/forecast/?period=quarter&amp;start=2026-10-01"
        assert f'href="{quarter}&amp;column=commit&amp;owner={rep.pk}#drill-down"' in html
        assert f'href="{quarter}&amp;column=won#drill-down"' in html

    def test_an_open_cell_also_links_to_the_same_deals_in_the_deal_list(self, world, manager_client, rep):
        response = manager_client.get(FORECAST, {"column": "commit", "owner": rep.pk})

        link = urlparse(response.context["drill"]["deal_list_url"])
        assert link.path == reverse("deals:list")
        assert parse_qs(link.query) == {
            "status": ["open"],
            "forecast_category": ["commit"],
            "owner": [str(rep.pk)],
            "expected_close_date_after": ["2026-10-01"],
            "expected_close_date_before": ["2026-12-31"],
        }

    def test_the_deal_list_link_shows_the_same_deals(self, world, manager_client, rep):
        link = manager_client.get(FORECAST, {"column": "worst_case", "owner": rep.pk}).context["drill"]["deal_list_url"]

        listed = manager_client.get(link)

        assert sorted(deal.name for deal in listed.context["object_list"]) == ["D1 Initech pilot", "D10 Initech Berlin"]

    def test_a_rep_cannot_drill_into_another_reps_deals(self, world, rep_client, other_rep):
        response = rep_client.get(FORECAST, {"column": "best_case", "owner": other_rep.pk})

        assert list(response.context["drill"]["page"].object_list) == []
        assert b"Hooli" not in response.content


@pytest.mark.django_db
class TestTheExport:
    def test_the_csv_has_a_bom_and_the_table_of_the_period(self, world, manager_client, rep, other_rep):
        response = manager_client.get(EXPORT, {"period": "quarter", "start": "2026-11-01"})

        rows = export_rows(response)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "forecast-acme-Q4-2026.csv" in response["Content-Disposition"]
        assert rows[0] == [
            "Owner", "Commit", "Best Case", "Most Likely", "Worst Case", "Open pipeline", "Weighted pipeline",
            "Closed won", "Open deals", "Won deals", "Currency",
        ]  # fmt: skip
        by_owner = {row[0]: row[1:] for row in rows[1:]}
        rep_name = rep.get_full_name() or rep.username
        assert by_owner[rep_name] == [
            "40000.00", "0.00", "20000.30", "10000.00", "70000.30", "36000.08", "25000.00", "4", "1", "USD",
        ]  # fmt: skip
        assert by_owner["Team total"] == [
            "40000.00", "30000.00", "20000.30", "10000.00", "100000.30", "51000.08", "25000.00", "5", "1", "USD",
        ]  # fmt: skip
        assert len(rows) == 4

    def test_a_rep_exports_only_their_row(self, world, rep_client, rep):
        rows = export_rows(rep_client.get(EXPORT))

        assert [row[0] for row in rows[1:]] == [rep.get_full_name() or rep.username]
