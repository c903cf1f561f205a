"""Duplicates within one Company: normalised email, E.164 phone, name + company; candidates with reasons."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Role
from leads.models import Lead, LeadStatus
from leads.quality import assess_quality, assess_quality_batch
from leads.quality.duplicates import duplicate_candidates, name_key
from tests.factories import AccountFactory, ContactFactory, member


def make_lead(company, **fields):
    values = {
        "company": company,
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone": "",
        "country": "",
        "company_name": "",
        "campaign": "spring",
    }
    values.update(fields)
    return Lead(**values)


def saved_lead(company, **fields):
    lead = make_lead(company, **fields)
    assess_quality(lead)
    lead.save()
    return lead


MUST_MATCH = [
    pytest.param({"email": "Ada@Example.com "}, {"email": "ada@example.com"}, id="email case and spaces"),
    pytest.param(
        {"phone": "+1 415 555 0100", "country": "US"},
        {"phone": "(415) 555-0100", "country": "US"},
        id="international vs US national format",
    ),
    pytest.param(
        {"phone": "415.555.0100", "country": "US"},
        {"phone": "+1-415-555-0100", "country": "CA"},
        id="dots vs dashes",
    ),
    pytest.param(
        {"phone": "020 7946 0958", "country": "GB"},
        {"phone": "+44 (0)20 7946 0958", "country": ""},
        id="UK national vs international with trunk zero",
    ),
    pytest.param(
        {"phone": "098765 43210", "country": "IN"},
        {"phone": "+91-98765-43210", "country": "IN"},
        id="India national with 0 vs +91",
    ),
    pytest.param(
        {"first_name": "José", "last_name": "Álvarez", "company_name": "Acme Pvt. Ltd."},
        {"first_name": "jose", "last_name": "ALVAREZ", "company_name": "ACME Private Limited"},
        id="name accents and legal suffix",
    ),
    pytest.param(
        {"first_name": "Ada", "last_name": "Lovelace", "company_name": "Analytical Engines GmbH"},
        {"lead_name": "Ada Lovelace", "company_name": "analytical engines"},
        id="legacy full name and GmbH",
    ),
    pytest.param(
        {"first_name": "Mary-Jane", "last_name": "O'Neil", "company_name": "Smith & Sons LLP"},
        {"first_name": "Mary Jane", "last_name": "ONeil", "company_name": "Smith and Sons"},
        id="punctuation",
    ),
]

MUST_NOT_MATCH = [
    pytest.param(
        {"phone": "+44 7911 123456", "country": "GB"},
        {"phone": "+91 79111 23456", "country": "IN"},
        id="UK and India sharing the last ten digits",
    ),
    pytest.param(
        {"phone": "+1 212 555 0123", "country": "US"},
        {"phone": "+91 21255 50123", "country": "IN"},
        id="US and India sharing the last ten digits",
    ),
    pytest.param(
        {"phone": "07911 123456", "country": "GB"},
        {"phone": "07911 123456", "country": "IN"},
        id="same national digits in two countries",
    ),
    pytest.param(
        {"first_name": "Ada", "last_name": "Lovelace", "company_name": "Acme"},
        {"first_name": "Ada", "last_name": "Lovelace", "company_name": "Globex"},
        id="same name at another company",
    ),
    pytest.param(
        {"first_name": "Ada", "last_name": "Lovelace", "company_name": "Acme"},
        {"first_name": "Charles", "last_name": "Babbage", "company_name": "Acme"},
        id="another person at the same company",
    ),
    pytest.param(
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@one.example.com"},
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@two.example.com"},
        id="same name without a company",
    ),
    pytest.param({"email": "ada@example.com"}, {"email": "ada@example.co"}, id="different emails"),
]


class TestDuplicatePairs:
    @pytest.mark.parametrize(("existing_fields", "new_fields"), MUST_MATCH)
    def test_these_pairs_are_duplicates(self, company, existing_fields, new_fields):
        existing = saved_lead(company, **existing_fields)
        new = make_lead(company, **new_fields)

        assess_quality(new)

        assert new.is_duplicate is True
        assert new.duplicate_of_id == existing.pk

    @pytest.mark.parametrize(("existing_fields", "new_fields"), MUST_NOT_MATCH)
    def test_these_pairs_are_not_duplicates(self, company, existing_fields, new_fields):
        saved_lead(company, **existing_fields)
        new = make_lead(company, **new_fields)

        assess_quality(new)

        assert new.is_duplicate is False
        assert new.duplicate_of_id is None

    def test_a_lead_of_another_company_never_matches(self, company, other_company):
        saved_lead(other_company, email="ada@example.com")
        new = make_lead(company, email="ada@example.com")

        assess_quality(new)

        assert new.is_duplicate is False

    def test_a_merged_lead_never_matches(self, company):
        survivor = saved_lead(company, email="other@example.com")
        merged = saved_lead(company, email="ada@example.com")
        Lead.objects.filter(pk=merged.pk).update(status=LeadStatus.MERGED, merged_into=survivor)
        new = make_lead(company, email="ada@example.com")

        assess_quality(new)

        assert new.is_duplicate is False


class TestDuplicateOf:
    def test_the_oldest_matching_lead_is_the_original(self, company):
        oldest = saved_lead(company, email="ada@example.com")
        saved_lead(company, phone="+14155550100", country="US")
        Lead.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(days=3))
        new = make_lead(company, email="ada@example.com", phone="+1 415 555 0100")

        assess_quality(new)

        assert new.duplicate_of_id == oldest.pk

    def test_a_lead_is_not_the_duplicate_of_a_newer_lead(self, company):
        original = saved_lead(company, email="ada@example.com")
        copy = saved_lead(company, email="ada@example.com")

        assess_quality(original)

        assert original.is_duplicate is False
        assert copy.duplicate_of_id == original.pk

    def test_editing_a_duplicate_so_it_no_longer_matches_clears_the_flag(self, company):
        saved_lead(company, email="ada@example.com")
        copy = saved_lead(company, email="ada@example.com")
        copy.email = "someone.else@example.com"

        assess_quality(copy)
        copy.save()

        assert copy.is_duplicate is False
        assert copy.duplicate_of_id is None

    def test_a_lead_matching_only_a_contact_is_a_duplicate_of_that_contact(self, company):
        contact = ContactFactory(company=company, email="ada@example.com")
        new = make_lead(company, email="ADA@example.com")

        assess_quality(new)
        new.save()

        assert new.is_duplicate is True
        assert new.duplicate_of_id is None
        assert new.duplicate_contact_id == contact.pk

    @pytest.mark.parametrize(
        ("contact_fields", "lead_fields"),
        [
            ({"phone": "+442079460958"}, {"phone": "020 7946 0958", "country": "GB"}),
            (
                {"first_name": "Zoë", "last_name": "Brown"},
                {"first_name": "Zoe", "last_name": "brown", "company_name": "Initech LLC", "email": "z@x.example.com"},
            ),
        ],
    )
    def test_contacts_match_by_phone_and_by_name_and_account(self, company, contact_fields, lead_fields):
        account = AccountFactory(company=company, name="Initech")
        contact = ContactFactory(company=company, account=account, email="", **contact_fields)
        new = make_lead(company, **lead_fields)

        assess_quality(new)

        assert new.duplicate_contact_id == contact.pk

    def test_the_name_key_folds_case_accents_punctuation_and_legal_suffixes(self, company):
        lead = make_lead(company, first_name=" José ", last_name="ÁLVAREZ-Ruiz", company_name="Acme Pvt. Ltd.")

        assert name_key(lead) == "jose alvarez ruiz|acme"


class TestBatchDuplicates:
    def test_an_import_finds_duplicates_of_saved_leads_and_of_earlier_rows(self, company):
        existing = saved_lead(company, email="ada@example.com")
        rows = [
            make_lead(company, email="ada@example.com"),
            make_lead(company, phone="+14155550100", country="US"),
            make_lead(company, phone="(415) 555-0100", country="US"),
            make_lead(company, email="new@example.com"),
        ]

        assess_quality_batch(rows)
        for lead in rows:
            lead.save()

        assert [lead.is_duplicate for lead in rows] == [True, False, True, False]
        assert rows[0].duplicate_of_id == existing.pk
        assert rows[2].duplicate_of_id == rows[1].pk

    def test_the_batch_gives_what_one_by_one_gives(self, company, other_company):
        fields = [
            {"email": "ada@example.com"},
            {"email": "charles@example.com", "first_name": "Charles"},
            {"email": "grace@example.com", "phone": "+1 415 555 0100"},
            {"email": "grace2@example.com", "phone": "415-555-0100", "country": "US"},
        ]
        for each in (company, other_company):
            saved_lead(each, email="ada@example.com")
            ContactFactory(company=each, email="charles@example.com")
        batch = [make_lead(company, **each) for each in fields]
        one_by_one = [make_lead(other_company, **each) for each in fields]

        assess_quality_batch(batch)
        for lead in batch:
            lead.save()
        for lead in one_by_one:
            assess_quality(lead)
            lead.save()

        def flags(leads):
            return [
                (lead.is_duplicate, lead.duplicate_of_id is not None, bool(lead.duplicate_contact_id)) for lead in leads
            ]

        assert (
            flags(batch)
            == flags(one_by_one)
            == [(True, True, False), (True, False, True), (False, False, False), (True, True, False)]
        )


class TestDuplicateCandidates:
    def test_every_matching_lead_and_contact_is_listed_with_why(self, company):
        lead = saved_lead(company, email="ada@example.com", phone="+14155550100", first_name="Ada", last_name="King")
        by_email_and_phone = saved_lead(company, email="ada@example.com", phone="(415) 555-0100", country="US")
        by_name = saved_lead(company, first_name="Ada", last_name="King", company_name="Acme Inc")
        lead.company_name = "ACME"
        assess_quality(lead)
        lead.save()
        contact = ContactFactory(company=company, email="ada@example.com")

        candidates = duplicate_candidates(lead)

        assert [(record, reason) for record, reason in candidates] == [
            (by_email_and_phone, "same email, same phone"),
            (by_name, "same name and company"),
            (contact, "same email"),
        ]
        assert [candidate.kind for candidate in candidates] == ["lead", "lead", "contact"]

    def test_a_rep_sees_only_candidates_they_may_see(self, company):
        rep = member(company, Role.REP, username="candidate-rep")
        someone_else = member(company, Role.REP, username="candidate-other")
        lead = saved_lead(company, email="ada@example.com", lead_owner=rep)
        queue_lead = saved_lead(company, email="ada@example.com")
        saved_lead(company, email="ada@example.com", lead_owner=someone_else)

        candidates = duplicate_candidates(lead, user=rep)

        assert [record for record, _reason in candidates] == [queue_lead]
