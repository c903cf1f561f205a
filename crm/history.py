"""Field history of the tracked records (leads, accounts, contacts, deals), with django-simple-history.

Recording: each tracked model declares `history = TrackedHistory(...)`. Every `save()` writes a historical row
(simple-history's post_save); the tracked models' querysets (`crm.models.TrackedQuerySet`) write them for
`update()`, `bulk_create()` and `bulk_update()` too, so no bulk path goes unrecorded.

Who: the user set on the instance (`instance._history_user`), else the user of the innermost `acting_as(...)`
block (services and commands say who acts), else the signed-in user of the request (simple-history's
`HistoryRequestMiddleware`). Why (optional): `acting_as(user, reason=...)` or `instance._change_reason`.

Reading: `history_entries(record, user=...)` turns a record's history into timeline entries (newest first):
who, when, and per field the old and new value as a person reads them (choice labels, related records by
name, yes/no). The history is only ever read through a record the caller already got from
`Model.objects.visible_to(user)`; related records are named only when the user may see them.
"""

from __future__ import annotations

import contextvars
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords

from .users import user_label

# Fields that every tracked model has and the timeline does not show: bookkeeping, not facts about the record.
NOT_SHOWN = frozenset({"id", "company", "created_by", "created_at", "updated_at", "version"})
EMPTY = "—"
TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class _Actor:
    user: object | None
    reason: str


_actor: contextvars.ContextVar[_Actor | None] = contextvars.ContextVar("crm_history_actor", default=None)


@contextmanager
def acting_as(user=None, reason: str = ""):
    """Attribute every history row written inside the block to `user`, with an optional `reason`.

    Nested blocks inherit what they do not set. Anonymous users (the public web form) count as nobody.
    """
    outer = _actor.get()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    token = _actor.set(
        _Actor(
            user=user if user is not None else (outer.user if outer else None),
            reason=str(reason) if reason else (outer.reason if outer else ""),
        )
    )
    try:
        yield
    finally:
        _actor.reset(token)


def current_reason() -> str:
    actor = _actor.get()
    return actor.reason if actor else ""


def history_user(instance=None, request=None, **kwargs):
    """simple-history's `get_user`: the user of the innermost `acting_as`, else the request's user."""
    actor = _actor.get()
    if actor is not None and actor.user is not None:
        return actor.user
    if request is not None:
        return request.user
    return None


class TrackedHistory(HistoricalRecords):
    """HistoricalRecords with the CRM's conventions: who comes from `acting_as` or the request, `updated_at`
    is never tracked (it changes on every save and says nothing the history date does not), and the reason
    of the innermost `acting_as` block is the default change reason."""

    def __init__(self, *, excluded_fields=(), **kwargs):
        kwargs.setdefault("get_user", history_user)
        super().__init__(excluded_fields=["updated_at", *excluded_fields], **kwargs)

    def copy_fields(self, model):
        """The record's fields on the historical model, indexed only by `id`: history is read one record at a time
        (the timeline, the conflict check, the GDPR purge). The foreign keys and unique fields a record copies
        would each get an index that nothing reads and every bulk import has to maintain."""
        fields = super().copy_fields(model)
        for name, copied in fields.items():
            if name != "id":
                copied.db_index = False
        return fields

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or current_reason()


def record_bulk_history(model, objs, *, update: bool, batch_size=None) -> None:
    """Write one historical row per object (after a bulk write), attributed like a save() would be."""
    objs = [obj for obj in objs if obj.pk is not None]
    if objs:
        model.history.bulk_history_create(
            objs, batch_size=batch_size, update=update, default_change_reason=current_reason()
        )


# Reading: the timeline.


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    user: object | None
    kind: str  # "created", "changed" or "deleted"
    reason: str
    version: int | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def who(self) -> str:
        return user_label(self.user) if self.user is not None else _("System")


def shown_fields(model) -> list[models.Field]:
    """The model's tracked fields that the timeline shows, in the model's order."""
    tracked = model.history.model.tracked_fields
    return [f for f in tracked if f.name not in NOT_SHOWN]


def changed_fields(newer, older, fields) -> list[models.Field]:
    return [f for f in fields if getattr(newer, f.attname) != getattr(older, f.attname)]


class _Labels:
    """Turn stored values into what a person reads; related records are looked up once per model."""

    def __init__(self, *, user, company_id):
        self.user = user
        self.company_id = company_id
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], object], str] = {}

    def want(self, fld: models.Field, value) -> None:
        if fld.is_relation and value is not None:
            self.wanted[fld.related_model].add(value)

    def resolve(self) -> None:
        """One query per related model that appears in a change (constant, whatever the history's length)."""
        User = get_user_model()
        for model, ids in self.wanted.items():
            if model is User:
                rows = User.objects.filter(pk__in=ids, membership__company_id=self.company_id)
                self.names.update({(model, row.pk): user_label(row) for row in rows})
            elif hasattr(model.objects, "visible_to"):
                rows = model.objects.visible_to(self.user).filter(pk__in=ids)
                self.names.update({(model, row.pk): str(row) for row in rows})

    def label(self, fld: models.Field, value) -> str:
        if value is None or value == "":
            return EMPTY
        if fld.is_relation:
            name = self.names.get((fld.related_model, value))
            return name or f"{fld.related_model._meta.verbose_name.capitalize()} #{value}"
        if fld.choices:
            return str(dict(fld.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, datetime):
            return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, date):
            return formats.date_format(value, "DATE_FORMAT")
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2)
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False) if value else EMPTY
        return str(value)


def history_entries(record, *, user, limit: int = TIMELINE_LIMIT) -> list[HistoryEntry]:
    """The record's timeline, newest first: one entry per change that altered a shown field, plus its creation.

    `record` must come from `Model.objects.visible_to(user)`: its history is scoped by being read through it.
    Costs one query for the history (with its users) and one per related model named in a change.
    """
    rows = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    fields = shown_fields(type(record))
    labels = _Labels(user=user, company_id=record.company_id)
    pending = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        if row.history_type == "+" or older is None:
            pending.append((row, []))
            continue
        changed = changed_fields(row, older, fields)
        if not changed and row.history_type != "-":
            continue  # a save that changed nothing the timeline shows
        pairs = [(fld, getattr(older, fld.attname), getattr(row, fld.attname)) for fld in changed]
        for fld, old, new in pairs:
            labels.want(fld, old)
            labels.want(fld, new)
        pending.append((row, pairs))
    labels.resolve()
    kinds = {"+": "created", "~": "changed", "-": "deleted"}
    return [
        HistoryEntry(
            when=row.history_date,
            user=row.history_user,
            kind=kinds.get(row.history_type, "changed"),
            reason=row.history_change_reason or "",
            version=getattr(row, "version", None),
            changes=[
                FieldChange(
                    fld.name, str(fld.verbose_name).capitalize(), labels.label(fld, old), labels.label(fld, new)
                )
                for fld, old, new in pairs
            ],
        )
        for row, pairs in pending
    ]


@dataclass
class ConflictRow:
    name: str
    label: str
    now: str
    yours: str | None  # None: the field is not on the form (saving again keeps their value)


@dataclass
class Conflict:
    """What changed in a record since the user loaded it at `expected_version` (for the edit conflict warning)."""

    expected_version: int
    version: int
    entries: list[HistoryEntry]
    rows: list[ConflictRow]

    @property
    def who(self) -> str:
        names = list(dict.fromkeys(entry.who for entry in self.entries))
        return ", ".join(names) or _("someone")

    def messages(self) -> list[str]:
        """The warning as lines of text (form errors are text: the template escapes them)."""
        lines = [
            _(
                "Someone else changed this record while you were editing (%(who)s). Nothing was saved. "
                "Your values are kept below: save again to apply them over the current ones."
            )
            % {"who": self.who}
        ]
        for row in self.rows:
            if row.yours is None:
                lines.append(
                    _("%(field)s: now “%(now)s” (not on this form, kept).") % {"field": row.label, "now": row.now}
                )
            else:
                lines.append(
                    _("%(field)s: now “%(now)s”, yours “%(yours)s”.")
                    % {"field": row.label, "now": row.now, "yours": row.yours}
                )
        return lines


def describe_conflict(current, expected_version: int, *, user, submitted: dict) -> Conflict:
    """Compare the stored `current` record with the version the user loaded, using the record's history.

    `submitted` maps form field names to the user's cleaned values. The fields listed are those whose stored
    value differs from the one at `expected_version`; when the history has no row at that version (a record
    older than the history), those where the stored value differs from the user's.
    """
    fields = shown_fields(type(current))
    entries = [entry for entry in history_entries(current, user=user) if (entry.version or 0) > expected_version]
    seen = current.history.filter(version=expected_version).order_by("-history_date", "-history_id").first()
    labels = _Labels(user=user, company_id=current.company_id)

    def stored(fld):
        return getattr(current, fld.attname)

    def yours(fld):
        value = submitted[fld.name]
        return value.pk if isinstance(value, models.Model) else value

    if seen is not None:
        changed = [f for f in fields if getattr(seen, f.attname) != stored(f)]
    else:
        changed = [f for f in fields if f.name in submitted and yours(f) != stored(f)]
    for fld in changed:
        labels.want(fld, stored(fld))
        if fld.name in submitted:
            labels.want(fld, yours(fld))
    labels.resolve()
    rows = [
        ConflictRow(
            name=fld.name,
            label=str(fld.verbose_name).capitalize(),
            now=labels.label(fld, stored(fld)),
            yours=labels.label(fld, yours(fld)) if fld.name in submitted else None,
        )
        for fld in changed
    ]
    return Conflict(expected_version=expected_version, version=current.version, entries=entries, rows=rows)


# The admin.


class TenantHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin "History" page, scoped like the change form and read-only.

    simple-history shows the history of a record that the admin's queryset does not contain (it falls back to
    the record's last historical row): here such a record "doesn't exist", as on its change page (Django's
    redirect to the admin index), so another Company's history never shows. Reverting to an old version is
    switched off: it would save around the services that every change goes through.
    Use it after `TenantAdminMixin`: `class LeadAdmin(TenantAdminMixin, TenantHistoryAdmin)`.
    """

    def _missing(self, request, object_id):
        """Django's answer for a record outside the admin's queryset, or None when the record is in it."""
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return None

    def history_view(self, request, object_id, extra_context=None):
        return self._missing(request, object_id) or super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        missing = self._missing(request, object_id)
        if missing:
            return missing
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
