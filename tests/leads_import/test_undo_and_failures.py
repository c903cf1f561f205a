"""Undo removes what the import created and nobody touched; a failure keeps the batches before it."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from crm.models import Role
from leads.importing import service as import_service
from leads.importing.models import ImportMode, ImportStatus, LeadImport, LeadImportError, LeadImportRow
from leads.importing.service import import_file, import_undo
from leads.models import Lead
from tests.factories import LeadFactory, member

from .csvs import HEADER, csv_bytes, people, person


def _import(rows, company, user=None, **kwargs):
    return import_file(fileobj=io.BytesIO(csv_bytes(rows)), file_name="leads.csv", company=company, user=user, **kwargs)


def _fail_on_call(number: int, real):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.django_db
class TestUndo:
    def test_the_leads_the_import_created_are_removed(self, company, manager):
        before = LeadFactory(company=company, email="someone@else.com")
        lead_import = _import(people(5), company, manager)

        result = import_undo(lead_import=lead_import, by=manager)

        assert (result.removed, result.kept, result.gone) == (5, 0, 0)
        assert list(Lead.objects.all()) == [before]
        lead_import.refresh_from_db()
        assert lead_import.status == ImportStatus.UNDONE
        assert (lead_import.undo_removed_count, lead_import.undo_kept_count) == (5, 0)
        assert lead_import.undone_by == manager

    def test_a_lead_changed_since_the_import_is_kept_and_counted(self, company, manager):
        lead_import = _import(people(3), company, manager)
        touched = Lead.objects.get(email="person2@example.com")
        touched.job_title = "Called them: VP Sales"
        touched.save()
        Lead.objects.get(email="person3@example.com").delete()

        result = import_undo(lead_import=lead_import, by=manager)

        assert (result.removed, result.kept, result.gone) == (1, 1, 1)
        assert list(Lead.objects.all()) == [touched]

    def test_leads_the_import_updated_keep_their_new_values(self, company, manager):
        existing = LeadFactory(company=company, email="person1@example.com", company_name="Old")
        lead_import = _import(people(2), company, manager, mode=ImportMode.UPDATE)

        result = import_undo(lead_import=lead_import, by=manager)

        assert result.removed == 1
        existing.refresh_from_db()
        assert existing.company_name == "Firm 1"

    def test_a_lead_created_then_updated_by_the_same_import_still_counts_as_untouched(self, company, manager):
        rows = [HEADER, person(1), person(2), ["Person One", "person1@example.com", "", "Firm Z", "", "fair"]]
        lead_import = _import(rows, company, manager, mode=ImportMode.UPDATE, batch_size=2)

        result = import_undo(lead_import=lead_import, by=manager)

        assert (result.removed, result.kept) == (2, 0)
        assert not Lead.objects.exists()

    def test_duplicates_pointing_at_removed_leads_are_rechecked(self, company, manager):
        first = _import(people(2), company, manager)
        second = _import([HEADER, person(1)], company, manager, mode=ImportMode.FLAG)
        in_file = _import([HEADER, person(7), person(7)], company, manager, mode=ImportMode.FLAG)
        survivor = second.rows.get().lead
        assert survivor.is_duplicate

        result = import_undo(lead_import=first, by=manager)
        import_undo(lead_import=in_file, by=manager)

        assert result.removed == 2
        survivor.refresh_from_db()
        assert not survivor.is_duplicate
        assert survivor.duplicate_of is None
        assert list(Lead.objects.all()) == [survivor]

    def test_an_import_is_undone_once(self, company, manager):
        lead_import = _import(people(1), company, manager)
        import_undo(lead_import=lead_import, by=manager)

        with pytest.raises(ValidationError):
            import_undo(lead_import=lead_import, by=manager)

    def test_a_dry_run_has_nothing_to_undo(self, company, manager):
        lead_import = _import(people(1), company, manager, dry_run=True)

        with pytest.raises(ValidationError):
            import_undo(lead_import=lead_import, by=manager)

    def test_an_import_whose_process_died_can_be_undone_once_it_has_gone_quiet(self, company, manager):
        lead_import = _import(people(3), company, manager)
        LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.RUNNING, updated_at=timezone.now())
        lead_import.refresh_from_db()
        running_can_undo = lead_import.can_undo
        LeadImport.objects.filter(pk=lead_import.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
        lead_import.refresh_from_db()
        interrupted = lead_import.is_interrupted

        result = import_undo(lead_import=lead_import, by=manager)

        assert not running_can_undo
        assert interrupted
        assert result.removed == 3
        assert not Lead.objects.exists()

    def test_a_rep_undoes_their_own_import_but_not_a_colleagues(self, company, rep):
        colleague = member(company, Role.REP, username="colleague")
        own = _import(people(1), company, rep)
        colleagues = _import(people(1, start=50), company, colleague)

        import_undo(lead_import=own, by=rep)
        with pytest.raises(PermissionDenied):
            import_undo(lead_import=colleagues, by=rep)

        assert list(Lead.objects.values_list("email", flat=True)) == ["person50@example.com"]


@pytest.mark.django_db
class TestFailureHalfway:
    def test_a_failing_batch_is_rolled_back_and_the_import_says_where_it_stopped(self, company, manager):
        failing = _fail_on_call(2, import_service._save_new_leads)
        rows = [*people(5), ["", "", "", "", "", "fair"]]

        with mock.patch.object(import_service, "_save_new_leads", failing):
            lead_import = _import(rows, company, manager, batch_size=2)

        assert lead_import.status == ImportStatus.FAILED
        assert lead_import.stopped_at_row == 4
        assert lead_import.rows_processed == 3
        assert "row 4" in lead_import.failure_message
        assert lead_import.created_count == 2
        assert sorted(Lead.objects.values_list("email", flat=True)) == ["person1@example.com", "person2@example.com"]
        assert LeadImportRow.objects.count() == 2

    def test_a_failure_inside_the_quality_pipeline_rolls_back_that_batch_only(self, company, manager):
        rows = [*people(3), ["Bad", "", "", "", "Atlantis", "fair"], person(9)]
        failing = _fail_on_call(2, import_service._assess_quality)

        with mock.patch.object(import_service, "_assess_quality", failing):
            lead_import = _import(rows, company, manager, batch_size=3)

        assert (lead_import.status, lead_import.stopped_at_row) == (ImportStatus.FAILED, 5)
        assert Lead.objects.count() == 3
        assert LeadImportError.objects.count() == 0  # row 5's error belonged to the failed batch

    def test_a_failure_while_reading_ahead_fails_the_batch_it_was_reading(self, company, manager):
        # The next batch is parsed and prepared while the current one is written: its failure must not take the
        # current batch down with it.
        import leads.quality

        failing = _fail_on_call(3, leads.quality.prepare_lead)  # the first lead of the second batch

        with mock.patch.object(leads.quality, "prepare_lead", failing):
            lead_import = _import(people(5), company, manager, batch_size=2)

        assert (lead_import.status, lead_import.stopped_at_row) == (ImportStatus.FAILED, 4)
        assert lead_import.rows_processed == 3
        assert sorted(Lead.objects.values_list("email", flat=True)) == ["person1@example.com", "person2@example.com"]
        assert Lead.history.count() == 2

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY writer is PostgreSQL's")
    def test_a_copy_the_database_refuses_rolls_back_that_batch_only(self, company, manager):
        from leads.importing import writer

        real_row = writer._Table.row

        def corrupt(table, obj, *args):
            values = real_row(table, obj, *args)
            if table.db_table == Lead._meta.db_table and obj.email == "person3@example.com":
                values[table.attnames.index("spam_score")] = 101  # breaks the 0-100 check constraint
            return values

        with mock.patch.object(writer._Table, "row", corrupt):
            lead_import = _import(people(5), company, manager, batch_size=2)

        assert (lead_import.status, lead_import.stopped_at_row) == (ImportStatus.FAILED, 4)
        assert "CheckViolation" in lead_import.failure_message
        assert sorted(Lead.objects.values_list("email", flat=True)) == ["person1@example.com", "person2@example.com"]
        assert Lead.history.count() == 2
        assert LeadImportRow.objects.count() == 2

    def test_the_failed_import_can_be_undone(self, company, manager):
        failing = _fail_on_call(2, import_service._save_new_leads)
        with mock.patch.object(import_service, "_save_new_leads", failing):
            lead_import = _import(people(4), company, manager, batch_size=2)

        result = import_undo(lead_import=lead_import, by=manager)

        assert result.removed == 2
        assert not Lead.objects.exists()


@pytest.mark.django_db
class TestDryRun:
    def test_a_dry_run_writes_no_lead_and_reports_what_would_happen(self, company, manager):
        LeadFactory(company=company, email="person1@example.com")
        rows = [*people(4), person(3), ["Bad", "", "", "", "Atlantis", "fair"]]

        lead_import = _import(rows, company, manager, dry_run=True, batch_size=2)

        assert lead_import.dry_run
        assert lead_import.status == ImportStatus.DONE
        assert (lead_import.created_count, lead_import.skipped_duplicates_count, lead_import.error_count) == (3, 2, 1)
        assert Lead.objects.count() == 1
        assert LeadImportRow.objects.count() == 0
        assert lead_import.row_errors.get().row_number == 7

    def test_a_dry_run_then_the_real_run_agree(self, company, manager):
        rows = [*people(6), person(2)]
        dry = _import(rows, company, manager, dry_run=True, batch_size=4)

        real = _import(rows, company, manager, batch_size=4)

        fields = ("created_count", "updated_count", "skipped_duplicates_count", "flagged_duplicates_count")
        assert [getattr(dry, name) for name in fields] == [getattr(real, name) for name in fields]
        assert LeadImport.objects.count() == 2
