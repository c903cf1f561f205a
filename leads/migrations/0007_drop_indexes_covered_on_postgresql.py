"""On PostgreSQL, drop two lead indexes that 0005's covering indexes make redundant (same leading columns):

- lead_company_created_idx (company, -created_at, -id): lead_list_covering_idx has the same keys;
- lead_company_status_idx (company, status): lead_status_created_idx starts with them.

Every lead an import writes maintains each index, so two fewer is a faster import; the list and its filters read
the covering indexes. SQLite has no covering indexes and keeps both (the model's Meta still declares them, so
Django's state is unchanged). Reversible: backwards creates them again.
"""

from django.db import migrations

REDUNDANT = {
    "lead_company_created_idx": "ON leads_lead (company_id, created_at DESC, id DESC)",
    "lead_company_status_idx": "ON leads_lead (company_id, status)",
}


def drop_redundant(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in REDUNDANT:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def create_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in REDUNDANT.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")


class Migration(migrations.Migration):
    atomic = False  # DROP / CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("leads", "0006_lead_and_history_fewer_indexes"),
    ]

    operations = [
        migrations.RunPython(drop_redundant, create_again, elidable=False),
    ]
