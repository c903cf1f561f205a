"""`manage.py import_leads FILE --company SLUG`: import a CSV of any size, streamed with constant memory.

The file is read twice: once to check every byte is UTF-8 and every row is valid CSV (and to count the rows for
the progress bar), then in batches through the same pipeline as the import page. A bad file writes nothing.

    manage.py import_leads leads.csv --company acme --user alice --mode update \
        --map "Cell=phone" --map "Ref=" --default-campaign spring-fair --errors-csv errors.csv
"""

from __future__ import annotations

import csv
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from crm.history import acting_as
from crm.models import Company, membership_of
from leads.importing.csvfile import CsvFileError
from leads.importing.models import ImportMode, ImportStatus
from leads.importing.service import BATCH_SIZE, import_file


class Command(BaseCommand):
    help = "Import leads from a UTF-8 CSV file into a Company (any size; a progress bar goes to stderr)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, comma/semicolon/tab separated, with a header row).")
        parser.add_argument("--company", required=True, help="The Company's slug.")
        parser.add_argument("--user", help="Username recorded as the importer (created_by); default: none.")
        parser.add_argument(
            "--mode", choices=ImportMode.values, default=ImportMode.SKIP, help="Duplicates: %(choices)s."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write no lead.")
        parser.add_argument("--default-campaign", default="", help="Campaign for rows without one.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=field",
            help="Map a column to a lead field (repeatable); COLUMN= ignores the column.",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rows per transaction.")
        parser.add_argument("--errors-csv", help="Write the rows that were not imported, with the reasons, here.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        try:
            company = Company.objects.get(slug=options["company"])
        except Company.DoesNotExist:
            raise CommandError(f"No company with the slug “{options['company']}”.") from None
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            membership = membership_of(user) if user else None
            if membership is None or membership.company_id != company.pk:
                raise CommandError(f"“{options['user']}” is not a user of {company}.")
        show_progress = not options["no_progress"] and options["verbosity"] > 0
        bar = tqdm(unit=" rows", file=sys.stderr, disable=not show_progress, desc="Checking")

        def scanned(total: int) -> None:
            bar.reset(total=total)
            bar.set_description("Importing" if not options["dry_run"] else "Dry run")

        started = time.monotonic()
        try:
            with open(options["file"], "rb") as fileobj, acting_as(user):  # history rows say who imported
                lead_import = import_file(
                    fileobj=fileobj,
                    file_name=options["file"].rsplit("/", 1)[-1],
                    company=company,
                    user=user,
                    mode=options["mode"],
                    dry_run=options["dry_run"],
                    default_campaign=options["default_campaign"],
                    overrides=options["map"],
                    batch_size=options["batch_size"],
                    progress=bar.update,
                    on_scanned=scanned,
                )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        except CsvFileError as error:
            raise CommandError(error.message) from None
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        if options["errors_csv"] and lead_import.error_count:
            self._write_errors(lead_import, options["errors_csv"])
        self.stdout.write(self._summary(lead_import, elapsed))
        if lead_import.status == ImportStatus.FAILED:
            raise CommandError(f"{lead_import.failure_message} Rows before {lead_import.stopped_at_row} were imported.")

    def _summary(self, lead_import, elapsed: float) -> str:
        rate = lead_import.rows_total / elapsed if elapsed else 0
        prefix = "Dry run (nothing written)" if lead_import.dry_run else "Imported"
        return (
            f"{prefix}: {lead_import.rows_total:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s), "
            f"import #{lead_import.pk}. "
            f"Created {lead_import.created_count:,}, imported as duplicates {lead_import.flagged_duplicates_count:,}, "
            f"updated {lead_import.updated_count:,}, skipped duplicates {lead_import.skipped_duplicates_count:,}, "
            f"errors {lead_import.error_count:,}."
        )

    def _write_errors(self, lead_import, path: str) -> None:
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "column", "value", "reason", *lead_import.header])
            errors = lead_import.row_errors.order_by("row_number", "pk").values_list(
                "row_number", "column", "value", "reason", "raw"
            )
            for row, column, value, reason, raw in errors.iterator(chunk_size=2000):
                writer.writerow([row, column, value, reason, *raw])
