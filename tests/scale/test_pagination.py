"""EstimatedCountPaginator: the right pages, exact counts up to its limit, an estimate above it on PostgreSQL."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import pagination
from crm.pagination import EstimatedCountPaginator
from leads.models import Lead

pytestmark = pytest.mark.django_db


class SmallLimit(EstimatedCountPaginator):
    exact_limit = 10


class Estimating(SmallLimit):
    """Estimates on any database; the test decides what the planner "estimates"."""

    @property
    def _can_estimate(self):
        return True


@pytest.fixture
def planner_says(monkeypatch):
    """Replace the planner's estimate with a figure of the test's choosing (the bounded count stays real)."""

    def says(estimate):
        def bounded_count(queryset, limit):
            return min(queryset.count(), limit), estimate

        monkeypatch.setattr(pagination, "bounded_count", bounded_count)

    return says


def all_pages(paginator):
    """Follow the "next" links from page 1, as a user would; return the rows seen and the last page."""
    rows, page = [], paginator.page(1)
    rows += [lead.pk for lead in page]
    while page.has_next():
        page = paginator.page(page.next_page_number())
        rows += [lead.pk for lead in page]
    return rows, page


def leads(company):
    return Lead.objects.filter(company=company).order_by("-created_at", "-pk")


class TestPages:
    @pytest.mark.parametrize("per_page", [7, 25])
    def test_the_pages_hold_every_row_once_in_order(self, company, make_leads, per_page):
        make_leads(company, 60)
        queryset = leads(company)

        rows, last = all_pages(EstimatedCountPaginator(queryset, per_page))

        assert rows == list(queryset.values_list("pk", flat=True))
        assert last.number == -(-60 // per_page)

    def test_a_page_past_the_end_of_a_counted_list_is_refused(self, company, make_leads):
        make_leads(company, 30)

        with pytest.raises(EmptyPage):
            EstimatedCountPaginator(leads(company), 25).page(3)

    @pytest.mark.parametrize("number", ["abc", "1.5"])
    def test_a_page_number_that_is_not_a_whole_number_is_refused(self, company, make_leads, number):
        make_leads(company, 30)

        with pytest.raises(PageNotAnInteger):
            EstimatedCountPaginator(leads(company), 25).page(number)

    def test_an_empty_list_has_one_empty_page(self, company):
        paginator = EstimatedCountPaginator(leads(company), 25)

        page = paginator.page(1)

        assert (paginator.count, len(page), paginator.num_pages) == (0, 0, 1)

    def test_a_list_that_cannot_match_anything_counts_zero_without_a_query(self, company, django_assert_num_queries):
        paginator = EstimatedCountPaginator(leads(company).none(), 25)

        with django_assert_num_queries(0):
            assert paginator.count == 0


class TestCount:
    def test_a_list_up_to_the_limit_is_counted_exactly(self, company, make_leads):
        make_leads(company, 10)

        paginator = SmallLimit(leads(company), 4)

        assert (paginator.count, paginator.is_estimate) == (10, False)

    def test_above_the_limit_postgresql_estimates_and_other_databases_count(self, company, make_leads):
        make_leads(company, 30)
        on_postgresql = connection.vendor == "postgresql"

        paginator = SmallLimit(leads(company), 4)

        assert paginator.is_estimate is on_postgresql
        if on_postgresql:
            assert paginator.count > SmallLimit.exact_limit  # at least the rows it found: never "about 3"
        else:
            assert paginator.count == 30

    @pytest.mark.parametrize("rows", [5, 30])
    def test_counting_or_estimating_is_one_query(self, company, make_leads, rows):
        make_leads(company, rows)
        paginator = SmallLimit(leads(company), 4)

        with CaptureQueriesContext(connection) as queries:
            paginator.count  # noqa: B018

        assert len(queries) == 1

    def test_the_count_reads_no_more_rows_than_the_limit_on_postgresql(self, company, make_leads):
        make_leads(company, 30)

        with CaptureQueriesContext(connection) as queries:
            SmallLimit(leads(company), 4).count  # noqa: B018

        if connection.vendor == "postgresql":
            assert "LIMIT 11" in queries[0]["sql"]
        else:
            assert "LIMIT" not in queries[0]["sql"]


class TestEstimatedPages:
    def test_an_estimate_too_low_still_leads_to_every_page(self, company, make_leads, planner_says):
        make_leads(company, 60)
        planner_says(30)
        queryset = leads(company)

        rows, last = all_pages(Estimating(queryset, 10))

        assert rows == list(queryset.values_list("pk", flat=True))
        assert (last.number, last.paginator.count, last.paginator.is_estimate) == (6, 60, False)

    def test_an_estimate_too_high_sends_the_last_page_link_to_the_real_last_page(
        self, company, make_leads, planner_says
    ):
        make_leads(company, 55)
        planner_says(500)
        paginator = Estimating(leads(company), 10)
        assert paginator.num_pages == 50

        page = paginator.page(paginator.num_pages)

        assert (page.number, len(page), page.has_next()) == (6, 5, False)
        assert (paginator.count, paginator.is_estimate) == (55, False)

    def test_a_short_page_makes_the_count_exact(self, company, make_leads, planner_says):
        make_leads(company, 55)
        planner_says(100)
        paginator = Estimating(leads(company), 10)

        page = paginator.page(6)

        assert (len(page), page.has_next(), paginator.count, paginator.num_pages) == (5, False, 55, 6)

    def test_a_full_page_within_the_estimate_keeps_it(self, company, make_leads, planner_says):
        make_leads(company, 55)
        planner_says(100)
        paginator = Estimating(leads(company), 10)

        page = paginator.page(2)

        assert (len(page), page.has_next(), paginator.count, paginator.is_estimate) == (10, True, 100, True)

    @pytest.mark.parametrize(("number", "error"), [("abc", PageNotAnInteger), (0, EmptyPage), (-1, EmptyPage)])
    def test_a_bad_page_number_is_refused(self, company, make_leads, planner_says, number, error):
        make_leads(company, 30)
        planner_says(1_000)

        with pytest.raises(error):
            Estimating(leads(company), 10).page(number)


class TestDeepPages:
    @pytest.mark.parametrize("ordering", [("-created_at", "-pk"), ("lead_name", "pk"), ("-lead_score", "pk")])
    def test_a_deep_page_holds_the_rows_of_a_plain_slice(self, company, make_leads, ordering):
        make_leads(company, 45)
        Lead.objects.filter(pk__in=Lead.objects.order_by("pk").values("pk")[:20]).update(lead_score=50)
        queryset = Lead.objects.filter(company=company, lead_owner__isnull=True).order_by(*ordering)
        deep = EstimatedCountPaginator(queryset, 10)
        deep.deferred_join_from = 0
        plain = Paginator(queryset, 10)

        pages = [[lead.pk for lead in deep.page(number)] for number in deep.page_range]

        assert pages == [[lead.pk for lead in plain.page(number)] for number in plain.page_range]

    def test_a_deep_page_reads_the_keys_of_its_rows_first(self, company, make_leads):
        make_leads(company, 45)
        paginator = EstimatedCountPaginator(leads(company), 10)
        paginator.deferred_join_from = 20

        with CaptureQueriesContext(connection) as shallow:
            list(paginator.page(2))
        with CaptureQueriesContext(connection) as deep:
            list(paginator.page(3))

        assert "IN (SELECT" not in shallow[-1]["sql"]
        assert "IN (SELECT" in deep[-1]["sql"]
