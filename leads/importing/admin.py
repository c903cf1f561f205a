"""Lead imports in the Django admin: a read-only record (imports run, and are undone, from the import page).

Registered from `leads/admin.py` (`from .importing import admin as import_admin  # noqa: F401`).
"""

from django.contrib import admin

from crm.admin import TenantAdminMixin
from leads.importing.models import LeadImport, LeadImportError


class LeadImportErrorInline(admin.TabularInline):
    model = LeadImportError
    fields = ["row_number", "column", "value", "reason"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("row_number", "pk")

    def has_view_permission(self, request, obj=None):
        return True  # the errors of an import the (Company-scoped) parent admin already lets the user see

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeadImport)
class LeadImportAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "file_name",
        "created_by",
        "created_at",
        "status",
        "mode",
        "dry_run",
        "rows_total",
        "created_count",
        "updated_count",
        "skipped_duplicates_count",
        "flagged_duplicates_count",
        "error_count",
    ]
    list_filter = ["status", "mode", "dry_run", "created_at"]
    search_fields = ["file_name"]
    list_select_related = ["created_by"]
    autocomplete_fields = []
    exclude = ["source_data"]
    inlines = [LeadImportErrorInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
