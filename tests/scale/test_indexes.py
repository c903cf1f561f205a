"""The lead list indexes: PostgreSQL gets them (and the search uses the trigram one), SQLite is left as it was,
and the migration goes back and forth on both."""

import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from leads.filters import LeadSearchFilter, SearchText
from leads.models import Lead

NEW_INDEXES = {"lead_search_trgm_idx", "lead_list_covering_idx", "lead_status_created_idx"}


def search_migration():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    [migration] = [m for (app, name), m in loader.disk_migrations.items() if app == "leads" and "search_index" in name]
    return migration


def lead_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Lead._meta.db_table))


def statistics_objects() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'leads_lead'::regclass")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
class TestTheMigration:
    def test_it_adds_the_indexes_on_postgresql_only_and_takes_them_away_again(self):
        migration = search_migration()
        [previous] = [name for app, name in migration.dependencies if app == "leads"]

        try:
            call_command("migrate", "leads", previous, verbosity=0)
            before, statistics_before = lead_indexes(), statistics_objects()
            call_command("migrate", "leads", migration.name, verbosity=0)
            after, statistics_after = lead_indexes(), statistics_objects()
        finally:
            call_command("migrate", "leads", verbosity=0)  # back to the latest schema for the tests that follow

        assert not before & NEW_INDEXES
        if connection.vendor == "postgresql":
            assert after - before == NEW_INDEXES
            assert statistics_after - statistics_before == {"lead_campaign_upper_stats"}
        else:
            assert after == before  # nothing changes on SQLite


def normalised(sql: str) -> str:
    return re.sub(r'"?leads_lead"?\.|"', "", sql).replace("UPPER(", "").replace(")", "").replace("(", "").strip()


@pytest.mark.django_db
class TestTheSearchUsesTheIndex:
    def test_the_search_text_is_the_expression_the_migration_indexes(self):
        compiled, _params = (
            SearchText()
            .resolve_expression(Lead.objects.all().query)
            .as_sql(Lead.objects.all().query.get_compiler(connection=connection), connection)
        )

        assert normalised(compiled) == normalised(search_migration_module().SEARCH_TEXT)

    def test_postgresql_answers_a_search_from_the_trigram_index(self, company):
        queryset = LeadSearchFilter().filter(Lead.objects.order_by(), "lovelace")

        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # a test table is tiny: leave the planner only the index to use
                cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
            plan = queryset.explain()

        assert ("lead_search_trgm_idx" in plan) is (connection.vendor == "postgresql")


def search_migration_module():
    import importlib

    migration = search_migration()
    return importlib.import_module(f"leads.migrations.{migration.name}")
