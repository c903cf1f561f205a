from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.admin import TenantAdminMixin
from crm.history import TenantHistoryAdmin
from crm.models import company_of

from .models import Deal
from .services import EDITABLE_FIELDS, deal_update


@admin.register(Deal)
class DealAdmin(TenantAdminMixin, TenantHistoryAdmin):
    """A stage change made here goes through Deal.move_to_stage, so winning makes the account a customer."""

    list_display = [
        "name",
        "account",
        "stage",
        "amount",
        "currency",
        "probability",
        "forecast_category",
        "expected_close_date",
        "owner",
    ]
    list_filter = [
        "stage",
        "forecast_category",
        "source",
        "expected_close_date",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["account", "owner", "company"]
    search_fields = ["name", "account__name", "campaign", "lost_reason"]
    autocomplete_fields = ["account", "primary_contact", "owner"]
    readonly_fields = ["closed_at", "source_lead"]
    date_hierarchy = "expected_close_date"
    fieldsets = [
        (_("Deal"), {"fields": ["name", "account", "primary_contact", "owner", "description"]}),
        (_("Value"), {"fields": ["amount", "currency"]}),
        (
            _("Pipeline"),
            {
                "fields": [
                    "stage",
                    ("probability", "probability_is_manual"),
                    ("forecast_category", "forecast_category_is_manual"),
                    "expected_close_date",
                    "closed_at",
                    "lost_reason",
                ]
            },
        ),
        (_("Attribution"), {"fields": ["source_lead", "source", "campaign", "medium", "term"]}),
    ]

    @admin.display(description=_("source lead"))
    def source_lead(self, obj):
        try:
            return obj.source_lead
        except ObjectDoesNotExist:
            return None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        company = company_of(request.user)
        if company is not None:
            initial.setdefault("currency", company.currency)
        return initial

    def save_model(self, request, obj, form, change):
        """Changes go through deal_update, so a stage change runs Deal.move_to_stage (a won deal makes its account
        a customer). A new deal is saved at the default stage, then moved to the chosen one, as deal_create does."""
        if change:
            data = {name: form.cleaned_data[name] for name in form.fields if name in EDITABLE_FIELDS}
            deal_update(deal=obj, data=data, by=request.user)
            obj.refresh_from_db()
            return
        stage, lost_reason = obj.stage, obj.lost_reason
        obj.stage = obj._meta.get_field("stage").get_default()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            obj.move_to_stage(stage, by=request.user, lost_reason=lost_reason)
