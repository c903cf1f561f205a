"""The read-only LeadImport admin, scoped to the Company."""

import io

import pytest
from django.urls import reverse

from leads.importing.service import import_file

from .csvs import csv_bytes, people


@pytest.mark.django_db
class TestLeadImportAdmin:
    def test_a_company_admin_sees_their_companys_imports_with_their_errors(
        self, client, company, other_company, admin_user
    ):
        ours = import_file(
            fileobj=io.BytesIO(csv_bytes([*people(1), ["Bad", "", "", "", "Atlantis", "fair"]])),
            file_name="ours.csv",
            company=company,
        )
        other = import_file(fileobj=io.BytesIO(csv_bytes(people(1))), file_name="theirs.csv", company=other_company)
        client.force_login(admin_user)

        changelist = client.get(reverse("admin:leads_leadimport_changelist"))
        detail = client.get(reverse("admin:leads_leadimport_change", args=[ours.pk]))
        foreign = client.get(reverse("admin:leads_leadimport_change", args=[other.pk]))

        assert "ours.csv" in changelist.content.decode()
        assert "theirs.csv" not in changelist.content.decode()
        assert "not a country we know" in detail.content.decode()
        assert foreign.status_code == 302

    def test_nobody_adds_or_deletes_an_import_in_the_admin(self, client, superuser, company):
        lead_import = import_file(fileobj=io.BytesIO(csv_bytes(people(1))), file_name="a.csv", company=company)
        client.force_login(superuser)

        assert client.get(reverse("admin:leads_leadimport_add")).status_code == 403
        assert client.post(reverse("admin:leads_leadimport_delete", args=[lead_import.pk])).status_code == 403
