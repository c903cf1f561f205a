"""The lead table's rows and headers, worked out in Python (`list_rows`, `sort_headers`): what each cell shows."""

import pytest
from django.test.html import parse_html
from django.urls import reverse

from crm.models import Source
from leads.models import LeadStage, LeadStatus
from tests.factories import LeadFactory, member

pytestmark = pytest.mark.django_db


def page(client, **params):
    response = client.get(reverse("leads:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def row(content, lead) -> str:
    start = content.index(f'<tr data-lead="{lead.pk}">')
    return content[start : content.index("</tr>", start) + 5]


def test_a_row_shows_labels_badges_owner_and_date(manager_client, company, rep):
    rep.first_name, rep.last_name = "Grace", "Hopper"
    rep.save()
    lead = LeadFactory(
        company=company,
        lead_owner=rep,
        status=LeadStatus.QUALIFIED,
        stage=LeadStage.DECISION,
        source=Source.REFERRAL,
        medium="email",
        lead_score=75,
    )

    html = row(page(manager_client), lead)

    assert '<span class="badge text-bg-success" data-value="qualified">Qualified</span>' in html
    assert f'data-value="decision">{LeadStage.DECISION.label}</span>' in html
    assert '<span class="badge text-bg-success" data-score="75">75</span>' in html
    assert f"{Source.REFERRAL.label} · email" in html
    assert "Grace Hopper" in html
    assert f'href="{lead.get_absolute_url()}"' in html
    assert "Take" not in html


def test_an_owner_without_a_full_name_shows_the_username(manager_client, company):
    owner = member(company, username="nameless", first_name="", last_name="")
    lead = LeadFactory(company=company, lead_owner=owner)

    assert "nameless" in row(page(manager_client), lead)


def test_a_queue_lead_offers_take_unless_it_is_read_only(rep_client, company):
    queued = LeadFactory(company=company, lead_owner=None, lead_name="Queued")
    converted = LeadFactory(company=company, lead_owner=None, lead_name="Converted", status=LeadStatus.CONVERTED)

    content = page(rep_client, o="lead_name")

    take = reverse("leads:take", kwargs={"pk": queued.pk})
    assert row(content, queued).count(f'action="{take}"') == 2  # the phone layout's button and the table's
    assert 'name="next" value="/leads/?o=lead_name"' in row(content, queued)
    assert "Take" not in row(content, converted)
    assert "Queue" in row(content, converted)


def test_spam_and_duplicate_badges(manager_client, company):
    company.spam_threshold = 50
    company.save()
    clean = LeadFactory(company=company, spam_score=49)
    spam = LeadFactory(company=company, spam_score=50, is_duplicate=True, duplicate_of=clean)

    content = page(manager_client, spam="1")

    assert '<span class="badge text-bg-danger">Spam</span>' in row(content, spam)
    assert '<span class="badge text-bg-warning">Duplicate</span>' in row(content, spam)
    assert "Spam</span>" not in row(content, clean)


def test_names_are_escaped(manager_client, company):
    lead = LeadFactory(company=company, lead_name='<script>alert("x")</script>', lead_owner=None)

    html = row(page(manager_client), lead)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


class TestSortHeaders:
    def header(self, content, label) -> str:
        thead = content[content.index("<thead") : content.index("</thead>")]
        end = thead.index(f"{label}")
        return thead[thead.rindex("<th", 0, end) : thead.index("</th>", end) + 5]

    def test_a_column_sorts_ascending_then_descending_and_keeps_the_filters_but_not_the_page(
        self, manager_client, company
    ):
        LeadFactory(company=company)

        unsorted = page(manager_client, status="new", page="1")
        ascending = page(manager_client, status="new", o="company_name")
        descending = page(manager_client, status="new", o="-company_name")

        assert 'href="?status=new&amp;o=company_name"' in self.header(unsorted, "Company")
        assert "sorted" not in self.header(unsorted, "Company")
        assert 'href="?status=new&amp;o=-company_name"' in self.header(ascending, "Company")
        assert '<span aria-label="sorted ascending">▲</span>' in self.header(ascending, "Company")
        assert 'href="?status=new&amp;o=company_name"' in self.header(descending, "Company")
        assert '<span aria-label="sorted descending">▼</span>' in self.header(descending, "Company")

    def test_stage_and_owner_are_not_sortable(self, manager_client, company):
        LeadFactory(company=company)
        content = page(manager_client)

        assert parse_html(self.header(content, "Stage")) == parse_html(
            '<th scope="col" class="d-none d-lg-table-cell">Stage</th>'
        )
        assert "<a" not in self.header(content, ">Owner")
