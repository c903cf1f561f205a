"""`/deals/pipeline/`: the columns' figures, role scoping, filters, query counts, and moving cards."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountType, Lifecycle
from deals.models import Deal, DealStage, ForecastCategory
from deals.pipeline_views import CARD_LIMIT
from tests.factories import DealFactory

from .scenario import MARKER

BOARD = reverse("deals:pipeline")
COLUMN = re.compile(
    r'data-column="(?P<stage>\w+)".*?data-figure="count"[^>]*>(?P<count>\d+)<.*?'
    r'data-figure="total">(?P<total>[^<]*)<.*?data-figure="weighted">(?P<weighted>[^<]*)<',
    re.S,
)


def columns(response) -> dict:
    """{stage: (count, total, weighted)} as the board shows them."""
    html = response.content.decode()
    return {m["stage"]: (int(m["count"]), m["total"], m["weighted"]) for m in COLUMN.finditer(html)}


def cards(response) -> dict:
    """{stage: [deal names]} from the context the board drew."""
    return {column["stage"]: [deal.name for deal in column["cards"]] for column in response.context["columns"]}


def move_url(deal):
    return reverse("deals:pipeline_move", kwargs={"pk": deal.pk})


@pytest.mark.django_db
class TestTheBoardFigures:
    def test_a_manager_sees_every_column_of_the_quarter_added_up_by_hand(self, world, manager_client):
        response = manager_client.get(BOARD)

        assert response.status_code == 200
        assert columns(response) == {
            "prospecting": (2, "USD 10,000.00", "USD 1,000.00"),
            "qualification": (1, "USD 20,000.30", "USD 5,000.08"),
            "proposal": (1, "USD 30,000.00", "USD 15,000.00"),
            "negotiation": (1, "USD 40,000.00", "USD 30,000.00"),
            "closed_won": (1, "USD 25,000.00", "USD 25,000.00"),
            "closed_lost": (1, "USD 12,000.00", "USD 0.00"),
        }
        summary = response.context["open_total"]
        assert (summary.count, summary.total, summary.weighted) == (5, Decimal("100000.30"), Decimal("51000.075"))

    def test_the_cards_are_the_deals_of_the_period_in_their_stage(self, world, manager_client):
        response = manager_client.get(BOARD)

        assert cards(response) == {
            "prospecting": ["D1 Initech pilot", "D10 Initech Berlin"],
            "qualification": ["D2 Initech upgrade"],
            "proposal": ["D4 Hooli platform"],
            "negotiation": ["D3 Initech renewal"],
            "closed_won": ["D7 Initech licences"],
            "closed_lost": ["D8 Hooli training"],
        }

    def test_each_card_shows_account_amount_in_its_currency_close_date_owner_and_category(
        self, world, manager_client, rep
    ):
        html = manager_client.get(BOARD).content.decode()

        card = re.search(rf'<li class="card shadow-sm" data-deal="{world.deals["D10"].pk}".*?</li>', html, re.S)[0]
        assert "D10 Initech Berlin" in card
        assert "Initech" in card
        assert "EUR 7,000.00" in card
        assert 'datetime="2026-11-20"' in card
        assert (rep.get_full_name() or rep.username) in card
        assert 'data-value="worst_case"' in card

    def test_a_deal_in_another_currency_is_counted_but_not_added_and_the_page_says_so(self, world, manager_client):
        response = manager_client.get(BOARD)

        assert columns(response)["prospecting"][:2] == (2, "USD 10,000.00")
        assert b"1 deal in another currency than USD is counted" in response.content

    def test_any_date_shows_every_open_deal_and_every_closed_one(self, world, manager_client):
        response = manager_client.get(BOARD, {"period": "all"})

        assert columns(response) == {
            "prospecting": (2, "USD 10,000.00", "USD 1,000.00"),
            "qualification": (1, "USD 20,000.30", "USD 5,000.08"),
            "proposal": (2, "USD 45,000.50", "USD 22,500.25"),
            "negotiation": (2, "USD 90,000.00", "USD 70,000.00"),
            "closed_won": (2, "USD 34,000.00", "USD 34,000.00"),
            "closed_lost": (1, "USD 12,000.00", "USD 0.00"),
        }

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"period": "month"}, {"prospecting": 2, "negotiation": 1, "closed_won": 1, "closed_lost": 1}),
            ({"period": "quarter", "start": "2027-01-01"}, {"negotiation": 1}),
            ({"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}, {"proposal": 1, "closed_won": 1}),
            ({"period": "custom", "end": "2026-10-31"}, {"proposal": 1, "closed_won": 1}),
            ({"forecast_category": "best_case"}, {"proposal": 1}),
            ({"forecast_category": "best_case", "period": "all"}, {"proposal": 2, "negotiation": 1}),
            ({"account": "hool"}, {"proposal": 1, "closed_lost": 1}),
        ],
    )
    def test_the_filters_narrow_every_column(self, world, manager_client, params, expected):
        response = manager_client.get(BOARD, params)

        counts = {stage: figures[0] for stage, figures in columns(response).items() if figures[0]}
        assert counts == expected

    def test_a_manager_filters_by_owner_and_by_account_id(self, world, manager_client, other_rep):
        by_owner = manager_client.get(BOARD, {"owner": other_rep.pk, "period": "all"})
        by_account = manager_client.get(BOARD, {"account": world.account.pk})

        assert {s: f[0] for s, f in columns(by_owner).items() if f[0]} == {
            "proposal": 2,
            "negotiation": 1,
            "closed_lost": 1,
        }
        assert {s: f[0] for s, f in columns(by_account).items() if f[0]} == {
            "prospecting": 2,
            "qualification": 1,
            "negotiation": 1,
            "closed_won": 1,
        }

    def test_ids_and_figures_in_attributes_are_never_localized(self, company, rep, rep_client, settings):
        settings.USE_THOUSAND_SEPARATOR = True
        deal = DealFactory(pk=12345, company=company, owner=rep, expected_close_date=timezone.localdate())

        html = rep_client.get(BOARD).content.decode()

        assert f'data-deal="{deal.pk}"' in html
        assert f'action="/deals/pipeline/{deal.pk}/move/"' in html
        assert 'id="move-12345-stage"' in html

    def test_a_column_draws_at_most_the_card_limit_and_links_to_the_rest(self, company, manager, manager_client):
        DealFactory.create_batch(
            CARD_LIMIT + 3, company=company, owner=manager, stage=DealStage.PROPOSAL, amount=Decimal("100"),
            expected_close_date=timezone.localdate(),
        )  # fmt: skip

        response = manager_client.get(BOARD)

        proposal = next(column for column in response.context["columns"] if column["stage"] == "proposal")
        assert (proposal["figures"].count, len(proposal["cards"]), proposal["hidden"]) == (
            CARD_LIMIT + 3,
            CARD_LIMIT,
            3,
        )
        assert proposal["figures"].total == Decimal(100 * (CARD_LIMIT + 3))
        assert b"3 more in the deal list" in response.content


@pytest.mark.django_db
class TestTheBoardScope:
    def test_a_rep_sees_only_their_own_deals_and_no_owner_filter(self, world, rep_client):
        response = rep_client.get(BOARD)

        assert columns(response) == {
            "prospecting": (2, "USD 10,000.00", "USD 1,000.00"),
            "qualification": (1, "USD 20,000.30", "USD 5,000.08"),
            "proposal": (0, "USD 0.00", "USD 0.00"),
            "negotiation": (1, "USD 40,000.00", "USD 30,000.00"),
            "closed_won": (1, "USD 25,000.00", "USD 25,000.00"),
            "closed_lost": (0, "USD 0.00", "USD 0.00"),
        }
        assert b"Hooli" not in response.content
        assert "owner" not in response.context["form"].fields

    def test_a_rep_cannot_see_another_reps_deals_by_asking_for_their_owner(self, world, rep_client, other_rep):
        response = rep_client.get(BOARD, {"owner": other_rep.pk, "period": "all"})

        assert b"Hooli" not in response.content
        assert columns(response)["proposal"][0] == 0

    def test_an_outsider_sees_nothing_of_ours(self, world, outsider_client):
        response = outsider_client.get(BOARD)

        assert b"Initech" not in response.content
        assert b"Hooli" not in response.content
        assert columns(response)["negotiation"][:2] == (1, "USD 999,999.00")  # their own deal only

    @pytest.mark.parametrize("client_fixture", ["manager_client", "rep_client"])
    def test_another_companys_marker_never_appears(self, world, request, client_fixture):
        client = request.getfixturevalue(client_fixture)

        for params in ({}, {"period": "all"}, {"period": "month"}):
            assert MARKER.encode() not in client.get(BOARD, params).content

    def test_anonymous_users_are_sent_to_log_in(self, client):
        response = client.get(BOARD)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.django_db
class TestTheBoardQueries:
    # Up to 4 for the request (session, user, membership, Company), then the column figures and the cards, and the
    # owner choices for a manager: 7 and 6 whatever the number of deals.
    @pytest.mark.parametrize(("client_fixture", "limit"), [("manager_client", 7), ("rep_client", 6)])
    def test_the_board_runs_a_fixed_number_of_queries(
        self, world, request, client_fixture, limit, company, manager, django_assert_max_num_queries
    ):
        client = request.getfixturevalue(client_fixture)
        client.get(BOARD)  # warm the session
        DealFactory.create_batch(30, company=company, owner=manager, expected_close_date=timezone.localdate())

        with django_assert_max_num_queries(limit):
            response = client.get(BOARD, {"period": "all"})

        assert response.status_code == 200


@pytest.mark.django_db
class TestMovingACard:
    def test_the_plain_form_moves_the_deal_and_returns_to_the_board(self, world, rep_client):
        deal = world.deals["D1"]
        back = f"{BOARD}?period=all"

        response = rep_client.post(move_url(deal), {"stage": "proposal", "next": back})

        assert response.status_code == 302
        assert response["Location"] == back
        deal.refresh_from_db()
        assert (deal.stage, deal.probability, deal.forecast_category) == (
            DealStage.PROPOSAL,
            50,
            ForecastCategory.BEST_CASE,
        )
        page = rep_client.get(back)
        assert columns(page)["proposal"] == (1, "USD 10,000.00", "USD 5,000.00")
        assert "moved to Proposal" in page.content.decode()

    def test_the_script_gets_json_and_the_columns_change(self, world, manager_client):
        deal = world.deals["D4"]

        response = manager_client.post(move_url(deal), {"stage": "negotiation"}, HTTP_ACCEPT="application/json")

        assert response.status_code == 200
        assert json.loads(response.content) == {
            "ok": True,
            "stage": "negotiation",
            "message": "“D4 Hooli platform” moved to Negotiation.",
        }
        board = columns(manager_client.get(BOARD))
        assert board["proposal"] == (0, "USD 0.00", "USD 0.00")
        assert board["negotiation"] == (2, "USD 70,000.00", "USD 52,500.00")

    def test_winning_makes_the_account_a_customer_and_sets_closed_at(self, world, rep_client):
        deal = world.deals["D3"]

        rep_client.post(move_url(deal), {"stage": "closed_won"})

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.closed_at is not None
        assert (deal.probability, deal.forecast_category) == (100, ForecastCategory.CLOSED)
        assert (deal.account.account_type, deal.account.lifecycle_stage) == (AccountType.CUSTOMER, Lifecycle.CUSTOMER)

    @pytest.mark.parametrize("path", ["deals:pipeline_move", "deals:stage"])
    def test_the_board_and_the_deal_page_apply_the_same_won_rule(self, world, rep_client, path):
        deal = world.deals["D1"]

        rep_client.post(reverse(path, kwargs={"pk": deal.pk}), {"stage": "closed_won"})

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert (deal.stage, deal.probability, deal.closed_at is not None) == (DealStage.CLOSED_WON, 100, True)
        assert deal.account.account_type == AccountType.CUSTOMER

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_losing_without_a_reason_is_refused(self, world, rep_client, reason):
        deal = world.deals["D3"]

        plain = rep_client.post(move_url(deal), {"stage": "closed_lost", "lost_reason": reason}, follow=True)
        scripted = rep_client.post(
            move_url(deal), {"stage": "closed_lost", "lost_reason": reason}, HTTP_ACCEPT="application/json"
        )

        deal.refresh_from_db()
        assert deal.stage == DealStage.NEGOTIATION
        assert "was not moved" in plain.content.decode()
        assert scripted.status_code == 400
        assert "Say why the deal was lost" in json.loads(scripted.content)["error"]

    def test_losing_with_a_reason_records_it(self, world, rep_client):
        deal = world.deals["D3"]

        rep_client.post(move_url(deal), {"stage": "closed_lost", "lost_reason": "Chose a competitor"})

        deal.refresh_from_db()
        assert (deal.stage, deal.lost_reason, deal.closed_at is not None) == (
            DealStage.CLOSED_LOST,
            "Chose a competitor",
            True,
        )

    def test_an_unknown_stage_changes_nothing(self, world, rep_client):
        deal = world.deals["D1"]

        response = rep_client.post(move_url(deal), {"stage": "won-ish"}, HTTP_ACCEPT="application/json")

        assert response.status_code == 400
        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING

    @pytest.mark.parametrize(
        ("client_fixture", "deal_key", "status"),
        [
            ("rep_client", "D4", 404),  # another rep's deal: invisible to a rep
            ("outsider_client", "D1", 404),  # another Company's deal
            ("rep_client", "other", 404),
        ],
    )
    def test_a_deal_the_user_cannot_see_is_a_404_and_stays_put(self, world, request, client_fixture, deal_key, status):
        client = request.getfixturevalue(client_fixture)
        deal = world.other_company_deal if deal_key == "other" else world.deals[deal_key]
        stage = deal.stage

        response = client.post(move_url(deal), {"stage": "closed_won"})

        assert response.status_code == status
        assert Deal.objects.get(pk=deal.pk).stage == stage

    def test_the_move_is_post_only(self, world, rep_client):
        assert rep_client.get(move_url(world.deals["D1"])).status_code == 405

    def test_a_redirect_never_leaves_the_site(self, world, rep_client):
        response = rep_client.post(move_url(world.deals["D1"]), {"stage": "proposal", "next": "https://evil.example"})

        assert response["Location"] == BOARD
