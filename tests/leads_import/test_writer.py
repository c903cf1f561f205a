"""The import's write path: COPY (PostgreSQL) writes the same leads and history rows as bulk_create."""

import io
from datetime import date
from unittest import mock

import pytest
from django.db import connection

from crm.history import acting_as
from crm.models import Company
from leads.importing import writer
from leads.importing.models import ImportStatus, LeadImportRow
from leads.importing.service import import_file
from leads.models import Lead
from leads.quality import assess_quality_batch
from tests.factories import ContactFactory

from .csvs import csv_bytes, people

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

# What differs between two writes of the same rows by construction.
IDENTITY = {"id", "company_id", "created_at", "updated_at", "scored_at", "duplicate_of_id", "duplicate_contact_id"}
HISTORY_IDENTITY = IDENTITY | {"history_id", "history_date"}


def _leads(company, user, contact):
    leads = [
        Lead(
            company=company,
            created_by=user,
            first_name="José",
            last_name="O'Neil",
            email=" Jose@Example.COM ",
            phone="(415) 555-0100",
            country="US",
            company_name="Acme Pvt Ltd",
            campaign="fair",
            notes="0 tab\there, new\nline, back\\slash",
            opt_in_date=date(2024, 4, 3),
            gdpr_consent=True,
            submitted_ip="198.51.100.7",
        ),
        Lead(
            company=company,
            created_by=user,
            lead_name="Jose O'Neil",
            email="jose@example.com",
            campaign="fair",
            notes="1",
        ),
        Lead(company=company, lead_name="ASDFG QWERTY", phone="12", country="ZZ", campaign="fair", notes="2"),
        Lead(company=company, email=contact.email, campaign="fair", submitted_ip="", notes="3"),
    ]
    assess_quality_batch(leads)
    return leads


def _rows(company):
    # In list order (bulk_create saves a lead that duplicates an earlier one of the batch in a later round).
    leads = sorted(Lead.objects.filter(company=company).values(), key=lambda lead: (lead["notes"], lead["lead_name"]))
    positions = {lead["id"]: index for index, lead in enumerate(leads)}
    rows = []
    for lead in leads:
        history = [
            {
                **{name: value for name, value in entry.items() if name not in HISTORY_IDENTITY},
                "duplicate_of": positions.get(entry["duplicate_of_id"]),
                "has_contact": entry["duplicate_contact_id"] is not None,
            }
            for entry in Lead.history.filter(id=lead["id"]).order_by("history_id").values()
        ]
        row = {name: value for name, value in lead.items() if name not in IDENTITY}
        row["duplicate_of"] = positions.get(lead["duplicate_of_id"])
        row["has_contact"] = lead["duplicate_contact_id"] is not None
        rows.append((row, history))
    return rows


@postgres_only
@pytest.mark.django_db
class TestCopyWritesWhatBulkCreateWrites:
    def test_the_leads_and_their_history_rows_are_the_same_column_by_column(self, company, manager):
        other = Company.objects.create(name="Other", slug="other")
        contact, other_contact = ContactFactory(company=company), ContactFactory(company=other)
        other_contact.email = contact.email
        other_contact.save()

        with acting_as(manager, reason="CSV import"):
            writer.create_leads(_leads(company, manager, contact), copy=False)
            writer.create_leads(_leads(other, manager, other_contact), copy=True)

        orm_rows, copy_rows = _rows(company), _rows(other)
        assert len(orm_rows) == 4
        assert copy_rows[1][0]["duplicate_of"] == 0  # a duplicate of an earlier lead of the same batch
        for (orm_lead, orm_history), (copy_lead, copy_history) in zip(orm_rows, copy_rows, strict=True):
            assert {k: v for k, v in copy_lead.items() if v != orm_lead[k]} == {}
            assert copy_history == orm_history
        assert copy_rows[0][1][0]["history_user_id"] == manager.pk
        assert copy_rows[0][1][0]["history_change_reason"] == "CSV import"
        assert Lead.objects.filter(company=other, duplicate_contact=other_contact).count() == 1

    def test_the_leads_are_usable_saved_instances(self, company, manager):
        leads = _leads(company, manager, ContactFactory(company=company))

        writer.create_leads(leads, copy=True)

        assert all(lead.pk and not lead._state.adding for lead in leads)
        assert Lead.objects.get(pk=leads[0].pk).updated_at == leads[0].updated_at
        assert leads[1].duplicate_of_id == leads[0].pk


@pytest.mark.django_db
class TestAFailureAfterTheLeadsAreWritten:
    def test_rolls_back_the_batchs_leads_and_history_rows_together(self, company, manager):
        calls = {"n": 0}
        real = writer.create_import_rows

        def failing(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("database went away")
            return real(*args, **kwargs)

        with mock.patch.object(writer, "create_import_rows", failing):
            lead_import = import_file(
                fileobj=io.BytesIO(csv_bytes(people(5))),
                file_name="leads.csv",
                company=company,
                user=manager,
                batch_size=2,
            )

        assert (lead_import.status, lead_import.stopped_at_row) == (ImportStatus.FAILED, 4)
        assert Lead.objects.count() == 2
        assert Lead.history.count() == 2
        assert LeadImportRow.objects.count() == 2


@postgres_only
@pytest.mark.django_db
class TestThePlannerStatistics:
    def test_are_refreshed_as_the_import_grows_the_company(self, company, manager, monkeypatch):
        from django.test.utils import CaptureQueriesContext

        monkeypatch.setattr(writer, "ANALYZE_FIRST", 2)

        with CaptureQueriesContext(connection) as queries:
            lead_import = import_file(
                fileobj=io.BytesIO(csv_bytes(people(9))), file_name="leads.csv", company=company, batch_size=2
            )

        analyzed = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("ANALYZE")]
        assert lead_import.created_count == 9
        assert len(analyzed) == 3  # after 2, 4 and 8 new leads


@pytest.mark.django_db
def test_a_json_value_shared_by_leads_is_encoded_once_and_right_for_each(company):
    import json

    table = writer._Table.of(Lead, with_pk=True)
    column = table.attnames.index("score_factors")
    shared_factors = [{"feature": "source=web", "label": "Source: Web", "contribution": 5.0}]
    leads = [Lead(company=company, campaign="fair") for _ in range(3)]
    leads[0].score_factors = leads[1].score_factors = shared_factors
    leads[2].score_factors = [{"feature": "invalid", "label": "Invalid data", "contribution": -15.0}]
    encoded: dict[int, str] = {}

    rows = [table.row(lead, None, encoded) for lead in leads]

    assert [json.loads(row[column]) for row in rows] == [lead.score_factors for lead in leads]
    assert rows[0][column] is rows[1][column]  # encoded once
    assert len(encoded) == 2
