from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.admin import TenantAdminMixin
from crm.history import TenantHistoryAdmin

from .models import Activity


@admin.register(Activity)
class ActivityAdmin(TenantAdminMixin, TenantHistoryAdmin):
    list_display = ["subject", "kind", "record", "owner", "due_at", "done_at", "outcome", "created_at"]
    list_filter = ["kind", "outcome", "direction", ("owner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["owner", "company", "lead", "account", "contact", "deal"]
    search_fields = ["subject", "body"]
    autocomplete_fields = ["owner", "lead", "account", "contact", "deal"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["kind", "subject", "body"]}),
        (_("When"), {"fields": ["due_at", "ends_at", "done_at", "duration_minutes"]}),
        (_("Call or email"), {"fields": ["outcome", "direction"]}),
        (_("On"), {"fields": ["lead", "account", "contact", "deal"], "description": _("Exactly one of these.")}),
        (_("Ownership"), {"fields": ["owner"]}),
    ]

    @admin.display(description=_("on"))
    def record(self, obj):
        return obj.record
