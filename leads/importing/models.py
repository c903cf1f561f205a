"""The record of a CSV import: who, when, which file, how it was mapped, what happened to every row.

`LeadImport` is one upload (the web page) or one run of `manage.py import_leads`. A web upload waits as
`pending` (its bytes kept in `source_data`) while the user checks the mapping and may dry-run it; running
it moves it to `running` and then `done` or `failed`. `LeadImportRow` links every lead the import created
or updated (so undo can find them); `LeadImportError` lists every row that was not imported and why.

The counts are exclusive outcomes, one per data row: created + flagged_duplicates + updated +
skipped_duplicates + errors = the rows processed (blank lines are not rows).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import AccessPolicy, TenantModel, choice_constraint

# A running import updates its record after every batch; one silent for this long has died.
STALE_AFTER = timedelta(minutes=10)


class ImportMode(models.TextChoices):
    SKIP = "skip", _("Skip duplicates")
    UPDATE = "update", _("Update the existing lead")
    FLAG = "flag", _("Import and flag as duplicate")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to run")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class LeadImport(TenantModel):
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    source_data = models.BinaryField(
        _("uploaded file"),
        blank=True,
        default=b"",
        editable=False,
        help_text=_("The uploaded bytes while the import waits to run; emptied once it has run."),
    )
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    header = models.JSONField(_("header"), default=list, blank=True, editable=False)
    mapping = models.JSONField(
        _("mapping"), default=list, blank=True, help_text=_("The lead field of each column ('' = ignored).")
    )
    mode = models.CharField(_("duplicates"), max_length=8, choices=ImportMode.choices, default=ImportMode.SKIP)
    default_campaign = models.CharField(
        _("default campaign"), max_length=120, blank=True, help_text=_("Used for rows without a campaign.")
    )
    dry_run = models.BooleanField(_("dry run"), default=False, help_text=_("Validated everything, wrote no lead."))
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_duplicates_count = models.PositiveIntegerField(_("skipped duplicates"), default=0)
    flagged_duplicates_count = models.PositiveIntegerField(_("imported as duplicates"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    stopped_at_row = models.PositiveIntegerField(
        _("stopped at row"),
        null=True,
        blank=True,
        help_text=_("A failed import: the first row of the batch that failed; the rows before it were imported."),
    )
    failure_message = models.TextField(_("failure"), blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undo_removed_count = models.PositiveIntegerField(_("removed by undo"), default=0)
    undo_kept_count = models.PositiveIntegerField(_("kept by undo (changed since)"), default=0)

    # Reps see and undo their own imports; managers and admins every import of their Company.
    access = AccessPolicy(owner_field="created_by")

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "-created_at"], name="leadimport_company_crtd_idx")]
        constraints = [
            choice_constraint("mode", ImportMode, "leadimport_mode_valid"),
            choice_constraint("status", ImportStatus, "leadimport_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.FAILED) | Q(stopped_at_row__isnull=False),
                name="leadimport_failed_says_where",
            ),
        ]

    def __str__(self):
        return self.file_name

    def get_absolute_url(self):
        return reverse("leads:import_detail", kwargs={"pk": self.pk})

    @property
    def leads_created(self) -> int:
        """Every lead the import created, flagged duplicates included."""
        return self.created_count + self.flagged_duplicates_count

    @property
    def can_run(self) -> bool:
        return self.status == ImportStatus.PENDING

    @property
    def is_interrupted(self) -> bool:
        """Still `running` but silent for `STALE_AFTER`: its process died (a restart, a request timeout).

        The batches it committed stay; it can be undone like a failed import.
        """
        return self.status == ImportStatus.RUNNING and self.updated_at < timezone.now() - STALE_AFTER

    @property
    def can_undo(self) -> bool:
        finished = self.status in (ImportStatus.DONE, ImportStatus.FAILED) or self.is_interrupted
        return finished and not self.dry_run and self.leads_created > 0


class RowAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class LeadImportRow(models.Model):
    """A lead an import created or updated. Undo removes the created ones that are untouched since."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import"))
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    row_number = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=8, choices=RowAction.choices)
    lead_updated_at = models.DateTimeField(
        _("lead saved at"), help_text=_("The lead's updated_at as the import left it: a later edit changes it.")
    )

    class Meta:
        verbose_name = _("imported lead")
        verbose_name_plural = _("imported leads")
        ordering = ["lead_import_id", "row_number", "pk"]
        indexes = [models.Index(fields=["lead_import", "action"], name="leadimprow_import_action_idx")]
        constraints = [choice_constraint("action", RowAction, "leadimportrow_action_valid")]

    def __str__(self):
        return f"Row {self.row_number}: {self.get_action_display()}"


class LeadImportError(models.Model):
    """One problem with one row: the row is not imported. `raw` keeps the row's cells for the error CSV."""

    lead_import = models.ForeignKey(
        LeadImport, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("import")
    )
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True, help_text=_("The file's column header."))
    field = models.CharField(_("field"), max_length=64, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    raw = models.JSONField(_("row as in the file"), default=list, blank=True)

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["lead_import_id", "row_number", "pk"]

    def __str__(self):
        return f"Row {self.row_number}: {self.reason}"
