"""Throughput of the lead quality pipeline (validate, spam, dedupe, score) over 10,000 in-memory leads.

    SECRET_KEY=x .venv/bin/python bench/bench_pipeline.py [--leads 10000] [--existing 5000] [--prior]

Runs against the configured database (DATABASE_URL, default the project's SQLite file, migrated) inside one
transaction that is rolled back: a throwaway Company with `--existing` saved leads and contacts to match
against, and a trained-model stand-in (unless `--prior`), so scoring runs the logistic-regression path.
Prints leads per second for each stage, batched as an import runs it (`leads.quality.BATCH_SIZE`), and for
`assess_quality_batch` end to end on a fresh copy of the leads.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from accounts.models import Account  # noqa: E402
from contacts.models import Contact  # noqa: E402
from crm.models import Company, Source  # noqa: E402
from leads.models import AuthorityLevel, BudgetRange, Lead, LeadScoreModel, Timeline  # noqa: E402
from leads.quality import BATCH_SIZE, assess_quality_batch, duplicates, scoring, spam, validation  # noqa: E402

FIRST = ["Ada", "Charles", "Grace", "Alan", "José", "Priya", "Siobhán", "Wei", "Fatima", "Olu", "Qwerty", "JOHN"]
LAST = ["Lovelace", "Babbage", "Hopper", "Turing", "Álvarez", "Raghunathan", "O'Neill", "Chen", "Khan", "Asdfgh"]
COMPANIES = ["Acme {} Pvt Ltd", "Globex {} Inc", "Initech {} LLC", "Umbrella {} GmbH", "Hooli {}", ""]
DOMAINS = ["corp.example.com", "gmail.com", "mailinator.com", "example.co.in", "yahoo.com"]
PHONES = [("(415) 555-{:04d}", "US"), ("020 7946 {:04d}", "GB"), ("098765 4{:04d}", "IN"), ("12{:04d}", "US")]


def make_leads(company, n, rng):
    leads = []
    for _ in range(n):
        pattern, country = rng.choice(PHONES)
        leads.append(
            Lead(
                company=company,
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}{rng.choice(['', 'son', 'ez', 'ski', 'ova', 'berg'])}",
                email=f"person{rng.randrange(n * 20)}@{rng.choice(DOMAINS)}",
                phone=pattern.format(rng.randrange(10_000)) if rng.random() < 0.7 else "",
                country=country,
                company_name=rng.choice(COMPANIES).format(rng.randrange(500)),
                source=rng.choice(Source.values),
                campaign=rng.choice(["spring", "summer", "webinar-7"]),
                medium=rng.choice(["cpc", "email", ""]),
                budget_range=rng.choice(BudgetRange.values),
                authority_level=rng.choice(AuthorityLevel.values),
                timeline=rng.choice(Timeline.values),
                submitted_ip=f"198.51.100.{rng.randrange(50)}" if rng.random() < 0.3 else None,
            )
        )
    return leads


def batches(leads):
    return [leads[start : start + BATCH_SIZE] for start in range(0, len(leads), BATCH_SIZE)]


def timed(label, n, work, results):
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    results.append((label, seconds))
    print(f"  {label:<24} {n / seconds:>12,.0f} leads/s   ({seconds:.2f} s)")


def stand_in_model(company, leads, rng):
    rows = [scoring.lead_features(lead) for lead in leads[:2000]]
    features = scoring.build_vocabulary(rows)
    matrix = scoring.LinearScorer("", features, np.zeros(len(features)), 0.0).vectorize(rows)
    return LeadScoreModel.objects.create(
        company=company,
        version=1,
        auc=None,
        n_samples=len(rows),
        n_positive=0,
        features=features,
        coefficients=[rng.gauss(0, 1) for _ in features],
        means=[float(m) for m in matrix.mean(axis=0)],
        intercept=-1.0,
    )


def run(n, existing, use_prior):
    rng = random.Random(5)
    company = Company.objects.create(name="Bench Co", slug=f"bench-{os.getpid()}-{time.time_ns()}")
    saved = make_leads(company, existing, rng)
    assess_quality_batch(saved, within_batch=False)
    Lead.objects.bulk_create(saved, batch_size=1000)
    account = Account.objects.create(company=company, name="Acme")
    Contact.objects.bulk_create(
        Contact(
            company=company,
            account=account,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            email=f"person{rng.randrange(n * 2)}@corp.example.com",
            phone=f"+1415555{rng.randrange(10_000):04d}",
        )
        for _ in range(existing // 5)
    )
    leads = make_leads(company, n, rng)
    if not use_prior:
        stand_in_model(company, leads, rng)
    scorer = scoring.scorer_for(company.pk)
    vendor = connection.vendor
    print(
        f"{n:,} leads against {existing:,} saved leads and {existing // 5:,} contacts on {vendor}; "
        f"batches of {BATCH_SIZE}; scorer {scorer.version}"
    )

    results = []
    phones = {}

    def validate():
        for lead in leads:
            lead.sync_names()
            phones[id(lead)] = validation.validate(lead)

    def spam_score():
        for batch in batches(leads):
            for lead, velocity in zip(batch, spam.velocity_counts_batch(batch), strict=True):
                spam.score(lead, phone=phones[id(lead)], velocity=velocity)

    def dedupe():
        for batch in batches(leads):
            duplicates.find_duplicates_batch(batch)

    def score():
        for batch in batches(leads):
            scoring.score_batch(batch, scorer=scorer)

    timed("validate", n, validate, results)
    timed("spam", n, spam_score, results)
    timed("dedupe", n, dedupe, results)
    timed("score", n, score, results)
    stage_seconds = sum(seconds for _label, seconds in results)
    print(f"  {'sum of the stages':<24} {n / stage_seconds:>12,.0f} leads/s   ({stage_seconds:.2f} s)")
    fresh = make_leads(company, n, random.Random(5))
    timed("assess_quality_batch (total)", n, lambda: assess_quality_batch(fresh), results)
    flagged = sum(lead.spam_score >= company.spam_threshold for lead in fresh)
    print(
        f"  spam-flagged {flagged:,}, duplicates {sum(lead.is_duplicate for lead in fresh):,}, "
        f"invalid {sum(lead.validation_status == 'invalid' for lead in fresh):,}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=5_000)
    parser.add_argument("--prior", action="store_true", help="Score with the rule-based prior, not a model.")
    args = parser.parse_args()
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database has unapplied migrations: run `manage.py migrate` first.")
    with transaction.atomic():
        run(args.leads, args.existing, args.prior)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
