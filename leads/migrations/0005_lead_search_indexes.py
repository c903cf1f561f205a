"""Indexes and statistics that keep the lead list fast at a million leads. PostgreSQL only; nothing on SQLite.

- pg_trgm, and a trigram GIN index on the text `?q=` searches: UPPER(lead_name || ' ' || first_name || ...), the
  very expression `leads.filters.SearchText` builds, so icontains (`UPPER(...) LIKE UPPER('%word%')`) uses it.
  Its statistics target is raised so the planner knows whether a word is rare (use the index) or common (walk
  the list in order and stop after 25 rows).
- A covering index for the list's order (company, created_at DESC, id DESC) carrying what the default list
  filters on (owner for a rep, spam score): deep pages skip their offset in an index-only scan
  (`crm.pagination.EstimatedCountPaginator` reads the keys of a deep page first), and counts read no rows.
- (company, status, created_at DESC, id DESC) with campaign, spam score and owner: a status filter in the list's
  order without a sort, counted (with the campaign filter) from the index alone.
- Statistics on UPPER(campaign), which the campaign filter (icontains) compares: without them the planner
  guesses that a campaign matches a handful of rows and sorts thousands.

The indexes are built CONCURRENTLY (writes to leads go on while a large table is indexed), so this migration
is not atomic. They are not in `Lead.Meta.indexes`: GIN operator classes, INCLUDE and expression statistics are
PostgreSQL features the SQLite schema cannot have, and the model state stays the same on both databases.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCH_TEXT = (
    "UPPER((lead_name || ' ' || first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || company_name))"
)

INDEXES = {
    "lead_search_trgm_idx": f"ON leads_lead USING gin ({SEARCH_TEXT} gin_trgm_ops)",
    "lead_list_covering_idx": "ON leads_lead (company_id, created_at DESC, id DESC) INCLUDE (lead_owner_id, spam_score)",
    "lead_status_created_idx": (
        "ON leads_lead (company_id, status, created_at DESC, id DESC) INCLUDE (campaign, spam_score, lead_owner_id)"
    ),
}
STATISTICS = {"lead_campaign_upper_stats": "ON (UPPER(campaign::text)) FROM leads_lead"}


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """CREATE EXTENSION pg_trgm on PostgreSQL, nothing elsewhere, both ways (Django's only checks forwards)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")
    schema_editor.execute("ALTER INDEX lead_search_trgm_idx ALTER COLUMN 1 SET STATISTICS 1000")
    for name, definition in STATISTICS.items():
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {name} {definition}")
    schema_editor.execute("ANALYZE leads_lead")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")
    for name in reversed(INDEXES):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("leads", "0004_lead_history_version"),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
