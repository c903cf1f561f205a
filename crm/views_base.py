"""Tenant-aware base views shared by every entity app.

Reads start from `Model.objects.visible_to(user)` (a record outside it is a 404); edits check
`can_edit` (visible but not editable is a 403). Create views stamp `company` and `created_by`.

Trust (issue 8), once for every entity:
- detail pages get the record's field history as `history_entries` (include "partials/_history.html");
- edit pages refuse to overwrite a change made since the form was loaded (`version`): the form comes back with
  the user's input, a warning that lists what changed meanwhile, and the new version, so saving again applies;
- create pages create once per form shown (`submission_token`): a repeat goes to the record already created.
"""

import uuid
from typing import NamedTuple

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from .forms import TOKEN_FIELD, VERSION_FIELD
from .history import describe_conflict, history_entries
from .models import ConcurrentEditError, SubmissionToken, company_of
from .pagination import EstimatedCountPaginator
from .permissions import can_edit

PAGE_SIZES = (25, 50, 100)


def redirect_back(request, fallback):
    """Back to the page the form was posted from (`next`, on this site only), else to `fallback` (a record,
    a URL name or a URL)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback)


def report_errors(request, error, *, level=messages.ERROR) -> None:
    """A refused action's ValidationError as flash messages, one per message."""
    for text in error.messages:
        messages.add_message(request, level, text)


def report_form_errors(request, form) -> None:
    """An action form's errors as flash messages (the action has no page of its own to show them on)."""
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


class TenantQuerysetMixin:
    """Scope `get_queryset` to what the user may see; `list_select_related` avoids N+1 in templates."""

    list_select_related: tuple[str, ...] = ()
    list_prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        if self.list_prefetch_related:
            qs = qs.prefetch_related(*self.list_prefetch_related)
        return qs


class TenantEditMixin(TenantQuerysetMixin):
    """For edit views and actions: invisible is a 404 (from the queryset), visible but not editable a 403."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not can_edit(self.request.user, obj):
            raise PermissionDenied
        return obj


# What a saved form says, by the view's `success_verb`: whole sentences, so a translation can reorder them.
SUCCESS_MESSAGES = {
    "saved": gettext_lazy("%(model)s “%(object)s” saved."),
    "created": gettext_lazy("%(model)s “%(object)s” created."),
}


class TenantFormMixin:
    """Give the form the user (for Company-scoped choices) and say what happened."""

    success_verb = "saved"

    def success_text(self) -> str:
        """`Account “Acme” created.`"""
        model = capfirst(self.model._meta.verbose_name)
        return SUCCESS_MESSAGES[self.success_verb] % {"model": model, "object": self.object}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, self.success_text())
        return response


class Column(NamedTuple):
    """A list table's column: its header `label`, the `?o=` parameter that sorts by it (None: not sortable) and
    the <th>'s classes."""

    label: str
    sort: str | None = None
    css: str = ""


def sort_headers(query: QueryDict, columns) -> list[dict]:
    """The table's header cells (`partials/_table_head.html`). A sortable one links to its sort (ascending, or
    descending when it is sorted ascending already), on the first page, with every other parameter kept (as
    `{% querystring %}` would, without a template tag per cell), and says how the list is sorted by it."""
    current = query.get("o")
    headers = []
    for column in columns:
        header = {"label": column.label, "css": column.css, "field": column.sort}
        if column.sort:
            params = query.copy()
            params["o"] = f"-{column.sort}" if current == column.sort else column.sort
            params.pop("page", None)
            header["href"] = f"?{params.urlencode()}"
            header["sorted"] = {column.sort: "asc", f"-{column.sort}": "desc"}.get(current, "")
        headers.append(header)
    return headers


class TenantListView(TenantQuerysetMixin, FilterView):
    """A filtered, sorted, paginated list: the list-page kit's view.

    A list declares its model, its `filterset_class` (a `crm.filters.TenantFilterSet`) and its table's
    `list_columns` (`Column`s: the header cells, sortable by `?o=`, as `columns` in the context); its template
    extends `list_page.html` (heading, filter bar, table, pagination or empty state) and fills its blocks.
    Page size from `?per_page=` (25, 50 or 100).
    """

    list_columns: tuple[Column, ...] = ()
    paginate_by = PAGE_SIZES[0]
    paginator_class = EstimatedCountPaginator  # no full COUNT(*) of a big list, fast deep pages
    strict = False  # an invalid filter value is ignored (that filter is not applied), never a 500

    @property
    def table_testid(self) -> str:
        """The table's `data-testid`: `lead-table`, `account-table`, ..."""
        return f"{self.model._meta.model_name}-table"

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except (TypeError, ValueError):
            return self.paginate_by
        return size if size in PAGE_SIZES else self.paginate_by

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_sizes"] = PAGE_SIZES
        context["columns"] = sort_headers(self.request.GET, self.list_columns)
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "per_page", "o")
        )
        return context


def has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class TenantDetailView(TenantQuerysetMixin, DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = can_edit(self.request.user, self.object)
        if has_history(self.model):
            # Read through the record, which came from visible_to(user): the history is scoped like the record.
            context["history_entries"] = history_entries(self.object, user=self.request.user)
        return context


def _token(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class TenantCreateView(TenantFormMixin, CreateView):
    """Create once per form shown: the form's `submission_token` is stored with the record, in its transaction.

    The token is claimed (inserted, unique per Company) before the record is created, so of two submissions of
    the same form, even at the same moment, one creates the record and the other waits for it, finds the token
    taken and is redirected to that record. An invalid form rolls its claim back, so it can be submitted again.
    """

    success_verb = "created"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and company_of(request.user) is None:
            raise PermissionDenied(_("Your user does not belong to a company."))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        token = _token(request.POST.get(TOKEN_FIELD))
        company = company_of(request.user)
        if token is None or company is None:
            return super().post(request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = SubmissionToken.objects.create(
                        token=token, company=company, content_type=ContentType.objects.get_for_model(self.model)
                    )
            except IntegrityError:
                claim = None
            if claim is not None:
                response = super().post(request, *args, **kwargs)
                created = getattr(self, "object", None)
                if created is not None and created.pk is not None and response.status_code in (301, 302, 303):
                    claim.object_id = created.pk
                    claim.save(update_fields=["object_id"])
                else:
                    transaction.set_rollback(True)  # nothing was created: the form may be submitted again
                return response
        return self.repeated_submission(token, company)

    def repeated_submission(self, token, company):
        """The form was submitted before: go to what that submission created, if the user may see it."""
        claim = SubmissionToken.objects.filter(company=company, token=token).select_related("content_type").first()
        record = claim.record if claim and claim.object_id else None
        if record is not None and type(record).objects.visible_to(self.request.user).filter(pk=record.pk).exists():
            messages.info(
                self.request,
                _("This form was already submitted: “%(record)s” was created then, nothing new was created.")
                % {"record": record},
            )
            return redirect(record)
        messages.info(self.request, _("This form was already submitted; nothing new was created."))
        try:
            return redirect(reverse(f"{self.model._meta.app_label}:list"))
        except NoReverseMatch:
            return redirect("/")


class TenantUpdateView(TenantFormMixin, TenantEditMixin, UpdateView):
    """Edit a record without losing anyone's change.

    The form carries the version it showed. When the save finds a newer version stored (someone saved in
    between), nothing is written: the form is shown again with the user's values, a warning listing what changed
    meanwhile (their value now against the user's), and the current version, so that saving again applies the
    user's values. Entity views that save through a service keep this as long as the form's instance (with its
    `expected_version`) is what the service saves, or the service passes `expected_version` on.
    """

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():  # a conflict rolls back whatever the save had started, and only that
                return super().post(request, *args, **kwargs)
        except ConcurrentEditError as conflict:
            return self.conflict_response(conflict)

    def conflict_response(self, conflict: ConcurrentEditError):
        self.object = self.get_object()  # the stored record, as it is now (still visible and editable, else 404/403)
        data = self.request.POST.copy()
        prefix = self.get_prefix()
        data[f"{prefix}-{VERSION_FIELD}" if prefix else VERSION_FIELD] = str(self.object.version)
        form = self.get_form_class()(**{**self.get_form_kwargs(), "data": data})
        form.is_valid()  # so the user's values are cleaned (and shown with any error they have)
        submitted = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name != VERSION_FIELD}
        # The form's validation wrote the user's values onto the instance: compare against a fresh copy.
        current = self.get_queryset().get(pk=self.object.pk)
        described = describe_conflict(current, conflict.expected_version, user=self.request.user, submitted=submitted)
        for line in described.messages():
            form.add_error(None, line)
        return self.render_to_response(self.get_context_data(form=form, conflict=described))
