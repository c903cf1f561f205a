"""The list-page kit (crm): stable `?o=` ordering, TenantFilterSet's main and "more" filters, the filter bar, the
Python-built sort headers and the empty state, as the four lists (leads, accounts, contacts, deals) use them."""

from datetime import date

import django_filters
import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.test.html import parse_html
from django.urls import reverse

from accounts.filters import AccountFilter
from accounts.views import AccountListView
from contacts.filters import ContactFilter
from contacts.views import ContactListView
from crm.filters import StableOrderingFilter, TenantFilterSet
from crm.templatetags.filter_fields import as_bar_field
from crm.views_base import Column, sort_headers
from deals.filters import DealFilterSet
from deals.models import Deal, DealStage
from deals.views import DealListView
from leads.filters import LeadFilterSet
from leads.models import Lead
from leads.views import LeadListView
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

LISTS = {
    # name: (URL name, view, a "more" filter and a value for it, what an empty search says)
    "leads": ("leads:list", LeadListView, ("medium", "cpc"), "No leads match these filters"),
    "accounts": ("accounts:list", AccountListView, ("industry", "steel"), "No accounts match these filters"),
    "contacts": ("contacts:list", ContactListView, ("preferred_channel", "sms"), "No contacts match these filters"),
    "deals": ("deals:list", DealListView, ("campaign", "spring"), "No deals match these filters"),
}


def page(client, name, **params) -> str:
    response = client.get(reverse(LISTS[name][0]), params)
    assert response.status_code == 200
    return response.content.decode()


def filter_bar(content: str) -> str:
    start = content.index('<form method="get" class="card card-body mb-3" role="search"')
    return content[start : content.index("</form>", start) + 7]


def pks(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


class Ordered(django_filters.FilterSet):
    o = StableOrderingFilter(columns={"score": ("lead_score",), "owner": ("lead_owner__last_name",)})

    class Meta:
        model = Lead
        fields = []


@pytest.mark.django_db
class TestStableOrdering:
    def test_rows_with_the_same_sort_key_follow_their_pk_in_the_direction_of_the_sort(self, company):
        tied = [LeadFactory(company=company, lead_score=50) for _ in range(3)]
        ids = sorted(lead.pk for lead in tied)

        ascending = Ordered({"o": "score"}, queryset=Lead.objects.all()).qs
        descending = Ordered({"o": "-score"}, queryset=Lead.objects.all()).qs

        assert pks(ascending) == ids
        assert pks(descending) == ids[::-1]

    def test_a_column_that_cannot_be_empty_gets_a_plain_order_and_a_nullable_one_sorts_empty_last(self, company):
        queryset = Lead.objects.all()

        by_score = Ordered({"o": "-score"}, queryset=queryset).qs.query.order_by
        by_owner = Ordered({"o": "-owner"}, queryset=queryset).qs.query.order_by

        assert (by_score[0].descending, by_score[0].nulls_last, by_score[-1]) == (True, None, "-pk")
        assert (by_owner[0].descending, by_owner[0].nulls_last) == (True, True)

    def test_empty_values_sort_last_both_ways(self, company, rep):
        owned = LeadFactory(company=company, lead_owner=rep)
        queued = LeadFactory(company=company, lead_owner=None)

        for o in ("owner", "-owner"):
            assert pks(Ordered({"o": o}, queryset=Lead.objects.all()).qs) == [owned.pk, queued.pk]

    def test_a_ranked_choice_sorts_in_the_order_of_its_values(self, company):
        stages = [DealStage.CLOSED_WON, DealStage.PROSPECTING, DealStage.NEGOTIATION]
        deals = {stage: DealFactory(company=company, stage=stage) for stage in stages}

        ordered = DealFilterSet({"o": "stage"}, queryset=Deal.objects.all()).qs

        expected = [deals[stage].pk for stage in DealStage.values if stage in deals]
        assert pks(ordered) == expected

    def test_an_unknown_column_is_ignored(self, company):
        LeadFactory(company=company)

        filterset = Ordered({"o": "email"}, queryset=Lead.objects.order_by("pk"))

        assert filterset.qs.query.order_by == ("pk",)

    @pytest.mark.parametrize("name", LISTS)
    def test_every_sortable_header_of_a_list_is_a_sort_its_filterset_knows(self, name):
        view = LISTS[name][1]
        sorts = {value for value, _label in view.filterset_class.base_filters["o"].extra["choices"]}

        sortable = [column.sort for column in view.list_columns if column.sort]

        assert sortable
        assert all(sort in sorts and f"-{sort}" in sorts for sort in sortable)


class TestFilterSets:
    @pytest.mark.parametrize("filterset_class", [LeadFilterSet, AccountFilter, ContactFilter, DealFilterSet])
    def test_every_list_declares_its_fields_on_the_kit(self, filterset_class):
        assert issubclass(filterset_class, TenantFilterSet)
        assert isinstance(filterset_class.base_filters["o"], StableOrderingFilter)
        assert filterset_class.main_filters[0] == "q"
        assert set(filterset_class.main_filters) <= set(filterset_class.base_filters)

    @pytest.mark.parametrize("filterset_class", [LeadFilterSet, AccountFilter, ContactFilter, DealFilterSet])
    def test_record_choices_are_callables_of_the_request(self, filterset_class):
        choices = [f for f in filterset_class.base_filters.values() if isinstance(f, django_filters.ModelChoiceFilter)]

        assert choices
        assert all(callable(f.extra["queryset"]) for f in choices)

    @pytest.mark.django_db
    def test_main_more_and_kept_fields(self, manager):
        request = RequestFactory().get("/", {"status": "won", "o": "-amount", "per_page": "50", "campaign": "x"})
        request.user = manager

        filterset = DealFilterSet(request.GET, queryset=Deal.objects.none(), request=request)

        assert [field.name for field in filterset.main_fields] == ["q", "stage", "owner", "account"]
        more = [field.name for field in filterset.more_fields]
        assert "campaign" in more
        assert not {"q", "status", "o", "per_page"} & set(more)
        assert filterset.more_filters_set == 1
        assert filterset.hidden_inputs == [("status", "won"), ("o", "-amount"), ("per_page", "50")]

    @pytest.mark.django_db
    def test_a_range_counts_as_set_when_either_end_is(self, manager):
        request = RequestFactory().get("/", {"amount_max": "10"})
        request.user = manager

        filterset = DealFilterSet(request.GET, queryset=Deal.objects.none(), request=request)

        assert filterset.more_filters_set == 1


@pytest.mark.django_db
class TestFilterBar:
    @pytest.mark.parametrize("name", LISTS)
    def test_more_filters_stay_folded_until_one_of_them_is_set(self, manager_client, name):
        more_filter, value = LISTS[name][2]

        folded = filter_bar(page(manager_client, name))
        unfolded = filter_bar(page(manager_client, name, **{more_filter: value}))

        assert '<details class="mt-1">' in folded
        assert " on</span>" not in folded
        assert '<details class="mt-1" open>' in unfolded
        assert '<span class="badge text-bg-primary">1 on</span>' in unfolded

    @pytest.mark.parametrize("name", LISTS)
    def test_a_main_filter_leaves_more_filters_folded(self, manager_client, name):
        assert '<details class="mt-1">' in filter_bar(page(manager_client, name, q="zzz"))

    @pytest.mark.parametrize("name", LISTS)
    def test_the_four_filter_bars_have_the_same_structure(self, manager_client, name):
        bar = filter_bar(page(manager_client, name, q="x", o="name" if name != "leads" else "lead_name"))

        markers = [
            '<form method="get" class="card card-body mb-3" role="search" aria-label="Filter ',
            '<div class="row g-2 align-items-end">',
            '<div class="col-12 col-lg-4"><div id="div_id_q" class="mb-3">',
            '<div class="col-6 col-md-3 col-lg-2"><div id="div_id_',
            '<details class="mt-1">',
            '<summary class="small text-primary py-1">More filters</summary>',
            '<div class="row g-2 align-items-end mt-1">',
            "</details>",
            '<input type="hidden" name="o" value="',
            '<div class="mt-2 d-flex gap-2">',
            '<button type="submit" class="btn btn-primary btn-sm">Apply filters</button>',
            f'<a class="btn btn-outline-secondary btn-sm" href="{reverse(LISTS[name][0])}">Clear</a>',
        ]
        positions = [bar.find(marker) for marker in markers]
        assert -1 not in positions, [marker for marker, at in zip(markers, positions, strict=True) if at == -1]
        assert positions == sorted(positions)
        assert bar.count("<button") == 1
        assert 'name="o"' not in bar.replace('<input type="hidden" name="o"', "")  # sorting is the headers' job

    def test_sorting_page_size_and_hidden_filters_are_kept_as_hidden_inputs(self, manager_client):
        bar = filter_bar(page(manager_client, "deals", status="open", o="-amount", per_page="50"))

        for name, value in (("status", "open"), ("o", "-amount"), ("per_page", "50")):
            assert f'<input type="hidden" name="{name}" value="{value}">' in bar

    def test_a_range_is_one_labelled_input_group(self, manager):
        request = RequestFactory().get("/", {"amount_min": '"><b>', "created_at_after": "2030-01-02"})
        request.user = manager
        form = DealFilterSet(request.GET, queryset=Deal.objects.none(), request=request).form

        amount = str(as_bar_field(form["amount"]))
        created = str(as_bar_field(form["created_at"]))

        assert parse_html(created) == parse_html(
            '<div id="div_id_created_at" class="mb-3" role="group" aria-labelledby="label_id_created_at">'
            '<div class="form-label" id="label_id_created_at">Created</div><div class="input-group">'
            '<input type="date" name="created_at_after" value="2030-01-02" id="id_created_at_0" class="form-control"'
            ' aria-label="Created: from"><span class="input-group-text">to</span>'
            '<input type="date" name="created_at_before" id="id_created_at_1" class="form-control"'
            ' aria-label="Created: to"></div></div>'
        )
        assert "<b>" not in amount
        assert 'value="&quot;&gt;&lt;b&gt;"' in amount
        assert 'class="form-control is-invalid"' in amount
        assert 'class="invalid-feedback d-block"' in amount


class TestSortHeaders:
    COLUMNS = (Column("Name", "name"), Column("Phone", None, "d-none"), Column("Created", "created", "text-end"))

    def test_a_column_toggles_ascending_and_descending_and_goes_back_to_the_first_page(self):
        unsorted = sort_headers(QueryDict("role=user&page=3"), self.COLUMNS)
        ascending = sort_headers(QueryDict("role=user&o=name&page=3"), self.COLUMNS)
        descending = sort_headers(QueryDict("role=user&o=-name"), self.COLUMNS)

        assert (unsorted[0]["href"], unsorted[0]["sorted"]) == ("?role=user&o=name", "")
        assert (ascending[0]["href"], ascending[0]["sorted"]) == ("?role=user&o=-name", "asc")
        assert (descending[0]["href"], descending[0]["sorted"]) == ("?role=user&o=name", "desc")
        assert (ascending[2]["href"], ascending[2]["sorted"]) == ("?role=user&o=created", "")

    def test_a_column_without_a_sort_is_a_plain_label(self):
        phone = sort_headers(QueryDict(""), self.COLUMNS)[1]

        assert phone == {"label": "Phone", "css": "d-none", "field": None}

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("name", "sort", "label"),
        [
            ("leads", "lead_name", "Name"),
            ("accounts", "name", "Name"),
            ("contacts", "name", "Name"),
            ("deals", "name", "Deal"),
        ],
    )
    def test_every_list_links_its_headers_the_same_way(self, manager_client, one_of_each, name, sort, label):
        ascending = page(manager_client, name, q="", o=sort)
        thead = ascending[ascending.index("<thead") : ascending.index("</thead>")]

        assert f'href="?q=&amp;o=-{sort}"' in thead
        assert f'{label} <span aria-label="sorted ascending">▲</span>' in thead


@pytest.fixture
def one_of_each(company, manager):
    account = AccountFactory(company=company, account_owner=manager, industry="Steel")
    ContactFactory(company=company, account=account, owner=manager)
    DealFactory(company=company, account=account, owner=manager)
    LeadFactory(company=company, lead_owner=manager)


@pytest.mark.django_db
class TestEmptyState:
    @pytest.mark.parametrize("name", LISTS)
    def test_a_filter_that_matches_nothing_offers_to_clear_it(self, manager_client, one_of_each, name):
        content = page(manager_client, name, q="nothing like this")

        state = content[content.index('data-testid="empty-state"') :]
        assert LISTS[name][3] in state
        assert f'<a class="btn btn-outline-secondary" href="{reverse(LISTS[name][0])}">Clear filters</a>' in state

    @pytest.mark.parametrize(
        ("name", "call_to_action"),
        [
            ("leads", "+ Add your first lead"),
            ("accounts", "Create the first account"),
            ("contacts", "Add the first contact"),
            ("deals", "Create your first deal"),
        ],
    )
    def test_an_empty_list_invites_to_create_the_first_record(self, rep_client, name, call_to_action):
        content = page(rep_client, name)

        state = content[content.index('data-testid="empty-state"') :]
        create = reverse(LISTS[name][0].replace(":list", ":create"))
        assert f'<a class="btn btn-primary" href="{create}">{call_to_action}</a>' in state
        assert "match these filters" not in state
        assert "<table" not in content

    def test_rows_mean_no_empty_state(self, manager_client, one_of_each):
        for name in LISTS:
            assert 'data-testid="empty-state"' not in page(manager_client, name)


@pytest.mark.django_db
class TestDealTable:
    """One deal table (`deals/_deal_table.html`) on the deal list, the dashboards and the account and contact pages."""

    def test_every_page_that_lists_deals_shows_the_same_rows(self, manager_client, company, manager):
        account = AccountFactory(company=company, name="Initech")
        contact = ContactFactory(company=company, account=account)
        deal = DealFactory(
            company=company,
            account=account,
            primary_contact=contact,
            owner=manager,
            name="Printers",
            amount=4200,
            currency="EUR",
            stage=DealStage.PROPOSAL,
            expected_close_date=date(2001, 1, 1),
        )
        pages = {
            "list": reverse("deals:list"),
            "account": account.get_absolute_url(),
            "contact": contact.get_absolute_url(),
            "dashboard": reverse("dashboard"),
        }

        for where, url in pages.items():
            content = manager_client.get(url).content.decode()
            start = content.index(f'<tr data-deal="{deal.pk}">')
            row = content[start : content.index("</tr>", start)]
            assert f'href="{deal.get_absolute_url()}">Printers</a>' in row, where
            assert "EUR 4,200.00" in row, where
            assert 'data-value="proposal"' in row, where
            assert 'class="text-danger" title="Past the expected close date"' in row, where
