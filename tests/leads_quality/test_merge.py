"""Merging two leads: a manager's choice of survivor and values, one transaction, nothing deleted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from deals.models import Deal
from leads.models import Lead, LeadStatus
from leads.quality import assess_quality
from leads.quality.merge import BOTH, OTHER, SURVIVOR, merge_leads
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory


def pipeline_lead(company, **fields):
    lead = LeadFactory.build(company=company, **fields)
    assess_quality(lead)
    lead.save()
    return lead


@pytest.fixture
def pair(company):
    """A survivor, its duplicate, a lead that duplicates the duplicate, and a lead merged into it earlier."""
    survivor = pipeline_lead(company, email="ada@example.com", phone="", notes="Met at the fair.")
    other = pipeline_lead(company, email="ada@example.com", phone="+14155550100", notes="Asked for a demo.")
    Lead.objects.filter(pk=other.pk).update(duplicate_of=None, is_duplicate=False)
    copy_of_other = pipeline_lead(company, email="other@example.com")
    Lead.objects.filter(pk=copy_of_other.pk).update(duplicate_of=other, is_duplicate=True)
    merged_before = pipeline_lead(company, email="older@example.com")
    Lead.objects.filter(pk=merged_before.pk).update(status=LeadStatus.MERGED, merged_into=other)
    other.refresh_from_db()
    return survivor, other, copy_of_other, merged_before


def counts():
    return tuple(model.objects.count() for model in (Lead, Account, Contact, Deal))


class TestMergeService:
    def test_merge_keeps_every_lead_and_moves_every_reference_to_the_survivor(self, pair, manager):
        survivor, other, copy_of_other, merged_before = pair
        before = counts()

        merge_leads(survivor=survivor, other=other, by=manager)

        other.refresh_from_db()
        copy_of_other.refresh_from_db()
        merged_before.refresh_from_db()
        assert counts() == before
        assert (other.status, other.merged_into_id, other.duplicate_of_id) == (
            LeadStatus.MERGED,
            survivor.pk,
            survivor.pk,
        )
        assert other.email == "ada@example.com"  # the merged lead keeps its own values
        assert copy_of_other.duplicate_of_id == survivor.pk
        assert merged_before.merged_into_id == survivor.pk

    def test_the_manager_picks_each_fields_value(self, pair, manager):
        survivor, other, *_ = pair

        merged = merge_leads(
            survivor=survivor,
            other=other,
            by=manager,
            choices={"first_name": OTHER, "last_name": OTHER, "phone": OTHER, "notes": BOTH, "email": SURVIVOR},
        )

        merged.refresh_from_db()
        assert (merged.first_name, merged.last_name) == (other.first_name, other.last_name)
        assert merged.lead_name == f"{other.first_name} {other.last_name}"
        assert merged.phone == "+14155550100"
        assert merged.notes == "Met at the fair.\n\nAsked for a demo."

    def test_by_default_the_survivor_keeps_its_values_and_fills_its_blanks(self, pair, manager):
        survivor, other, *_ = pair

        merged = merge_leads(survivor=survivor, other=other, by=manager)

        assert merged.first_name == survivor.first_name
        assert merged.phone == "+14155550100"

    def test_the_survivor_is_no_longer_a_duplicate_of_the_merged_lead(self, company, manager):
        original = pipeline_lead(company, email="ada@example.com")
        copy = pipeline_lead(company, email="ada@example.com")
        assert copy.duplicate_of_id == original.pk

        merged = merge_leads(survivor=copy, other=original, by=manager)

        merged.refresh_from_db()
        assert (merged.is_duplicate, merged.duplicate_of_id) == (False, None)

    def test_a_do_not_disturb_request_survives_the_merge(self, pair, manager):
        survivor, other, *_ = pair
        Lead.objects.filter(pk=other.pk).update(dnd_status=True)
        other.refresh_from_db()

        merged = merge_leads(survivor=survivor, other=other, by=manager, choices={"gdpr_consent": SURVIVOR})

        assert merged.dnd_status is True

    def test_a_converted_lead_can_survive_but_keeps_its_values_and_its_links(self, company, manager):
        account = AccountFactory(company=company)
        contact = ContactFactory(company=company, account=account)
        deal = DealFactory(company=company, account=account)
        converted = pipeline_lead(company, email="ada@example.com")
        Lead.objects.filter(pk=converted.pk).update(
            status=LeadStatus.CONVERTED, converted_to_account=account, converted_contact=contact, converted_deal=deal
        )
        converted.refresh_from_db()
        newcomer = pipeline_lead(company, email="ada@example.com", first_name="Someone")

        merge_leads(survivor=converted, other=newcomer, by=manager, choices={"first_name": SURVIVOR})

        converted.refresh_from_db()
        newcomer.refresh_from_db()
        assert converted.status == LeadStatus.CONVERTED
        assert (converted.converted_to_account, converted.converted_contact, converted.converted_deal) == (
            account,
            contact,
            deal,
        )
        assert newcomer.merged_into == converted
        with pytest.raises(ValidationError):
            merge_leads(survivor=newcomer, other=converted, by=manager)

    def test_a_converted_survivor_refuses_new_values(self, company, manager):
        converted = pipeline_lead(company, email="ada@example.com", first_name="Ada")
        Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED)
        converted.refresh_from_db()
        newcomer = pipeline_lead(company, email="ada@example.com", first_name="Adelaide")

        with pytest.raises(ValidationError):
            merge_leads(survivor=converted, other=newcomer, by=manager, choices={"first_name": OTHER})

        newcomer.refresh_from_db()
        assert newcomer.status == LeadStatus.NEW

    def test_a_failed_merge_changes_nothing(self, pair, manager):
        survivor, other, copy_of_other, _ = pair
        Lead.objects.filter(pk=other.pk).update(email="not-an-email")
        other.refresh_from_db()

        with pytest.raises(ValidationError):
            merge_leads(survivor=survivor, other=other, by=manager, choices={"email": OTHER})

        other.refresh_from_db()
        copy_of_other.refresh_from_db()
        assert other.status == LeadStatus.NEW
        assert copy_of_other.duplicate_of_id == other.pk

    @pytest.mark.parametrize("who", ["rep", "outsider"])
    def test_only_managers_of_the_company_merge(self, request, pair, who):
        survivor, other, *_ = pair

        with pytest.raises(PermissionDenied):
            merge_leads(survivor=survivor, other=other, by=request.getfixturevalue(who))

    def test_a_lead_cannot_be_merged_with_itself_or_a_merged_lead(self, pair, manager):
        survivor, _other, _copy, merged_before = pair

        with pytest.raises(ValidationError):
            merge_leads(survivor=survivor, other=survivor, by=manager)
        with pytest.raises(ValidationError):
            merge_leads(survivor=survivor, other=merged_before, by=manager)

    def test_unknown_fields_are_refused(self, pair, manager):
        survivor, other, *_ = pair

        with pytest.raises(ValidationError):
            merge_leads(survivor=survivor, other=other, by=manager, choices={"lead_score": OTHER})


class TestMergePage:
    def merge_url(self, first, second):
        return reverse("leads:merge", kwargs={"pk": first.pk, "other_pk": second.pk})

    def test_a_manager_sees_the_fields_the_leads_disagree_on(self, manager_client, pair):
        survivor, other, *_ = pair

        response = manager_client.get(self.merge_url(survivor, other))

        assert response.status_code == 200
        assert 'data-field="phone"' in response.text
        assert 'data-field="email"' not in response.text  # the same on both

    def test_posting_the_form_merges_into_the_chosen_survivor(self, manager_client, pair):
        survivor, other, *_ = pair

        response = manager_client.post(
            self.merge_url(survivor, other),
            {"survivor": "second", "first_name": "first", "phone": "second", "notes": "both"},
        )

        survivor.refresh_from_db()
        other.refresh_from_db()
        assert response.status_code == 302
        assert response["Location"] == other.get_absolute_url()
        assert (survivor.status, survivor.merged_into_id) == (LeadStatus.MERGED, other.pk)
        assert other.first_name == survivor.first_name
        assert other.notes == "Asked for a demo.\n\nMet at the fair."

    def test_a_refused_merge_is_shown_on_the_form(self, manager_client, company):
        first = pipeline_lead(company)
        converted = pipeline_lead(company)
        Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED)

        response = manager_client.post(self.merge_url(converted, first), {"survivor": "second"})

        assert response.status_code == 200
        assert "cannot be merged away" in response.text

    def test_a_rep_is_forbidden(self, rep_client, pair):
        survivor, other, *_ = pair

        assert rep_client.get(self.merge_url(survivor, other)).status_code == 403

    def test_another_companys_lead_is_not_found(self, outsider_client, pair):
        survivor, other, *_ = pair

        assert outsider_client.get(self.merge_url(survivor, other)).status_code == 404
