"""The activity form: one form whose fields follow the kind (a call has an outcome, a meeting an end, ...)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import TenantModelForm

from .models import SCHEDULED_KINDS, Activity, ActivityKind

# The fields each kind of activity shows, in order.
FIELDS_BY_KIND = {
    ActivityKind.CALL: ("subject", "outcome", "direction", "duration_minutes", "body"),
    ActivityKind.NOTE: ("subject", "body"),
    ActivityKind.EMAIL: ("subject", "direction", "body"),
    ActivityKind.TASK: ("subject", "due_at", "owner", "body"),
    ActivityKind.MEETING: ("subject", "due_at", "ends_at", "owner", "body"),
}
ALL_FIELDS = ("subject", "outcome", "direction", "duration_minutes", "due_at", "ends_at", "owner", "body")

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ActivityForm(TenantModelForm):
    """Log a call, add a note, schedule a task or meeting, or edit one. The kind is fixed by the caller."""

    mark_contacted = forms.BooleanField(label=_("Set the lead's status to contacted"), required=False, initial=True)

    class Meta:
        model = Activity
        fields = ALL_FIELDS
        widgets = {
            "due_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "body": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, offer_contacted: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        shown = FIELDS_BY_KIND.get(kind, ALL_FIELDS)
        for name in ALL_FIELDS:
            if name not in shown:
                del self.fields[name]
        if not offer_contacted:
            del self.fields["mark_contacted"]
        for name in ("due_at", "ends_at"):
            if name in self.fields:
                self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if "due_at" in self.fields:
            self.fields["due_at"].required = kind in SCHEDULED_KINDS
        if kind == ActivityKind.NOTE:
            self.fields["subject"].required = False
            self.fields["body"].required = True
        if "owner" in self.fields:
            self.fields["owner"].required = True
            self.fields["owner"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.kind == ActivityKind.NOTE and not cleaned.get("subject"):
            body = (cleaned.get("body") or "").strip()
            first_line = body.splitlines()[0] if body else ""
            cleaned["subject"] = first_line[:80] or str(_("Note"))
            self.instance.subject = cleaned["subject"]
        return cleaned
