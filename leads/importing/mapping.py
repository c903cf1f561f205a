"""Which column is which lead field: the importable fields, their header aliases, and the mapping checks.

Headers are compared folded (case, accents, punctuation and spacing ignored), so "E-mail", "e_mail" and
"EMAIL " all match the alias "e mail". The user corrects the guess on the preview page (or with `--map` on
the command line); `check_mapping` says what is still missing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

IGNORE = ""
# At least one of these must be mapped: a lead needs a name, an email or a phone.
IDENTITY_FIELDS = ("lead_name", "first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "lead_name",
        gettext_lazy("Full name"),
        ("name", "full name", "fullname", "lead name", "contact name", "contact", "person"),
    ),
    ImportField(
        "first_name",
        gettext_lazy("First name"),
        ("first name", "firstname", "first", "given name", "forename", "prenom", "vorname"),
    ),
    ImportField(
        "last_name", gettext_lazy("Last name"), ("last name", "lastname", "last", "surname", "family name", "nachname")
    ),
    ImportField(
        "email",
        gettext_lazy("Email"),
        ("email", "e mail", "email address", "e mail address", "mail", "work email", "business email", "emailaddress"),
    ),
    ImportField(
        "phone",
        gettext_lazy("Phone"),
        (
            "phone",
            "mobile",
            "mobile phone",
            "mobile number",
            "telephone",
            "tel",
            "phone number",
            "cell",
            "cell phone",
            "work phone",
            "whatsapp",
            "contact number",
        ),
    ),
    ImportField(
        "company_name",
        gettext_lazy("Company"),
        (
            "company",
            "company name",
            "organisation",
            "organization",
            "organisation name",
            "organization name",
            "org",
            "account",
            "account name",
            "business",
            "employer",
            "firm",
        ),
    ),
    ImportField(
        "company_size",
        gettext_lazy("Company size"),
        ("company size", "employees", "employee count", "number of employees", "headcount", "size"),
    ),
    ImportField(
        "job_title",
        gettext_lazy("Job title"),
        ("title", "job title", "jobtitle", "position", "designation", "job", "role"),
    ),
    ImportField("country", gettext_lazy("Country"), ("country", "country code", "nation")),
    ImportField("source", gettext_lazy("Source"), ("source", "utm source", "lead source", "utmsource")),
    ImportField("campaign", gettext_lazy("Campaign"), ("campaign", "utm campaign", "campaign name", "utmcampaign")),
    ImportField("medium", gettext_lazy("Medium"), ("medium", "utm medium", "utmmedium", "channel")),
    ImportField("term", gettext_lazy("Term"), ("term", "utm term", "utmterm", "keyword", "keywords")),
    ImportField("content", gettext_lazy("Content"), ("content", "utm content", "utmcontent", "ad content")),
    ImportField(
        "lead_owner",
        gettext_lazy("Owner (username or email)"),
        ("owner", "lead owner", "assigned to", "assignee", "sales rep", "rep", "owner email"),
    ),
    ImportField("status", gettext_lazy("Status"), ("status", "lead status")),
    ImportField(
        "disqualified_reason",
        gettext_lazy("Disqualified reason"),
        ("disqualified reason", "disqualification reason", "lost reason"),
    ),
    ImportField("stage", gettext_lazy("Stage"), ("stage", "lead stage", "funnel stage")),
    ImportField(
        "interest_product",
        gettext_lazy("Product of interest"),
        ("interest product", "product of interest", "product", "interest", "interested in"),
    ),
    ImportField("budget_range", gettext_lazy("Budget"), ("budget", "budget range")),
    ImportField("authority_level", gettext_lazy("Authority"), ("authority", "authority level", "decision authority")),
    ImportField(
        "timeline",
        gettext_lazy("Timeline"),
        ("timeline", "timeframe", "time frame", "purchase timeline", "buying timeline"),
    ),
    ImportField(
        "gdpr_consent",
        gettext_lazy("GDPR consent"),
        ("gdpr consent", "gdpr", "consent", "marketing consent", "opted in", "opt in"),
    ),
    ImportField(
        "opt_in_date", gettext_lazy("Opt-in date"), ("opt in date", "optin date", "consent date", "opted in on")
    ),
    ImportField(
        "dnd_status",
        gettext_lazy("Do not disturb"),
        ("dnd", "dnd status", "do not disturb", "do not contact", "do not call", "unsubscribed"),
    ),
    ImportField(
        "notes", gettext_lazy("Notes"), ("notes", "note", "comments", "comment", "description", "message", "remarks")
    ),
)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}

# Headers of German, French and Spanish exports (folded: no accents, punctuation as spaces).
OTHER_LANGUAGES = {
    "first_name": ("vorname", "prenom", "nombre"),
    "last_name": ("nachname", "nom", "nom de famille", "apellido", "apellidos"),
    "email": ("e mail adresse", "courriel", "adresse e mail", "correo", "correo electronico"),
    "phone": ("telefon", "telefonnummer", "handy", "mobil", "telephone portable", "portable", "telefono", "movil"),
    "company_name": ("firma", "unternehmen", "societe", "entreprise", "empresa", "compania"),
    "job_title": ("position", "poste", "fonction", "cargo", "puesto"),
    "country": ("land", "pays", "pais"),
    "campaign": ("kampagne", "campagne", "campana"),
    "notes": ("notizen", "bemerkungen", "remarques", "notas", "comentarios"),
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_header(header: str) -> str:
    """'  E-Mail_Address ' -> 'e mail address'; accents removed ('Prénom' -> 'prenom')."""
    decomposed = unicodedata.normalize("NFKD", (header or "").replace("\ufeff", ""))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for import_field in FIELDS:
        for alias in (import_field.name, *import_field.aliases, *OTHER_LANGUAGES.get(import_field.name, ())):
            table.setdefault(fold_header(alias), import_field.name)
    return table


ALIASES = _alias_table()


def field_choices() -> list[tuple[str, str]]:
    """The choices of a column's select on the preview page."""
    return [(IGNORE, _("— ignore this column —")), *((f.name, f"{f.label} ({f.name})") for f in FIELDS)]


def guess_mapping(header: list[str]) -> list[str]:
    """The lead field for each column from its header ('' when unknown); a field is given to one column only."""
    taken: set[str] = set()
    mapping = []
    for column in header:
        name = ALIASES.get(fold_header(column), IGNORE)
        if name in taken:
            name = IGNORE
        if name:
            taken.add(name)
        mapping.append(name)
    return mapping


def parse_overrides(overrides: list[str], header: list[str], mapping: list[str]) -> list[str]:
    """Apply `COLUMN=field` overrides (the command's --map; an empty field ignores the column)."""
    folded = [fold_header(column) for column in header]
    mapping = list(mapping)
    for override in overrides:
        column, sep, name = override.partition("=")
        if not sep:
            raise ValueError(_("“%(o)s” is not COLUMN=field.") % {"o": override})
        name = name.strip()
        if name and name not in FIELDS_BY_NAME:
            raise ValueError(_("“%(f)s” is not a lead field that can be imported.") % {"f": name})
        try:
            index = folded.index(fold_header(column))
        except ValueError:
            raise ValueError(_("The file has no column “%(c)s”.") % {"c": column.strip()}) from None
        mapping[index] = name
    return mapping


def check_mapping(mapping: list[str], header: list[str], *, default_campaign: str = "") -> list[str]:
    """What stops the import from running with this mapping (empty list: it can run)."""
    problems = []
    seen: dict[str, int] = {}
    for index, name in enumerate(mapping):
        if not name:
            continue
        if name not in FIELDS_BY_NAME:
            problems.append(_("“%(f)s” is not a lead field that can be imported.") % {"f": name})
        elif name in seen:
            problems.append(
                _("The columns “%(a)s” and “%(b)s” are both mapped to %(f)s; pick one.")
                % {"a": header[seen[name]], "b": header[index], "f": FIELDS_BY_NAME[name].label}
            )
        seen.setdefault(name, index)
    if not any(name in seen for name in IDENTITY_FIELDS):
        problems.append(_("No column is mapped to a name, an email or a phone: a lead needs at least one of them."))
    if "campaign" not in seen and not (default_campaign or "").strip():
        problems.append(
            _("No column is mapped to campaign: map one (e.g. utm_campaign) or give a default campaign for the file.")
        )
    return problems
