"""Activity pages: log or schedule on a record, one activity, edit, complete, and my day."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from crm.forms import add_errors
from crm.models import company_users, membership_of, parse_id
from crm.permissions import can_edit
from crm.views_base import TenantCreateView, TenantDetailView, TenantUpdateView, redirect_back, report_errors
from leads.models import Lead, LeadStatus

from . import services
from .forms import ActivityForm
from .models import RECORD_FIELDS, Activity, ActivityKind

SUCCESS = {
    ActivityKind.CALL: _("Call logged."),
    ActivityKind.NOTE: _("Note added."),
    ActivityKind.EMAIL: _("Email logged."),
    ActivityKind.TASK: _("Task scheduled."),
    ActivityKind.MEETING: _("Meeting scheduled."),
}


def record_from_query(request):
    """The record named by `?lead=<pk>` (or account, contact, deal) that the user may see; else a 404."""
    params = request.POST if request.method == "POST" and "record_field" in request.POST else request.GET
    for name in RECORD_FIELDS:
        if name in params:
            model = Activity._meta.get_field(name).related_model
            pk = parse_id(params.get(name))
            if pk is None:
                raise Http404
            return get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    raise Http404


def kind_from_query(request) -> str:
    kind = request.GET.get("kind", ActivityKind.NOTE)
    if kind not in ActivityKind.values:
        raise Http404
    return kind


class ActivityCreateView(TenantCreateView):
    """`/activities/new/?lead=<pk>&kind=call`: log a call, add a note, schedule a task or meeting."""

    model = Activity
    form_class = ActivityForm
    template_name = "activities/activity_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.record = record_from_query(request)
            self.kind = kind_from_query(request)
        return super().dispatch(request, *args, **kwargs)

    def offers_contacted(self) -> bool:
        record = self.record
        return (
            self.kind == ActivityKind.CALL
            and isinstance(record, Lead)
            and record.status == LeadStatus.NEW
            and can_edit(self.request.user, record)
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = services.new_activity(record=self.record, kind=self.kind, by=self.request.user)
        kwargs["offer_contacted"] = self.offers_contacted()
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.kind == ActivityKind.TASK and self.request.GET.get("follow_up"):
            initial["subject"] = _("Follow up")
        if self.kind in (ActivityKind.TASK, ActivityKind.MEETING):
            tomorrow = timezone.localtime() + timedelta(days=1)
            initial["due_at"] = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
        return initial

    def form_valid(self, form):
        try:
            self.object = services.save_activity(
                activity=form.instance,
                by=self.request.user,
                mark_contacted=form.cleaned_data.get("mark_contacted", False),
            )
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, SUCCESS[self.kind])
        return redirect_back(self.request, self.record)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["record"] = self.record
        context["kind"] = self.kind
        context["kind_label"] = ActivityKind(self.kind).label
        return context


class ActivityDetailView(TenantDetailView):
    model = Activity
    template_name = "activities/activity_detail.html"

    def get_queryset(self):
        return super().get_queryset().with_record()


class ActivityUpdateView(TenantUpdateView):
    model = Activity
    form_class = ActivityForm
    template_name = "activities/activity_form.html"

    def get_queryset(self):
        return super().get_queryset().with_record()

    def form_valid(self, form):
        try:
            self.object = services.save_activity(activity=form.instance, by=self.request.user)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Activity saved."))
        return redirect_back(self.request, self.object.record)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["record"] = self.object.record
        context["kind"] = self.object.kind
        context["kind_label"] = self.object.get_kind_display()
        return context


@require_POST
def complete(request, pk):
    """Tick a task or meeting done; "Done, schedule a follow-up" goes on to a new task on the same record."""
    activity = get_object_or_404(Activity.objects.visible_to(request.user).with_record(), pk=pk)
    try:
        services.complete_activity(activity=activity, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
        return redirect_back(request, activity.record)
    messages.success(request, _("“%(activity)s” done.") % {"activity": activity})
    if request.POST.get("follow_up"):
        field = activity.record_field
        query = urlencode({field: getattr(activity, f"{field}_id"), "kind": ActivityKind.TASK, "follow_up": 1})
        return redirect(f"{reverse('activities:create')}?{query}")
    return redirect_back(request, activity.record)


class MyDayView(TemplateView):
    """`/activities/`: overdue, today, upcoming and done today, for the user (a manager picks a rep or the team)."""

    template_name = "activities/my_day.html"
    UPCOMING_DAYS = 7
    LIMIT = 100

    def chosen_owner(self):
        """The rep whose day is shown: the user; a manager may pass `?owner=<id>` or `?owner=team`."""
        membership = membership_of(self.request.user)
        value = self.request.GET.get("owner", "")
        if membership is None or not membership.is_manager or not value:
            return self.request.user
        if value == "team":
            return None
        pk = parse_id(value)
        owner = company_users(membership.company).filter(pk=pk).first() if pk else None
        return owner or self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        owner = self.chosen_owner()
        now = timezone.localtime()
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        end_of_day = start_of_day + timedelta(days=1)
        activities = Activity.objects.visible_to(self.request.user).with_record()
        if owner is not None:
            activities = activities.filter(owner=owner)
        open_ones = activities.open().order_by("due_at", "pk")
        context.update(
            owner=owner,
            overdue=list(open_ones.filter(due_at__lt=now)[: self.LIMIT]),
            today=list(open_ones.filter(due_at__gte=now, due_at__lt=end_of_day)[: self.LIMIT]),
            upcoming=list(
                open_ones.filter(due_at__gte=end_of_day, due_at__lt=end_of_day + timedelta(days=self.UPCOMING_DAYS))[
                    : self.LIMIT
                ]
            ),
            done_today=list(activities.filter(done_at__gte=start_of_day).order_by("-done_at", "-pk")[: self.LIMIT]),
        )
        membership = membership_of(self.request.user)
        if membership is not None and membership.is_manager:
            context["owners"] = company_users(membership.company)
            context["owner_choice"] = self.request.GET.get("owner", "")
        return context
