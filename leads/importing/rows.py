"""One CSV row -> an unsaved Lead, or the reasons it cannot be one.

Hard errors make a row an error (not imported, listed with row, column and reason): a value too long for its
field, a value that is not one of a choice field's values, an unknown country or owner, a date that is not a
date (or is ambiguous: 03/04/2024), a missing campaign, no name/email/phone at all. What the lead-quality
pipeline judges (an email that is not a valid address, a phone it cannot read) is not an error here: the lead is
imported and marked invalid with its reasons, exactly as if a rep had typed it.

A cell Excel would run as a formula is stored as the text it is; a cell our export neutralised (a leading `'`
before `=`, `+`, `-`, `@`, tab or CR) is read back without the quote, so export -> import round-trips.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import CompanySize
from crm.csv_export import FORMULA_TRIGGERS
from crm.models import Source, company_users
from crm.permissions import can_assign, can_own
from leads.models import AuthorityLevel, BudgetRange, Lead, LeadStage, LeadStatus, Timeline

from .mapping import FIELDS_BY_NAME, fold_header

LEAD_FIELDS = {f.name for f in Lead._meta.get_fields() if getattr(f, "concrete", False)}
IMPORTABLE_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED)

TRUE_WORDS = {"yes", "y", "true", "t", "1", "x", "on", "checked", "opted in", "ja", "oui", "si"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "off", "unchecked", "opted out", "nein", "non"}

COUNTRY_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "ivory coast": "CI",
    "korea republic of": "KR",
    "holland": "NL",
    "deutschland": "DE",
    "uae": "AE",
}

# Words people (and other CRMs' exports) use for our choice values, folded like headers.
CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "source": {
        "website": Source.WEB,
        "webform": Source.WEB,
        "web form": Source.WEB,
        "online": Source.WEB,
        "organic": Source.WEB,
        "seo": Source.WEB,
        "direct": Source.WEB,
        "newsletter": Source.EMAIL,
        "e mail": Source.EMAIL,
        "mail": Source.EMAIL,
        "mailchimp": Source.EMAIL,
        "linkedin": Source.SOCIAL,
        "facebook": Source.SOCIAL,
        "twitter": Source.SOCIAL,
        "x": Source.SOCIAL,
        "instagram": Source.SOCIAL,
        "youtube": Source.SOCIAL,
        "tiktok": Source.SOCIAL,
        "ads": Source.ADVERTISEMENT,
        "ad": Source.ADVERTISEMENT,
        "ppc": Source.ADVERTISEMENT,
        "cpc": Source.ADVERTISEMENT,
        "paid": Source.ADVERTISEMENT,
        "paid search": Source.ADVERTISEMENT,
        "google ads": Source.ADVERTISEMENT,
        "adwords": Source.ADVERTISEMENT,
        "advertising": Source.ADVERTISEMENT,
        "display": Source.ADVERTISEMENT,
        "referred": Source.REFERRAL,
        "word of mouth": Source.REFERRAL,
        "trade show": Source.EVENT,
        "tradeshow": Source.EVENT,
        "conference": Source.EVENT,
        "webinar": Source.EVENT,
        "expo": Source.EVENT,
        "meetup": Source.EVENT,
        "cold call": Source.COLD_CALL,
        "call": Source.COLD_CALL,
        "outbound call": Source.COLD_CALL,
        "telemarketing": Source.COLD_CALL,
        "partners": Source.PARTNER,
        "reseller": Source.PARTNER,
        "channel partner": Source.PARTNER,
        "list": Source.IMPORT,
        "purchased list": Source.IMPORT,
        "unknown": Source.OTHER,
    },
    "status": {
        "open": LeadStatus.NEW,
        "working": LeadStatus.CONTACTED,
        "in progress": LeadStatus.CONTACTED,
        "unqualified": LeadStatus.DISQUALIFIED,
        "junk": LeadStatus.DISQUALIFIED,
        "lost": LeadStatus.DISQUALIFIED,
    },
    "authority_level": {"dm": AuthorityLevel.DECISION_MAKER, "user": AuthorityLevel.END_USER},
    "timeline": {"now": Timeline.IMMEDIATE, "asap": Timeline.IMMEDIATE, "immediate": Timeline.IMMEDIATE},
}
CHOICE_FIELDS = {
    "source": Source,
    "status": LeadStatus,
    "stage": LeadStage,
    "budget_range": BudgetRange,
    "authority_level": AuthorityLevel,
    "timeline": Timeline,
    "company_size": CompanySize,
}
BOOLEAN_FIELDS = ("gdpr_consent", "dnd_status")
DATE_FIELDS = ("opt_in_date",)

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DAY_FIRST_DOTS = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# Cells repeat (a source, a status, yes/no): fold each distinct value once.
fold_cell = lru_cache(maxsize=4096)(fold_header)


class CellError(ValueError):
    """The cell's value cannot go into its field; the message says why."""


@dataclass
class RowProblem:
    column: str
    field: str
    value: str
    reason: str


@dataclass
class ParsedRow:
    row_number: int
    cells: list[str]
    lead: Lead | None = None
    values: dict[str, object] = field(default_factory=dict)  # what the file gave, for updating a lead
    problems: list[RowProblem] = field(default_factory=list)


def unescape_formula(value: str) -> str:
    """`'=SUM(A1)` (as our export writes it) -> `=SUM(A1)`; anything else unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


@lru_cache(maxsize=4096)
def country_from(value: str) -> str:
    """'de', 'DEU', '276', 'Germany', 'UK' -> ISO alpha-2; '' when it is no country we know."""
    code = countries.alpha2(value)
    if code:
        return code
    folded = fold_header(value)
    return COUNTRY_ALIASES.get(folded) or countries.by_name(value) or ""


def _choice_table(name: str, choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[fold_header(value)] = value
        table[fold_header(str(label))] = value
    for word, value in CHOICE_SYNONYMS.get(name, {}).items():
        table.setdefault(fold_header(word), value)
    return table


def parse_date(value: str) -> date:
    if match := _ISO_DATE.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST_DOTS.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _SLASHED.match(value):
        first, second, year = (int(part) for part in match.groups())
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        elif first == second:
            day = month = first
        else:
            raise CellError(
                _("“%(v)s” could be day/month or month/day: write dates as YYYY-MM-DD (e.g. 2024-04-03).")
                % {"v": value}
            )
    else:
        raise CellError(_("“%(v)s” is not a date: write dates as YYYY-MM-DD.") % {"v": value})
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("“%(v)s” is not a date in the calendar.") % {"v": value}) from None


class RowParser:
    """Turns rows into unsaved leads of `company` for `user` with the columns mapped by `mapping`."""

    def __init__(self, *, company, user, header: list[str], mapping: list[str], default_campaign: str = ""):
        self.company = company
        self.user = user
        self.header = header
        self.default_campaign = (default_campaign or "").strip()
        self.width = len(header)
        self.columns: list[tuple[int, str, str, Callable[[str], object]]] = [
            (index, header[index], name, self._converter(name))
            for index, name in enumerate(mapping)
            if name and name in LEAD_FIELDS
        ]
        self.mapped = {name for _i, _h, name, _c in self.columns}
        self.column_of = {name: column for _i, column, name, _c in self.columns}
        self.keeps_source_detail = "source_detail" in LEAD_FIELDS
        self._source_index = next((index for index, _c, name, _conv in self.columns if name == "source"), None)
        self._owners: dict[str, int] | None = None
        # Who the rows may give leads to (crm.permissions): a user who does not assign imports for themselves
        # or the queue. Asked once here, then per row without a query.
        self._may_assign = user is None or can_assign(user, Lead)
        self._created_by_id = getattr(user, "pk", None)
        self._template: dict | bool | None = None
        self._fresh_defaults: list = []

    # Converters: each takes the stripped, non-empty cell and returns the field's value or raises CellError.

    def _converter(self, name: str) -> Callable[[str], object]:
        if name in CHOICE_FIELDS:
            return self._choice(name, _choice_table(name, CHOICE_FIELDS[name]))
        if name in BOOLEAN_FIELDS:
            return self._boolean
        if name in DATE_FIELDS:
            return parse_date
        if name == "country":
            return self._country
        if name == "lead_owner":
            return self._owner
        if name == "email":
            return self._text(name, lower=True)
        return self._text(name)

    def _text(self, name: str, *, lower: bool = False):
        max_length = Lead._meta.get_field(name).max_length

        def convert(value: str) -> str:
            if lower:
                value = value.lower()
            if max_length and len(value) > max_length:
                raise CellError(
                    _("%(n)s characters is too long: %(f)s takes at most %(m)s.")
                    % {"n": len(value), "f": FIELDS_BY_NAME[name].label, "m": max_length}
                )
            return value

        return convert

    def _choice(self, name: str, table: dict[str, str]):
        allowed = ", ".join(CHOICE_FIELDS[name].values)

        def convert(value: str) -> str:
            found = table.get(fold_cell(value))
            if found is None:
                if name == "source" and self.keeps_source_detail:
                    return Source.OTHER  # free-text utm_source: kept verbatim in source_detail
                raise CellError(
                    _("“%(v)s” is not a %(f)s we know; use one of: %(a)s.")
                    % {"v": value[:60], "f": FIELDS_BY_NAME[name].label.lower(), "a": allowed}
                )
            if name == "status" and found not in IMPORTABLE_STATUSES:
                raise CellError(
                    _("Leads cannot be imported as %(s)s: conversion and merging happen in the CRM.") % {"s": found}
                )
            return found

        return convert

    @staticmethod
    def _boolean(value: str) -> bool:
        folded = fold_cell(value) or value.strip()
        if folded in TRUE_WORDS or value.strip() in ("✓", "✔"):
            return True
        if folded in FALSE_WORDS:
            return False
        raise CellError(_("“%(v)s” is not yes or no.") % {"v": value[:60]})

    @staticmethod
    def _country(value: str) -> str:
        code = country_from(value)
        if not code:
            raise CellError(_("“%(v)s” is not a country we know; use the ISO code, e.g. DE or US.") % {"v": value[:60]})
        return code

    def load(self) -> None:
        """Run the queries parsing needs (the Company's users, when a column names owners) now, not on the first row
        that needs them: the import parses a batch while the previous one is being written."""
        if "lead_owner" in self.mapped:
            self._load_owners()

    def _load_owners(self) -> None:
        self._owners = {}
        users = company_users(self.company).values_list("pk", get_user_model().USERNAME_FIELD, "email")
        for pk, username, email in users:
            self._owners.setdefault(str(username).lower(), pk)
            if email:
                self._owners.setdefault(email.lower(), pk)

    def _owner(self, value: str) -> int:
        if self._owners is None:
            self._load_owners()
        owner_id = self._owners.get(value.lower())
        if owner_id is None:
            raise CellError(_("No active user “%(v)s” in your company.") % {"v": value[:60]})
        if not self._may_assign and not can_own(self.user, owner_id, Lead):
            raise CellError(_("As a rep you can import leads for yourself or the unassigned queue only."))
        return owner_id

    # The row.

    def parse(self, row_number: int, cells: list[str]) -> ParsedRow:
        parsed = ParsedRow(row_number=row_number, cells=cells)
        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width :]):
            parsed.problems.append(
                RowProblem(
                    "",
                    "",
                    "",
                    _(
                        "This row has %(n)s values but the header has %(m)s columns: is a value holding the "
                        "delimiter not in quotes?"
                    )
                    % {"n": len(cells), "m": self.width},
                )
            )
            return parsed
        values: dict[str, object] = {}
        for index, column, name, convert in self.columns:
            if index >= len(cells):
                continue
            raw = cells[index].strip()
            if not raw:
                continue
            raw = unescape_formula(raw)
            try:
                values[name] = convert(raw)
            except CellError as error:
                parsed.problems.append(RowProblem(column, name, raw[:200], str(error)))
        if "source" in values and self.keeps_source_detail and "source_detail" not in values:
            detail = cells[self._source_index].strip()
            if fold_cell(detail) != fold_cell(values["source"]):
                values["source_detail"] = detail[:120]
        parsed.values = values
        self._check_row(parsed, values)
        if parsed.problems:
            return parsed
        lead = self._new_lead(self._lead_fields(values))
        lead.sync_names()
        for name in ("first_name", "last_name", "lead_name"):
            max_length = Lead._meta.get_field(name).max_length
            if len(getattr(lead, name)) > max_length:
                column = self.column_of.get(name) or self.column_of.get("lead_name", "")
                parsed.problems.append(
                    RowProblem(
                        column,
                        name,
                        getattr(lead, name)[:200],
                        _("The %(f)s would be %(n)s characters long; at most %(m)s fit.")
                        % {"f": FIELDS_BY_NAME[name].label.lower(), "n": len(getattr(lead, name)), "m": max_length},
                    )
                )
        if not parsed.problems:
            parsed.lead = lead
        return parsed

    def _new_lead(self, fields: dict) -> Lead:
        """`Lead(company=..., created_by_id=..., **fields)`, without running the model's __init__ over its fifty
        fields for every row: the defaults are copied from one lead built the normal way (fresh ones for the
        callable defaults, such as the JSON lists), then the row's fields are set through the same descriptors."""
        if self._template is None:
            if signals.pre_init.has_listeners(Lead) or signals.post_init.has_listeners(Lead):
                self._template = False
            else:
                template = Lead(company=self.company, created_by_id=self._created_by_id)
                self._template = {name: value for name, value in vars(template).items() if name != "_state"}
                self._fresh_defaults = [
                    (f.attname, f.default)  # what Field.get_default() calls for a callable default
                    for f in Lead._meta.concrete_fields
                    if f.has_default() and callable(f.default)
                ]
        if self._template is False:
            return Lead(company=self.company, created_by_id=self._created_by_id, **fields)
        lead = Lead.__new__(Lead)
        state = ModelState()
        state.fields_cache = {"company": self.company}
        attributes = lead.__dict__
        attributes.update(self._template)
        attributes["_state"] = state
        for attname, default in self._fresh_defaults:
            attributes[attname] = default()
        for name, value in fields.items():
            setattr(lead, name, value)
        return lead

    def _check_row(self, parsed: ParsedRow, values: dict) -> None:
        if parsed.problems:
            return
        if not any(values.get(name) for name in ("lead_name", "first_name", "last_name", "email", "phone")):
            parsed.problems.append(
                RowProblem("", "", "", _("The row has no name, email or phone: a lead needs at least one of them."))
            )
        if not values.get("campaign") and not self.default_campaign:
            parsed.problems.append(
                RowProblem(
                    self.column_of.get("campaign", ""),
                    "campaign",
                    "",
                    _("No campaign: every lead needs one. Fill the cell or give a default campaign for the file."),
                )
            )
        if values.get("status") == LeadStatus.DISQUALIFIED and not values.get("disqualified_reason"):
            parsed.problems.append(
                RowProblem(
                    self.column_of.get("status", ""),
                    "status",
                    str(values["status"]),
                    _("A disqualified lead needs a disqualified reason (map a column to it)."),
                )
            )

    def _lead_fields(self, values: dict) -> dict:
        fields = dict(values)
        owner_id = fields.pop("lead_owner", None)
        if owner_id is not None:
            fields["lead_owner_id"] = owner_id
        fields.setdefault("campaign", self.default_campaign)
        fields.setdefault("source", Source.IMPORT)
        return fields

    def update_fields(self, values: dict) -> dict:
        """The model attributes to set on an existing lead from a row's values (only the cells that had a value)."""
        fields = dict(values)
        if "lead_owner" in fields:
            fields["lead_owner_id"] = fields.pop("lead_owner")
        return fields
