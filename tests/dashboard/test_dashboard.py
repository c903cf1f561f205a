"""`/`: the rep's and the manager's dashboard on the hand-computed scenario (tests/deals_pipeline/scenario.py)."""

import re
from decimal import Decimal

import pytest

from crm.models import Role
from tests.deals_pipeline.scenario import MARKER
from tests.factories import UserFactory, member

DASHBOARD = "/"


def rows(response, testid, key_attr) -> dict:
    """{row key: {column: text}} of the table `testid`, read from its data attributes."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    body = html[start : html.index("</table>", start)]
    result = {}
    for row in re.finditer(rf'<tr {key_attr}="([^"]*)"(.*?)</tr>', body, re.S):
        cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', row[2]))
        result[row[1]] = cells
    return result


@pytest.mark.django_db
class TestTheRepDashboard:
    def test_my_open_leads_by_status(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        assert response.context["view"] == "rep"
        assert rows(response, "leads-status-table", "data-status") == {
            "new": {"count": "2"},
            "contacted": {"count": "1"},
            "qualified": {"count": "1"},
        }
        assert [bar.item.value for bar in response.context["leads_chart"].bars] == [2, 1, 1]

    def test_my_unworked_new_leads_are_my_leads_still_new(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        assert response.context["kpis"]["unworked"] == 2
        assert sorted(lead.first_name for lead in response.context["unworked"]) == ["L1", "L2"]

    def test_my_pipeline_by_stage(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        assert rows(response, "pipeline-table", "data-stage") == {
            "prospecting": {"count": "2", "total": "USD 10,000.00", "weighted": "USD 1,000.00"},
            "qualification": {"count": "1", "total": "USD 20,000.30", "weighted": "USD 5,000.08"},
            "proposal": {"count": "0", "total": "USD 0.00", "weighted": "USD 0.00"},
            "negotiation": {"count": "1", "total": "USD 40,000.00", "weighted": "USD 30,000.00"},
            "total": {"count": "4", "total": "USD 70,000.30", "weighted": "USD 36,000.08"},
        }

    def test_my_deals_closing_this_month(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        totals = response.context["closing_totals"]
        assert (totals.count, totals.total, totals.weighted) == (3, Decimal("50000"), Decimal("31000"))
        assert [deal.name for deal in response.context["closing"]] == [
            "D1 Initech pilot",
            "D3 Initech renewal",
            "D10 Initech Berlin",
        ]

    def test_my_forecast_for_the_quarter(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        assert rows(response, "forecast-table", "data-column") == {
            "commit": {"count": "1", "total": "USD 40,000.00"},
            "best_case": {"count": "0", "total": "USD 0.00"},
            "most_likely": {"count": "1", "total": "USD 20,000.30"},
            "worst_case": {"count": "2", "total": "USD 10,000.00"},  # D1 and D10, whose euros are not added
            "weighted": {"count": "4", "total": "USD 36,000.08"},
            "won": {"count": "1", "total": "USD 25,000.00"},
        }
        assert response.context["kpis"]["won_quarter"].total == Decimal("25000")

    def test_a_rep_sees_nothing_of_another_rep_or_of_the_team(self, world, rep_client):
        response = rep_client.get(DASHBOARD)

        html = response.content.decode()
        assert "Hooli" not in html
        assert 'data-testid="funnel-table"' not in html
        assert 'data-testid="owners-table"' not in html


@pytest.mark.django_db
class TestTheManagerDashboard:
    def test_the_team_pipeline_by_stage(self, world, manager_client):
        response = manager_client.get(DASHBOARD)

        assert response.context["view"] == "manager"
        assert rows(response, "pipeline-table", "data-stage") == {
            "prospecting": {"count": "2", "total": "USD 10,000.00", "weighted": "USD 1,000.00"},
            "qualification": {"count": "1", "total": "USD 20,000.30", "weighted": "USD 5,000.08"},
            "proposal": {"count": "2", "total": "USD 45,000.50", "weighted": "USD 22,500.25"},
            "negotiation": {"count": "2", "total": "USD 90,000.00", "weighted": "USD 70,000.00"},
            "total": {"count": "7", "total": "USD 165,000.80", "weighted": "USD 98,500.32"},
        }
        assert response.context["kpis"]["pipeline"].weighted == Decimal("98500.325")

    def test_the_team_pipeline_by_owner_biggest_first(self, world, manager_client, rep, other_rep):
        response = manager_client.get(DASHBOARD)

        table = rows(response, "owners-table", "data-owner")
        assert list(table) == [str(other_rep.pk), str(rep.pk)]
        assert table[str(other_rep.pk)] == {"count": "3", "total": "USD 95,000.50", "weighted": "USD 62,500.25"}
        assert table[str(rep.pk)] == {"count": "4", "total": "USD 70,000.30", "weighted": "USD 36,000.08"}

    def test_the_forecast_summary(self, world, manager_client, rep, other_rep):
        response = manager_client.get(DASHBOARD)

        table = rows(response, "forecast-table", "data-owner")
        assert table[str(rep.pk)] == {
            "commit": "40,000.00",
            "best_case": "0.00",
            "most_likely": "20,000.30",
            "worst_case": "10,000.00",
            "weighted": "36,000.08",
            "won": "25,000.00",
        }
        assert table["total"] == {
            "commit": "40,000.00",
            "best_case": "30,000.00",
            "most_likely": "20,000.30",
            "worst_case": "10,000.00",
            "weighted": "51,000.08",
            "won": "25,000.00",
        }
        kpis = response.context["kpis"]
        assert (kpis["commit_quarter"].total, kpis["won_quarter"].total) == (Decimal("40000"), Decimal("25000"))

    def test_the_lead_funnel_and_its_rates(self, world, manager_client):
        response = manager_client.get(DASHBOARD)

        assert rows(response, "funnel-table", "data-step") == {
            "captured": {"count": "10", "rate": "—", "of_captured": "100.00%"},
            "contacted": {"count": "8", "rate": "80.00%", "of_captured": "80.00%"},
            "qualified": {"count": "5", "rate": "62.50%", "of_captured": "50.00%"},
            "converted": {"count": "4", "rate": "80.00%", "of_captured": "40.00%"},
            "won": {"count": "2", "rate": "50.00%", "of_captured": "20.00%"},
        }
        assert [step.rate for step in response.context["funnel_chart"].steps] == [
            None,
            Decimal("80.00"),
            Decimal("62.50"),
            Decimal("80.00"),
            Decimal("50.00"),
        ]

    def test_attribution_by_source_campaign_and_medium(self, world, manager_client):
        response = manager_client.get(DASHBOARD)

        assert rows(response, "attribution-source", "data-value") == {
            "web": {"leads": "5", "conversions": "2", "conversion_rate": "40.00%", "won_revenue": "USD 34,000.00"},
            "referral": {"leads": "3", "conversions": "1", "conversion_rate": "33.33%", "won_revenue": "USD 0.00"},
            "event": {"leads": "2", "conversions": "1", "conversion_rate": "50.00%", "won_revenue": "USD 0.00"},
        }
        assert rows(response, "attribution-campaign", "data-value") == {
            "spring": {"leads": "4", "conversions": "1", "conversion_rate": "25.00%", "won_revenue": "USD 25,000.00"},
            "retarget": {"leads": "1", "conversions": "1", "conversion_rate": "100.00%", "won_revenue": "USD 9,000.00"},
            "partner-week": {"leads": "3", "conversions": "1", "conversion_rate": "33.33%", "won_revenue": "USD 0.00"},
            "expo": {"leads": "2", "conversions": "1", "conversion_rate": "50.00%", "won_revenue": "USD 0.00"},
        }
        assert rows(response, "attribution-medium", "data-value") == {
            "cpc": {"leads": "5", "conversions": "2", "conversion_rate": "40.00%", "won_revenue": "USD 34,000.00"},
            "email": {"leads": "3", "conversions": "1", "conversion_rate": "33.33%", "won_revenue": "USD 0.00"},
            "": {"leads": "2", "conversions": "1", "conversion_rate": "50.00%", "won_revenue": "USD 0.00"},
        }
        assert list(rows(response, "attribution-campaign", "data-value")) == [
            "spring",
            "retarget",
            "partner-week",
            "expo",
        ]

    def test_the_source_chart_shows_won_revenue_or_leads_while_nothing_is_won(self, world, manager_client):
        from crm.site.dashboard import attribution_chart

        chart = manager_client.get(DASHBOARD).context["attribution_chart"]
        rows = [{"label": "Web form", "won_revenue": Decimal("0"), "leads": 5, "href": ""}]

        assert [(bar.item.label, bar.item.value) for bar in chart.bars] == [("Web form", Decimal("34000"))]
        assert [(bar.item.label, bar.item.value) for bar in attribution_chart(rows, "USD").bars] == [("Web form", 5)]

    @pytest.mark.parametrize(("window", "captured"), [("quarter", 10), ("12m", 10), ("all", 10)])
    def test_the_lead_window_counts_leads_by_capture_date(self, world, manager_client, window, captured):
        response = manager_client.get(DASHBOARD, {"leads": window})

        assert response.context["funnel"]["steps"][0]["count"] == captured

    def test_leads_captured_before_the_window_are_left_out(self, world, company, manager_client):
        from leads.models import Lead
        from tests.deals_pipeline.scenario import CAPTURED_AT

        Lead.objects.filter(company=company, first_name__in=["L1", "L2"]).update(
            created_at=CAPTURED_AT.replace(year=2025, month=1)
        )

        quarter = manager_client.get(DASHBOARD, {"leads": "quarter"}).context["funnel"]["steps"][0]["count"]
        every = manager_client.get(DASHBOARD, {"leads": "all"}).context["funnel"]["steps"][0]["count"]

        assert (quarter, every) == (8, 10)

    def test_overdue_open_deals(self, world, manager_client):
        response = manager_client.get(DASHBOARD)

        totals = response.context["overdue_totals"]
        assert (totals.count, totals.total) == (1, Decimal("15000.50"))
        assert [deal.name for deal in response.context["overdue"]] == ["D6 Hooli support"]

    def test_an_admin_gets_the_managers_dashboard(self, world, admin_client_company):
        assert admin_client_company.get(DASHBOARD).context["view"] == "manager"


@pytest.mark.django_db
class TestTheDashboardScope:
    def test_an_outsider_sees_nothing_of_ours(self, world, outsider_client):
        response = outsider_client.get(DASHBOARD)

        html = response.content.decode()
        assert "Initech" not in html
        assert "Hooli" not in html
        assert response.context["funnel"]["steps"][0]["count"] == 1  # their own lead only

    @pytest.mark.parametrize("client_fixture", ["manager_client", "rep_client"])
    def test_another_companys_marker_never_appears(self, world, request, client_fixture):
        client = request.getfixturevalue(client_fixture)

        for window in ("quarter", "12m", "all"):
            assert MARKER.encode() not in client.get(DASHBOARD, {"leads": window}).content

    def test_a_user_without_a_company_sees_a_notice_and_no_figures(self, db, client):
        client.force_login(UserFactory(username="drifter"))

        response = client.get(DASHBOARD)

        assert response.status_code == 200
        assert b"not a member of any company" in response.content
        assert b'data-testid="dashboard-kpis"' not in response.content

    def test_the_heading_is_dashboard(self, world, rep_client):
        assert b'<h1 class="h3 mb-0">Dashboard</h1>' in rep_client.get(DASHBOARD).content


@pytest.mark.django_db
class TestTheDashboardQueries:
    # Up to 4 for the request (session, user, membership, Company), then one query per figure: a rep's 6 (leads by
    # status, unworked leads, pipeline, closing totals and list, forecast), a manager's 10.
    @pytest.mark.parametrize(("client_fixture", "limit"), [("manager_client", 14), ("rep_client", 10)])
    def test_the_dashboard_runs_a_fixed_number_of_queries(
        self, world, request, company, client_fixture, limit, django_assert_max_num_queries
    ):
        client = request.getfixturevalue(client_fixture)
        client.get(DASHBOARD)
        member(company, Role.REP, username="one-more-rep")

        with django_assert_max_num_queries(limit):
            response = client.get(DASHBOARD)

        assert response.status_code == 200


class TestEmptyCompanyDashboard:
    def test_a_manager_of_a_company_without_deals_or_leads_gets_the_dashboard(self, manager_client):
        response = manager_client.get("/")

        assert response.status_code == 200
        assert response.context["view"] == "manager"
