"""Lead pages (list, detail, create, edit) and the lead actions (assign, take, status, stage, bulk assign).

Reads start from `Lead.objects.visible_to(user)`: a lead outside it is a 404. Every change goes through one
call into `leads.services`; a refused action is a 403 (PermissionDenied) or a message (ValidationError).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries

from crm.forms import add_errors
from crm.models import company_of
from crm.permissions import can_assign, can_convert, can_edit, require
from crm.templatetags.crm_tags import badge, score_badge
from crm.users import user_label
from crm.views_base import (
    Column,
    TenantCreateView,
    TenantDetailView,
    TenantListView,
    TenantUpdateView,
    redirect_back,
    report_errors,
    report_form_errors,
)

from . import services
from .filters import UNASSIGNED, LeadFilterSet
from .forms import AssignForm, BulkAssignForm, LeadForm, StageForm, StatusForm
from .models import Lead
from .quality.duplicates import duplicate_candidates

# The lead table's columns (after the managers' tick box).
LIST_COLUMNS = (
    Column(gettext_lazy("Name"), "lead_name"),
    Column(gettext_lazy("Company"), "company_name", "d-none d-md-table-cell"),
    Column(gettext_lazy("Campaign"), "campaign", "d-none d-lg-table-cell"),
    Column(gettext_lazy("Status"), "status", "d-none d-sm-table-cell"),
    Column(gettext_lazy("Stage"), None, "d-none d-lg-table-cell"),
    Column(gettext_lazy("Score"), "lead_score", "d-none d-sm-table-cell"),
    Column(gettext_lazy("Owner"), None, "d-none d-sm-table-cell"),
    Column(gettext_lazy("Created"), "created_at", "d-none d-md-table-cell text-nowrap"),
)


def labels_of(field_name: str) -> dict:
    """{stored value: label} of a Lead field's choices, in the active language."""
    return {value: str(label) for value, label in Lead._meta.get_field(field_name).flatchoices}


def url_for_each(name: str):
    """`pk -> reverse(name, pk)`, reversing once: the URL of a sentinel pk, with the pk put in its place."""
    sentinel = "9081726354"
    template = reverse(name, kwargs={"pk": int(sentinel)})
    return lambda pk: template.replace(sentinel, str(pk))


def list_rows(leads, *, spam_threshold) -> list[dict]:
    """What each row of the lead table shows, worked out here rather than by template tags per row: the badges
    (the `{% badge %}` and `{% score_badge %}` markup), labels from dicts built once per page (the model's
    `get_FOO_display()` rebuilds its dict on every call), URLs reversed once."""
    labels = {name: labels_of(name) for name in ("status", "stage", "source")}
    detail_url, take_url = url_for_each("leads:detail"), url_for_each("leads:take")
    rows = []
    for lead in leads:
        owner = lead.lead_owner
        rows.append(
            {
                "lead": lead,
                "pk": str(lead.pk),
                "name": str(lead),
                "url": detail_url(lead.pk),
                "is_spam": spam_threshold is not None and lead.spam_score >= spam_threshold,
                "status": badge(lead.status, labels["status"].get(lead.status, lead.status)),
                "stage": badge(lead.stage, labels["stage"].get(lead.stage, lead.stage)),
                "source": labels["source"].get(lead.source, lead.source),
                "score": score_badge(lead.lead_score),
                "owner": user_label(owner),
                "take_url": take_url(lead.pk) if owner is None and not lead.is_read_only else "",
                "created": date_format(template_localtime(lead.created_at), "SHORT_DATE_FORMAT"),
            }
        )
    return rows


_COUNTRY_CHOICES: dict[str, list[tuple[str, str]]] = {}


def country_choices() -> list[tuple[str, str]]:
    """django-countries' (code, name) pairs in the active language, sorted by name; worked out once per language
    (iterating `countries` translates and sorts the 250 names again every time)."""
    language = get_language()
    if language not in _COUNTRY_CHOICES:
        _COUNTRY_CHOICES[language] = [(code, str(name)) for code, name in countries]
    return _COUNTRY_CHOICES[language]


class LeadListView(TenantListView):
    model = Lead
    filterset_class = LeadFilterSet
    list_select_related = ("lead_owner",)
    list_columns = LIST_COLUMNS

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        country = filterset.form.fields.get("country")
        if country is not None:
            country.choices = country_choices()  # the same choices, not translated and sorted again
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_assign"] = can_assign(user, Lead)
        if context["can_assign"]:
            context["bulk_form"] = BulkAssignForm(user=user, auto_id="id_bulk_%s")
        owner = self.request.GET.get("lead_owner", "")
        context["view_tab"] = {"": "all", UNASSIGNED: "queue", str(user.pk): "mine"}.get(owner, "")
        context["unassigned"] = UNASSIGNED
        company = company_of(user)
        context["rows"] = list_rows(
            context["object_list"], spam_threshold=company.spam_threshold if company is not None else None
        )
        context["next_url"] = self.request.get_full_path()
        return context


class LeadDetailView(TenantDetailView):
    model = Lead
    list_select_related = (
        "lead_owner",
        "created_by",
        "duplicate_of",
        "duplicate_contact",
        "merged_into",
        "converted_to_account",
        "converted_contact",
        "converted_deal",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        writable = not lead.is_read_only
        context["can_act"] = context["can_edit"] and writable
        context["can_assign"] = writable and can_assign(user, lead)
        context["can_take"] = writable and lead.lead_owner_id is None
        if context["can_assign"]:
            context["assign_form"] = AssignForm(
                user=user, initial={"lead_owner": lead.lead_owner_id}, auto_id="id_assign_%s"
            )
        if context["can_act"]:
            context["status_form"] = StatusForm(
                initial={"status": lead.status, "reason": lead.disqualified_reason}, auto_id="id_status_%s"
            )
            context["stage_form"] = StageForm(initial={"stage": lead.stage}, auto_id="id_stage_%s")
        context["is_spam"] = lead.spam_score >= company_of(user).spam_threshold
        context["can_convert"] = lead.is_open and can_convert(user, lead)
        context["candidates"] = duplicate_candidates(lead, user=user)
        return context


class ProcessLeadMixin:
    """Create and edit save through `services.process_lead`, the one step every entry point runs."""

    model = Lead
    form_class = LeadForm

    def form_valid(self, form):
        lead = form.save(commit=False)
        adding = lead._state.adding
        try:
            self.object = services.process_lead(lead=lead, by=self.request.user, source="form")
        except ValidationError as error:
            if adding:  # the transaction rolled back: the form must not look like an edit of a saved lead
                lead.pk, lead._state.adding = None, True
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text())
        return HttpResponseRedirect(self.get_success_url())


class LeadCreateView(ProcessLeadMixin, TenantCreateView):
    pass


def read_only_message(lead) -> str:
    return _("This lead is %(status)s and can no longer be changed.") % {"status": lead.get_status_display().lower()}


class LeadIsReadOnly(Exception):
    def __init__(self, lead):
        self.lead = lead


class LeadUpdateView(ProcessLeadMixin, TenantUpdateView):
    list_select_related = ("lead_owner",)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except LeadIsReadOnly as refused:
            messages.warning(request, read_only_message(refused.lead))
            return redirect(refused.lead)

    def get_object(self, queryset=None):
        lead = super().get_object(queryset)
        if lead.is_read_only:
            raise LeadIsReadOnly(lead)
        return lead


# Actions: POST only, one service call each, then back to where the user was.


def _visible_lead(request, pk) -> Lead:
    return get_object_or_404(Lead.objects.visible_to(request.user).select_related("lead_owner"), pk=pk)


def _editable_lead(request, pk) -> Lead:
    lead = _visible_lead(request, pk)
    require(can_edit(request.user, lead))
    return lead


@require_POST
def assign(request, pk):
    lead = _visible_lead(request, pk)
    require(can_assign(request.user, lead), _("Only managers assign leads."))
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect_back(request, lead)
    owner = form.cleaned_data["lead_owner"]
    try:
        services.lead_assign(lead=lead, owner=owner, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        if owner is None:
            messages.success(request, _("“%(lead)s” is back in the unassigned queue.") % {"lead": lead})
        else:
            messages.success(
                request, _("“%(lead)s” assigned to %(owner)s.") % {"lead": lead, "owner": user_label(owner)}
            )
    return redirect_back(request, lead)


@require_POST
def bulk_assign(request):
    require(can_assign(request.user, Lead), _("Only managers assign leads."))
    form = BulkAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect_back(request, "leads:list")
    leads, owner = form.cleaned_data["leads"], form.cleaned_data["lead_owner"]
    try:
        assigned = services.leads_bulk_assign(leads=leads, owner=owner, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
        return redirect_back(request, "leads:list")
    messages.success(
        request,
        ngettext("%(count)d lead assigned to %(owner)s.", "%(count)d leads assigned to %(owner)s.", assigned)
        % {"count": assigned, "owner": user_label(owner)},
    )
    skipped = len(leads) - assigned
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d converted or merged lead was left alone.",
                "%(count)d converted or merged leads were left alone.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect_back(request, "leads:list")


@require_POST
def take(request, pk):
    lead = _visible_lead(request, pk)
    try:
        services.lead_take(lead=lead, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("“%(lead)s” is now yours.") % {"lead": lead})
    return redirect_back(request, lead)


@require_POST
def set_status(request, pk):
    lead = _editable_lead(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect_back(request, lead)
    try:
        services.lead_set_status(
            lead=lead, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(
            request, _("“%(lead)s” is now %(status)s.") % {"lead": lead, "status": lead.get_status_display()}
        )
    return redirect_back(request, lead)


@require_POST
def set_stage(request, pk):
    lead = _editable_lead(request, pk)
    form = StageForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect_back(request, lead)
    try:
        services.lead_set_stage(lead=lead, stage=form.cleaned_data["stage"], by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(
            request, _("“%(lead)s” moved to %(stage)s.") % {"lead": lead, "stage": lead.get_stage_display()}
        )
    return redirect_back(request, lead)
