"""Account pages: list, detail, create, edit, and the deactivate / reactivate actions (there is no delete)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from crm.forms import error_text
from crm.permissions import can_edit, can_see_all_owners, require
from crm.views_base import Column, TenantCreateView, TenantDetailView, TenantListView, TenantUpdateView, redirect_back

from . import services
from .filters import AccountFilter
from .forms import AccountForm
from .models import Account


def website_url(website: str) -> str:
    """A safe link for a website typed by a user: http(s) only, `https://` added when no scheme is given."""
    website = (website or "").strip()
    if not website:
        return ""
    if "://" not in website:
        website = f"https://{website}"
    return website if website.lower().startswith(("http://", "https://")) else ""


def related_model(name: str):
    """The model behind one of Account's reverse relations (contacts, deals, converted_leads).

    Imports flow from the entity apps that point at accounts, never back: this reaches them through the relation.
    """
    return Account._meta.get_field(name).related_model


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) subquery per account: one query for the whole page, whatever its size."""
    counted = queryset.filter(account=OuterRef("pk")).order_by().values("account").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(queryset, *, user):
    """Annotate each account with its contacts and the open deals the user can see."""
    contacts = related_model("contacts").objects.visible_to(user)
    open_deals = related_model("deals").objects.visible_to(user).open()
    return queryset.annotate(contact_count=_count(contacts), open_deal_count=_count(open_deals))


class AccountListView(TenantListView):
    model = Account
    filterset_class = AccountFilter
    template_name = "accounts/account_filter.html"
    list_select_related = ("account_owner",)
    list_columns = (
        Column(_("Name"), "name", "min-w-12rem"),
        Column(_("Type"), "account_type", "d-none d-sm-table-cell"),
        Column(_("Lifecycle"), "lifecycle_stage", "d-none d-lg-table-cell"),
        Column(_("Health"), "health_score"),
        Column(_("Industry"), "industry", "d-none d-xl-table-cell"),
        Column(_("Country"), "country", "d-none d-xxl-table-cell"),
        Column(_("Annual revenue"), "annual_revenue", "d-none d-lg-table-cell text-end text-nowrap"),
        Column(_("Contacts"), "contacts", "d-none d-md-table-cell text-end text-nowrap"),
        Column(_("Open deals"), "open_deals", "text-end text-nowrap"),
        Column(_("Owner"), "owner", "d-none d-md-table-cell"),
        Column(_("Created"), "created", "d-none d-xxl-table-cell"),
    )

    def get_queryset(self):
        return with_counts(super().get_queryset(), user=self.request.user)


class AccountDetailView(TenantDetailView):
    model = Account
    template_name = "accounts/account_detail.html"
    list_select_related = ("account_owner", "created_by")

    def get_queryset(self):
        user = self.request.user
        contacts = related_model("contacts").objects.visible_to(user).select_related("owner")
        deals = related_model("deals").objects.visible_to(user).select_related("owner", "primary_contact")
        leads = related_model("converted_leads").objects.visible_to(user).select_related("lead_owner")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "contacts",
                    queryset=contacts.order_by("-is_primary_contact", "last_name", "first_name", "pk"),
                    to_attr="contact_list",
                ),
                Prefetch("deals", queryset=deals.order_by("-created_at", "-pk"), to_attr="deal_list"),
                Prefetch(
                    "converted_leads",
                    queryset=leads.order_by("-converted_at", "-pk"),
                    to_attr="converted_lead_list",
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deals = self.object.deal_list
        context["open_deals"] = [deal for deal in deals if deal.is_open]
        context["open_pipeline"] = sum(deal.amount for deal in context["open_deals"])
        context["won_amount"] = sum(deal.amount for deal in deals if deal.is_won)
        context["website_url"] = website_url(self.object.website)
        user = self.request.user
        context["sees_all_deals"] = can_see_all_owners(user, related_model("deals"))
        context["sees_all_leads"] = can_see_all_owners(user, related_model("converted_leads"))
        context["today"] = timezone.localdate()  # the deal table marks an open deal past its close date
        return context


class AccountCreateView(TenantCreateView):
    model = Account
    form_class = AccountForm
    template_name = "accounts/account_form.html"


class AccountUpdateView(TenantUpdateView):
    model = Account
    form_class = AccountForm
    template_name = "accounts/account_form.html"

    def get_object(self, queryset=None):
        account = super().get_object(queryset)
        self.saved_name = str(account)  # the form's validation writes to the instance; titles keep the saved name
        return account

    def get_context_data(self, **kwargs):
        return super().get_context_data(saved_name=self.saved_name, **kwargs)


def editable_account(request, pk) -> Account:
    """Another Company's account (or one the user cannot see) is a 404; one they may not edit, a 403."""
    account = get_object_or_404(Account.objects.visible_to(request.user), pk=pk)
    require(can_edit(request.user, account))
    return account


@require_POST
def account_deactivate(request, pk):
    account = editable_account(request, pk)
    try:
        account = services.account_deactivate(account=account, by=request.user)
    except ValidationError as error:
        messages.warning(request, error_text(error))
    else:
        messages.success(
            request, _("“%(account)s” is deactivated: it no longer shows in the account list.") % {"account": account}
        )
    return redirect_back(request, account)


@require_POST
def account_reactivate(request, pk):
    account = editable_account(request, pk)
    try:
        account = services.account_reactivate(account=account, by=request.user)
    except ValidationError as error:
        messages.warning(request, error_text(error))
    else:
        messages.success(request, _("“%(account)s” is active again.") % {"account": account})
    return redirect_back(request, account)
