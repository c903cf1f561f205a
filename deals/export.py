"""`/deals/export/`: the deal list as CSV, exactly the rows the list shows."""

from django.contrib.auth import get_user_model
from django.db.models import CharField, Value
from django.db.models.functions import Coalesce, Concat, Trim
from django.views.decorators.http import require_GET

from crm.csv_export import export_filename, list_queryset, stream_queryset
from crm.models import company_of

USERNAME = get_user_model().USERNAME_FIELD


# "First Last" of the primary contact, computed in the query ('' without one).
PRIMARY_CONTACT_NAME = Trim(
    Concat(
        Coalesce("primary_contact__first_name", Value("")),
        Value(" "),
        Coalesce("primary_contact__last_name", Value("")),
        output_field=CharField(),
    )
)


DEAL_COLUMNS = [
    ("id", "pk"),
    ("name", "name"),
    ("account", "account__name"),
    ("account_id", "account_id"),
    ("primary_contact", PRIMARY_CONTACT_NAME),
    ("owner", f"owner__{USERNAME}"),
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

    queryset = list_queryset(request, DealListView)
    return stream_queryset(queryset, DEAL_COLUMNS, filename=export_filename("deals", company_of(request.user)))
