"""The lead import pages: upload (`/leads/import/`), preview / run / report (`/leads/import/<pk>/`), undo, and
the error CSV. The work is in `leads.importing.service`; these views only call it and say what happened.

The upload is cut off at the page's limit while it arrives (an upload handler), so a 2 GB file is refused
without being stored first.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView

from crm.csv_export import stream_csv
from crm.forms import error_text
from crm.models import company_of
from crm.permissions import can_edit, require
from crm.views_base import TenantQuerysetMixin, report_errors

from .csvfile import CsvFileError
from .forms import LeadImportOptionsForm, LeadImportUploadForm
from .models import ImportStatus, LeadImport
from .service import (
    import_preview,
    import_run,
    import_undo,
    import_upload,
    max_upload_bytes,
    too_large_message,
)

RECENT_IMPORTS = 20
ERRORS_SHOWN = 200


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload once it passes `limit` bytes and notes it on the request (nothing is stored)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@method_decorator(csrf_exempt, name="dispatch")
class LeadImportView(FormView):
    """Upload a CSV; a good file becomes a pending import and the page moves on to its preview."""

    form_class = LeadImportUploadForm
    template_name = "leads/import/upload.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and company_of(request.user) is None:
            raise PermissionDenied(_("Your user does not belong to a company."))
        # Before anything reads request.POST: hence csrf_exempt on dispatch and csrf_protect right here.
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request, max_upload_bytes()))
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["imports"] = LeadImport.objects.visible_to(self.request.user).select_related("created_by")[
            :RECENT_IMPORTS
        ]
        context["max_upload"] = max_upload_bytes()
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if getattr(request, "upload_too_large", False):
            size = int(request.META.get("CONTENT_LENGTH") or 0)
            form.errors.clear()
            form.add_error(
                None,
                too_large_message(size, max_upload_bytes())
                if size
                else _("The file is larger than %(limit)s.") % {"limit": filesizeformat(max_upload_bytes())},
            )
            return self.form_invalid(form)
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            lead_import = import_upload(
                company=company_of(self.request.user),
                user=self.request.user,
                uploaded_file=upload,
                file_name=upload.name,
            )
        except CsvFileError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        messages.info(
            self.request,
            ngettext(
                "“%(name)s”: %(rows)s row read. Check the columns, then dry-run or import it.",
                "“%(name)s”: %(rows)s rows read. Check the columns, then dry-run or import it.",
                lead_import.rows_total,
            )
            % {"name": lead_import.file_name, "rows": f"{lead_import.rows_total:,}"},
        )
        return redirect(lead_import)


class LeadImportDetailView(TenantQuerysetMixin, DetailView):
    """A pending import: the mapping, the first rows and their problems, and the run buttons.
    A finished one: its counts, its errors and the undo button."""

    model = LeadImport
    template_name = "leads/import/detail.html"
    context_object_name = "lead_import"
    list_select_related = ("created_by", "undone_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead_import = self.object
        context["can_edit"] = can_edit(self.request.user, lead_import)
        if lead_import.can_run:
            form = kwargs.get("form") or LeadImportOptionsForm(instance=lead_import)
            context["form"] = form
            context["preview"] = import_preview(lead_import=lead_import)
            context["mapped_columns"] = list(zip(lead_import.header, form.column_fields(), strict=True))
        context["errors"] = lead_import.row_errors.all()[:ERRORS_SHOWN]
        context["errors_shown"] = ERRORS_SHOWN
        return context

    def post(self, request, *args, **kwargs):
        self.object = lead_import = self.get_object()
        require(can_edit(request.user, lead_import))
        if not lead_import.can_run:
            messages.error(request, _("This import has already run."))
            return redirect(lead_import)
        form = LeadImportOptionsForm(request.POST, instance=lead_import)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        lead_import = form.save()
        action = request.POST.get("action", "preview")
        if action not in ("dry_run", "run"):
            return redirect(lead_import)
        try:
            lead_import = import_run(lead_import=lead_import, dry_run=action == "dry_run")
        except ValidationError as error:
            report_errors(request, error)
            return redirect(lead_import)
        _report(request, lead_import)
        return redirect(lead_import)


def _report(request, lead_import: LeadImport) -> None:
    counts = {
        "created": f"{lead_import.created_count:,}",
        "flagged": f"{lead_import.flagged_duplicates_count:,}",
        "updated": f"{lead_import.updated_count:,}",
        "skipped": f"{lead_import.skipped_duplicates_count:,}",
        "errors": f"{lead_import.error_count:,}",
    }
    if lead_import.status == ImportStatus.FAILED:
        messages.error(
            request,
            _(
                "%(failure)s The rows before row %(row)s were imported (%(created)s created, %(updated)s updated); "
                "nothing from row %(row)s on."
            )
            % {"failure": lead_import.failure_message, "row": lead_import.stopped_at_row, **counts},
        )
    elif lead_import.dry_run:
        messages.info(
            request,
            _(
                "Dry run, nothing written: it would create %(created)s leads, import %(flagged)s as duplicates, "
                "update %(updated)s, skip %(skipped)s duplicates; rows with errors: %(errors)s."
            )
            % counts,
        )
    else:
        messages.success(
            request,
            _(
                "Imported: %(created)s leads created, %(flagged)s imported as duplicates, %(updated)s updated, "
                "%(skipped)s duplicates skipped; rows with errors, not imported: %(errors)s."
            )
            % counts,
        )


@require_POST
def lead_import_undo(request, pk):
    lead_import = get_object_or_404(LeadImport.objects.visible_to(request.user), pk=pk)
    try:
        result = import_undo(lead_import=lead_import, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(lead_import)
    message = ngettext("Undone: %(n)s lead removed.", "Undone: %(n)s leads removed.", result.removed) % {
        "n": f"{result.removed:,}"
    }
    if result.kept:
        message += " " + ngettext(
            "%(n)s lead was changed since the import and was kept.",
            "%(n)s leads were changed since the import and were kept.",
            result.kept,
        ) % {"n": f"{result.kept:,}"}
    if result.gone:
        message += " " + ngettext("%(n)s had already been deleted.", "%(n)s had already been deleted.", result.gone) % {
            "n": f"{result.gone:,}"
        }
    messages.success(request, message)
    return redirect(lead_import)


@require_GET
def lead_import_errors_csv(request, pk):
    """Every row error: row, column, value, reason, then the row as it was in the file (fix it and re-import)."""
    lead_import = get_object_or_404(LeadImport.objects.visible_to(request.user), pk=pk)
    header = [_("row"), _("column"), _("value"), _("reason"), *lead_import.header]
    errors = lead_import.row_errors.order_by("row_number", "pk").values_list(
        "row_number", "column", "value", "reason", "raw"
    )
    rows = ([row, column, value, reason, *raw] for row, column, value, reason, raw in errors.iterator(chunk_size=2000))
    stem = lead_import.file_name.rsplit(".", 1)[0] or "import"
    return stream_csv(header, rows, filename=f"{stem}-errors.csv")
