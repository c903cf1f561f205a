from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin import TenantAdminMixin
from crm.history import TenantHistoryAdmin

from .models import Contact
from .services import contact_make_primary


@admin.register(Contact)
class ContactAdmin(TenantAdminMixin, TenantHistoryAdmin):
    list_display = [
        "name",
        "account",
        "job_title",
        "email",
        "phone",
        "role",
        "is_primary_contact",
        "owner",
        "updated_at",
    ]
    list_filter = [
        "is_primary_contact",
        "role",
        "influence_score",
        "preferred_channel",
        "dnd_status",
        "gdpr_consent",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["account", "owner", "company"]
    search_fields = ["first_name", "last_name", "email", "phone", "job_title", "account__name"]
    autocomplete_fields = ["account", "owner"]
    readonly_fields = ["is_primary_contact"]
    actions = ["make_primary"]
    fieldsets = [
        (_("Person"), {"fields": ["first_name", "last_name", "job_title", "account", "is_primary_contact"]}),
        (_("Role"), {"fields": ["role", "influence_score"]}),
        (_("Reach"), {"fields": ["email", "phone", "preferred_channel"]}),
        (_("Compliance"), {"fields": ["gdpr_consent", "opt_in_date", "dnd_status"]}),
        (_("Ownership"), {"fields": ["owner"]}),
        (_("Notes"), {"fields": ["notes"]}),
    ]

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj):
        return obj.name

    @admin.action(description=_("Make primary contact of their account"), permissions=["change"])
    def make_primary(self, request, queryset):
        """The primary flag moves with contact_make_primary (one per account), never by editing the field."""
        contacts = list(queryset)
        accounts = [contact.account_id for contact in contacts]
        if len(set(accounts)) != len(accounts):
            self.message_user(request, _("Choose at most one contact per account."), messages.ERROR)
            return
        count = 0
        for contact in contacts:
            if self.has_change_permission(request, contact):
                contact_make_primary(contact=contact, by=request.user)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d contact made primary.", "%(count)d contacts made primary.", count) % {"count": count},
            messages.SUCCESS,
        )
