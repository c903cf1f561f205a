"""`/contacts/export/`: the contact list as CSV, exactly the rows the list shows."""

from django.contrib.auth import get_user_model
from django.views.decorators.http import require_GET

from crm.csv_export import export_filename, list_queryset, stream_queryset
from crm.gdpr import outreach_allowed, wants_outreach
from crm.models import company_of

USERNAME = get_user_model().USERNAME_FIELD


CONTACT_COLUMNS = [
    ("id", "pk"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("job_title", "job_title"),
    ("account", "account__name"),
    ("account_id", "account_id"),
    ("role", "role"),
    ("preferred_channel", "preferred_channel"),
    ("influence_score", "influence_score"),
    ("is_primary_contact", "is_primary_contact"),
    ("owner", f"owner__{USERNAME}"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
]


@require_GET
def contact_export(request):
    from .views import ContactListView

    queryset = list_queryset(request, ContactListView)
    if wants_outreach(request):  # `?outreach=1`: for a campaign, without DND and non-consenting records
        queryset = outreach_allowed(queryset)
    return stream_queryset(queryset, CONTACT_COLUMNS, filename=export_filename("contacts", company_of(request.user)))
