from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin import TenantAdminMixin
from crm.history import TenantHistoryAdmin

from .models import Account
from .services import account_deactivate, account_reactivate


@admin.register(Account)
class AccountAdmin(TenantAdminMixin, TenantHistoryAdmin):
    """Accounts are never deleted: no delete action, no delete view; they are deactivated and reactivated."""

    list_display = [
        "name",
        "account_type",
        "lifecycle_stage",
        "health_score",
        "industry",
        "country",
        "account_owner",
        "is_active",
        "updated_at",
    ]
    list_filter = [
        "is_active",
        "account_type",
        "lifecycle_stage",
        "health_score",
        "company_size",
        ("account_owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["account_owner", "company"]
    search_fields = ["name", "website", "gstin", "phone", "industry"]
    autocomplete_fields = ["account_owner"]
    readonly_fields = ["deactivated_at"]
    actions = ["deactivate", "reactivate"]
    fieldsets = [
        (_("Account"), {"fields": ["name", "account_type", "industry", "company_size", "annual_revenue"]}),
        (_("Contact details"), {"fields": ["website", "phone", "country"]}),
        (_("Tax"), {"fields": ["gstin"]}),
        (_("Standing"), {"fields": ["health_score", "lifecycle_stage", "is_active", "deactivated_at"]}),
        (_("Ownership"), {"fields": ["account_owner"]}),
        (_("Description"), {"fields": ["description"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        """Turning `is_active` off or on in the form goes through the deactivate / reactivate services."""
        if change and "is_active" in form.changed_data:
            wanted = obj.is_active
            obj.is_active = form.initial["is_active"]
            super().save_model(request, obj, form, change)
            service = account_reactivate if wanted else account_deactivate
            account = service(account=obj, by=request.user)
            obj.is_active, obj.deactivated_at = account.is_active, account.deactivated_at
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Deactivate selected accounts"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = 0
        for account in queryset.filter(is_active=True):
            if self.has_change_permission(request, account):
                account_deactivate(account=account, by=request.user)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate selected accounts"), permissions=["change"])
    def reactivate(self, request, queryset):
        count = 0
        for account in queryset.filter(is_active=False):
            if self.has_change_permission(request, account):
                account_reactivate(account=account, by=request.user)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d account reactivated.", "%(count)d accounts reactivated.", count) % {"count": count},
            messages.SUCCESS,
        )
