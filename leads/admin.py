from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin import CompanyRecordsAdminMixin, TenantAdminMixin
from crm.history import TenantHistoryAdmin
from crm.models import Company, company_users, membership_of
from crm.users import user_label

from .conversion.views import admin_convert_action
from .importing import admin as import_admin  # noqa: F401  (registers the LeadImport admin)
from .models import Lead, LeadScoreModel
from .services import READ_ONLY_STATUSES, leads_bulk_assign, process_lead

CONTACT_DETAILS = [
    "first_name",
    "last_name",
    "lead_name",
    "email",
    "phone",
    "company_name",
    "company_size",
    "job_title",
    "country",
]
ATTRIBUTION = ["source", "source_detail", "campaign", "campaign_defaulted", "medium", "term", "content"]
QUALIFICATION = [
    "lead_owner",
    "status",
    "disqualified_reason",
    "stage",
    "interest_product",
    "budget_range",
    "authority_level",
    "timeline",
]
COMPLIANCE = ["gdpr_consent", "opt_in_date", "dnd_status"]
QUALITY = [
    "lead_score",
    "score_factors",
    "score_model_version",
    "scored_at",
    "spam_score",
    "spam_reasons",
    "validation_status",
    "validation_errors",
    "is_duplicate",
    "duplicate_of",
    "duplicate_contact",
    "merged_into",
    "submitted_ip",
]
CONVERSION = ["converted_to_account", "converted_contact", "converted_deal", "converted_at"]


class AssignOwnerForm(forms.Form):
    lead_owner = forms.ModelChoiceField(queryset=None, label=_("New owner"))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_owner"].queryset = company_users(company)
        self.fields["lead_owner"].label_from_instance = user_label


@admin.register(Lead)
class LeadAdmin(TenantAdminMixin, TenantHistoryAdmin):
    """Quality and conversion fields are computed, so read-only; converted and merged leads are history."""

    list_display = [
        "display_name",
        "email",
        "company_name",
        "status",
        "stage",
        "lead_owner",
        "lead_score",
        "spam_score",
        "source",
        "campaign",
        "created_at",
    ]
    list_filter = [
        "status",
        "stage",
        "source",
        "validation_status",
        "is_duplicate",
        "gdpr_consent",
        "dnd_status",
        ("lead_owner", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["lead_owner", "company"]
    search_fields = ["lead_name", "first_name", "last_name", "email", "phone", "company_name", "campaign"]
    autocomplete_fields = ["lead_owner"]
    readonly_fields = ["campaign_defaulted", *QUALITY, *CONVERSION]
    date_hierarchy = "created_at"
    actions = ["assign_owner", admin_convert_action]
    fieldsets = [
        (_("Contact details"), {"fields": CONTACT_DETAILS}),
        (_("Attribution"), {"fields": ATTRIBUTION}),
        (_("Assignment and qualification (BANT)"), {"fields": QUALIFICATION}),
        (_("Compliance"), {"fields": COMPLIANCE}),
        (_("Quality"), {"fields": QUALITY, "classes": ["collapse"]}),
        (_("Conversion"), {"fields": CONVERSION}),
        (_("Notes"), {"fields": ["notes"]}),
    ]

    @admin.display(description=_("name"), ordering="lead_name")
    def display_name(self, obj):
        return obj.display_name

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            kwargs["choices"] = [choice for choice in db_field.choices if choice[0] not in READ_ONLY_STATUSES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Every save runs the lead pipeline (validation, quality checks) like the other entry points."""
        if not change:
            self.stamp_new_record(request, obj)
        process_lead(lead=obj, by=request.user, source="admin")

    def assign(self, request, leads, owner) -> int:
        """Company members assign through leads_bulk_assign; a superuser (no Company) by the same rule:
        the owner is an active user of the leads' Company, converted and merged leads are left alone."""
        if membership_of(request.user) is not None:
            return leads_bulk_assign(leads=leads, owner=owner, by=request.user)
        assignable = [lead for lead in leads if not lead.is_read_only]
        for lead in assignable:
            lead.lead_owner = owner
            lead.save(update_fields=["lead_owner"])
        return len(assignable)

    @admin.action(description=_("Assign to owner"), permissions=["change"])
    def assign_owner(self, request, queryset):
        """An intermediate page picks a user of the leads' Company; read-only leads are skipped."""
        company_ids = set(queryset.values_list("company_id", flat=True))
        if len(company_ids) != 1:
            self.message_user(request, _("Choose leads of one company."), messages.ERROR)
            return None
        company = Company.objects.get(pk=company_ids.pop())
        if "apply" in request.POST:
            form = AssignOwnerForm(request.POST, company=company)
            if form.is_valid():
                owner = form.cleaned_data["lead_owner"]
                leads = list(queryset)
                assigned = self.assign(request, leads, owner)
                skipped = len(leads) - assigned
                message = ngettext(
                    "%(count)d lead assigned to %(owner)s.", "%(count)d leads assigned to %(owner)s.", assigned
                ) % {"count": assigned, "owner": user_label(owner)}
                if skipped:
                    message += " " + ngettext(
                        "%(count)d read-only lead skipped.", "%(count)d read-only leads skipped.", skipped
                    ) % {"count": skipped}
                self.message_user(request, message, messages.SUCCESS if assigned else messages.WARNING)
                return None
        else:
            form = AssignOwnerForm(company=company)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign to owner"),
            "form": form,
            "leads": list(queryset.select_related("lead_owner")),
            "opts": self.model._meta,
            "action": "assign_owner",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/leads/lead/assign_owner.html", context)


@admin.register(LeadScoreModel)
class LeadScoreModelAdmin(CompanyRecordsAdminMixin, admin.ModelAdmin):
    """The trained scoring models, read-only: they are written by `manage.py train_lead_scores`."""

    company_admin_may_delete = False

    list_display = ["label", "company", "algorithm", "auc", "n_samples", "n_positive", "created_at"]
    list_filter = ["algorithm"]
    list_select_related = ["company"]
    search_fields = ["company__name", "algorithm"]
    fields = [
        "company",
        "version",
        "algorithm",
        "auc",
        "n_samples",
        "n_positive",
        "intercept",
        "features",
        "coefficients",
        "means",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="version")
    def label(self, obj):
        return obj.label

    def get_list_filter(self, request):
        return ["company", *self.list_filter] if request.user.is_superuser else self.list_filter
