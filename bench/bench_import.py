"""CSV import and export throughput, and the import command's peak memory. Prints a table; asserts nothing.

    SECRET_KEY=x .venv/bin/python bench/bench_import.py [N]            # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm SECRET_KEY=x .venv/bin/python bench/bench_import.py 100000

N (argv[1] or BENCH_N, default 100,000) rows of realistic leads are generated as a CSV (US and UK numbers in
national formats, some in-file duplicates, disposable and invalid emails, ~1% rows with an unknown country).
The bench runs in a throwaway test database (`test_<name>`, created and dropped here), never the real one:

1. `manage.py import_leads` on a file of N/10 rows and on one of N rows, each in its own process: the peak RSS
   of each (memory must stay flat as the file grows), and the rows/s of the run through the full pipeline
   (parse, validation, spam, duplicates, score, bulk writes, import bookkeeping).
2. A bare `bulk_create` of the same N rows (parsed with the csv module, no pipeline): the ceiling to compare with.
3. The lead export (`/leads/export/`, streamed) of the N imported leads.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

FIRST = ["Ada", "Grace", "Alan", "Linus", "Zoë", "José", "Priya", "Wei", "Fatima", "Lars", "Chloé", "Mateo", "Aiko"]
LAST = ["Lovelace", "Hopper", "Turing", "Müller", "Sharma", "Chen", "Okafor", "Nielsen", "García", "O'Neil", "Rossi"]
FIRMS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent"]
SUFFIXES = ["Inc", "Ltd", "GmbH", "Pvt Ltd", "LLC", "", "Corp"]
CAMPAIGNS = ["spring-launch", "webinar-q2", "expo-2024", "newsletter", "retargeting", "partner-push"]
SOURCES = ["web", "event", "referral", "linkedin", "newsletter", "google", ""]
US_AREAS = ["212", "415", "312", "617", "206", "512", "303", "404"]
HEADER = ["First name", "Last name", "E-mail", "Mobile", "Company", "Job title", "Country", "utm_source",
          "utm_campaign", "utm_medium", "Notes"]  # fmt: skip


def generate_csv(path: Path, rows: int, *, tag: str, seed: int) -> None:
    """Write `rows` lead rows; about 3% repeat an earlier row's email, 1% have an unknown country."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            firm = f"{rng.choice(FIRMS)} {n % 5000} {rng.choice(SUFFIXES)}".strip()
            roll = rng.random()
            if roll < 0.03 and n > 10:
                email = f"{tag}.{n - rng.randint(1, 10)}@{rng.choice(FIRMS).lower()}.example.com"
            elif roll < 0.05:
                email = f"{tag}.{n}@mailinator.com"
            elif roll < 0.07:
                email = f"{tag}.{n} at example dot com"
            else:
                email = f"{tag}.{n}@{rng.choice(FIRMS).lower()}.example.com"
            if rng.random() < 0.7:
                country = "US"
                phone = f"({rng.choice(US_AREAS)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
            else:
                country = "GB"
                phone = f"020 {rng.choice('78')}{rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
            if rng.random() < 0.01:
                country = "Atlantis"
            writer.writerow(
                [
                    first,
                    last,
                    email,
                    phone,
                    firm,
                    rng.choice(["CTO", "Head of Sales", "Engineer", "Buyer", ""]),
                    country,
                    rng.choice(SOURCES),
                    rng.choice(CAMPAIGNS),
                    rng.choice(["cpc", "email", "social", ""]),
                    "Met at the booth, wants a demo\nafter the summer" if rng.random() < 0.05 else "",
                ]
            )


def database_url(name: str) -> str:
    """The URL of the test database, for the command's process."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((url.scheme, url.netloc, f"/{name}", url.query, url.fragment))


def run_command(path: Path, slug: str, db_url: str) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB) of `manage.py import_leads` in its own process."""
    env = {**os.environ, "DATABASE_URL": db_url}
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_leads", str(path), "--company", slug, "--no-progress"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)  # this child's own rusage: its peak RSS
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            output.seek(0)
            raise SystemExit(f"import_leads failed:\n{output.read().decode()}")
    return wall, usage.ru_maxrss


def bare_bulk_create(path: Path, company) -> float:
    """Seconds to bulk_create the file's rows with no pipeline (1000 per transaction, like the import).

    Django's own `QuerySet.bulk_create`: no pipeline and none of the model's queryset additions (such as
    writing history rows), the floor any import pays for inserting the leads.
    """
    from django.db.models import QuerySet

    from leads.models import Lead

    leads = QuerySet(model=Lead)

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        batch = []
        for first, last, email, phone, firm, title, country, _source, campaign, medium, notes in reader:
            batch.append(
                Lead(
                    company=company,
                    first_name=first,
                    last_name=last,
                    lead_name=f"{first} {last}",
                    email=email,
                    phone=phone,
                    company_name=firm,
                    job_title=title,
                    country=country[:2],
                    source="import",
                    campaign=campaign,
                    medium=medium,
                    notes=notes,
                )
            )
            if len(batch) == 1000:
                with transaction.atomic():
                    leads.bulk_create(batch)
                batch = []
        if batch:
            with transaction.atomic():
                leads.bulk_create(batch)
    return time.perf_counter() - started


def export_seconds(user) -> tuple[float, int]:
    from leads.export_views import lead_export

    request = RequestFactory().get("/leads/export/", {"spam": "1"})
    request.user = user
    started = time.perf_counter()
    lines = 0
    for chunk in lead_export(request).streaming_content:
        lines += chunk.count(b"\r\n")
    return time.perf_counter() - started, lines - 1


def main() -> None:
    rows = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_N", "100000"))
    small = max(rows // 10, 1000)
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(workdir / "bench.sqlite3")
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        from crm.models import Company, Membership, Role
        from leads.importing.models import LeadImport
        from tests.factories import UserFactory

        test_name = connection.settings_dict["NAME"]
        db_url = database_url(test_name)
        companies = {slug: Company.objects.create(name=slug, slug=slug) for slug in ("bench", "bench-small", "bare")}
        manager = UserFactory(username="bench-manager")
        Membership.objects.create(user=manager, company=companies["bench"], role=Role.MANAGER)

        small_csv, big_csv = workdir / "small.csv", workdir / "big.csv"
        generate_csv(small_csv, small, tag="s", seed=1)
        generate_csv(big_csv, rows, tag="b", seed=2)

        small_wall, small_rss = run_command(small_csv, "bench-small", db_url)
        big_wall, big_rss = run_command(big_csv, "bench", db_url)
        big_import = LeadImport.objects.get(company=companies["bench"])
        run_seconds = (big_import.finished_at - big_import.started_at).total_seconds()
        bare_seconds = bare_bulk_create(big_csv, companies["bare"])
        export_time, exported = export_seconds(manager)

        if connection.vendor == "sqlite":
            vendor = f"SQLite {connection.Database.sqlite_version}"
        else:
            version = connection.pg_version
            vendor = f"PostgreSQL {version // 10000}.{version % 10000}"
        print(f"\nCSV import/export bench - N = {rows:,} rows, {vendor}, {os.cpu_count()} CPUs\n")
        outcomes = (
            f"{big_import.flagged_duplicates_count:,} flagged, {big_import.skipped_duplicates_count:,} skipped, "
            f"{big_import.error_count:,} errors"
        )
        table = [
            ("import, full pipeline (run)", f"{rows / run_seconds:,.0f} rows/s", f"{run_seconds:.1f} s"),
            ("import command end to end", f"{rows / big_wall:,.0f} rows/s", f"{big_wall:.1f} s, startup + scan"),
            ("bare bulk_create, same rows", f"{rows / bare_seconds:,.0f} rows/s", f"{bare_seconds:.1f} s"),
            ("pipeline / bulk_create", f"{run_seconds / bare_seconds:.1f}x the time", "target: within 4x"),
            (
                "export (streamed CSV)",
                f"{exported / export_time:,.0f} rows/s",
                f"{exported:,} rows, {export_time:.1f} s",
            ),
            (f"command peak RSS, {small:,} rows", f"{small_rss / 1024:,.0f} MB", f"{small_wall:.1f} s"),
            (f"command peak RSS, {rows:,} rows", f"{big_rss / 1024:,.0f} MB", "flat = constant memory"),
            ("outcomes (N-row import)", f"{big_import.created_count:,} created", outcomes),
        ]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        print(f"| {'measure':<{widths[0]}} | {'value':>{widths[1]}} | {'detail':<{widths[2]}} |")
        print(f"|{'-' * (widths[0] + 2)}|{'-' * (widths[1] + 1)}:|{'-' * (widths[2] + 2)}|")
        for name, value, detail in table:
            print(f"| {name:<{widths[0]}} | {value:>{widths[1]}} | {detail:<{widths[2]}} |")
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
