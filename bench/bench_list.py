"""The lead list at scale: p50 / p95 latency and queries of /leads/ for a manager and a rep. Asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench SECRET_KEY=x .venv/bin/python bench/bench_list.py [N]

N (argv[1], else BENCH_N, default 100,000; up to a few million) is the number of leads of the bench Company.
The PostgreSQL database is created when missing and migrated. The data stays between runs: a Company
`bench-list-<N>` with a manager and 20 reps gets its leads by COPY in committed chunks, so a rerun (or a run
that was interrupted) only adds what is missing. A second Company of 1,000 leads is built the same way, so the
table can show that the query count at N is the one at 1,000. After a load the table is VACUUM ANALYZEd, as
autovacuum would do in production.

Each page is requested through `django.test.Client` (force_login): two warm-up requests, then `--requests`
timed ones. The pages: the first page, a filtered page (?status=qualified&campaign=webinar), a search for a
common surname, a search for the email address of one lead, and page 2,000 (25 rows a page). The table gives,
at N leads and at 1,000, the p50 (and p95 at N) of the whole request, the p50 of the time spent in SQL (the
rest is Python: view, forms, template) and the queries of one request; then what the page shows at N (an
estimated count, or the real last page when page 2,000 is past the end of the list). The load average before
and after is printed too: on a shared 2-core machine the timings follow it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_bench")

REFERENCE_N = 1_000
REPS = 20
CHUNK = 100_000
DEEP_PAGE = 2_000

FIRST = ["Ada", "Grace", "Alan", "Linus", "Zoë", "José", "Priya", "Wei", "Fatima", "Lars", "Chloé", "Mateo", "Aiko",
         "Noah", "Emma", "Liam", "Olivia", "Raj", "Mei", "Omar", "Sofia", "Ivan", "Hana", "Kofi", "Elena", "Tomás",
         "Ingrid", "Yusuf", "Nadia", "Pierre", "Anika", "Diego", "Freya", "Hiro", "Leila", "Marco", "Nia", "Oscar",
         "Rosa", "Sven"]  # fmt: skip
LAST = ["Lovelace", "Hopper", "Turing", "Müller", "Sharma", "Chen", "Okafor", "Nielsen", "García", "O'Neil",
        "Rossi", "Smith", "Johnson", "Brown", "Kowalski", "Novak", "Tanaka", "Kim", "Singh", "Haddad", "Dubois",
        "Schmidt", "Larsen", "Silva", "Costa", "Ivanova", "Nakamura", "Patel", "Khan", "Walker", "Young", "King",
        "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Ramos", "Campbell", "Mitchell", "Roberts",
        "Carter", "Phillips", "Evans", "Torres", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy",
        "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey"]  # fmt: skip
FIRMS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
         "Wonka", "Vandelay", "Dunder", "Pied Piper", "Massive", "Oscorp", "Aperture", "Black Mesa", "Gringotts",
         "Monarch"]  # fmt: skip
SUFFIXES = ["Inc", "Ltd", "GmbH", "Pvt Ltd", "LLC", "Corp", "SA", ""]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "example.co.in", "example.de"]
CAMPAIGNS = [f"{theme}-{year}" for theme in ("spring-launch", "webinar", "expo", "newsletter", "retargeting",
             "partner-push", "black-friday", "product-hunt") for year in (2023, 2024, 2025, 2026, 2027)]  # fmt: skip
MEDIUMS = ["cpc", "email", "organic", "social", "referral", "display", "event", ""]
COUNTRIES = ["US", "GB", "IN", "DE", "FR", "BR", "JP", "NG"]
STATUSES = (["new"] * 45) + (["contacted"] * 25) + (["qualified"] * 15) + (["disqualified"] * 15)

FILTER_CAMPAIGN = "webinar"  # icontains: the five webinar campaigns
SEARCH_NAME = "Hopper"


def ensure_postgres_database() -> None:
    """CREATE DATABASE for a PostgreSQL DATABASE_URL that names a database that does not exist yet."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_list.py measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def email_of(index: int) -> str:
    """Every lead has its own address: the search for one of them must find exactly one row."""
    first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
    return f"{first}.{last}.{index}@{DOMAINS[index % len(DOMAINS)]}".lower().replace("'", "")


def lead_values(index: int, n: int, rng: random.Random, company_id: int, owners: list[int], start, span) -> dict:
    first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
    firm = f"{rng.choice(FIRMS)} {rng.randrange(100)} {rng.choice(SUFFIXES)}".strip()
    # Leads arrive over three years in id order, as they do in real life.
    created = start + span * (index / n) + timedelta(seconds=rng.randrange(60))
    spam = rng.randrange(70, 101) if rng.random() < 0.07 else rng.randrange(0, 40)
    return {
        "company_id": company_id,
        "created_at": created,
        "updated_at": created,
        "first_name": first,
        "last_name": last,
        "lead_name": f"{first} {last}",
        "email": email_of(index),
        "phone": f"+1{rng.randrange(201, 990)}555{rng.randrange(10_000):04d}",
        "company_name": firm,
        "job_title": rng.choice(["CTO", "Head of Sales", "Engineer", "Buyer", "CEO", ""]),
        "country": rng.choice(COUNTRIES),
        "source": rng.choice(["web", "referral", "event", "advertisement", "email", "import", "other"]),
        "campaign": rng.choice(CAMPAIGNS),
        "medium": rng.choice(MEDIUMS),
        "status": rng.choice(STATUSES),
        "stage": rng.choice(["awareness", "consideration", "decision"]),
        "authority_level": rng.choice(["decision_maker", "influencer", "end_user", "gatekeeper", "unknown"]),
        "timeline": rng.choice(["immediate", "1_3_months", "3_6_months", "6_12_months", "12_plus_months"]),
        "budget_range": rng.choice(["lt_10k", "10k_50k", "50k_100k", "100k_500k", "gt_500k", ""]),
        "lead_owner_id": None if rng.random() < 0.15 else rng.choice(owners),
        "lead_score": rng.randrange(101),
        "spam_score": spam,
        "validation_status": "valid",
        "gdpr_consent": rng.random() < 0.6,
        "name_key": f"{first} {last}|{firm}".lower(),
    }


def copy_columns():
    """Every concrete Lead column, with the model default for the ones the generator leaves out."""
    import json

    from django.db import connection
    from django.db.models import NOT_PROVIDED

    from leads.models import Lead

    with connection.cursor() as cursor:
        in_table = {column.name for column in connection.introspection.get_table_description(cursor, "leads_lead")}
    columns = []
    for field in Lead._meta.concrete_fields:
        if field.primary_key or field.column not in in_table:
            continue
        if field.default is NOT_PROVIDED:
            default = None if field.null else ""
        else:
            default = field.get_default()
            if isinstance(default, list | dict):
                default = json.dumps(default)
        columns.append((field.column, default))
    return columns


def build_company(n: int, rng_seed: int):
    """The Company `bench-list-<n>`, its manager and reps, and n leads (only the missing ones are added)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from crm.models import Company, Membership, Role
    from leads.models import Lead

    User = get_user_model()
    slug = f"bench-list-{n}"
    with transaction.atomic():
        company, _ = Company.objects.get_or_create(slug=slug, defaults={"name": f"Bench list {n:,}"})
        users = {}
        for username, role in [(f"{slug}-manager", Role.MANAGER)] + [(f"{slug}-rep{k}", Role.REP) for k in range(REPS)]:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username, password=None, first_name=role.label, last_name=username)
                Membership.objects.create(user=user, company=company, role=role)
            users[username] = user
    manager, rep = users[f"{slug}-manager"], users[f"{slug}-rep0"]
    owners = [users[f"{slug}-rep{k}"].pk for k in range(REPS)]

    have = Lead.objects.filter(company=company).count()
    if have >= n:
        return company, manager, rep, 0
    columns = copy_columns()
    names = [column for column, _ in columns]
    start = timezone.now().replace(microsecond=0) - timedelta(days=3 * 365)
    span = timedelta(days=3 * 365) - timedelta(hours=1)
    started, added = time.perf_counter(), 0
    connection.ensure_connection()
    for chunk_start in range(have, n, CHUNK):
        chunk_end = min(n, chunk_start + CHUNK)
        rng = random.Random(rng_seed * 1_000_003 + chunk_start)
        with transaction.atomic(), connection.connection.cursor() as cursor:
            statement = f"COPY {Lead._meta.db_table} ({', '.join(names)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for index in range(chunk_start, chunk_end):
                    values = lead_values(index, n, rng, company.pk, owners, start, span)
                    copy.write_row([values.get(column, default) for column, default in columns])
        added += chunk_end - chunk_start
        rate = added / (time.perf_counter() - started)
        print(f"  {slug}: {chunk_end:,} / {n:,} leads ({rate:,.0f} rows/s)", flush=True)
    return company, manager, rep, added


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_lead")


def scenarios(user) -> list[tuple[str, dict]]:
    return [
        ("first page", {}),
        ("filtered", {"status": "qualified", "campaign": FILTER_CAMPAIGN}),
        ("search (surname)", {"q": SEARCH_NAME}),
        ("search (one email)", {"q": email_in_the_middle(user)}),
        (f"page {DEEP_PAGE:,}", {"page": DEEP_PAGE}),
    ]


def email_in_the_middle(user) -> str:
    """The address of a lead the user sees in the list, from the middle of the Company's leads."""
    from django.db.models import Max, Min

    from crm.models import company_of
    from leads.models import Lead

    company = company_of(user)
    visible = Lead.objects.visible_to(user).filter(spam_score__lt=company.spam_threshold)
    bounds = Lead.objects.filter(company=company).aggregate(low=Min("pk"), high=Max("pk"))
    middle = (bounds["low"] + bounds["high"]) // 2
    return visible.filter(pk__gte=middle).order_by("pk").values_list("email", flat=True).first()


RESULT_COUNT = re.compile(r'data-testid="result-count">\s*(.*?)\s*</div>', re.S)


class SqlTimer:
    """A connection execute wrapper: counts the statements and adds up the time spent in them (to the
    microsecond; Django's captured queries round to the millisecond and switch on the debug cursor)."""

    def __init__(self):
        self.queries, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def time_page(client, url: str, requests: int):
    """p50 and p95 of the whole request, p50 of its SQL time, the queries of one request, and the count shown."""
    from django.db import connection

    for _ in range(2):
        client.get(url)
    timings, sql_timings = [], []
    for _ in range(requests):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        sql_timings.append(timer.seconds * 1000)
    queries = timer.queries
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    if response.status_code == 200:
        match = RESULT_COUNT.search(response.content.decode())
        shown = " ".join(match.group(1).split()) if match else "no rows"
    else:
        shown = f"HTTP {response.status_code}"
    return statistics.median(timings), p95, statistics.median(sql_timings), queries, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=int(os.environ.get("BENCH_N", 100_000)))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 20)))
    args = parser.parse_args()

    ensure_postgres_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # The test client's host; not setup_test_environment(), whose template instrumentation would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; lead list bench at {args.n:,} leads")
    print(f"load average before: {load_average()}")

    started = time.perf_counter()
    reference = build_company(REFERENCE_N, rng_seed=1)
    large = build_company(args.n, rng_seed=2)
    if reference[3] or large[3]:
        print(f"  built in {time.perf_counter() - started:.0f} s; VACUUM ANALYZE ...", flush=True)
        vacuum_analyze()

    list_url = reverse("leads:list")
    header = f"{'lead list':20} {'role':8} {'p50 ms':>7} {'p95 ms':>7} {'SQL ms':>7} {'queries':>7}"
    print(f"\n{'':30}{f'at {args.n:,} leads':^31} | {'at 1,000 leads':^23} |")
    print(f"{header} | {'p50 ms':>7} {'SQL ms':>7} {'queries':>7} |  shown at {args.n:,}")
    for role, index in (("manager", 1), ("rep", 2)):
        reference_client, client = Client(), Client()
        reference_client.force_login(reference[index])
        client.force_login(large[index])
        pairs = zip(scenarios(large[index]), scenarios(reference[index]), strict=True)
        for (label, params), (_, reference_params) in pairs:
            p50, p95, sql, queries, shown = time_page(client, list_url + query_string(params), args.requests)
            if "page" in reference_params:
                reference_params = {"page": 2}  # 1,000 leads have no page 2,000: a page past the first
            small = time_page(reference_client, list_url + query_string(reference_params), args.requests)
            print(
                f"{label:20} {role:8} {p50:7.1f} {p95:7.1f} {sql:7.1f} {queries:7d} | "
                f"{small[0]:7.1f} {small[2]:7.1f} {small[3]:7d} |  {shown}",
                flush=True,
            )
    print(f"load average after: {load_average()}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (as `uptime` shows them): timings on a busy machine are slower."""
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def query_string(params: dict) -> str:
    return f"?{urlencode(params)}" if params else ""


if __name__ == "__main__":
    main()
