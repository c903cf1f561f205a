"""`/deals/export/`: the deal list as CSV, exactly the rows the list shows."""

from django.views.decorators.http import require_GET

from crm.csv_export import export_filename, list_queryset, stream_queryset
from crm.models import company_of


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def _contact_name(deal) -> str:
    contact = deal.primary_contact
    return " ".join(part for part in (contact.first_name, contact.last_name) if part) if contact else ""


DEAL_COLUMNS = [
    ("id", "pk"),
    ("name", "name"),
    ("account", "account__name"),
    ("account_id", "account_id"),
    ("primary_contact", _contact_name),
    ("owner", lambda deal: _username(deal.owner)),
    ("stage", "stage"),
    ("amount", "amount"),
    ("currency", "currency"),
    ("probability", "probability"),
    ("expected_close_date", "expected_close_date"),
    ("forecast_category", "forecast_category"),
    ("source", "source"),
    ("campaign", "campaign"),
    ("medium", "medium"),
    ("term", "term"),
    ("closed_at", "closed_at"),
    ("lost_reason", "lost_reason"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
]


@require_GET
def deal_export(request):
    from .views import DealListView

    queryset = list_queryset(request, DealListView).select_related("account", "primary_contact", "owner")
    return stream_queryset(queryset, DEAL_COLUMNS, filename=export_filename("deals", company_of(request.user)))
