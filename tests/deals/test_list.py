from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStage, ForecastCategory
from tests.factories import AccountFactory, ContactFactory, DealFactory

LIST_URL = reverse("deals:list")


def _names(response):
    return [deal.name for deal in response.context["object_list"]]


@pytest.fixture
def pipeline(company, rep, manager):
    """Deals of one Company, each different on the fields the filters look at."""
    acme = AccountFactory(company=company, name="Acme Rockets")
    umbrella = AccountFactory(company=company, name="Umbrella Health")
    return {
        "rockets": DealFactory(
            company=company,
            account=acme,
            owner=rep,
            name="Rocket fuel supply",
            stage=DealStage.NEGOTIATION,
            amount=Decimal("90000"),
            source="referral",
            campaign="Spring-Launch",
            expected_close_date=date(2030, 1, 15),
        ),
        "clinic": DealFactory(
            company=company,
            account=umbrella,
            owner=rep,
            name="Clinic software",
            stage=DealStage.PROSPECTING,
            amount=Decimal("5000"),
            source="web",
            campaign="webinar",
            expected_close_date=date(2030, 6, 1),
        ),
        "won": DealFactory(
            company=company,
            account=umbrella,
            owner=manager,
            name="Lab analytics",
            stage=DealStage.CLOSED_WON,
            amount=Decimal("42000"),
            source="event",
            campaign="expo",
            expected_close_date=date(2029, 12, 1),
        ),
        "lost": DealFactory(
            company=company,
            account=acme,
            owner=None,
            name="Launch pad lease",
            stage=DealStage.CLOSED_LOST,
            amount=Decimal("1000"),
            campaign="",
            expected_close_date=None,
        ),
    }


@pytest.mark.django_db
class TestDealListFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {"rockets", "clinic", "won", "lost"}),
            ({"stage": "negotiation"}, {"rockets"}),
            ({"forecast_category": ForecastCategory.CLOSED}, {"won", "lost"}),
            ({"source": "web"}, {"clinic"}),
            ({"campaign": "LAUNCH"}, {"rockets"}),
            ({"status": "open"}, {"rockets", "clinic"}),
            ({"status": "won"}, {"won"}),
            ({"status": "lost"}, {"lost"}),
            ({"status": "closed"}, {"won", "lost"}),
            ({"expected_close_date_after": "2030-01-01"}, {"rockets", "clinic"}),
            ({"expected_close_date_before": "2030-01-15"}, {"rockets", "won"}),
            ({"amount_min": "5000", "amount_max": "42000"}, {"clinic", "won"}),
            ({"q": "umbrella"}, {"clinic", "won"}),
            ({"q": "expo"}, {"won"}),
            ({"q": "rocket fuel"}, {"rockets"}),
            ({"owner": "null"}, {"lost"}),
        ],
    )
    def test_a_manager_filters_the_list(self, manager_client, pipeline, params, expected):
        response = manager_client.get(LIST_URL, params)

        assert response.status_code == 200
        assert set(_names(response)) == {pipeline[key].name for key in expected}

    def test_filter_by_owner(self, manager_client, pipeline, manager):
        response = manager_client.get(LIST_URL, {"owner": manager.pk})

        assert _names(response) == ["Lab analytics"]

    def test_filter_by_account(self, manager_client, pipeline):
        acme = pipeline["rockets"].account

        response = manager_client.get(LIST_URL, {"account": acme.pk})

        assert set(_names(response)) == {"Rocket fuel supply", "Launch pad lease"}

    def test_filter_by_created_date(self, manager_client, pipeline):
        old = pipeline["clinic"]
        type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
        since = (timezone.localdate() - timedelta(days=7)).isoformat()

        response = manager_client.get(LIST_URL, {"created_at_after": since})

        assert "Clinic software" not in _names(response)
        assert len(_names(response)) == 3

    def test_an_account_of_another_company_is_not_a_choice(self, manager_client, pipeline, other_company):
        foreign_account = AccountFactory(company=other_company)

        response = manager_client.get(LIST_URL, {"account": foreign_account.pk})

        assert "account" in response.context["filter"].form.errors
        assert foreign_account not in response.context["filter"].form.fields["account"].queryset

    def test_owner_choices_are_users_of_the_company(self, manager_client, pipeline, outsider, rep):
        response = manager_client.get(LIST_URL)

        owners = response.context["filter"].form.fields["owner"].queryset
        assert rep in owners
        assert outsider not in owners

    def test_a_rep_gets_no_owner_filter_and_only_their_own_deals(self, rep_client, pipeline):
        response = rep_client.get(LIST_URL)

        assert "owner" not in response.context["filter"].form.fields
        assert set(_names(response)) == {"Rocket fuel supply", "Clinic software"}

    def test_filters_stay_in_the_pagination_links(self, manager_client, company, manager):
        DealFactory.create_batch(30, company=company, owner=manager, campaign="autumn")

        response = manager_client.get(LIST_URL, {"campaign": "autumn", "o": "amount"})

        assert "campaign=autumn" in response.content.decode()
        assert "page=2" in response.content.decode()


@pytest.mark.django_db
class TestDealListOrdering:
    @pytest.mark.parametrize(
        ("o", "expected"),
        [
            ("name", ["Clinic software", "Lab analytics", "Launch pad lease", "Rocket fuel supply"]),
            ("-amount", ["Rocket fuel supply", "Lab analytics", "Clinic software", "Launch pad lease"]),
            ("stage", ["Clinic software", "Rocket fuel supply", "Lab analytics", "Launch pad lease"]),
            ("-stage", ["Launch pad lease", "Lab analytics", "Rocket fuel supply", "Clinic software"]),
        ],
    )
    def test_sorts_by_the_chosen_column(self, manager_client, pipeline, o, expected):
        response = manager_client.get(LIST_URL, {"o": o})

        assert _names(response) == expected

    def test_sorts_by_probability_and_close_date(self, manager_client, pipeline):
        by_probability = _names(manager_client.get(LIST_URL, {"o": "-probability"}))
        by_close_date = _names(manager_client.get(LIST_URL, {"o": "expected_close_date", "status": "open"}))

        assert by_probability[0] == "Lab analytics"
        assert by_probability[-1] == "Launch pad lease"
        assert by_close_date == ["Rocket fuel supply", "Clinic software"]

    def test_an_unknown_sort_key_is_ignored(self, manager_client, pipeline):
        response = manager_client.get(LIST_URL, {"o": "company__name"})

        assert response.status_code == 200
        assert len(_names(response)) == 4


@pytest.mark.django_db
class TestDealListPages:
    def test_25_rows_by_default_with_the_total(self, manager_client, company, manager):
        DealFactory.create_batch(30, company=company, owner=manager)

        response = manager_client.get(LIST_URL)

        assert len(response.context["object_list"]) == 25
        assert response.context["paginator"].count == 30
        assert "of 30" in response.content.decode()

    @pytest.mark.parametrize(("per_page", "rows"), [("50", 50), ("100", 60), ("7", 25), ("x", 25)])
    def test_page_size_is_25_50_or_100(self, manager_client, company, manager, per_page, rows):
        DealFactory.create_batch(60, company=company, owner=manager)

        response = manager_client.get(LIST_URL, {"per_page": per_page})

        assert len(response.context["object_list"]) == rows

    def test_the_second_page_holds_the_rest(self, manager_client, company, manager):
        DealFactory.create_batch(30, company=company, owner=manager)

        response = manager_client.get(LIST_URL, {"page": 2})

        assert len(response.context["object_list"]) == 5

    def test_an_empty_company_sees_a_call_to_action(self, rep_client):
        response = rep_client.get(LIST_URL)

        assert b"No deals yet" in response.content
        assert reverse("deals:create").encode() in response.content

    def test_an_empty_filter_result_offers_to_clear_the_filters(self, rep_client, pipeline):
        response = rep_client.get(LIST_URL, {"q": "nothing like this"})

        assert b"No deals match these filters" in response.content

    def test_stage_and_forecast_show_as_badges_and_amounts_in_the_deal_currency(self, manager_client, pipeline):
        pipeline["clinic"].currency = "EUR"
        pipeline["clinic"].save()

        content = manager_client.get(LIST_URL).content.decode()

        assert 'data-value="negotiation"' in content
        assert 'data-value="commit"' in content
        assert "USD 90,000.00" in content
        assert "EUR 5,000.00" in content


@pytest.mark.django_db
class TestDealListQueries:
    @pytest.mark.parametrize("rows", [25, 100])
    def test_a_fixed_number_of_queries_whatever_the_page_size(
        self, manager_client, company, manager, rows, django_assert_max_num_queries
    ):
        for _ in range(rows):
            account = AccountFactory(company=company)
            DealFactory(
                company=company,
                account=account,
                owner=manager,
                primary_contact=ContactFactory(company=company, account=account),
            )

        with django_assert_max_num_queries(8) as captured:
            response = manager_client.get(LIST_URL, {"per_page": rows})

        assert len(response.context["object_list"]) == rows
        # at most: session, user, membership, company, count, rows (deal + account + owner + contact), owner and
        # account choices of the filter form; the same bound at 25 and at 100 rows
        assert len(captured) <= 8
