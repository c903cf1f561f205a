"""Duplicates inside the file and against the database, by mode; every row through the quality pipeline."""

import io

import pytest

from crm.models import Role
from leads.importing.models import ImportMode, LeadImportRow, RowAction
from leads.importing.service import import_file
from leads.models import Lead, LeadStatus, ValidationStatus
from leads.quality import assess_quality
from tests.factories import ContactFactory, LeadFactory, member

from .csvs import HEADER, csv_bytes, people, person


def _import(rows, company, user=None, **kwargs):
    return import_file(fileobj=io.BytesIO(csv_bytes(rows)), file_name="leads.csv", company=company, user=user, **kwargs)


def _outcomes(lead_import) -> dict:
    return {
        "created": lead_import.created_count,
        "flagged": lead_import.flagged_duplicates_count,
        "updated": lead_import.updated_count,
        "skipped": lead_import.skipped_duplicates_count,
        "errors": lead_import.error_count,
    }


def _counts(created=0, flagged=0, updated=0, skipped=0, errors=0) -> dict:
    return {"created": created, "flagged": flagged, "updated": updated, "skipped": skipped, "errors": errors}


@pytest.mark.django_db
class TestSkipMode:
    def test_a_row_matching_an_existing_lead_is_skipped(self, company, manager):
        existing = LeadFactory(company=company, email="person1@example.com", job_title="Keeps this")

        lead_import = _import(people(3), company, manager, mode=ImportMode.SKIP)

        assert _outcomes(lead_import) == _counts(created=2, skipped=1)
        existing.refresh_from_db()
        assert existing.job_title == "Keeps this"
        assert Lead.objects.filter(company=company).count() == 3

    def test_importing_the_same_file_twice_creates_nothing_the_second_time(self, company, manager):
        rows = [*people(25), ["Only A Name", "", "", "", "", "fair"], ["", "", "+44 20 7946 0999", "", "GB", "fair"]]
        _import(rows, company, manager)

        again = _import(rows, company, manager, mode=ImportMode.SKIP)

        assert _outcomes(again) == _counts(skipped=27)
        assert Lead.objects.filter(company=company).count() == 27

    @pytest.mark.parametrize("batch_size", [1000, 2])
    def test_a_row_repeating_an_earlier_row_of_the_file_is_skipped(self, company, manager, batch_size):
        rows = [HEADER, person(1), person(2), ["P. One", "PERSON1@example.com", "", "", "", "fair"]]

        lead_import = _import(rows, company, manager, batch_size=batch_size)

        assert _outcomes(lead_import) == _counts(created=2, skipped=1)

    def test_the_same_phone_written_differently_is_a_duplicate(self, company, manager):
        LeadFactory(company=company, email="", phone="+14155550001")
        rows = [HEADER, ["Someone", "", "(415) 555-0001", "", "US", "fair"]]

        lead_import = _import(rows, company, manager)

        assert _outcomes(lead_import) == _counts(skipped=1)

    def test_the_same_name_at_the_same_company_is_a_duplicate(self, company, manager):
        _import([HEADER, ["José Müller", "", "", "Müller GmbH", "DE", "fair"]], company, manager)
        rows = [HEADER, ["jose muller", "", "", "MÜLLER", "DE", "fair"]]

        lead_import = _import(rows, company, manager)

        assert _outcomes(lead_import) == _counts(skipped=1)

    def test_another_companys_lead_is_not_a_duplicate(self, company, other_company, manager):
        LeadFactory(company=other_company, email="person1@example.com")

        lead_import = _import(people(1), company, manager)

        assert _outcomes(lead_import) == _counts(created=1)

    def test_a_row_matching_only_a_contact_is_imported_flagged(self, company, manager):
        contact = ContactFactory(company=company, email="person1@example.com")

        lead_import = _import(people(1), company, manager, mode=ImportMode.SKIP)

        assert _outcomes(lead_import) == _counts(flagged=1)
        lead = Lead.objects.get(company=company)
        assert lead.is_duplicate
        assert lead.duplicate_contact == contact


@pytest.mark.django_db
class TestUpdateMode:
    def test_the_existing_lead_takes_the_files_values_and_keeps_what_the_file_leaves_empty(self, company, manager):
        existing = LeadFactory(
            company=company, email="person1@example.com", job_title="CTO", company_name="Old name", campaign="old"
        )
        rows = [[*HEADER, "Job title"], [*person(1), ""]]

        lead_import = _import(rows, company, manager, mode=ImportMode.UPDATE)

        assert _outcomes(lead_import) == _counts(updated=1)
        existing.refresh_from_db()
        assert (existing.company_name, existing.campaign, existing.job_title) == ("Firm 1", "spring-fair", "CTO")
        assert existing.phone == "+14155550001"
        assert existing.validation_status == ValidationStatus.VALID
        row = LeadImportRow.objects.get(lead_import=lead_import)
        assert (row.lead_id, row.action, row.row_number) == (existing.pk, RowAction.UPDATED, 2)

    def test_a_repeated_row_updates_the_lead_the_file_just_created(self, company, manager):
        rows = [HEADER, person(1), ["Person One Renamed", "person1@example.com", "", "Firm X", "", "fair"]]

        lead_import = _import(rows, company, manager, mode=ImportMode.UPDATE)

        assert _outcomes(lead_import) == _counts(created=1, updated=1)
        lead = Lead.objects.get(company=company)
        assert (lead.lead_name, lead.company_name, lead.campaign) == ("Person One Renamed", "Firm X", "fair")

    def test_a_converted_lead_is_not_updated_and_the_row_says_why(self, company, manager):
        converted = LeadFactory(company=company, email="person1@example.com", status=LeadStatus.CONVERTED)

        lead_import = _import(people(1), company, manager, mode=ImportMode.UPDATE)

        assert _outcomes(lead_import) == _counts(errors=1)
        assert "can no longer be changed" in lead_import.row_errors.get().reason
        converted.refresh_from_db()
        assert converted.company_name != "Firm 1"

    def test_a_rep_updates_only_leads_they_may_edit(self, company, rep):
        colleague = member(company, Role.REP, username="colleague")
        LeadFactory(company=company, email="person1@example.com", lead_owner=colleague)
        LeadFactory(company=company, email="person2@example.com", lead_owner=rep)
        LeadFactory(company=company, email="person3@example.com", lead_owner=None)

        lead_import = _import(people(3), company, rep, mode=ImportMode.UPDATE)

        assert _outcomes(lead_import) == _counts(updated=2, errors=1)
        assert lead_import.row_errors.get().row_number == 2
        assert "cannot edit" in lead_import.row_errors.get().reason


@pytest.mark.django_db
class TestFlagMode:
    def test_a_duplicate_is_imported_and_linked_to_the_oldest_match(self, company, manager):
        oldest = LeadFactory(company=company, email="person1@example.com")
        LeadFactory(company=company, phone="+14155550001", email="other@example.com")

        lead_import = _import(people(2), company, manager, mode=ImportMode.FLAG)

        assert _outcomes(lead_import) == _counts(created=1, flagged=1)
        flagged = Lead.objects.get(company=company, email="person1@example.com", is_duplicate=True)
        assert flagged.duplicate_of == oldest

    @pytest.mark.parametrize("batch_size", [1000, 2])
    def test_rows_repeating_each_other_point_at_the_first(self, company, manager, batch_size):
        rows = [HEADER, person(1), person(2), ["Again", "person1@example.com", "", "", "", "fair"]]

        lead_import = _import(rows, company, manager, mode=ImportMode.FLAG, batch_size=batch_size)

        assert _outcomes(lead_import) == _counts(created=2, flagged=1)
        first = Lead.objects.get(email="person1@example.com", is_duplicate=False)
        assert Lead.objects.get(lead_name="Again").duplicate_of == first

    def test_a_chain_of_repeats_within_one_batch_is_saved_in_order(self, company, manager):
        rows = [
            HEADER,
            ["A", "a@example.com", "", "", "", "fair"],
            ["B", "a@example.com", "+44 20 7946 0001", "", "GB", "fair"],
            ["C", "", "+44 20 7946 0001", "", "GB", "fair"],
        ]

        lead_import = _import(rows, company, manager, mode=ImportMode.FLAG)

        assert _outcomes(lead_import) == _counts(created=1, flagged=2)
        assert Lead.objects.get(lead_name="C").duplicate_of == Lead.objects.get(lead_name="B")


@pytest.mark.django_db
class TestPipeline:
    def test_every_row_goes_through_validation_spam_and_scoring(self, company, manager):
        rows = [
            HEADER,
            ["Ada Lovelace", "ada@example.com", "020 7946 0000", "Analytical Ltd", "GB", "fair"],
            ["Bad Email", "not-an-email", "", "", "", "fair"],
            ["Throwaway", "x@mailinator.com", "", "", "", "fair"],
        ]

        _import(rows, company, manager)

        ada = Lead.objects.get(lead_name="Ada Lovelace")
        assert ada.phone == "+442079460000"
        assert ada.validation_status == ValidationStatus.VALID
        assert ada.scored_at is not None
        assert ada.name_key
        bad = Lead.objects.get(lead_name="Bad Email")
        assert bad.validation_status == ValidationStatus.INVALID
        assert Lead.objects.get(lead_name="Throwaway").spam_score > 0

    def test_imported_leads_belong_to_the_company_and_the_importer(self, company, manager):
        _import(people(2), company, manager)

        assert set(Lead.objects.values_list("company_id", "created_by_id")) == {(company.pk, manager.pk)}

    def test_the_outcomes_add_up_to_the_rows(self, company, manager):
        LeadFactory(company=company, email="person1@example.com")
        rows = [*people(5), person(2), ["", "", "", "", "", "fair"], ["Ada", "", "", "", "Atlantis", "fair"]]

        lead_import = _import(rows, company, manager)

        outcomes = _outcomes(lead_import)
        assert outcomes == _counts(created=4, skipped=2, errors=2)
        assert sum(outcomes.values()) == lead_import.rows_total


@pytest.mark.django_db
class TestTheSamePipelineAsATypedLead:
    def test_every_quality_field_matches_the_lead_typed_one_by_one(self, company, other_company, manager):
        # Batches of 2 over 7 rows: each batch is prepared while the one before is written.
        rows = [
            HEADER,
            ["Ada Lovelace", "ada@analytical.example.com", "+44 20 7946 0018", "Analytical Engines Ltd", "GB", "fair"],
            ["ASDFGH QWERTY", "x@mailinator.com", "12345", "", "US", "fair"],
            ["Grace Hopper", "grace@navy.example.com", "(415) 555-0100", "Navy", "IN", "webinar"],
            ["Ada Lovelace", "ada.other@example.com", "", "Analytical Engines", "GB", "fair"],
            ["Visit www.spam.example", "spam@example.com", "", "", "", "fair"],
            ["Zoë Müller", "zoe@example.de", "030 1234567", "Beispiel GmbH", "DE", "fair"],
            ["Grace Hopper", "grace@navy.example.com", "", "Navy", "US", "webinar"],
        ]
        fields = ["spam_score", "spam_reasons", "validation_status", "validation_errors", "name_key", "is_duplicate",
                  "lead_score", "score_factors", "phone", "email", "country"]  # fmt: skip

        _import(rows, company, manager, mode=ImportMode.FLAG, batch_size=2)
        saved = Lead.objects.filter(company=company).order_by("pk")
        imported = [{name: getattr(lead, name) for name in fields} for lead in saved]
        typed = []
        for name, email, phone, firm, country, campaign in rows[1:]:
            lead = Lead(company=other_company, lead_name=name, email=email, phone=phone, company_name=firm,
                        country=country, campaign=campaign, source="import")  # fmt: skip
            assess_quality(lead)
            lead.save()
            typed.append({name: getattr(lead, name) for name in fields})

        assert [lead["country"] for lead in imported] == ["GB", "US", "IN", "GB", "", "DE", "US"]
        assert [lead["spam_score"] > 0 for lead in imported] == [False, True, False, False, True, False, False]
        assert [lead["is_duplicate"] for lead in imported] == [False, False, False, True, False, False, True]
        assert imported == typed
