"""Train each Company's lead-scoring model on its closed leads and print the holdout AUC.

    manage.py train_lead_scores [--company SLUG] [--min-outcomes 50]

A Company with fewer outcomes (converted + disqualified leads) keeps the rule-based prior. Run
`manage.py score_leads` afterwards to rescore the open leads with the new model.
"""

from django.core.management.base import BaseCommand, CommandError

from crm.models import Company
from leads.quality.scoring import MIN_OUTCOMES, train_company_model


class Command(BaseCommand):
    help = "Train the per-Company lead score model (logistic regression) and print its holdout AUC."

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", help="Only this Company (default: every active one).")
        parser.add_argument("--min-outcomes", type=int, default=MIN_OUTCOMES, help="Fewer outcomes keep the prior.")

    def handle(self, *args, company=None, min_outcomes=MIN_OUTCOMES, **options):
        companies = Company.objects.filter(is_active=True)
        if company:
            companies = Company.objects.filter(slug=company)
            if not companies.exists():
                raise CommandError(f"No company with the slug “{company}”.")
        for each in companies.order_by("slug"):
            result = train_company_model(each, min_outcomes=min_outcomes)
            if result.model is None:
                self.stdout.write(f"{each.slug}: {result.message}")
                continue
            self.stdout.write(
                self.style.SUCCESS(
                    f"{each.slug}: model {result.model.label} trained on {result.n_samples} outcomes "
                    f"({result.n_positive} converted), holdout AUC {result.auc:.3f}"
                )
            )
