"""Contact pages: list, detail, create, edit, and the make-primary action."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Account
from crm.forms import error_text
from crm.models import parse_id
from crm.permissions import can_make_primary, can_see_all_owners, require
from crm.views_base import Column, TenantCreateView, TenantDetailView, TenantListView, TenantUpdateView, redirect_back

from . import services
from .filters import ContactFilter
from .forms import ContactForm
from .models import Contact


def related_model(name: str):
    return Contact._meta.get_field(name).related_model


class ContactListView(TenantListView):
    model = Contact
    filterset_class = ContactFilter
    template_name = "contacts/contact_filter.html"
    list_select_related = ("account", "owner")
    list_columns = (
        Column(_("Name"), "name"),
        Column(_("Account"), "account", "d-none d-sm-table-cell"),
        Column(_("Job title"), "job_title", "d-none d-lg-table-cell"),
        Column(_("Email"), "email", "d-none d-md-table-cell"),
        Column(_("Phone"), None, "d-none d-xxl-table-cell"),
        Column(_("Role"), "role", "d-none d-xl-table-cell"),
        Column(_("Influence"), "influence", "d-none d-lg-table-cell"),
        Column(_("Channel"), "preferred_channel", "d-none d-xxl-table-cell"),
        Column(_("Owner"), "owner", "d-none d-md-table-cell"),
        Column(_("Created"), "created", "d-none d-xxl-table-cell"),
    )


class ContactDetailView(TenantDetailView):
    model = Contact
    template_name = "contacts/contact_detail.html"
    list_select_related = ("account", "account__account_owner", "owner", "created_by")

    def get_queryset(self):
        user = self.request.user
        deals = related_model("deals").objects.visible_to(user).select_related("owner")
        leads = related_model("converted_leads").objects.visible_to(user)
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("deals", queryset=deals.order_by("-created_at", "-pk"), to_attr="deal_list"),
                Prefetch("converted_leads", queryset=leads.order_by("-converted_at", "-pk"), to_attr="lead_list"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_make_primary"] = can_make_primary(self.request.user, self.object)
        context["sees_all_deals"] = can_see_all_owners(self.request.user, related_model("deals"))
        context["today"] = timezone.localdate()  # the deal table marks an open deal past its close date
        return context


class ContactFormMixin:
    """Save through `contact_save`, so ticking "primary" switches the account's primary contact atomically."""

    model = Contact
    form_class = ContactForm
    template_name = "contacts/contact_form.html"

    def form_valid(self, form):
        previous = services.contact_save(
            contact=form.instance, by=self.request.user, primary=form.cleaned_data["is_primary_contact"]
        )
        self.object = form.instance
        messages.success(self.request, self.success_text())
        if previous is not None:
            messages.info(
                self.request,
                _("%(contact)s is now the primary contact of %(account)s, instead of %(previous)s.")
                % {"contact": self.object, "account": self.object.account, "previous": previous},
            )
        return HttpResponseRedirect(self.get_success_url())


class ContactCreateView(ContactFormMixin, TenantCreateView):
    def get_initial(self):
        """`?account=<pk>` (the account page's "Add contact") preselects one of the user's active accounts."""
        initial = super().get_initial()
        if (account_id := parse_id(self.request.GET.get("account"))) is not None:
            account = Account.objects.visible_to(self.request.user).active().filter(pk=account_id).first()
            if account is not None:
                initial["account"] = account.pk
                self.preselected_account = account
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, so get_initial has run
        context["preselected_account"] = getattr(self, "preselected_account", None)
        return context


class ContactUpdateView(ContactFormMixin, TenantUpdateView):
    def get_object(self, queryset=None):
        contact = super().get_object(queryset)
        self.saved_name = str(contact)  # the form's validation writes to the instance; titles keep the saved name
        return contact

    def get_context_data(self, **kwargs):
        return super().get_context_data(saved_name=self.saved_name, **kwargs)


@require_POST
def contact_make_primary(request, pk):
    """Another Company's contact is a 404; a contact the user may not edit (nor its account), a 403."""
    contact = get_object_or_404(Contact.objects.visible_to(request.user).select_related("account"), pk=pk)
    require(can_make_primary(request.user, contact))
    try:
        previous = services.contact_make_primary(contact=contact, by=request.user)
    except ValidationError as error:
        messages.warning(request, error_text(error))
    else:
        values = {"contact": contact, "account": contact.account, "previous": previous}
        if previous:
            text = _("%(contact)s is now the primary contact of %(account)s, instead of %(previous)s.") % values
        else:
            text = _("%(contact)s is now the primary contact of %(account)s.") % values
        messages.success(request, text)
    return redirect_back(request, contact)
