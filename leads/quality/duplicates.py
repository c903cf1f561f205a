"""Duplicates: within one Company, a lead is matched against the other leads and the contacts.

Three keys, each exact on a normalised form:
- email: trimmed and lower-cased;
- phone: E.164 (validation rewrites every valid number to it), so "(415) 555-0100" with country US and
  "+1 415-555-0100" match, while +91 98765 43210 and +44 98765 43210 (the same last ten digits) do not;
- name + company (`Lead.name_key`): "first last|company", the person's name folded (case, accents,
  punctuation) and the company through `accounts.models.normalise_company_name` (legal suffixes such as
  Pvt Ltd, Private Limited, LLP, Inc, GmbH removed). Blank unless both a name and a company are given.

A lead is a duplicate of the *oldest* older lead it matches (`duplicate_of`), and/or of the oldest contact it
matches (`duplicate_contact`). Merged leads are history and never match; a newer lead that matches is listed as
a candidate but does not make this one a duplicate (the newer one is the duplicate of this one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import normalise_company_name
from contacts.models import Contact
from leads.models import Lead, LeadStatus

from .lookups import in_values
from .text import fold

_E164 = re.compile(r"\+[1-9]\d{6,14}")
NAME_KEY_MAX_LENGTH = Lead._meta.get_field("name_key").max_length

REASON_LABELS = {"email": _("same email"), "phone": _("same phone"), "name": _("same name and company")}


_APOSTROPHES = str.maketrans("", "", "'’`´")


def person_key(first_name: str, last_name: str) -> str:
    """ "Mary-Jane O'Neil" -> "mary jane oneil" (apostrophes join, other punctuation separates)."""
    return fold(f"{first_name or ''} {last_name or ''}".translate(_APOSTROPHES))


def name_key(lead) -> str:
    """ "José O'Neil" at "Acme Pvt. Ltd." -> "jose o neil|acme"; '' without a name or a company."""
    person = person_key(lead.first_name, lead.last_name) or person_key(lead.lead_name, "")
    company = normalise_company_name(lead.company_name)
    if not person or not company:
        return ""
    return f"{person}|{company}"[:NAME_KEY_MAX_LENGTH]


def phone_key(phone: str) -> str:
    """The phone when it is in E.164, else '' (numbers validation could not read never match)."""
    return phone if phone and _E164.fullmatch(phone) else ""


@dataclass
class Keys:
    email: str
    phone: str
    name: str

    @classmethod
    def of(cls, lead) -> Keys:
        return cls(email=(lead.email or "").strip().lower(), phone=phone_key(lead.phone), name=lead.name_key or "")

    def reasons(self, email: str, phone: str, name: str) -> list[str]:
        found = []
        if self.email and email == self.email:
            found.append("email")
        if self.phone and phone == self.phone:
            found.append("phone")
        if self.name and name == self.name:
            found.append("name")
        return found


def _older(created_at: datetime, pk: int, lead) -> bool:
    """Was the record (created_at, pk) there before `lead`? Everything saved is older than an unsaved lead."""
    if lead.pk is None or lead.created_at is None:
        return True
    return (created_at, pk) < (lead.created_at, lead.pk)


def _contact_name_key(first_name: str, last_name: str, account_name: str) -> str:
    person = person_key(first_name, last_name)
    company = normalise_company_name(account_name)
    return f"{person}|{company}"[:NAME_KEY_MAX_LENGTH] if person and company else ""


def _last_name_forms(last_name: str) -> set[str]:
    """How a contact's last name may be stored, lower-cased: as typed, and without accents and punctuation."""
    return {form for form in ((last_name or "").strip().lower(), fold(last_name)) if form}


def _lead_rows(company_id: int, keys: Sequence[Keys], exclude_pks=()) -> list[tuple]:
    emails = {k.email for k in keys if k.email}
    phones = {k.phone for k in keys if k.phone}
    names = {k.name for k in keys if k.name}
    if not (emails or phones or names):
        return []
    # One query per key, glued with UNION: each part is answered from its own (company, key) index. With the keys
    # OR-ed in one WHERE, PostgreSQL reads every lead of the Company once it has a few thousand.
    base = Lead.objects.filter(company_id=company_id).exclude(status=LeadStatus.MERGED)
    if exclude_pks:
        base = base.exclude(pk__in=exclude_pks)
    fields = ("pk", "email", "phone", "name_key", "created_at")
    parts = [
        base.filter(in_values(name, values)).order_by().values_list(*fields)
        for name, values in (("email", emails), ("phone", phones), ("name_key", names))
        if values
    ]
    rows = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return sorted(rows, key=lambda row: (row[4], row[0]))


def _contact_rows(company_id: int, keys: Sequence[Keys], last_names: set[str]) -> list[tuple]:
    """(pk, email, phone, name_key, created_at) of the contacts that may match, one query.

    Contacts store no name key: they are narrowed by last name (case-insensitive) in the query, then compared
    on the full key here.
    """
    emails = {k.email for k in keys if k.email}
    phones = {k.phone for k in keys if k.phone}
    if not (emails or phones or last_names):
        return []
    matches = Q()
    if emails:
        matches |= in_values("email", emails)
    if phones:
        matches |= in_values("phone", phones)
    if last_names:
        matches |= Q(last_name_lower__in=last_names)
    rows = (
        Contact.objects.filter(company_id=company_id)
        .annotate(last_name_lower=Lower("last_name"))
        .filter(matches)
        .order_by("created_at", "pk")
        .values_list("pk", "email", "phone", "first_name", "last_name", "account__name", "created_at")
    )
    return [
        (pk, email, phone, _contact_name_key(first, last, account), created_at)
        for pk, email, phone, first, last, account, created_at in rows
    ]


@dataclass
class _Index:
    """Rows by key value, oldest first."""

    by_email: dict[str, list[tuple]] = field(default_factory=dict)
    by_phone: dict[str, list[tuple]] = field(default_factory=dict)
    by_name: dict[str, list[tuple]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows) -> _Index:
        index = cls()
        for row in rows:
            _pk, email, phone, name, _created = row
            if email:
                index.by_email.setdefault(email, []).append(row)
            if phone:
                index.by_phone.setdefault(phone, []).append(row)
            if name:
                index.by_name.setdefault(name, []).append(row)
        return index

    def matches(self, keys: Keys) -> list[tuple]:
        found = {}
        for value, table in ((keys.email, self.by_email), (keys.phone, self.by_phone), (keys.name, self.by_name)):
            if value:
                for row in table.get(value, ()):
                    found[row[0]] = row
        return sorted(found.values(), key=lambda row: (row[4], row[0]))


def _apply(lead, *, original_pk=None, original=None, contact_pk=None) -> None:
    if original is not None:
        lead.duplicate_of = original
    else:
        lead.duplicate_of_id = original_pk
    lead.duplicate_contact_id = contact_pk
    lead.is_duplicate = original is not None or original_pk is not None or contact_pk is not None


def find_duplicates(lead) -> None:
    """Set `name_key`, `is_duplicate`, `duplicate_of` and `duplicate_contact` (two queries)."""
    find_duplicates_batch([lead], within_batch=False)


def find_duplicates_batch(leads: Sequence, *, within_batch: bool = True, keyed: bool = False) -> None:
    """`find_duplicates` for leads of one Company, with one query for leads and one for contacts.

    With `within_batch`, an unsaved lead that matches an earlier unsaved lead of the list (and no older saved
    lead) becomes its duplicate, as if the leads had been saved one by one: save them in list order, since
    `duplicate_of` then points at an instance that needs its primary key first.
    """
    if not leads:
        return
    if not keyed:  # `keyed`: the caller has just set every lead's name_key (an import does it ahead)
        for lead in leads:
            lead.name_key = name_key(lead)
    keys = [Keys.of(lead) for lead in leads]
    company_id = leads[0].company_id
    lead_index = _Index.build(_lead_rows(company_id, keys))
    last_names = set().union(*(_last_name_forms(lead.last_name) for lead in leads if lead.name_key))
    contact_index = _Index.build(_contact_rows(company_id, keys, last_names))
    earlier: dict[tuple[str, str], object] = {}
    for lead, lead_keys in zip(leads, keys, strict=True):
        older = [row for row in lead_index.matches(lead_keys) if row[0] != lead.pk and _older(row[4], row[0], lead)]
        contacts = contact_index.matches(lead_keys)
        contact_pk = contacts[0][0] if contacts else None
        if older:
            _apply(lead, original_pk=older[0][0], contact_pk=contact_pk)
        elif (
            within_batch
            and lead.pk is None
            and (
                original := next(
                    (earlier[(kind, value)] for kind, value in _key_items(lead_keys) if (kind, value) in earlier), None
                )
            )
        ):
            _apply(lead, original=original, contact_pk=contact_pk)
        else:
            _apply(lead, contact_pk=contact_pk)
        if within_batch and lead.pk is None:
            for item in _key_items(lead_keys):
                earlier.setdefault(item, lead)


def _key_items(keys: Keys) -> list[tuple[str, str]]:
    items = (("email", keys.email), ("phone", keys.phone), ("name", keys.name))
    return [(kind, value) for kind, value in items if value]


class Candidate(NamedTuple):
    """A record the lead matches and why (unpacks as `record, reason`)."""

    record: Lead | Contact
    reason: str

    @property
    def kind(self) -> str:
        return "lead" if isinstance(self.record, Lead) else "contact"


def duplicate_candidates(lead, *, user=None) -> list[Candidate]:
    """Every lead and contact of the lead's Company that matches it, with why: for the lead page.

    Leads first (oldest first), then contacts. With `user`, only records that user may see are listed.
    """
    keys = Keys.of(lead)
    if not keys.name:
        keys.name = name_key(lead)
    lead_rows = _lead_rows(lead.company_id, [keys], exclude_pks=[lead.pk] if lead.pk else ())
    contact_rows = _contact_rows(lead.company_id, [keys], _last_name_forms(lead.last_name) if keys.name else set())
    lead_reasons = {row[0]: keys.reasons(row[1], row[2], row[3]) for row in lead_rows}
    contact_reasons = {row[0]: keys.reasons(row[1], row[2], row[3]) for row in contact_rows}
    lead_reasons = {pk: reasons for pk, reasons in lead_reasons.items() if reasons}
    contact_reasons = {pk: reasons for pk, reasons in contact_reasons.items() if reasons}

    leads_qs = Lead.objects.visible_to(user) if user is not None else Lead.objects.all()
    contacts_qs = Contact.objects.visible_to(user) if user is not None else Contact.objects.all()
    found: list[Candidate] = []
    if lead_reasons:
        for record in leads_qs.filter(pk__in=lead_reasons).select_related("lead_owner").order_by("created_at", "pk"):
            found.append(Candidate(record, _describe(lead_reasons[record.pk])))
    if contact_reasons:
        for record in contacts_qs.filter(pk__in=contact_reasons).select_related("account").order_by("created_at", "pk"):
            found.append(Candidate(record, _describe(contact_reasons[record.pk])))
    return found


def _describe(reasons: list[str]) -> str:
    return ", ".join(str(REASON_LABELS[reason]) for reason in reasons)
