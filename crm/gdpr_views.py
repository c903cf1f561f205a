"""The GDPR pages of a lead or a contact: the personal-data download and the erase confirmation.

Wired by each app with its model: `path("<int:pk>/erase/", gdpr_views.erase, {"model": Lead}, name="erase")`.
A record the user cannot see is a 404; erasing is for managers and admins (a rep gets a 403).
"""

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import gdpr
from .permissions import can_erase, require


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the personal data is gone for good: this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


def _visible(request, model, pk):
    return get_object_or_404(model.objects.visible_to(request.user), pk=pk)


def _label(obj) -> str:
    """How the pages name the record: its type and number (its name may be the very data being erased)."""
    return f"{obj._meta.verbose_name.capitalize()} #{obj.pk}"


@require_GET
@never_cache
def personal_data(request, pk, *, model):
    """Everything held about the person on this record, as a JSON download."""
    obj = _visible(request, model, pk)
    response = JsonResponse(gdpr.personal_data(obj), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = content_disposition_header(
        True, f"{obj._meta.model_name}-{obj.pk}-personal-data.json"
    )
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def erase(request, pk, *, model):
    """GET: what will be erased and what is kept; POST (with the box ticked): erase."""
    obj = _visible(request, model, pk)
    require(can_erase(request.user, obj), _("Only managers and admins erase personal data."))
    form = EraseForm(request.POST) if request.method == "POST" else EraseForm()
    if request.method == "POST" and form.is_valid():
        gdpr.erase_personal_data(obj=obj, by=request.user)
        messages.success(
            request,
            _(
                "%(record)s: personal data erased. The record, its attribution and its scores are kept; "
                "the old values are gone from its history too."
            )
            % {"record": _label(obj)},
        )
        return redirect(obj)
    policy = gdpr.policy_for(obj)
    erased = [obj._meta.get_field(name).verbose_name for name in policy.erase_values if name in policy.history_fields]
    kept = [
        obj._meta.get_field(name).verbose_name
        for name in (*policy.personal, *policy.attribution, *policy.profile)
        if name not in policy.erase_values
    ]
    context = {
        "object": obj,
        "record_label": _label(obj),
        "list_url": reverse(f"{obj._meta.app_label}:list"),
        "list_label": str(obj._meta.verbose_name_plural).capitalize(),
        "form": form,
        "erased_fields": erased,
        "kept_fields": kept,
        "erasure": gdpr.last_erasure(obj),
        "others": [
            {
                "record": other,
                "label": _label(other),
                "url": other.get_absolute_url(),
                "erase_url": reverse(f"{other._meta.app_label}:erase", kwargs={"pk": other.pk})
                if can_erase(request.user, other)
                else "",
            }
            for other in gdpr.same_person_records(obj, user=request.user)
        ],
        "export_url": reverse(f"{obj._meta.app_label}:personal_data", kwargs={"pk": obj.pk}),
    }
    return render(request, "gdpr/erase_confirm.html", context, status=400 if form.errors else 200)
