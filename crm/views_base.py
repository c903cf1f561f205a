"""Tenant-aware base views: every read starts from the user's visibility; edits from what they may edit."""

from django.core.exceptions import PermissionDenied


class TenantQuerysetMixin:
    """Scope `get_queryset` to `Model.objects.visible_to(user)`: a record outside it is a 404."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


class TenantEditMixin(TenantQuerysetMixin):
    """For edit views: visible but not editable is a 403; invisible is a 404."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not obj.can_edit(self.request.user):
            raise PermissionDenied
        return obj
