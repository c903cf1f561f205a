"""`/leads/export/`: the lead list as CSV, exactly the rows the list shows (visibility, filters, search, order)."""

from django.contrib.auth import get_user_model
from django.views.decorators.http import require_GET

from crm.csv_export import export_filename, list_queryset, stream_queryset
from crm.gdpr import outreach_allowed, wants_outreach
from crm.models import company_of

from .models import Lead

OWNER = f"lead_owner__{get_user_model().USERNAME_FIELD}"


def lead_columns() -> list[tuple[str, object]]:
    """Headers are the field names, which the importer maps back: export -> edit -> import round-trips.
    Field paths only, so the rows are read as tuples (fast) rather than model instances."""
    names = {field.name for field in Lead._meta.concrete_fields}
    columns = [("id", "pk")]
    for name in (
        "lead_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "company_size",
        "job_title",
        "country",
        "source",
        "source_detail",
        "campaign",
        "medium",
        "term",
        "content",
    ):
        if name in names:
            columns.append((name, name))
    columns.append(("lead_owner", OWNER))
    for name in (
        "status",
        "disqualified_reason",
        "stage",
        "interest_product",
        "budget_range",
        "authority_level",
        "timeline",
        "gdpr_consent",
        "opt_in_date",
        "dnd_status",
        "lead_score",
        "spam_score",
        "validation_status",
        "is_duplicate",
    ):
        columns.append((name, name))
    columns += [
        ("duplicate_of", "duplicate_of_id"),
        ("converted_at", "converted_at"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("notes", "notes"),
    ]
    return columns


@require_GET
def lead_export(request):
    from .views import LeadListView  # the list page's own queryset and FilterSet

    queryset = list_queryset(request, LeadListView)
    if wants_outreach(request):  # `?outreach=1`: for a campaign, without DND and non-consenting records
        queryset = outreach_allowed(queryset)
    return stream_queryset(queryset, lead_columns(), filename=export_filename("leads", company_of(request.user)))
