"""Within a Company, a lead page names or links a related record only when the viewer may open it (issue 13).

A rep sees their own leads and the queue, and their own deals: a colleague's lead or deal is neither named nor
linked from the rep's pages; a manager, who may open them, still sees the name and the link.
"""

import io

import pytest
from django.urls import reverse

from crm.models import Role
from deals.models import Deal
from leads.conversion.service import lead_convert
from leads.importing.models import ImportMode
from leads.importing.service import import_file
from leads.models import Lead, LeadStatus
from tests.factories import LeadFactory, member
from tests.leads_import.csvs import csv_bytes, people


def _page(client, lead) -> str:
    response = client.get(reverse("leads:detail", kwargs={"pk": lead.pk}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def colleague(company):
    return member(company, Role.REP, username="colleague", first_name="Colin", last_name="League")


@pytest.mark.django_db
class TestDuplicateOf:
    @pytest.fixture
    def duplicate(self, company, rep, colleague):
        original = LeadFactory(company=company, lead_owner=colleague, email="same@example.org")
        lead = LeadFactory(company=company, lead_owner=rep, email="other@example.org")
        Lead.objects.filter(pk=lead.pk).update(is_duplicate=True, duplicate_of=original)
        return lead, original

    def test_a_rep_is_not_told_which_colleagues_lead_it_duplicates(self, client, rep, duplicate):
        lead, original = duplicate
        client.force_login(rep)

        html = _page(client, lead)

        assert f"lead #{original.pk}" not in html
        assert reverse("leads:detail", kwargs={"pk": original.pk}) not in html
        assert "Duplicate of an older lead you cannot open." in html

    def test_a_manager_gets_the_link(self, client, manager, duplicate):
        lead, original = duplicate
        client.force_login(manager)

        html = _page(client, lead)

        assert f"lead #{original.pk}</a>" in html
        assert reverse("leads:detail", kwargs={"pk": original.pk}) in html


@pytest.mark.django_db
class TestConvertedDeal:
    @pytest.fixture
    def converted(self, company, rep, colleague):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, interest_product="Secret X")
        conversion = lead_convert(lead=lead, by=rep, deal_values={"name": "Colleague's confidential deal"})
        Deal.objects.filter(pk=conversion.deal.pk).update(owner=colleague)
        return lead, conversion.deal

    def test_a_rep_does_not_see_the_name_of_a_deal_someone_else_owns(self, client, rep, converted):
        lead, deal = converted
        client.force_login(rep)

        html = _page(client, lead)

        assert "confidential deal" not in html
        assert reverse("deals:detail", kwargs={"pk": deal.pk}) not in html
        assert "A deal you cannot open" in html

    def test_the_convert_page_of_the_converted_lead_does_not_name_it_either(self, client, rep, converted):
        lead, deal = converted
        client.force_login(rep)

        html = client.get(reverse("leads:convert", kwargs={"pk": lead.pk})).content.decode()

        assert "confidential deal" not in html
        assert reverse("deals:detail", kwargs={"pk": deal.pk}) not in html
        assert "a deal you cannot open" in html

    def test_a_manager_sees_the_deal_named_and_linked(self, client, manager, converted):
        lead, deal = converted
        client.force_login(manager)

        html = _page(client, lead)

        assert "confidential deal" in html
        assert reverse("deals:detail", kwargs={"pk": deal.pk}) in html


@pytest.mark.django_db
class TestMergedInto:
    @pytest.fixture
    def merged(self, company, rep, colleague):
        survivor = LeadFactory(company=company, lead_owner=colleague, first_name="Hidden", last_name="Survivor")
        lead = LeadFactory(company=company, lead_owner=rep)
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.MERGED, merged_into=survivor)
        return lead, survivor

    def test_a_rep_is_told_only_that_it_was_merged_into_another_lead(self, client, rep, merged):
        lead, survivor = merged
        client.force_login(rep)

        html = _page(client, lead)

        assert "Hidden Survivor" not in html
        assert reverse("leads:detail", kwargs={"pk": survivor.pk}) not in html
        assert "Merged into another lead." in html

    def test_a_manager_sees_which_lead(self, client, manager, merged):
        lead, survivor = merged
        client.force_login(manager)

        html = _page(client, lead)

        assert "Hidden Survivor" in html
        assert reverse("leads:detail", kwargs={"pk": survivor.pk}) in html


@pytest.mark.django_db
class TestImportUpdateMode:
    def _import(self, company, user):
        return import_file(
            fileobj=io.BytesIO(csv_bytes(people(1))),
            file_name="leads.csv",
            company=company,
            user=user,
            mode=ImportMode.UPDATE,
        )

    def test_a_rep_is_not_told_the_number_of_a_colleagues_matching_lead(self, company, rep, colleague):
        theirs = LeadFactory(company=company, email="person1@example.com", lead_owner=colleague)

        lead_import = self._import(company, rep)

        reason = lead_import.row_errors.get().reason
        assert f"#{theirs.pk}" not in reason
        assert reason == "It matches a lead of your company that you cannot edit."

    def test_a_read_only_lead_the_rep_may_open_is_still_named(self, company, rep):
        converted = LeadFactory(company=company, email="person1@example.com", lead_owner=rep)
        Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED)

        lead_import = self._import(company, rep)

        assert f"It matches lead #{converted.pk}, which is converted" in lead_import.row_errors.get().reason
