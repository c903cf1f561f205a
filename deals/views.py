"""Deal pages: list, detail, create, edit, and the POST actions that move a deal along the pipeline."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.forms import error_text
from crm.models import parse_id
from crm.permissions import can_edit, require
from crm.views_base import Column, TenantCreateView, TenantDetailView, TenantListView, TenantUpdateView, redirect_back

from . import services
from .filters import DealFilterSet, DealStatus
from .forms import DealCloseLostForm, DealForm, DealStageForm
from .models import OPEN_STAGES, Deal, DealStage

LIST_RELATED = ("account", "owner", "primary_contact")


class DealListView(TenantListView):
    model = Deal
    filterset_class = DealFilterSet
    list_select_related = LIST_RELATED
    # The cells of `deals/_deal_table.html` with `columns`, in its order.
    list_columns = (
        Column(gettext_lazy("Deal"), "name"),
        Column(gettext_lazy("Account"), None, "d-none d-md-table-cell"),
        Column(gettext_lazy("Stage"), "stage", "d-none d-md-table-cell"),
        Column(gettext_lazy("Amount"), "amount", "d-none d-md-table-cell text-end"),
        Column(gettext_lazy("Prob."), "probability", "d-none d-lg-table-cell text-end"),
        Column(gettext_lazy("Forecast"), None, "d-none d-lg-table-cell"),
        Column(gettext_lazy("Close date"), "expected_close_date", "d-none d-md-table-cell"),
        Column(gettext_lazy("Owner"), None, "d-none d-xl-table-cell"),
        Column(gettext_lazy("Created"), "created_at", "d-none d-xxl-table-cell"),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_choices"] = DealStatus.choices
        context["today"] = timezone.localdate()
        return context


class DealDetailView(TenantDetailView):
    model = Deal
    list_select_related = (*LIST_RELATED, "created_by", "source_lead")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(deal_page_context(self.object, self.request.user))
        return context


def deal_page_context(deal, user):
    """What the deal page shows beyond the deal itself: its source lead and the action forms."""
    try:
        source_lead = deal.source_lead
    except ObjectDoesNotExist:
        source_lead = None
    # The lead is linked only when the user may open it (a rep may not see a lead that another rep owns).
    source_lead_visible = bool(
        source_lead and type(source_lead).objects.visible_to(user).filter(pk=source_lead.pk).exists()
    )
    return {
        "source_lead": source_lead,
        "source_lead_visible": source_lead_visible,
        "stage_path": [
            {"value": stage.value, "label": stage.label, "is_current": stage == deal.stage}
            for stage in (*OPEN_STAGES, DealStage.CLOSED_WON)
        ],
        "stage_form": DealStageForm(initial={"stage": deal.stage}),
        "lost_form": DealCloseLostForm(),
        "today": timezone.localdate(),
    }


class DealCreateView(TenantCreateView):
    model = Deal
    form_class = DealForm

    def get_initial(self):
        initial = super().get_initial()
        # "New deal" from an account or contact page: /deals/new/?account=12&primary_contact=34
        for name in ("account", "primary_contact"):
            if (value := parse_id(self.request.GET.get(name))) is not None:
                initial[name] = value
        return initial

    def form_valid(self, form):
        try:
            self.object = services.deal_create(company=form.company, data=form.deal_data(), by=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deal “%(name)s” created.") % {"name": self.object})
        return HttpResponseRedirect(self.get_success_url())


class DealUpdateView(TenantUpdateView):
    model = Deal
    form_class = DealForm

    def form_valid(self, form):
        try:
            self.object = services.deal_update(deal=self.object, data=form.deal_data(), by=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deal “%(name)s” saved.") % {"name": self.object})
        return HttpResponseRedirect(self.get_success_url())


# Actions: POST only, one service call each, then back to where the user was.


def _editable_deal(request, pk):
    """The deal if the user may change it: invisible is a 404, visible but not editable a 403."""
    deal = get_object_or_404(Deal.objects.visible_to(request.user).select_related("account"), pk=pk)
    require(can_edit(request.user, deal))
    return deal


def _moved_message(request, deal):
    if deal.stage == DealStage.CLOSED_WON:
        text = _("“%(name)s” closed as won. %(account)s is now a customer.") % {"name": deal, "account": deal.account}
    elif deal.stage == DealStage.CLOSED_LOST:
        text = _("“%(name)s” closed as lost.") % {"name": deal}
    else:
        text = _("“%(name)s” moved to %(stage)s (probability %(p)s %%).") % {
            "name": deal,
            "stage": deal.get_stage_display(),
            "p": deal.probability,
        }
    messages.success(request, text)


@require_POST
def deal_stage(request, pk):
    deal = _editable_deal(request, pk)
    form = DealStageForm(request.POST)
    if not form.is_valid():
        errors = [str(message) for field_errors in form.errors.values() for message in field_errors]
        messages.error(request, _("The stage was not changed: %(errors)s") % {"errors": " ".join(errors)})
        return redirect_back(request, deal)
    try:
        services.deal_move_stage(
            deal=deal, stage=form.cleaned_data["stage"], by=request.user, lost_reason=form.cleaned_data["lost_reason"]
        )
    except ValidationError as error:
        messages.error(request, _("The stage was not changed: %(errors)s") % {"errors": error_text(error)})
        return redirect_back(request, deal)
    _moved_message(request, deal)
    return redirect_back(request, deal)


@require_POST
def deal_close_won(request, pk):
    deal = _editable_deal(request, pk)
    services.deal_close_won(deal=deal, by=request.user)
    _moved_message(request, deal)
    return redirect_back(request, deal)


@require_POST
def deal_close_lost(request, pk):
    deal = _editable_deal(request, pk)
    form = DealCloseLostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The deal was not closed: say why it was lost."))
        return redirect_back(request, deal)
    try:
        services.deal_close_lost(deal=deal, by=request.user, lost_reason=form.cleaned_data["lost_reason"])
    except ValidationError as error:
        messages.error(request, _("The deal was not closed: %(errors)s") % {"errors": error_text(error)})
        return redirect_back(request, deal)
    _moved_message(request, deal)
    return redirect_back(request, deal)
