"""Migrations: they match the models, they are named, and every one of them can be undone."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL

from .factories import ContactFactory, DealFactory, LeadFactory

PROJECT_APPS = ("crm", "accounts", "contacts", "deals", "leads")
PROJECT_TABLES = {"crm_company", "crm_membership", "accounts_account", "contacts_contact", "deals_deal", "leads_lead"}


def project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [migration for (app, _name), migration in loader.disk_migrations.items() if app in PROJECT_APPS]


class TestMigrationFiles:
    @pytest.mark.django_db  # makemigrations checks the applied history against the database
    def test_the_models_have_no_changes_missing_a_migration(self):
        out = io.StringIO()

        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
        except SystemExit:
            pytest.fail(f"makemigrations --check found model changes without a migration:\n{out.getvalue()}")

        assert "No changes detected" in out.getvalue()

    def test_every_project_app_has_migrations(self):
        apps_with_migrations = {migration.app_label for migration in project_migrations()}

        assert apps_with_migrations == set(PROJECT_APPS)

    def test_migrations_are_named_not_auto(self):
        auto_named = [f"{m.app_label}.{m.name}" for m in project_migrations() if "_auto_" in m.name]

        assert auto_named == []

    def test_data_migrations_can_be_reversed(self):
        irreversible = [
            f"{migration.app_label}.{migration.name}: {operation.describe()}"
            for migration in project_migrations()
            for operation in migration.operations
            if isinstance(operation, RunPython | RunSQL) and not operation.reversible
        ]

        assert irreversible == []


@pytest.mark.django_db(transaction=True)
class TestMigrationsAreReversible:
    def test_every_app_migrates_to_zero_and_back_to_a_working_schema(self):
        call_command("migrate", "crm", "zero", verbosity=0)  # first unapplies every app that depends on crm
        tables_at_zero = set(connection.introspection.table_names())

        call_command("migrate", verbosity=0)

        assert not PROJECT_TABLES & tables_at_zero
        assert set(connection.introspection.table_names()) >= PROJECT_TABLES
        contact = ContactFactory()
        deal = DealFactory(company=contact.company, account=contact.account, primary_contact=contact)
        lead = LeadFactory(company=contact.company)
        assert {deal.company_id, lead.company_id} == {contact.company_id}
