"""The lead list at scale: as many queries for a thousand leads as for 25, and a search that finds the same rows
on SQLite and PostgreSQL (one trigram-indexed expression there, a plain LIKE here)."""

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.filters import SearchFilter
from crm.models import Role
from crm.pagination import EstimatedCountPaginator
from leads.filters import SEARCH_FIELDS, LeadSearchFilter, QuickSelect
from leads.models import Lead, LeadStatus
from tests.factories import LeadFactory, member

LIST_PAGES = {
    "first page": {},
    "filtered": {"status": LeadStatus.QUALIFIED, "campaign": "webinar"},
    "search": {"q": "grace hopper1"},
    "search for an address": {"q": "grace.hopper1@navy.example.com"},
    "spam included": {"spam": "1"},
}


def list_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("leads:list"), params)
    assert response.status_code == 200
    assert response.context["object_list"], "the page must show leads, so both sizes render the same parts"
    return len(queries)


@pytest.mark.django_db
class TestQueriesDoNotGrowWithTheLeads:
    @pytest.mark.parametrize("page", LIST_PAGES)
    @pytest.mark.parametrize("exact_limit", [10_000, 100], ids=["counted", "estimated on PostgreSQL"])
    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    def test_a_thousand_leads_take_as_many_queries_as_25(
        self, client, company, make_leads, monkeypatch, page, exact_limit, role
    ):
        monkeypatch.setattr(EstimatedCountPaginator, "exact_limit", exact_limit)
        user = member(company, role, username="viewer")
        colleague = member(company, Role.REP, username="colleague")
        owners = (user, None, colleague)
        client.force_login(user)
        make_leads(company, 25, owners=owners)
        with_25 = list_queries(client, LIST_PAGES[page])

        make_leads(company, 975, owners=owners, start=25)
        with_1000 = list_queries(client, LIST_PAGES[page])

        assert with_1000 == with_25

    def test_a_deep_page_takes_as_many_queries_as_the_first(self, manager_client, company, make_leads):
        make_leads(company, 1_000)

        first = list_queries(manager_client, {})
        deep = list_queries(manager_client, {"page": 35})

        assert deep == first

    def test_the_spam_rule_compares_with_the_company_threshold_without_joining_the_company(
        self, manager_client, company
    ):
        company.spam_threshold = 60
        company.save()
        kept = LeadFactory(company=company, spam_score=59)
        LeadFactory(company=company, spam_score=60)

        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("leads:list"))

        assert [lead.pk for lead in response.context["object_list"]] == [kept.pk]
        lead_queries = [query["sql"] for query in queries if '"leads_lead"' in query["sql"]]
        assert lead_queries
        assert not [sql for sql in lead_queries if "crm_company" in sql]


def search(company, value, search_filter=None):
    search_filter = search_filter or LeadSearchFilter(search_fields=SEARCH_FIELDS)
    found = search_filter.filter(Lead.objects.filter(company=company), value)
    return set(found.values_list("email", flat=True))


@pytest.fixture
def searched(company, other_company):
    """Leads with something to find in every searched field (and one of another Company that must not show)."""
    LeadFactory(company=other_company, lead_name="Ada Lovelace", email="ada@engine.example.com")
    return [
        LeadFactory(
            company=company,
            lead_name="Ada Lovelace",
            first_name="Ada",
            last_name="Lovelace",
            email="ada@engine.example.com",
            phone="+442079460001",
            company_name="Analytical Engines Ltd",
        ),
        LeadFactory(
            company=company,
            lead_name="Grace B. Hopper",
            first_name="Grace",
            last_name="Hopper",
            email="grace@navy.example.org",
            phone="+14155550123",
            company_name="US Navy",
        ),
        LeadFactory(
            company=company,
            lead_name="Charles Babbage",
            first_name="Charles",
            last_name="Babbage",
            email="cb@difference.example.com",
            phone="",
            company_name="Difference Engines",
        ),
    ]


@pytest.mark.django_db
class TestSearch:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("lovelace", {"ada@engine.example.com"}),  # name, any case
            ("B. Hopper", {"grace@navy.example.org"}),  # two words, both in the name
            ("CHARLES", {"cb@difference.example.com"}),  # first name
            ("navy.example", {"grace@navy.example.org"}),  # part of an email
            ("5550123", {"grace@navy.example.org"}),  # part of a phone
            ("engines", {"ada@engine.example.com", "cb@difference.example.com"}),  # company names
            ("engine ada", {"ada@engine.example.com"}),  # words from two fields
            ("ada@engine.example.com", {"ada@engine.example.com"}),  # a whole address
            ("ADA@Engine.Example.COM", {"ada@engine.example.com"}),  # an address in another case
            ("ada@engine.example.org", set()),  # the local part matches, the domain does not
            ("@engine.example.com", {"ada@engine.example.com"}),  # only a domain
            ("lovelaceada", set()),  # never across two fields
            ("hopper babbage", set()),  # every word must match
            ("100%", set()),  # LIKE wildcards are literal
        ],
    )
    def test_the_search_finds_leads_by_any_searched_field(self, company, searched, value, expected):
        assert search(company, value) == expected

    @pytest.mark.parametrize(
        "value", ["ada", "engine", "example.com", "Hopper", "+1415", "a", "ada@engine", "cb@", "es en", "grace ltd"]
    )
    def test_the_search_finds_what_searching_each_field_finds(self, company, searched, value):
        per_field = SearchFilter(search_fields=SEARCH_FIELDS)

        assert search(company, value) == search(company, value, per_field)

    def test_the_list_page_searches(self, manager_client, company, searched):
        response = manager_client.get(reverse("leads:list"), {"q": "hopper navy"})

        assert [lead.email for lead in response.context["object_list"]] == ["grace@navy.example.org"]


class TestQuickSelect:
    CHOICES = [("", "Any country"), ("GB", "United Kingdom"), ("<b>", 'Say "hi" & <b>'), ("FR", "France")]

    @pytest.mark.parametrize("value", ["", None, "GB", "FR", "<b>", "XX"])
    def test_it_renders_the_select_django_renders(self, value):
        attrs = {"id": "id_country", "class": "form-select", "required": True}

        quick = QuickSelect(choices=self.CHOICES).render("country", value, attrs)

        assert parse_html(quick) == parse_html(forms.Select(choices=self.CHOICES).render("country", value, attrs))

    def test_it_escapes_values_and_labels(self):
        html = QuickSelect(choices=self.CHOICES).render("country", "<b>")

        assert '<option value="&lt;b&gt;" selected>Say &quot;hi&quot; &amp; &lt;b&gt;</option>' in html
