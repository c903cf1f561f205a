import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, ContactRole, Influence
from crm.models import Role
from tests.factories import AccountFactory, ContactFactory, member

LIST_URL = reverse("contacts:list")


def listed(response):
    return [contact.name for contact in response.context["page_obj"]]


@pytest.mark.django_db
class TestContactListScope:
    def test_reps_see_every_contact_of_their_company_only(self, rep_client, company, other_company, other_rep):
        ContactFactory(company=company, first_name="Ann", last_name="Colleague", owner=other_rep)
        ContactFactory(company=company, first_name="Bob", last_name="Nobody")
        ContactFactory(company=other_company, first_name="Carl", last_name="Globex")

        response = rep_client.get(LIST_URL)

        assert response.status_code == 200
        assert listed(response) == ["Ann Colleague", "Bob Nobody"]

    def test_an_empty_company_gets_a_call_to_action(self, rep_client):
        page = rep_client.get(LIST_URL).content.decode()

        assert 'data-testid="empty-state"' in page
        assert "Add the first contact" in page
        assert reverse("contacts:create") in page

    def test_a_search_that_matches_nothing_offers_to_clear_it(self, rep_client, contact):
        page = rep_client.get(LIST_URL, {"q": "zzz"}).content.decode()

        assert "No contacts match these filters" in page
        assert "Clear filters" in page

    def test_rows_show_the_account_and_the_primary_badge(self, rep_client, primary_contact, account):
        page = rep_client.get(LIST_URL).content.decode()

        assert account.get_absolute_url() in page
        assert "Primary</span>" in page
        assert 'data-value="medium">Medium' in page


@pytest.mark.django_db
class TestContactFilters:
    @pytest.mark.parametrize(
        ("params", "matching", "other"),
        [
            ({"role": "champion"}, {"role": ContactRole.CHAMPION}, {"role": ContactRole.USER}),
            ({"preferred_channel": "whatsapp"}, {"preferred_channel": Channel.WHATSAPP}, {"preferred_channel": "sms"}),
            ({"influence_score": "high"}, {"influence_score": Influence.HIGH}, {"influence_score": Influence.LOW}),
        ],
    )
    def test_each_choice_filter_keeps_the_matching_contacts(self, rep_client, company, params, matching, other):
        ContactFactory(company=company, first_name="", last_name="Match", **matching)
        ContactFactory(company=company, first_name="", last_name="Other", **other)

        response = rep_client.get(LIST_URL, params)

        assert listed(response) == ["Match"]

    def test_the_account_filter(self, rep_client, company):
        wanted = AccountFactory(company=company)
        ContactFactory(company=company, account=wanted, first_name="", last_name="Match")
        ContactFactory(company=company, first_name="", last_name="Other")

        response = rep_client.get(LIST_URL, {"account": wanted.pk})

        assert listed(response) == ["Match"]

    def test_an_account_of_another_company_is_not_a_choice(self, rep_client, company, other_company):
        foreign = AccountFactory(company=other_company)
        ContactFactory(company=other_company, account=foreign)
        ContactFactory(company=company, first_name="", last_name="Ours")

        response = rep_client.get(LIST_URL, {"account": foreign.pk})

        assert "account" in response.context["filter"].form.errors
        assert foreign not in response.context["filter"].form.fields["account"].queryset
        assert listed(response) == ["Ours"]

    @pytest.mark.parametrize(("value", "expected"), [("true", ["Primary"]), ("false", ["Secondary"])])
    def test_the_primary_filter(self, rep_client, company, value, expected):
        account = AccountFactory(company=company)
        ContactFactory(company=company, account=account, first_name="", last_name="Primary").make_primary()
        ContactFactory(company=company, account=account, first_name="", last_name="Secondary")

        response = rep_client.get(LIST_URL, {"is_primary_contact": value})

        assert listed(response) == expected

    def test_the_owner_filter(self, rep_client, company, rep, other_rep):
        ContactFactory(company=company, owner=rep, first_name="", last_name="Mine")
        ContactFactory(company=company, owner=other_rep, first_name="", last_name="Theirs")

        response = rep_client.get(LIST_URL, {"owner": other_rep.pk})

        assert listed(response) == ["Theirs"]

    def test_the_created_date_range(self, rep_client, company):
        old = ContactFactory(company=company, first_name="", last_name="Old")
        ContactFactory(company=company, first_name="", last_name="Recent")
        type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
        today = timezone.localdate()

        after = rep_client.get(LIST_URL, {"created_after": (today - datetime.timedelta(days=7)).isoformat()})
        before = rep_client.get(LIST_URL, {"created_before": (today - datetime.timedelta(days=30)).isoformat()})

        assert listed(after) == ["Recent"]
        assert listed(before) == ["Old"]

    @pytest.mark.parametrize(
        ("q", "fields"),
        [
            ("marga", {"first_name": "Margaret"}),
            ("hamilt", {"last_name": "Hamilton"}),
            ("apollo.example", {"email": "mh@apollo.example"}),
            ("5550199", {"phone": "+14155550199"}),
            ("software eng", {"job_title": "Software Engineer"}),
        ],
    )
    def test_search_looks_at_names_email_phone_and_job_title(self, rep_client, company, q, fields):
        # The account name is searched too: a fixed one, so a random "Hamilton & Sons" cannot match.
        account = AccountFactory(company=company, name="Neutral Ltd")
        defaults = {"first_name": "", "last_name": "Found", "job_title": "Buyer", "account": account}
        ContactFactory(company=company, **{**defaults, **fields})
        ContactFactory(
            company=company,
            account=account,
            first_name="Other",
            last_name="Person",
            email="x@y.example",
            phone="+1",
            job_title="CEO",
        )

        response = rep_client.get(LIST_URL, {"q": q})

        assert len(listed(response)) == 1
        assert "Person" not in listed(response)[0]

    def test_search_looks_at_the_account_name(self, rep_client, company):
        ContactFactory(company=company, account=AccountFactory(company=company, name="Apollo Guidance"), last_name="A")
        ContactFactory(company=company, account=AccountFactory(company=company, name="Mercury"), last_name="B")

        response = rep_client.get(LIST_URL, {"q": "guidance"})

        assert [contact.last_name for contact in response.context["page_obj"]] == ["A"]


@pytest.mark.django_db
class TestContactOrderingAndPagination:
    @pytest.fixture
    def three_contacts(self, company):
        zulu = AccountFactory(company=company, name="Zulu")
        alpha = AccountFactory(company=company, name="Alpha")
        ContactFactory(
            company=company,
            account=zulu,
            first_name="Amy",
            last_name="Brown",
            job_title="CTO",
            influence_score="medium",
        )
        ContactFactory(
            company=company,
            account=alpha,
            first_name="Zed",
            last_name="Brown",
            job_title="Analyst",
            influence_score="high",
        )
        ContactFactory(
            company=company, account=zulu, first_name="Bea", last_name="Adams", job_title="Buyer", influence_score="low"
        )

    @pytest.mark.parametrize(
        ("o", "expected"),
        [
            ("", ["Bea Adams", "Amy Brown", "Zed Brown"]),
            ("name", ["Bea Adams", "Amy Brown", "Zed Brown"]),
            ("-name", ["Zed Brown", "Amy Brown", "Bea Adams"]),
            ("account", ["Zed Brown", "Amy Brown", "Bea Adams"]),
            ("job_title", ["Zed Brown", "Bea Adams", "Amy Brown"]),
            ("-job_title", ["Amy Brown", "Bea Adams", "Zed Brown"]),
            ("-influence", ["Zed Brown", "Amy Brown", "Bea Adams"]),
            ("influence", ["Bea Adams", "Amy Brown", "Zed Brown"]),
        ],
    )
    def test_columns_sort_both_ways(self, rep_client, three_contacts, o, expected):
        response = rep_client.get(LIST_URL, {"o": o} if o else {})

        assert listed(response) == expected

    @pytest.mark.parametrize(
        ("params", "rows", "pages"), [({}, 25, 3), ({"per_page": 50}, 50, 2), ({"per_page": 100}, 55, 1)]
    )
    def test_pages_hold_25_50_or_100_rows_and_show_the_total(self, rep_client, company, params, rows, pages):
        ContactFactory.create_batch(55, company=company)

        response = rep_client.get(LIST_URL, params)

        assert len(response.context["page_obj"]) == rows
        assert response.context["paginator"].num_pages == pages
        assert "of 55" in response.content.decode()

    def test_page_links_keep_the_filters(self, rep_client, company):
        ContactFactory.create_batch(30, company=company, role=ContactRole.USER)

        response = rep_client.get(LIST_URL, {"role": "user", "o": "-name"})

        assert "?role=user&amp;o=-name&amp;page=2" in response.content.decode()


@pytest.mark.django_db
class TestContactListQueryCount:
    MAX_QUERIES = 8  # session, user, membership, company, count, account choices, owner choices, the page

    @pytest.fixture
    def contacts(self, company):
        owners = [member(company, Role.REP) for _ in range(5)]
        for number in range(100):
            account = AccountFactory(company=company, account_owner=owners[number % 5], gstin="")
            ContactFactory(company=company, account=account, owner=owners[number % 5])

    @pytest.mark.parametrize("per_page", [25, 100])
    def test_the_list_runs_the_same_queries_at_25_and_100_rows(
        self, rep_client, contacts, django_assert_max_num_queries, per_page
    ):
        with django_assert_max_num_queries(self.MAX_QUERIES):
            response = rep_client.get(LIST_URL, {"per_page": per_page, "o": "account"})

        assert len(response.context["page_obj"]) == per_page
