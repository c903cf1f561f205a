"""GDPR tools for the records that hold a person's data (leads and contacts).

- `personal_data(obj)`: everything the CRM holds about the person on one record, as a JSON-ready dict (the
  right of access): personal fields, consent, attribution, what we derived about them (score, qualification),
  the records it links to, and the history of the personal and consent fields.
- `erase_personal_data(*, obj, by)`: the right to erasure, in one transaction. The personal fields are
  anonymised (names become "Erased", the rest is emptied), consent is withdrawn and "do not disturb" set; the
  record stays with its attribution and aggregates (score, status, stage, amounts elsewhere) so reports do not
  change. The old values are purged from the record's field history and from the admin's log, and an
  `ErasureLog` row says who erased which record when - never what was erased.
- `outreach_blocked_reason(obj)` and `outreach_allowed(queryset)`: "do not disturb" and missing consent block
  outreach actions and leave a record out of exports for outreach.

Which fields are personal is declared by each model, as it declares its access policy:
`gdpr = PersonalDataPolicy(personal=..., anonymise=...)`; `policy_models()` finds them in the app registry, so `crm`
names no entity app and none of its fields. A model without a policy has no GDPR tools.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import ErasureLog
from .permissions import can_erase, require

# The value erased names are set to; the erasure check reads it back, so it is stored as is, never translated.
ERASED = "Erased"
# The history reason, translated when written (as every history reason is).
ERASE_REASON = gettext_noop("Personal data erased (GDPR)")
CONSENT_FIELDS = ("gdpr_consent", "opt_in_date", "dnd_status")
# What an erasure does to consent: withdrawn, and never contact this record again.
CONSENT_AFTER_ERASURE = {"gdpr_consent": False, "opt_in_date": None, "dnd_status": True}


@dataclass(frozen=True)
class PersonalDataPolicy:
    """Which fields of a model describe a person, and what erasing them leaves.

    - `personal`: exported as the person's data;
    - `anonymise`: field -> the value it has after an erasure; purged to that value in the history as well
      (derived fields such as a normalised name key belong here too, even when they are not exported);
    - `attribution`, `profile`: exported, kept by an erasure (where the record came from; what we derived);
    - `links`: relations exported as ids (forward) or id lists (reverse), and offered on the erase page as the
      same person's other records.
    """

    personal: tuple[str, ...]
    anonymise: dict[str, object]
    attribution: tuple[str, ...] = ()
    profile: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    consent: tuple[str, ...] = CONSENT_FIELDS

    @property
    def erase_values(self) -> dict[str, object]:
        """Every field an erasure writes on the record: the anonymised fields and the consent fields."""
        return {**self.anonymise, **CONSENT_AFTER_ERASURE}

    @property
    def history_fields(self) -> tuple[str, ...]:
        """The fields whose past values the export shows (and whose personal part an erasure purges)."""
        return (*self.personal, *self.consent)


def policy_for(obj_or_model) -> PersonalDataPolicy:
    """The model's own declaration (`gdpr = PersonalDataPolicy(...)`, next to its `access` policy)."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    policy = getattr(model, "gdpr", None)
    if not isinstance(policy, PersonalDataPolicy):
        raise LookupError(f"{model._meta.label} holds no personal data policy.")
    return policy


def has_policy(obj_or_model) -> bool:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return isinstance(getattr(model, "gdpr", None), PersonalDataPolicy)


def policy_models() -> list[type[models.Model]]:
    """Every installed model that declares personal data, in INSTALLED_APPS order."""
    return [model for model in apps.get_models() if has_policy(model)]


# --- Outreach ----------------------------------------------------------------------------------------------


def outreach_blocked_reason(obj) -> str:
    """Why calls, emails and campaigns must not reach this person, or '' when they may."""
    kind = obj._meta.verbose_name
    if obj.dnd_status:
        return _("Do not disturb: this %(kind)s asked not to be contacted.") % {"kind": kind}
    if not obj.gdpr_consent:
        return _("No GDPR consent: do not send marketing to this %(kind)s.") % {"kind": kind}
    return ""


def outreach_allowed(queryset):
    """Only the records outreach may reach: consent given and not "do not disturb" (erased records never)."""
    return queryset.filter(gdpr_consent=True, dnd_status=False)


def wants_outreach(request) -> bool:
    """`?outreach=1` on an export: the list for a campaign, without the records outreach must not reach."""
    return request.GET.get("outreach", "").strip().lower() in ("1", "true", "yes", "on")


# --- Export (right of access) ------------------------------------------------------------------------------


def plain(value):
    """A stored value as JSON: text, numbers, booleans, lists and ISO dates; anything else as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


def _fields(obj, names) -> dict:
    return {name: plain(obj._meta.get_field(name).value_from_object(obj)) for name in names}


def _links(obj, names) -> dict:
    """Forward relations as {"id", "name"} (a business record: account, deal) or an id (a record of a person),
    reverse ones as the list of ids."""
    links = {}
    for name in names:
        relation = obj._meta.get_field(name)
        if relation.concrete:
            related_id = getattr(obj, relation.attname)
            if related_id is None or has_policy(relation.related_model):
                links[name] = related_id  # another person's record: its id, never its data
            else:
                related = relation.related_model._base_manager.filter(pk=related_id).first()
                links[name] = {"id": related_id, "name": str(related) if related else ""}
        else:
            accessor = relation.get_accessor_name()
            links[name] = sorted(getattr(obj, accessor).values_list("pk", flat=True))
    return links


def history_model(model):
    """The simple-history model of `model`, or None when its changes are not recorded."""
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def _history_rows(obj, names):
    historical = history_model(type(obj))
    if historical is None:
        return None
    columns = {f.name: f.attname for f in historical._meta.concrete_fields}
    tracked = [name for name in names if name in columns]
    key = type(obj)._meta.pk.attname
    rows = historical._default_manager.filter(**{key: obj.pk}).order_by("history_date", "history_id")
    return tracked, rows.values("history_date", "history_type", *[columns[name] for name in tracked]), columns


def personal_history(obj, policy: PersonalDataPolicy) -> list[dict] | None:
    """Every recorded change to the personal and consent fields, oldest first (None: no history kept)."""
    found = _history_rows(obj, policy.history_fields)
    if found is None:
        return None
    tracked, rows, columns = found
    kinds = {"+": "created", "~": "changed", "-": "deleted"}
    entries, previous = [], None
    for row in rows:
        changes = {}
        for name in tracked:
            new = plain(row[columns[name]])
            old = None if previous is None else plain(previous[columns[name]])
            if previous is None and new in (None, "", [], {}):
                continue
            if previous is None or old != new:
                changes[name] = {"from": old, "to": new}
        if changes or previous is None:
            entries.append(
                {"at": plain(row["history_date"]), "type": kinds.get(row["history_type"]), "changes": changes}
            )
        previous = row
    return entries


def last_erasure(obj) -> ErasureLog | None:
    """The latest erasure of `obj` (one query), or None."""
    meta = type(obj)._meta
    rows = ErasureLog.objects.filter(
        content_type__app_label=meta.app_label, content_type__model=meta.model_name, object_id=obj.pk
    )
    return rows.order_by("-erased_at", "-pk").first()


def may_be_erased(obj) -> bool:
    """Without a query: an erased record is named "Erased" (it may have been edited since). Pages that show
    the erasure date ask the log only for these."""
    return getattr(obj, "last_name", None) == ERASED and not getattr(obj, "first_name", "")


def personal_data(obj) -> dict:
    """What the CRM holds about the person on `obj`, ready for `json.dumps`. Nothing of another record's
    personal data: linked records appear as ids (and an account's name)."""
    policy = policy_for(obj)
    erasure = last_erasure(obj)
    return {
        "record": {
            "type": obj._meta.model_name,
            "id": obj.pk,
            "company": obj.company.name,
            "url": obj.get_absolute_url(),
            "updated_at": plain(getattr(obj, "updated_at", None)),
        },
        "exported_at": plain(timezone.now()),
        "personal": _fields(obj, policy.personal),
        "consent": _fields(obj, policy.consent),
        "attribution": _fields(obj, policy.attribution),
        "profile": _fields(obj, policy.profile),
        "links": _links(obj, policy.links),
        "erasure": {"erased_at": plain(erasure.erased_at)} if erasure else None,
        "history": personal_history(obj, policy),
    }


# --- Erasure (right to be forgotten) -----------------------------------------------------------------------


def purge_history(record, policy: PersonalDataPolicy) -> int:
    """Overwrite the anonymised fields in every historical row of `record`: no old value survives there.

    The consent fields keep their history (when consent was given or withdrawn is not personal data, and the
    timeline shows the erasure as consent withdrawn). Returns the number of historical rows purged.
    """
    historical = history_model(type(record))
    if historical is None:
        return 0
    columns = {f.name for f in historical._meta.concrete_fields}
    values = {name: copy.deepcopy(value) for name, value in policy.anonymise.items() if name in columns}
    if not values:
        return 0
    key = type(record)._meta.pk.attname
    return historical._default_manager.filter(**{key: record.pk}).update(**values)


def purge_admin_log(record) -> int:
    """The admin's log names the record as it was (`object_repr`): rename those entries."""
    content_type = ContentType.objects.get_for_model(type(record))
    return LogEntry.objects.filter(content_type=content_type, object_id=str(record.pk)).update(object_repr=ERASED)


@dataclass
class Erasure:
    log: ErasureLog
    history_rows_purged: int
    fields: list[str] = field(default_factory=list)


def erase_personal_data(*, obj, by) -> Erasure:
    """Anonymise the person on `obj`, purge the old values from its history, log who did it: all or nothing.

    Raises PermissionDenied unless `by` is a manager or admin of the record's Company. `obj` is updated in
    place with the anonymised values.
    """
    require(can_erase(by, obj), _("Only managers and admins erase personal data."))
    policy = policy_for(obj)
    model = type(obj)
    values = policy.erase_values
    with transaction.atomic():
        record = model._base_manager.select_for_update().get(pk=obj.pk)
        for name, value in values.items():
            setattr(record, name, copy.deepcopy(value))
        update_fields = set(values)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            update_fields.add("updated_at")
        record._history_user = by
        record._change_reason = _(ERASE_REASON)
        record.save(update_fields=update_fields)
        purged = purge_history(record, policy)
        purge_admin_log(record)
        log = ErasureLog.objects.create(
            company_id=record.company_id,
            content_type=ContentType.objects.get_for_model(model),
            object_id=record.pk,
            fields=sorted(values),
            erased_by=by,
        )
    for name in (*values, "updated_at", "version"):
        if hasattr(record, name):
            setattr(obj, name, getattr(record, name))
    return Erasure(log=log, history_rows_purged=purged, fields=sorted(values))


# --- The same person elsewhere -----------------------------------------------------------------------------


def same_person_records(obj, *, user) -> list:
    """Other records the user can see that hold this person: the linked records (a lead's contact, its
    duplicates and merges; a contact's leads) and any lead or contact with the same email. Each needs its own
    erasure."""
    found: dict[tuple[str, int], models.Model] = {}
    for name in policy_for(obj).links:
        relation = obj._meta.get_field(name)
        related_model = relation.related_model
        if not has_policy(related_model):
            continue
        visible = related_model.objects.visible_to(user)
        if relation.concrete:
            related_id = getattr(obj, relation.attname)
            rows = visible.filter(pk=related_id) if related_id else visible.none()
        else:
            rows = visible.filter(**{relation.field.name: obj})
        for row in rows:
            found[(row._meta.label_lower, row.pk)] = row
    if getattr(obj, "email", ""):
        for model in policy_models():
            rows = model.objects.visible_to(user).filter(email__iexact=obj.email)
            for row in rows[:50]:
                found[(row._meta.label_lower, row.pk)] = row
    found.pop((obj._meta.label_lower, obj.pk), None)
    return list(found.values())
