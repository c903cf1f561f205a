"""Tenant-aware base views shared by every entity app.

Reads start from `Model.objects.visible_to(user)` (a record outside it is a 404); edits check
`can_edit` (visible but not editable is a 403). Create views stamp `company` and `created_by`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from .models import company_of

PAGE_SIZES = (25, 50, 100)


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
        if not obj.can_edit(self.request.user):
            raise PermissionDenied
        return obj


class TenantFormMixin:
    """Give the form the user (for Company-scoped choices) and say what happened."""

    success_verb = "saved"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, f"{self.model._meta.verbose_name.capitalize()} “{self.object}” {self.success_verb}."
        )
        return response


class TenantListView(TenantQuerysetMixin, FilterView):
    """A filtered, sorted, paginated list. Page size from `?per_page=` (25, 50 or 100)."""

    paginate_by = PAGE_SIZES[0]
    strict = False  # an invalid filter value is ignored (that filter is not applied), never a 500

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
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "per_page", "o")
        )
        return context


class TenantDetailView(TenantQuerysetMixin, DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.object.can_edit(self.request.user)
        return context


class TenantCreateView(TenantFormMixin, CreateView):
    success_verb = "created"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and company_of(request.user) is None:
            raise PermissionDenied("Your user does not belong to a company.")
        return super().dispatch(request, *args, **kwargs)


class TenantUpdateView(TenantFormMixin, TenantEditMixin, UpdateView):
    pass
