"""`/accounts/export/`: the account list as CSV, exactly the rows the list shows."""

from django.contrib.auth import get_user_model
from django.views.decorators.http import require_GET

from crm.csv_export import export_filename, list_queryset, stream_queryset
from crm.models import company_of

USERNAME = get_user_model().USERNAME_FIELD


ACCOUNT_COLUMNS = [
    ("id", "pk"),
    ("name", "name"),
    ("website", "website"),
    ("industry", "industry"),
    ("phone", "phone"),
    ("country", "country"),
    ("account_type", "account_type"),
    ("company_size", "company_size"),
    ("annual_revenue", "annual_revenue"),
    ("gstin", "gstin"),
    ("health_score", "health_score"),
    ("lifecycle_stage", "lifecycle_stage"),
    ("is_active", "is_active"),
    ("account_owner", f"account_owner__{USERNAME}"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
]


@require_GET
def account_export(request):
    from .views import AccountListView

    queryset = list_queryset(request, AccountListView)
    return stream_queryset(queryset, ACCOUNT_COLUMNS, filename=export_filename("accounts", company_of(request.user)))
