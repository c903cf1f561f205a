"""Time the pipeline board, the forecast and the dashboard at 100,000 leads and 20,000 deals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench SECRET_KEY=x .venv/bin/python bench/bench_pages.py
    [--leads 100000] [--deals 20000] [--reps 10] [--requests 20] [--keep]

Creates the PostgreSQL database when it does not exist and migrates it, then builds a throwaway Company of its
own (bulk_create: accounts, reps, deals across every stage and close dates over a year and a half, leads over
eighteen months with about 6% converted to those deals), and requests each page through `django.test.Client`
as a manager and as a rep: two warm-up requests, then `--requests` timed ones. Prints p50 / p95 in milliseconds
and the number of queries of one request. The Company and everything in it is deleted at the end (`--keep`
leaves it for poking around). Nothing is asserted: this prints figures (STYLE.md: no timed assertions in tests).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

PAGES = [
    ("pipeline (this quarter)", "/deals/pipeline/"),
    ("pipeline (any date)", "/deals/pipeline/?period=all"),
    ("forecast (this quarter)", "/deals/forecast/"),
    ("forecast drill-down", "/deals/forecast/?column=pipeline"),
    ("forecast CSV", "/deals/forecast/export/"),
    ("dashboard", "/"),
    ("dashboard (all-time leads)", "/?leads=all"),
]
BATCH = 5_000


def ensure_postgres_database() -> None:
    """CREATE DATABASE for a PostgreSQL DATABASE_URL that names a database that does not exist yet."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def build(*, n_leads: int, n_deals: int, n_reps: int, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Account
    from crm.models import Company, Membership, Role, Source
    from deals.models import STAGE_FORECAST_CATEGORY, STAGE_PROBABILITY, Deal, DealStage
    from leads.models import Lead, LeadStatus

    User = get_user_model()
    tag = f"bench{rng.randrange(10**8):08d}"
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        company = Company.objects.create(name=f"Bench {tag}", slug=tag, currency="USD")
        manager = User.objects.create_user(f"{tag}-manager", password=None, first_name="Bench", last_name="Manager")
        Membership.objects.create(user=manager, company=company, role=Role.MANAGER)
        reps = []
        for index in range(n_reps):
            rep = User.objects.create_user(f"{tag}-rep{index}", password=None, first_name="Rep", last_name=str(index))
            Membership.objects.create(user=rep, company=company, role=Role.REP)
            reps.append(rep)

        accounts = Account.objects.bulk_create(
            [Account(company=company, name=f"Account {index}", name_key=f"account {index}") for index in range(5_000)],
            batch_size=BATCH,
        )

        stages = list(DealStage)
        weights = [20, 16, 13, 9, 24, 18]
        deals = []
        for _ in range(n_deals):
            stage = rng.choices(stages, weights)[0]
            closed = stage in (DealStage.CLOSED_WON, DealStage.CLOSED_LOST)
            close = today + timedelta(days=rng.randint(-200, 300))
            deals.append(
                Deal(
                    company=company,
                    name=f"Deal {len(deals)}",
                    account=rng.choice(accounts),
                    owner=rng.choice(reps) if rng.random() > 0.02 else None,
                    stage=stage,
                    amount=Decimal(rng.randrange(1_000, 250_000)) + Decimal(rng.randrange(100)) / 100,
                    currency="USD" if rng.random() > 0.01 else "EUR",
                    probability=STAGE_PROBABILITY[stage],
                    forecast_category=STAGE_FORECAST_CATEGORY[stage],
                    expected_close_date=close,
                    closed_at=now - timedelta(days=rng.randint(0, 400)) if closed else None,
                    lost_reason="Price" if stage == DealStage.CLOSED_LOST else "",
                )
            )
        deals = Deal.objects.bulk_create(deals, batch_size=BATCH)

        statuses = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED]
        campaigns = [f"campaign-{index}" for index in range(40)]
        mediums = ["cpc", "email", "organic", "social", "referral", "display", "event", ""]
        convertible = rng.sample(deals, min(len(deals), n_leads // 16))
        leads = []
        for index in range(n_leads):
            deal = convertible[index] if index < len(convertible) else None
            leads.append(
                Lead(
                    company=company,
                    first_name="Lead",
                    last_name=str(index),
                    lead_name=f"Lead {index}",
                    email=f"lead{index}@example.com",
                    source=rng.choice(Source.values),
                    campaign=rng.choice(campaigns),
                    medium=rng.choice(mediums),
                    lead_owner=rng.choice(reps) if rng.random() > 0.3 else None,
                    status=LeadStatus.CONVERTED if deal else rng.choices(statuses, [40, 30, 15, 15])[0],
                    disqualified_reason="",
                    lead_score=rng.randrange(101),
                    spam_score=rng.randrange(40),
                    converted_deal=deal,
                    converted_to_account_id=deal.account_id if deal else None,
                    converted_at=now if deal else None,
                )
            )
        Lead.objects.bulk_create(leads, batch_size=BATCH)
        # Capture dates over eighteen months (bulk_create stamps them all "now").
        table = Lead._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET created_at = now() - (id %% 540) * interval '1 day' "  # noqa: S608
                    "WHERE company_id = %s",
                    [company.pk],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET created_at = datetime('now', '-' || (id %% 540) || ' days') "  # noqa: S608
                    "WHERE company_id = %s",
                    [company.pk],
                )
    vacuum()
    return company, manager, reps[0]


def vacuum() -> None:
    """VACUUM ANALYZE the big tables (PostgreSQL), as autovacuum would in production: the bulk insert, the
    created_at update and earlier runs' deletes leave dead rows that would otherwise be timed too."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("leads_lead", "deals_deal", "accounts_account"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def cleanup(company) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import QuerySet

    from accounts.models import Account
    from contacts.models import Contact
    from crm.models import Membership
    from deals.models import Deal
    from leads.models import Lead

    with transaction.atomic():
        user_ids = list(Membership.objects.filter(company=company).values_list("user_id", flat=True))
        Lead.objects.filter(company=company).delete()
        Deal.objects.filter(company=company).delete()
        Contact.objects.filter(company=company).delete()
        QuerySet.delete(Account.objects.filter(company=company))  # accounts refuse .delete(): a bench may
        Membership.objects.filter(company=company).delete()
        get_user_model().objects.filter(pk__in=user_ids).delete()
        company.delete()


def time_page(client, url: str, requests: int) -> tuple[float, float, int, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url)
    reset_queries()  # the log of the last request is cleared when the next starts: count from empty
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    queries = len(captured)  # now: the next request clears the connection's query log
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, queries, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="leave the bench Company in the database")
    args = parser.parse_args()

    ensure_postgres_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    # The test client's host; not setup_test_environment(), whose template instrumentation would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    started = time.perf_counter()
    company, manager, rep = build(
        n_leads=args.leads, n_deals=args.deals, n_reps=args.reps, rng=random.Random(args.seed)
    )
    elapsed = time.perf_counter() - started
    print(f"built {args.leads:,} leads, {args.deals:,} deals, {args.reps} reps in {elapsed:.1f} s")
    try:
        print(f"\n{'page':30} {'role':8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for role, user in (("manager", manager), ("rep", rep)):
            client = Client()
            client.force_login(user)
            for label, url in PAGES:
                p50, p95, queries, status = time_page(client, url, args.requests)
                flag = "" if status == 200 else f"  (HTTP {status})"
                print(f"{label:30} {role:8} {p50:8.1f} {p95:8.1f} {queries:8d}{flag}")
    finally:
        if args.keep:
            print(f"\nkept company {company.slug}")
        else:
            cleanup(company)
            vacuum()
            print("\ncleaned up the bench company")


if __name__ == "__main__":
    main()
