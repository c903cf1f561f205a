"""The import pages: upload, preview and mapping, dry run, run, report, error CSV, undo; and who may do what."""

import codecs
import io
from unittest import mock

import pytest
from django.urls import reverse

from crm.models import Role
from leads.importing import service as import_service
from leads.importing.models import ImportStatus, LeadImport
from leads.models import Lead
from tests.factories import member

from .csvs import HEADER, csv_bytes, people, person


def _upload(client, data: bytes, name="leads.csv", **extra):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("leads:import"), {"file": upload, **extra})


def _options(lead_import, action, **changes):
    data = {"mode": lead_import.mode, "default_campaign": lead_import.default_campaign, "action": action}
    data.update({f"column_{index}": name for index, name in enumerate(lead_import.mapping)})
    data.update(changes)
    return data


@pytest.mark.django_db
class TestUploadPage:
    def test_the_page_explains_the_file_and_the_limit(self, manager_client):
        response = manager_client.get(reverse("leads:import"))

        content = response.content.decode()
        assert response.status_code == 200
        assert "UTF-8" in content
        assert "2.0\xa0MB" in content
        assert "import_leads" in content

    def test_a_good_file_becomes_a_pending_import_and_nothing_is_imported_yet(self, manager_client, manager):
        response = _upload(manager_client, csv_bytes(people(3)))

        lead_import = LeadImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == lead_import.get_absolute_url()
        assert (lead_import.status, lead_import.rows_total, lead_import.created_by) == (
            ImportStatus.PENDING,
            3,
            manager,
        )
        assert bytes(lead_import.source_data) == csv_bytes(people(3))
        assert not Lead.objects.exists()

    def test_a_file_over_the_limit_is_refused_before_it_is_stored(self, manager_client, settings):
        settings.LEAD_IMPORT_MAX_UPLOAD_BYTES = 2_000
        data = csv_bytes(people(100))

        response = _upload(manager_client, data)

        assert response.status_code == 200
        assert "the page takes files up to 2.0\xa0KB" in response.content.decode()
        assert not LeadImport.objects.exists()

    def test_the_history_lists_a_reps_own_imports_only(
        self, client, company, rep, manager, django_assert_max_num_queries
    ):
        import_service.import_file(
            fileobj=io.BytesIO(csv_bytes(people(1))), file_name="managers.csv", company=company, user=manager
        )
        import_service.import_file(
            fileobj=io.BytesIO(csv_bytes(people(1, start=9))), file_name="reps.csv", company=company, user=rep
        )
        client.force_login(rep)

        with django_assert_max_num_queries(8):
            response = client.get(reverse("leads:import"))

        assert "reps.csv" in response.content.decode()
        assert "managers.csv" not in response.content.decode()

    def test_a_user_without_a_company_is_refused(self, client, db):
        from tests.factories import UserFactory

        client.force_login(UserFactory(username="loner"))

        assert client.get(reverse("leads:import")).status_code == 403

    def test_anonymous_users_are_sent_to_login(self, client, db):
        response = client.get(reverse("leads:import"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
class TestPreviewAndRun:
    def test_the_preview_shows_the_mapping_the_first_rows_and_their_problems(self, manager_client):
        rows = [[*HEADER, "Shoe size"], [*person(1), "44"], ["Bad", "", "", "", "Atlantis", "fair", ""]]
        _upload(manager_client, csv_bytes(rows))
        lead_import = LeadImport.objects.get()

        response = manager_client.get(lead_import.get_absolute_url())

        content = response.content.decode()
        assert lead_import.mapping == ["lead_name", "email", "phone", "company_name", "country", "campaign", ""]
        assert 'name="column_6"' in content
        assert "person1@example.com" in content
        assert "not a country we know" in content

    def test_the_user_corrects_the_mapping_and_gives_a_default_campaign(self, manager_client):
        _upload(manager_client, csv_bytes([["Full name", "Cell"], ["Ada Lovelace", "+44 20 7946 0000"]]))
        lead_import = LeadImport.objects.get()

        manager_client.post(
            lead_import.get_absolute_url(), _options(lead_import, "run", column_1="phone", default_campaign="expo")
        )

        lead = Lead.objects.get()
        assert (lead.lead_name, lead.phone, lead.campaign) == ("Ada Lovelace", "+442079460000", "expo")

    def test_a_dry_run_writes_nothing_and_the_real_run_follows(self, manager_client):
        _upload(manager_client, csv_bytes([*people(4), ["Bad", "", "", "", "Atlantis", "fair"]]))
        lead_import = LeadImport.objects.get()

        dry = manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "dry_run"), follow=True)
        lead_import.refresh_from_db()
        dry_state = (lead_import.status, lead_import.dry_run, lead_import.created_count, lead_import.error_count)
        leads_after_dry_run = Lead.objects.count()
        real = manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "run"), follow=True)

        assert "Dry run, nothing written: it would create 4 leads" in dry.content.decode()
        assert dry_state == (ImportStatus.PENDING, True, 4, 1)
        assert leads_after_dry_run == 0
        assert "Imported: 4 leads created" in real.content.decode()
        lead_import.refresh_from_db()
        assert (lead_import.status, lead_import.dry_run, lead_import.created_count) == (ImportStatus.DONE, False, 4)
        assert lead_import.row_errors.count() == 1
        assert bytes(lead_import.source_data) == b""
        assert Lead.objects.count() == 4

    def test_an_import_runs_once(self, manager_client):
        _upload(manager_client, csv_bytes(people(2)))
        lead_import = LeadImport.objects.get()
        manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "run"))

        response = manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "run"), follow=True)

        assert "already run" in response.content.decode()
        assert Lead.objects.count() == 2

    def test_a_server_error_halfway_is_reported_with_the_row(self, manager_client, monkeypatch):
        _upload(manager_client, csv_bytes(people(5)))
        lead_import = LeadImport.objects.get()
        monkeypatch.setattr(import_service, "BATCH_SIZE", 2)
        real_save = import_service._save_new_leads
        calls = []

        def failing(*args):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("boom")
            return real_save(*args)

        with mock.patch.object(import_service, "_save_new_leads", failing):
            response = manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "run"), follow=True)

        lead_import.refresh_from_db()
        assert (lead_import.status, lead_import.stopped_at_row) == (ImportStatus.FAILED, 4)
        assert "stopped at row 4" in response.content.decode()
        assert Lead.objects.count() == 2

    def test_the_report_offers_the_errors_as_csv(self, manager_client):
        rows = [*people(1), ["Bad, Name", "", "", "", "Atlantis", "fair"], ["=cmd()", "", "", "", "", ""]]
        _upload(manager_client, csv_bytes(rows))
        lead_import = LeadImport.objects.get()
        manager_client.post(lead_import.get_absolute_url(), _options(lead_import, "run", default_campaign=""))

        response = manager_client.get(reverse("leads:import_errors", args=[lead_import.pk]))

        body = b"".join(response.streaming_content)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert body.startswith(codecs.BOM_UTF8)
        lines = body.decode("utf-8-sig").splitlines()
        assert lines[0] == "row,column,value,reason,Name,E-mail,Mobile,Company,Country,utm_campaign"
        assert lines[1].startswith("3,Country,Atlantis,")
        assert lines[1].endswith('"Bad, Name",,,,Atlantis,fair')
        assert lines[2].startswith("4,utm_campaign,,No campaign")
        assert "'=cmd()" in lines[2]


@pytest.mark.django_db
class TestAccess:
    @pytest.fixture
    def managers_import(self, company, manager):
        return import_service.import_file(
            fileobj=io.BytesIO(csv_bytes(people(2))), file_name="m.csv", company=company, user=manager
        )

    @pytest.mark.parametrize(
        ("url_name", "method"),
        [("leads:import_detail", "get"), ("leads:import_errors", "get"), ("leads:import_undo", "post")],
    )
    def test_another_companys_import_is_a_404(self, outsider_client, managers_import, url_name, method):
        response = getattr(outsider_client, method)(reverse(url_name, args=[managers_import.pk]))

        assert response.status_code == 404
        assert Lead.objects.count() == 2

    def test_a_rep_does_not_see_a_managers_import(self, rep_client, managers_import):
        assert rep_client.get(managers_import.get_absolute_url()).status_code == 404
        assert rep_client.post(reverse("leads:import_undo", args=[managers_import.pk])).status_code == 404

    def test_a_manager_undoes_a_reps_import(self, client, company, rep, manager):
        reps_import = import_service.import_file(
            fileobj=io.BytesIO(csv_bytes(people(2))), file_name="r.csv", company=company, user=rep
        )
        client.force_login(manager)

        response = client.post(reverse("leads:import_undo", args=[reps_import.pk]), follow=True)

        assert "Undone: 2 leads removed." in response.content.decode()
        assert not Lead.objects.exists()

    def test_a_rep_imports_into_the_queue_and_their_own_name(self, client, company):
        rep = member(company, Role.REP, username="importer")
        client.force_login(rep)
        _upload(client, csv_bytes([[*HEADER, "Owner"], [*person(1), "importer"], person(2)]))
        lead_import = LeadImport.objects.get()

        client.post(lead_import.get_absolute_url(), _options(lead_import, "run"))

        owners = dict(Lead.objects.values_list("email", "lead_owner_id"))
        assert owners == {"person1@example.com": rep.pk, "person2@example.com": None}

    def test_undo_is_a_post(self, manager_client, managers_import):
        response = manager_client.get(reverse("leads:import_undo", args=[managers_import.pk]))

        assert response.status_code == 405
