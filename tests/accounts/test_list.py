import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountType, Health, Lifecycle
from crm.models import Role
from deals.models import DealStage
from tests.factories import AccountFactory, ContactFactory, DealFactory, member

LIST_URL = reverse("accounts:list")


def listed(response):
    return [account.name for account in response.context["page_obj"]]


@pytest.mark.django_db
class TestAccountListScope:
    def test_reps_see_every_active_account_of_their_company_only(self, rep_client, company, other_company, other_rep):
        AccountFactory(company=company, name="Owned by a colleague", account_owner=other_rep)
        AccountFactory(company=company, name="Nobody's")
        AccountFactory(company=other_company, name="Globex's customer")

        response = rep_client.get(LIST_URL)

        assert response.status_code == 200
        assert listed(response) == ["Nobody's", "Owned by a colleague"]

    def test_the_default_list_hides_inactive_accounts(self, rep_client, account, inactive_account):
        response = rep_client.get(LIST_URL)

        assert listed(response) == ["Initech"]
        assert response.context["filter"].form["is_active"].value() == "true"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("true", ["Initech"]), ("false", ["Vandelay Industries"]), ("all", ["Initech", "Vandelay Industries"])],
    )
    def test_the_status_filter_shows_inactive_accounts_on_request(
        self, rep_client, account, inactive_account, value, expected
    ):
        response = rep_client.get(LIST_URL, {"is_active": value})

        assert listed(response) == expected

    def test_an_empty_company_gets_a_call_to_action(self, rep_client):
        response = rep_client.get(LIST_URL)

        page = response.content.decode()
        assert 'data-testid="empty-state"' in page
        assert "Create the first account" in page
        assert reverse("accounts:create") in page

    def test_a_filter_that_matches_nothing_offers_to_clear_it(self, rep_client, account):
        response = rep_client.get(LIST_URL, {"q": "no such account"})

        page = response.content.decode()
        assert "No accounts match these filters" in page
        assert "Clear filters" in page

    def test_rows_show_badges_money_and_counts(self, rep_client, company, account, rep):
        account.annual_revenue = Decimal("1500000")
        account.health_score = Health.YELLOW
        account.save()
        ContactFactory.create_batch(2, company=company, account=account)
        DealFactory(company=company, account=account, owner=rep, stage=DealStage.PROPOSAL)
        DealFactory(company=company, account=account, owner=rep, stage=DealStage.CLOSED_WON)

        response = rep_client.get(LIST_URL)

        row = response.context["page_obj"][0]
        page = response.content.decode()
        assert (row.contact_count, row.open_deal_count) == (2, 1)
        assert "USD 1,500,000.00" in page
        assert 'data-value="yellow">Yellow' in page
        assert 'data-value="prospect">Prospect' in page
        assert 'data-value="mqa">MQA' in page


@pytest.mark.django_db
class TestAccountFilters:
    @pytest.mark.parametrize(
        ("params", "matching", "other"),
        [
            (
                {"account_type": "partner"},
                {"account_type": AccountType.PARTNER},
                {"account_type": AccountType.CUSTOMER},
            ),
            ({"company_size": "51-200"}, {"company_size": "51-200"}, {"company_size": "1-10"}),
            ({"health_score": "red"}, {"health_score": Health.RED}, {"health_score": Health.GREEN}),
            (
                {"lifecycle_stage": "churned"},
                {"lifecycle_stage": Lifecycle.CHURNED},
                {"lifecycle_stage": Lifecycle.SQA},
            ),
            ({"country": "IN"}, {"country": "IN"}, {"country": "US"}),
            ({"industry": "soft"}, {"industry": "Enterprise Software"}, {"industry": "Retail"}),
            ({"annual_revenue_min": "1000000"}, {"annual_revenue": Decimal(2_000_000)}, {"annual_revenue": 10}),
            ({"annual_revenue_max": "1000"}, {"annual_revenue": Decimal(10)}, {"annual_revenue": 2_000_000}),
            (
                {"annual_revenue_min": "100", "annual_revenue_max": "200"},
                {"annual_revenue": Decimal(150)},
                {"annual_revenue": Decimal(250)},
            ),
        ],
    )
    def test_each_filter_keeps_the_matching_accounts(self, rep_client, company, params, matching, other):
        AccountFactory(company=company, name="Match", **matching)
        AccountFactory(company=company, name="Other", **other)

        response = rep_client.get(LIST_URL, params)

        assert listed(response) == ["Match"]

    def test_the_owner_filter(self, rep_client, company, rep, other_rep):
        AccountFactory(company=company, name="Mine", account_owner=rep)
        AccountFactory(company=company, name="Theirs", account_owner=other_rep)

        response = rep_client.get(LIST_URL, {"account_owner": other_rep.pk})

        assert listed(response) == ["Theirs"]

    def test_an_owner_of_another_company_is_not_a_choice(self, rep_client, company, outsider):
        AccountFactory(company=company, name="Mine")

        response = rep_client.get(LIST_URL, {"account_owner": outsider.pk})

        assert "account_owner" in response.context["filter"].form.errors
        assert outsider not in response.context["filter"].form.fields["account_owner"].queryset

    def test_the_created_date_range(self, rep_client, company):
        old = AccountFactory(company=company, name="Old")
        recent = AccountFactory(company=company, name="Recent")
        type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
        today = timezone.localdate()

        after = rep_client.get(LIST_URL, {"created_after": (today - datetime.timedelta(days=7)).isoformat()})
        before = rep_client.get(LIST_URL, {"created_before": (today - datetime.timedelta(days=30)).isoformat()})

        assert listed(after) == [recent.name]
        assert listed(before) == [old.name]

    @pytest.mark.parametrize(
        ("q", "field", "value"),
        [
            ("hool", "name", "Hooli"),
            ("hooli.example", "website", "https://hooli.example.com"),
            ("2212345", "phone", "+912212345678"),
            ("aapfu0939", "gstin", "27AAPFU0939F1ZV"),
        ],
    )
    def test_search_looks_at_name_website_phone_and_gstin(self, rep_client, company, q, field, value):
        AccountFactory(company=company, name="Found", **({field: value} if field != "name" else {}))
        if field == "name":
            AccountFactory(company=company, name=value)
        AccountFactory(company=company, name="Pied Piper", website="https://piedpiper.example", phone="+1555")

        response = rep_client.get(LIST_URL, {"q": q})

        assert listed(response) == [value if field == "name" else "Found"]

    def test_filters_combine_and_stay_in_the_pagination_links(self, rep_client, company):
        for number in range(30):
            AccountFactory(company=company, name=f"Partner {number:02d}", account_type=AccountType.PARTNER)
        AccountFactory(company=company, name="A prospect", account_type=AccountType.PROSPECT)

        response = rep_client.get(LIST_URL, {"account_type": "partner", "q": "partner"})

        assert response.context["paginator"].count == 30
        assert "?account_type=partner&amp;q=partner&amp;page=2" in response.content.decode()


@pytest.mark.django_db
class TestAccountOrderingAndPagination:
    @pytest.mark.parametrize(
        ("o", "expected"),
        [
            ("name", ["Alpha", "Bravo", "Charlie"]),
            ("-name", ["Charlie", "Bravo", "Alpha"]),
            ("annual_revenue", ["Bravo", "Charlie", "Alpha"]),
            ("-annual_revenue", ["Alpha", "Charlie", "Bravo"]),
            ("contacts", ["Charlie", "Alpha", "Bravo"]),
            ("-contacts", ["Bravo", "Alpha", "Charlie"]),
            ("-open_deals", ["Alpha", "Bravo", "Charlie"]),
            ("health_score", ["Charlie", "Alpha", "Bravo"]),
            ("-health_score", ["Bravo", "Alpha", "Charlie"]),
        ],
    )
    def test_columns_sort_both_ways(self, manager_client, company, o, expected):
        alpha = AccountFactory(company=company, name="Alpha", annual_revenue=300, health_score=Health.YELLOW)
        bravo = AccountFactory(company=company, name="Bravo", annual_revenue=100, health_score=Health.RED)
        AccountFactory(company=company, name="Charlie", annual_revenue=200, health_score=Health.GREEN)
        ContactFactory.create_batch(1, company=company, account=alpha)
        ContactFactory.create_batch(2, company=company, account=bravo)
        DealFactory.create_batch(2, company=company, account=alpha)
        DealFactory(company=company, account=bravo)

        response = manager_client.get(LIST_URL, {"o": o})

        assert listed(response) == expected

    def test_empty_revenue_sorts_last_both_ways(self, rep_client, company):
        AccountFactory(company=company, name="Unknown", annual_revenue=None)
        AccountFactory(company=company, name="Known", annual_revenue=5)

        ascending = rep_client.get(LIST_URL, {"o": "annual_revenue"})
        descending = rep_client.get(LIST_URL, {"o": "-annual_revenue"})

        assert listed(ascending) == ["Known", "Unknown"]
        assert listed(descending) == ["Known", "Unknown"]

    def test_an_unknown_sort_column_is_ignored(self, rep_client, company):
        AccountFactory(company=company, name="B")
        AccountFactory(company=company, name="A")

        response = rep_client.get(LIST_URL, {"o": "company__name"})

        assert response.status_code == 200
        assert listed(response) == ["A", "B"]

    def test_the_sorted_column_header_links_to_the_reverse_order(self, rep_client, account):
        response = rep_client.get(LIST_URL, {"o": "name"})

        assert 'href="?o=-name"' in response.content.decode()

    @pytest.mark.parametrize(
        ("params", "rows", "pages"),
        [({}, 25, 3), ({"per_page": 50}, 50, 2), ({"per_page": 100}, 60, 1), ({"per_page": 7}, 25, 3)],
    )
    def test_pages_hold_25_50_or_100_rows_and_show_the_total(self, rep_client, company, params, rows, pages):
        AccountFactory.create_batch(60, company=company)

        response = rep_client.get(LIST_URL, params)

        assert len(response.context["page_obj"]) == rows
        assert response.context["paginator"].num_pages == pages
        assert "of 60" in response.content.decode()

    def test_the_last_page_holds_the_rest_without_repeats(self, rep_client, company):
        AccountFactory.create_batch(30, company=company, name="Same name")

        first = rep_client.get(LIST_URL)
        second = rep_client.get(LIST_URL, {"page": 2})

        ids = [a.pk for a in first.context["page_obj"]] + [a.pk for a in second.context["page_obj"]]
        assert len(second.context["page_obj"]) == 5
        assert len(set(ids)) == 30


@pytest.mark.django_db
class TestAccountListQueryCount:
    MAX_QUERIES = 7  # session, user, membership, company, count, owner choices, the page

    @pytest.fixture
    def accounts(self, company):
        owners = [member(company, Role.REP) for _ in range(5)]
        for number in range(100):
            account = AccountFactory(company=company, account_owner=owners[number % 5], gstin="")
            ContactFactory(company=company, account=account, owner=owners[number % 5])
            DealFactory(company=company, account=account, owner=owners[number % 5])

    @pytest.mark.parametrize("per_page", [25, 100])
    @pytest.mark.parametrize("who", ["rep_client", "manager_client"])
    def test_the_list_runs_the_same_queries_at_25_and_100_rows(
        self, request, accounts, django_assert_max_num_queries, per_page, who
    ):
        client = request.getfixturevalue(who)

        with django_assert_max_num_queries(self.MAX_QUERIES):
            response = client.get(LIST_URL, {"per_page": per_page, "o": "-open_deals"})

        assert len(response.context["page_obj"]) == per_page
