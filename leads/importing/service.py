"""The import workflow: upload -> preview -> (dry) run -> undo.

- `import_upload` checks an uploaded file to its last byte and keeps it as a pending `LeadImport`.
- `import_file` does the same for a file on disk (the command) and runs it straight away.
- `import_run` reads the rows in batches (`BATCH_SIZE`); each batch is parsed, sent through the lead-quality
  pipeline (`leads.quality.assess_quality_batch`: validation, spam, duplicates, score - the same as a typed lead),
  sorted by the duplicate mode and written in one transaction, together with the import's counts and its
  row errors. A batch that raises is rolled back whole; the import is marked failed at that batch's first row,
  and the batches before it stay imported. While PostgreSQL takes a batch's leads in, the next batch is read,
  parsed and put through the quality steps that need no database (`writer.create_leads(meanwhile=...)`); what
  goes wrong there is reported against that next batch, after the current one has committed.
- A dry run does all of that inside one outer transaction that is rolled back: the counts and errors it reports
  are exactly what the real run would do, and no lead is written.
- `import_undo` removes the leads the import created that nobody has changed since.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import can_edit, can_view, require
from leads.importing.models import ImportMode, ImportStatus, LeadImport, LeadImportError, LeadImportRow, RowAction
from leads.models import Lead, LeadStatus

from . import writer
from .csvfile import CsvFileError, CsvSource
from .mapping import check_mapping, guess_mapping, parse_overrides
from .rows import ParsedRow, RowParser

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# The page imports in the request: 2 MB (about 20,000 rows) finishes well inside a 30 s request timeout on a
# small server. Raise LEAD_IMPORT_MAX_UPLOAD_BYTES together with the server's timeout; larger files use the command.
DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UNDO_CHUNK = 2000
# Fields an update may not write (identity, tenancy, audit; a version, where the model has one, is bumped by
# the queryset's own update).
_NOT_UPDATED = {"id", "company", "created_by", "created_at", "version"}
UPDATE_FIELDS = [f.name for f in Lead._meta.concrete_fields if f.name not in _NOT_UPDATED]


def max_upload_bytes() -> int:
    """The page's upload limit (setting LEAD_IMPORT_MAX_UPLOAD_BYTES, default 2 MB); the command has none."""
    return getattr(settings, "LEAD_IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def _assess_quality(leads: list[Lead], *, within_batch: bool, scorer=None, prepared=None) -> None:
    from leads.quality import assess_quality_batch

    assess_quality_batch(leads, context=None, within_batch=within_batch, scorer=scorer, prepared=prepared)


# Upload and preview.


def import_upload(*, company, user, uploaded_file, file_name: str) -> LeadImport:
    """Check an uploaded CSV completely and keep it as a pending import. Raises CsvFileError; writes nothing then."""
    limit = max_upload_bytes()
    size = uploaded_file.size
    if size > limit:
        raise CsvFileError(too_large_message(size, limit))
    source = CsvSource(uploaded_file, name=file_name)
    info = source.inspect()
    mapping = guess_mapping(info.header)
    source.check_header(recognised=sum(1 for name in mapping if name))
    rows_total = source.scan()
    uploaded_file.seek(0)
    return LeadImport.objects.create(
        company=company,
        created_by=user,
        file_name=file_name[:255],
        file_size=size,
        source_data=uploaded_file.read(),
        delimiter=info.delimiter,
        header=info.header,
        mapping=mapping,
        rows_total=rows_total,
        status=ImportStatus.PENDING,
    )


def too_large_message(size: int, limit: int) -> str:
    return _(
        "The file is %(size)s; the page takes files up to %(limit)s. Split it, or ask an admin to run "
        "manage.py import_leads FILE --company SLUG, which takes files of any size."
    ) % {"size": filesizeformat(size), "limit": filesizeformat(limit)}


def source_of(lead_import: LeadImport) -> CsvSource:
    source = CsvSource.from_bytes(bytes(lead_import.source_data), name=lead_import.file_name)
    source.inspect()
    return source


@dataclass
class Preview:
    rows: list[ParsedRow]
    problems: list[str]  # what stops the import from running with this mapping


def import_preview(*, lead_import: LeadImport, rows: int = 10, check_rows: int = 200) -> Preview:
    """The first `rows` rows as the mapping reads them, and the problems of the first `check_rows` rows."""
    problems = check_mapping(lead_import.mapping, lead_import.header, default_campaign=lead_import.default_campaign)
    parser = _parser(lead_import)
    parsed = []
    for row_number, cells in source_of(lead_import).records():
        parsed.append(parser.parse(row_number, cells))
        if len(parsed) >= check_rows:
            break
    shown = parsed[:rows] + [row for row in parsed[rows:] if row.problems]
    return Preview(rows=shown, problems=problems)


def _parser(lead_import: LeadImport) -> RowParser:
    return RowParser(
        company=lead_import.company,
        user=lead_import.created_by,
        header=lead_import.header,
        mapping=lead_import.mapping,
        default_campaign=lead_import.default_campaign,
    )


# Running.


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    flagged: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        for name in ("created", "updated", "skipped", "flagged", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_fields(self) -> dict[str, int]:
        return {
            "created_count": self.created,
            "updated_count": self.updated,
            "skipped_duplicates_count": self.skipped,
            "flagged_duplicates_count": self.flagged,
            "error_count": self.errors,
        }


@dataclass
class _Batch:
    rows: list[tuple[int, list[str]]]
    counts: Counts = field(default_factory=Counts)
    errors: list[LeadImportError] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    @property
    def last_row(self) -> int:
        return self.rows[-1][0]


def _batches(records: Iterable[tuple[int, list[str]]], size: int) -> Iterator[_Batch]:
    rows: list[tuple[int, list[str]]] = []
    for record in records:
        rows.append(record)
        if len(rows) >= size:
            yield _Batch(rows)
            rows = []
    if rows:
        yield _Batch(rows)


@dataclass
class _Ahead:
    """The next batch, read and parsed, its leads through the quality steps that need no database (`prepared`:
    id(lead) -> `leads.quality.Prepared`), or the error that reading or parsing it raised, kept until that batch's
    turn (the batch before still commits)."""

    batch: _Batch | None = None
    parsed: list[ParsedRow] = field(default_factory=list)
    prepared: dict = field(default_factory=dict)
    error: Exception | None = None


def import_file(
    *,
    fileobj,
    file_name: str,
    company,
    user=None,
    mode: str = ImportMode.SKIP,
    dry_run: bool = False,
    default_campaign: str = "",
    overrides: Iterable[str] = (),
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_scanned: Callable[[int], None] | None = None,
) -> LeadImport:
    """Import a file from disk (any size, streamed). Raises CsvFileError before anything is written."""
    source = CsvSource(fileobj, name=file_name)
    info = source.inspect()
    try:
        mapping = parse_overrides(list(overrides), info.header, guess_mapping(info.header))
    except ValueError as error:
        raise CsvFileError(str(error)) from None
    source.check_header(recognised=sum(1 for name in mapping if name))
    if problems := check_mapping(mapping, info.header, default_campaign=default_campaign):
        raise CsvFileError(" ".join(problems))
    rows_total = source.scan()
    if on_scanned:
        on_scanned(rows_total)
    lead_import = LeadImport.objects.create(
        company=company,
        created_by=user,
        file_name=file_name[:255],
        file_size=_size_of(fileobj),
        delimiter=info.delimiter,
        header=info.header,
        mapping=mapping,
        mode=mode,
        default_campaign=default_campaign,
        rows_total=rows_total,
        status=ImportStatus.PENDING,
    )
    return import_run(lead_import=lead_import, source=source, dry_run=dry_run, batch_size=batch_size, progress=progress)


def _size_of(fileobj) -> int:
    position = fileobj.tell()
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(position)
    return size


def import_run(
    *,
    lead_import: LeadImport,
    source: CsvSource | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> LeadImport:
    """Run a pending import (or dry-run it). Returns it done, failed (with `stopped_at_row`) or, after a dry run
    of an upload, pending again with the dry run's counts and errors."""
    if problems := check_mapping(
        lead_import.mapping, lead_import.header, default_campaign=lead_import.default_campaign
    ):
        raise ValidationError(problems)
    now = timezone.now()
    claimed = LeadImport.objects.filter(pk=lead_import.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING,
        dry_run=dry_run,
        started_at=now,
        updated_at=now,
        finished_at=None,
        rows_processed=0,
        stopped_at_row=None,
        failure_message="",
        **Counts().as_fields(),
    )
    if not claimed:
        raise ValidationError(_("This import has already run (or is running)."))
    LeadImportError.objects.filter(lead_import=lead_import).delete()  # a previous dry run's
    lead_import.refresh_from_db()
    run = _Run(lead_import, dry_run=dry_run, progress=progress)
    try:
        batches = _batches((source or source_of(lead_import)).records(), batch_size or BATCH_SIZE)
        if dry_run:
            with transaction.atomic():
                run.all(batches)
                transaction.set_rollback(True)
            run.save_buffered_errors()
        else:
            run.all(batches)
    except Exception as error:
        return run.failed(error)
    return run.finished()


class _Run:
    def __init__(self, lead_import: LeadImport, *, dry_run: bool, progress):
        self.lead_import = lead_import
        self.dry_run = dry_run
        self.progress = progress
        self.mode = lead_import.mode
        self.user = lead_import.created_by
        self._parser = None
        self.totals = Counts()
        self.rows_processed = 0
        self.current: _Batch | None = None
        self.error_buffer = tempfile.TemporaryFile() if dry_run else None  # noqa: SIM115 - closed in save_buffered_errors
        self.analyzer = writer.Analyzer()
        self._scorer = None

    def all(self, batches: Iterator[_Batch]) -> None:
        batches = iter(batches)
        self.parser.load()  # the parser's own queries, before any batch is being written
        ahead = self._read_ahead(batches)
        while ahead.batch is not None or ahead.error is not None:
            self.current = ahead.batch
            if ahead.error is not None:
                raise ahead.error
            batch = ahead.batch
            with transaction.atomic():
                ahead = self.batch(batch, ahead, lambda: self._read_ahead(batches))
            self.totals.add(batch.counts)
            self.rows_processed = batch.last_row
            self.current = None
            self.analyzer.after_batch(self.totals.created + self.totals.flagged)
            if self.progress:
                self.progress(len(batch.rows))

    def _read_ahead(self, batches: Iterator[_Batch]) -> _Ahead:
        """The next batch parsed and prepared (`_Ahead`); never raises."""
        from leads.quality import prepare_lead

        ahead = _Ahead()
        try:
            ahead.batch = next(batches, None)
            if ahead.batch is not None:
                ahead.parsed = [self.parser.parse(row_number, cells) for row_number, cells in ahead.batch.rows]
                ahead.prepared = {
                    id(row.lead): prepare_lead(row.lead)
                    for row in ahead.parsed
                    if row.lead is not None and not row.lead.is_read_only
                }
        except Exception as error:
            ahead.error = error
        return ahead

    @property
    def scorer(self):
        """One scorer for the whole run: the Company's model as the import starts, remembering the rows it scored."""
        if self._scorer is None:
            from leads.quality.scoring import scorer_for

            self._scorer = scorer_for(self.lead_import.company_id)
        return self._scorer

    @property
    def parser(self) -> RowParser:
        if self._parser is None:
            self._parser = _parser(self.lead_import)
        return self._parser

    def batch(self, batch: _Batch, ahead: _Ahead, read_ahead: Callable[[], _Ahead]) -> _Ahead:
        """Write `batch` (parsed and prepared in `ahead`); returns the next batch, read while this one is written."""
        parsed = ahead.parsed
        good = [row for row in parsed if row.lead is not None]
        for row in parsed:
            if row.problems:
                self._error(batch, row)
        _assess_quality([row.lead for row in good], within_batch=True, scorer=self.scorer, prepared=ahead.prepared)
        originals = self._originals([row.lead for row in good])
        if self.mode == ImportMode.UPDATE:
            creates, updates, records = self._sort_update(batch, good, originals)
        else:
            creates, updates, records = self._sort_skip_or_flag(batch, good, originals)
        following = _save_new_leads(creates, read_ahead)
        now = timezone.now()
        if updates:
            for lead in updates:
                lead.updated_at = now
            Lead.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=500)
            # A lead this import created and then updated from a later row is still untouched by anyone else.
            LeadImportRow.objects.filter(
                lead_import=self.lead_import, action=RowAction.CREATED, lead__in=[lead.pk for lead in updates]
            ).update(lead_updated_at=now)
        for lead in creates:
            if lead.is_duplicate:
                batch.counts.flagged += 1
            else:
                batch.counts.created += 1
        writer.create_import_rows(
            self.lead_import, [(lead.pk, row_number, action, lead.updated_at) for row_number, lead, action in records]
        )
        if batch.errors:
            if self.dry_run:
                pickle.dump([_error_fields(error) for error in batch.errors], self.error_buffer)
            else:
                LeadImportError.objects.bulk_create(batch.errors, batch_size=1000)
        totals = Counts()
        totals.add(self.totals)
        totals.add(batch.counts)
        LeadImport.objects.filter(pk=self.lead_import.pk).update(
            rows_processed=batch.last_row, updated_at=timezone.now(), **totals.as_fields()
        )
        return following

    def _error(self, batch: _Batch, row: ParsedRow, problems=None) -> None:
        batch.counts.errors += 1
        for problem in problems or row.problems:
            batch.errors.append(
                LeadImportError(
                    lead_import=self.lead_import,
                    row_number=row.row_number,
                    column=problem.column[:200],
                    field=problem.field,
                    value=problem.value[:200],
                    reason=problem.reason[:500],
                    raw=row.cells,
                )
            )

    def _originals(self, leads: list[Lead]) -> dict[int, Lead | int]:
        """id(lead) -> the lead it repeats: a saved lead's pk or an earlier lead of the batch.

        The quality pipeline's duplicates, plus (to skip or update, never to flag) exact repeats of a lead that
        has no duplicate key at all (no email, no readable phone, no company next to the name): importing the
        same file twice then creates nothing the second time, whatever its rows hold.
        """
        from leads.quality.duplicates import phone_key

        originals: dict[int, Lead | int] = {}
        keyless = []
        for lead in leads:
            original = _lead_original(lead)
            if original is not None:
                originals[id(lead)] = original
            elif self.mode != ImportMode.FLAG and not (lead.email or lead.name_key or phone_key(lead.phone)):
                keyless.append(lead)
        if keyless:
            originals.update(_exact_repeats(self.lead_import.company_id, keyless))
        return originals

    def _sort_skip_or_flag(self, batch: _Batch, good: list[ParsedRow], originals: dict):
        creates, records = [], []
        for row in good:
            lead = row.lead
            if self.mode == ImportMode.SKIP and id(lead) in originals:
                batch.counts.skipped += 1
                continue
            creates.append(lead)
            records.append((row.row_number, lead, RowAction.CREATED))
        return creates, [], records

    def _sort_update(self, batch: _Batch, good: list[ParsedRow], originals: dict):
        from .rows import RowProblem

        existing_pks = {original for original in originals.values() if isinstance(original, int)}
        existing = {
            lead.pk: lead for lead in _lock(Lead.objects.filter(company=self.lead_import.company, pk__in=existing_pks))
        }
        creates, records = [], []
        updated: dict[int, Lead] = {}  # id(object) -> lead, saved or not
        merged_new: dict[int, Lead] = {}
        target_of: dict[int, Lead] = {}  # id(row's lead) -> the lead it became or updated
        for row in good:
            lead = row.lead
            original = originals.get(id(lead))
            if original is None:
                creates.append(lead)
                records.append((row.row_number, lead, RowAction.CREATED))
                target_of[id(lead)] = lead
                continue
            target = existing.get(original) if isinstance(original, int) else target_of.get(id(original))
            problem = None
            if target is None:
                problem = _("It repeats an earlier row of the file that could not be imported.")
            elif target.pk and self.user is not None and not can_view(self.user, target):
                # Name only a lead the user may open (a colleague's lead is not theirs to know about).
                problem = _("It matches a lead of your company that you cannot edit.")
            elif target.pk and target.is_read_only:
                problem = _("It matches lead #%(pk)s, which is %(status)s and can no longer be changed.") % {
                    "pk": target.pk,
                    "status": target.get_status_display().lower(),
                }
            elif target.pk and self.user is not None and not can_edit(self.user, target):
                problem = _("It matches lead #%(pk)s, which you cannot edit.") % {"pk": target.pk}
            if problem:
                self._error(batch, row, [RowProblem("", "", "", problem)])
                continue
            for name, value in self.parser.update_fields(row.values).items():
                setattr(target, name, value)
            target_of[id(lead)] = target
            batch.counts.updated += 1
            if target.pk:
                updated[target.pk] = target
            else:
                merged_new[id(target)] = target
            records.append((row.row_number, target, RowAction.UPDATED))
        if updated:
            _assess_quality(list(updated.values()), within_batch=False, scorer=self.scorer)
        if merged_new:
            _assess_quality(list(merged_new.values()), within_batch=False, scorer=self.scorer)
        return creates, list(updated.values()), records

    def failed(self, error: Exception) -> LeadImport:
        stopped_at = self.current.first_row if self.current else self.rows_processed + 1
        if isinstance(error, CsvFileError):
            message = error.message
        else:
            logger.exception("Lead import %s failed at row %s", self.lead_import.pk, stopped_at)
            message = _("A server error stopped the import at row %(row)s (%(error)s).") % {
                "row": stopped_at,
                "error": type(error).__name__,
            }
        self.save_buffered_errors()
        LeadImport.objects.filter(pk=self.lead_import.pk).update(
            status=ImportStatus.FAILED,
            stopped_at_row=stopped_at,
            failure_message=message[:2000],
            finished_at=timezone.now(),
            rows_processed=self.rows_processed,
            source_data=b"",
            **self.totals.as_fields(),
        )
        self.lead_import.refresh_from_db()
        return self.lead_import

    def finished(self) -> LeadImport:
        keep_upload = self.dry_run and bool(self.lead_import.source_data)
        LeadImport.objects.filter(pk=self.lead_import.pk).update(
            status=ImportStatus.PENDING if keep_upload else ImportStatus.DONE,
            finished_at=timezone.now(),
            rows_processed=self.rows_processed,
            **({} if keep_upload else {"source_data": b""}),
            **self.totals.as_fields(),
        )
        self.lead_import.refresh_from_db()
        return self.lead_import

    def save_buffered_errors(self) -> None:
        if self.error_buffer is None:
            return
        self.error_buffer.seek(0)
        while True:
            try:
                chunk = pickle.load(self.error_buffer)  # noqa: S301 - our own temporary file
            except EOFError:
                break
            LeadImportError.objects.bulk_create([LeadImportError(**fields) for fields in chunk], batch_size=1000)
        self.error_buffer.close()
        self.error_buffer = None


def _error_fields(error: LeadImportError) -> dict:
    return {
        "lead_import_id": error.lead_import_id,
        "row_number": error.row_number,
        "column": error.column,
        "field": error.field,
        "value": error.value,
        "reason": error.reason,
        "raw": error.raw,
    }


def _lock(queryset):
    return queryset.select_for_update() if transaction.get_connection().features.has_select_for_update else queryset


def _lead_original(lead: Lead) -> Lead | int | None:
    """The lead this one duplicates: a saved lead's pk, an earlier lead of the same batch, or None.

    A match with a contact only (`duplicate_contact`) is not a lead to skip to or update: such a row is imported
    flagged as a duplicate in every mode.
    """
    if lead.duplicate_of_id is not None:
        return lead.duplicate_of_id
    return Lead._meta.get_field("duplicate_of").get_cached_value(lead, default=None)


def _exact_repeats(company_id: int, leads: list[Lead]) -> dict[int, Lead | int]:
    """For leads without any duplicate key: the oldest saved lead, or earlier lead of the list, with the same
    name, phone and company name (and no email either)."""
    names = {lead.lead_name for lead in leads}
    saved = (
        Lead.objects.filter(company_id=company_id, email="", name_key="", lead_name__in=names)
        .exclude(status=LeadStatus.MERGED)
        .order_by("created_at", "pk")
        .values_list("pk", "lead_name", "phone", "company_name")
    )
    oldest: dict[tuple[str, str, str], int] = {}
    for pk, name, phone, company_name in saved:
        oldest.setdefault((name, phone, company_name), pk)
    found: dict[int, Lead | int] = {}
    earlier: dict[tuple[str, str, str], Lead] = {}
    for lead in leads:
        key = (lead.lead_name, lead.phone, lead.company_name)
        if key in oldest:
            found[id(lead)] = oldest[key]
        elif key in earlier:
            found[id(lead)] = earlier[key]
        else:
            earlier[key] = lead
    return found


def _save_new_leads(leads: list[Lead], meanwhile: Callable[[], _Ahead]) -> _Ahead:
    """Insert the batch's new leads with their history rows (COPY on PostgreSQL, bulk_create elsewhere), running
    `meanwhile` (reading the next batch) while PostgreSQL takes them in; returns what `meanwhile` returns."""
    return writer.create_leads(leads, meanwhile=meanwhile)


# Undo.


@dataclass
class UndoResult:
    removed: int
    kept: int  # changed since the import, so kept
    gone: int  # already deleted by someone


def import_undo(*, lead_import: LeadImport, by) -> UndoResult:
    """Remove the leads the import created that nobody changed since; keep (and count) the others.

    Leads the import updated keep their new values. Leads elsewhere that were flagged as duplicates of a removed
    lead are re-checked by the quality pipeline.
    """
    require(can_edit(by, lead_import), _("You cannot undo this import."))
    with transaction.atomic():
        locked = _lock(LeadImport.objects.filter(pk=lead_import.pk)).get()
        if not locked.can_undo:
            raise ValidationError(_("Only an import that ran and created leads can be undone, once."))
        created = LeadImportRow.objects.filter(lead_import=locked, action=RowAction.CREATED)
        total = created.count()
        gone = created.filter(lead__isnull=True).count()
        untouched = created.filter(lead__isnull=False, lead__updated_at=F("lead_updated_at"))
        # Decided once, before anything below writes to these leads.
        ids = list(untouched.order_by("lead_id").values_list("lead_id", flat=True).iterator(chunk_size=UNDO_CHUNK))
        going = set(ids)
        chunks = [ids[start : start + UNDO_CHUNK] for start in range(0, len(ids), UNDO_CHUNK)]
        dependents: list[int] = []  # leads that stay but duplicate a lead about to go: re-checked after
        for chunk in chunks:
            pointing = Lead.objects.filter(duplicate_of__in=chunk).values_list("pk", flat=True)
            dependents += [pk for pk in pointing if pk not in going]
            # A lead about to go drops its own duplicate link first, so deleting in chunks never leaves a lead
            # flagged as a duplicate of nothing (a database constraint) in between.
            Lead.objects.filter(pk__in=chunk, is_duplicate=True).update(
                is_duplicate=False, duplicate_of=None, duplicate_contact=None
            )
        if dependents:
            Lead.objects.filter(pk__in=dependents).update(is_duplicate=False, duplicate_of=None, duplicate_contact=None)
        removed = sum(_delete_chunk(chunk) for chunk in chunks)
        if dependents:
            rechecked = list(Lead.objects.filter(pk__in=dependents))
            _assess_quality(rechecked, within_batch=False)
            Lead.objects.bulk_update(rechecked, [f for f in UPDATE_FIELDS if f != "updated_at"], batch_size=500)
        kept = total - gone - removed
        LeadImport.objects.filter(pk=locked.pk).update(
            status=ImportStatus.UNDONE,
            undone_at=timezone.now(),
            undone_by=by,
            undo_removed_count=removed,
            undo_kept_count=kept,
        )
    lead_import.refresh_from_db()
    return UndoResult(removed=removed, kept=kept, gone=gone)


def _delete_chunk(ids: list[int]) -> int:
    """Delete the leads; one that something protects (e.g. a merge) is kept. Returns how many went."""
    try:
        with transaction.atomic():
            deleted = Lead.objects.filter(pk__in=ids).delete()[1].get(Lead._meta.label, 0)
        return deleted
    except ProtectedError:
        removed = 0
        for pk in ids:
            try:
                with transaction.atomic():
                    removed += Lead.objects.filter(pk=pk).delete()[1].get(Lead._meta.label, 0)
            except ProtectedError:
                continue
        return removed
