"""The pipeline board: one column per open stage plus Won and Lost, cards moved by drag-and-drop or a plain form.

Queries per page, whatever the number of deals: the column figures (one grouped query), the cards (one query,
at most `CARD_LIMIT` per column picked by a window function), the owner choices for managers. Moving a card
posts the same small form with or without JavaScript; the stage change goes through
`services.deal_move_stage` -> `Deal.move_to_stage`, the one place for the stage rules (won: the account becomes
a customer and `closed_at` is set; lost: a reason is required).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from crm.models import company_of, company_users, parse_id
from crm.permissions import can_edit, can_see_all_owners, require
from crm.users import user_label
from crm.views_base import redirect_back

from . import forecast, services
from .forms import DealStageForm
from .models import CLOSED_STAGES, OPEN_STAGES, Deal, DealStage, ForecastCategory

CARD_LIMIT = 25  # cards drawn per column (the rest are a link away); the column's figures count every deal
BOARD_PERIODS = (forecast.PeriodKind.MONTH, forecast.PeriodKind.QUARTER, forecast.PeriodKind.CUSTOM, "all")


class PipelineFilterForm(forms.Form):
    """The board's filters (GET). `owner` is offered to managers only; `account` takes an account's id (a link
    from the account page) or part of its name."""

    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label=gettext_lazy("Any owner"))
    period = forms.ChoiceField(
        label=gettext_lazy("Close period"),
        required=False,
        choices=[(kind, forecast.PeriodKind.labels[kind]) for kind in BOARD_PERIODS],
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    forecast_category = forms.ChoiceField(
        label=gettext_lazy("Forecast category"),
        required=False,
        choices=[("", gettext_lazy("Any category")), *ForecastCategory.choices],
    )
    account = forms.CharField(
        label=gettext_lazy("Account"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("Name")}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if can_see_all_owners(user, Deal):
            self.fields["owner"].queryset = company_users(company_of(user))
            self.fields["owner"].label_from_instance = user_label
        else:
            del self.fields["owner"]

    def filter(self, deals):
        """Apply the owner, category and account filters (the period is applied per column by the view)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("owner"):
            deals = deals.filter(owner=data["owner"])
        if data.get("forecast_category"):
            deals = deals.filter(forecast_category=data["forecast_category"])
        account = (data.get("account") or "").strip()
        if (account_id := parse_id(account)) is not None:
            deals = deals.filter(account_id=account_id)
        elif account:
            deals = deals.filter(account__name__icontains=account)
        return deals


def stage_options(current: str) -> str:
    """The <option>s of a card's stage select, the card's stage selected: built once per column, not per card."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (stage.value, " selected" if stage == current else "", str(stage.label))
            for stage in (*OPEN_STAGES, *CLOSED_STAGES)
        ),
    )


class PipelineView(TemplateView):
    template_name = "deals/pipeline/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        company = company_of(user)
        currency = company.currency if company else ""
        today = timezone.localdate()
        period = forecast.parse_period(self.request.GET, today=today, kinds=BOARD_PERIODS)
        form = PipelineFilterForm(
            self.request.GET or None,
            user=user,
            initial={"period": period.kind, "start": period.start, "end": period.end},
        )
        deals = form.filter(Deal.objects.visible_to(user)).filter(forecast.board_scope(period))

        figures = forecast.by_stage(deals, currency=currency)
        by_stage = self._cards_by_stage(deals, user)
        columns = self._columns(figures, by_stage, self._deal_list_params(form, period))
        open_total = sum((figures[stage] for stage in OPEN_STAGES), forecast.Bucket())
        context.update(
            {
                "form": form,
                "period": period,
                "periods": self._period_links(period, today),
                "columns": columns,
                "open_total": open_total,
                "other_currency": sum(bucket.other_currency for bucket in figures.values()),
                "currency": currency,
                "board_url": self.request.get_full_path(),
                "lost_stage": DealStage.CLOSED_LOST,
                "card_limit": CARD_LIMIT,
                "today": today,
                "is_filtered": any(value for key, value in self.request.GET.items() if key != "period"),
            }
        )
        return context

    def _cards_by_stage(self, deals, user) -> dict[str, list]:
        """The first `CARD_LIMIT` cards of each column (one query, a window per stage), each marked editable."""
        cards = (
            deals.select_related("account", "owner")
            .only(
                "pk",
                "name",
                "stage",
                "amount",
                "currency",
                "probability",
                "expected_close_date",
                "forecast_category",
                "closed_at",
                "owner_id",
                "company_id",
                "account__name",
                "owner__first_name",
                "owner__last_name",
                "owner__username",
            )
            .annotate(
                board_rank=Window(
                    RowNumber(),
                    partition_by=[F("stage")],
                    order_by=[
                        F("closed_at").desc(nulls_last=True),
                        F("expected_close_date").asc(nulls_last=True),
                        F("amount").desc(),
                        F("pk").asc(),
                    ],
                )
            )
            .filter(board_rank__lte=CARD_LIMIT)
            .order_by("stage", "board_rank")
        )
        by_stage = {stage: [] for stage in forecast.BOARD_STAGES}
        for card in cards:  # at most CARD_LIMIT per column: display rows, not aggregation
            card.editable = can_edit(user, card)
            by_stage[card.stage].append(card)
        return by_stage

    def _columns(self, figures: dict, by_stage: dict[str, list], list_params: dict) -> list[dict]:
        """One column per board stage: its figures, its cards, how many are hidden and a link to the list."""
        columns = []
        for stage in forecast.BOARD_STAGES:
            bucket = figures[stage]
            stage_params = {**list_params, "stage": stage}
            if stage in CLOSED_STAGES:  # the deal list filters by close date, not by closing time
                stage_params.pop("expected_close_date_after", None)
                stage_params.pop("expected_close_date_before", None)
            columns.append(
                {
                    "stage": stage,
                    "label": DealStage(stage).label,
                    "is_open": stage in OPEN_STAGES,
                    "figures": bucket,
                    "cards": by_stage[stage],
                    "hidden": bucket.count - len(by_stage[stage]),
                    "list_url": f"{reverse('deals:list')}?{urlencode(stage_params)}",
                    "move_options": stage_options(stage),
                }
            )
        return columns

    def _deal_list_params(self, form, period) -> dict:
        params = {}
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if data.get("owner"):
            params["owner"] = data["owner"].pk
        if data.get("forecast_category"):
            params["forecast_category"] = data["forecast_category"]
        if (account_id := parse_id(data.get("account"))) is not None:
            params["account"] = account_id
        if period.start:
            params["expected_close_date_after"] = period.start.isoformat()
        if period.end:
            params["expected_close_date_before"] = period.end.isoformat()
        return params

    def _period_links(self, period, today):
        """Quick links: previous / this / next month or quarter, keeping the other filters."""
        keep = {key: value for key, value in self.request.GET.items() if key not in ("period", "start", "end")}

        def url(target):
            return "?" + urlencode({**keep, **target.params()})

        links = {}
        if period.is_navigable:
            links["previous"] = url(period.previous())
            links["next"] = url(period.next())
        links["this_month"] = url(forecast.Period.month(today))
        links["this_quarter"] = url(forecast.Period.quarter(today))
        links["any"] = url(forecast.Period.any_date())
        return links


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back_to_board(request):
    return redirect_back(request, "deals:pipeline")


def _moved_text(deal) -> str:
    if deal.stage == DealStage.CLOSED_WON:
        return _("“%(name)s” closed as won. %(account)s is now a customer.") % {
            "name": deal,
            "account": deal.account,
        }
    if deal.stage == DealStage.CLOSED_LOST:
        return _("“%(name)s” closed as lost.") % {"name": deal}
    return _("“%(name)s” moved to %(stage)s.") % {"name": deal, "stage": deal.get_stage_display()}


@require_POST
def pipeline_move(request, pk):
    """Move a card: the plain form (redirects back to the board) or the board's script (asks for JSON)."""
    deal = get_object_or_404(Deal.objects.visible_to(request.user).select_related("account"), pk=pk)
    require(can_edit(request.user, deal))
    form = DealStageForm(request.POST)
    errors = None
    if form.is_valid():
        try:
            services.deal_move_stage(
                deal=deal,
                stage=form.cleaned_data["stage"],
                by=request.user,
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [str(message) for field_errors in form.errors.values() for message in field_errors]
    if errors:
        text = _("“%(name)s” was not moved: %(errors)s") % {"name": deal, "errors": " ".join(errors)}
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": text}, status=400)
        messages.error(request, text)
        return _back_to_board(request)
    text = _moved_text(deal)
    if _wants_json(request):  # the script shows the message itself and re-fetches the board
        return JsonResponse({"ok": True, "stage": deal.stage, "message": text})
    messages.success(request, text)
    return _back_to_board(request)
