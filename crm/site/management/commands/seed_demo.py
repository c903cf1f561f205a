"""`manage.py seed_demo`: the demo Company, its users and a realistic data set. Safe to run again."""

import io

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from crm.site.demo import DEMO_COMPANY_SLUG, DEMO_PASSWORD, DEMO_SEED, DemoConflictError, seed_demo


def _counted(counts: dict[type, int]) -> str:
    """{Lead: 500} -> "500 leads"."""
    parts = []
    for model, count in counts.items():
        meta = model._meta
        parts.append(f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}")
    return ", ".join(parts)


class Command(BaseCommand):
    help = (
        f"Create the demo company (slug {DEMO_COMPANY_SLUG!r}) with an admin, a manager and two reps "
        f"(password {DEMO_PASSWORD!r}) and about 500 leads, 60 accounts with contacts and 80 deals. "
        "Deterministic; running it again creates nothing and prints the logins again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEMO_SEED, help="Random seed of the data set (default %(default)s)."
        )

    def handle(self, *args, seed, **options):
        try:
            result = seed_demo(seed=seed)
        except DemoConflictError as error:
            raise CommandError(str(error)) from error

        company = result.company
        created = {model: count for model, count in result.created.items() if count}
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {_counted(created)}."))
            # Score the new leads with the same model the app uses, so every lead page explains its score.
            call_command("score_leads", company=company.slug, stdout=self.stdout, stderr=io.StringIO())
        if result.existing:
            self.stdout.write(f"{company.name} already has its demo data ({_counted(result.existing)}).")
        if not created:
            self.stdout.write("Nothing created: the demo is already seeded.")

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins for {company.name} (sign in at /login/):"))
        for user, membership in result.users:
            where = "the CRM and the Django admin (/admin/)" if user.is_staff else "the CRM"
            self.stdout.write(f"  {user.username:<8} / {DEMO_PASSWORD}   {membership.get_role_display():<14} {where}")
