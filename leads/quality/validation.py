"""Validation: is the lead's data well-formed? (`validation_status` valid / invalid, with the reasons).

No network lookups: the email's syntax (Django's `EmailValidator`), the phone parsed with `phonenumbers`
using the lead's country as the default region (and rewritten to E.164 when valid), the country as an
ISO 3166 code (alpha-2; alpha-3 and numeric codes are rewritten to alpha-2), and the fields DESIGN.md
requires: a campaign, someone to talk to (a name, an email or a phone) and a way to reach them (an email or
a phone).

Each problem is `{"field": ..., "message": ...}` in `lead.validation_errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django_countries import countries

from leads.models import ValidationStatus


class _EmailValidator(EmailValidator):
    """Django's, remembering its verdict on the domains it has seen (an import meets the same ones again and again)."""

    def __init__(self):
        super().__init__()
        self.validate_domain_part = lru_cache(maxsize=4096)(super().validate_domain_part)


_email_validator = _EmailValidator()


@dataclass(frozen=True)
class PhoneResult:
    e164: str = ""  # the number in E.164 when valid, else ""
    calling_code: int = 0  # its country calling code (44 for GB, GG, JE and IM alike)
    error: str = ""  # why it is not valid, else ""
    number: phonenumbers.PhoneNumber | None = None

    @property
    def region(self) -> str:
        """The ISO country the number belongs to ('' when not valid). Computed on demand: it is slow."""
        return (phonenumbers.region_code_for_number(self.number) or "") if self.number and self.e164 else ""


def normalise_email(value: str) -> str:
    """Trimmed and lower-cased: `  Ada@Example.COM ` -> `ada@example.com`."""
    return (value or "").strip().lower()


def email_error(value: str) -> str:
    """'' when `value` (already normalised) is a syntactically valid address, else why not."""
    try:
        _email_validator(value)
    except ValidationError:
        return _("Not a valid email address.")
    return ""


def raw_country(lead) -> str:
    """The lead's country as stored ('US'), without building a django-countries `Country` on every read
    (the field's descriptor does that, and it costs more than the rest of validation)."""
    value = vars(lead).get("country", None)
    if value is None:
        value = lead.country
    return str(getattr(value, "code", value) or "").strip()


def country_code(value) -> str:
    """The ISO 3166 alpha-2 code for `value` ('us', 'USA', '840' -> 'US'), or '' when it is not a country."""
    raw = str(getattr(value, "code", value) or "").strip()
    return _alpha2(raw) if raw else ""


@lru_cache(maxsize=1024)
def _alpha2(raw: str) -> str:
    return countries.alpha2(raw)


def parse_phone(value: str, region: str = "") -> PhoneResult:
    """Parse `value` with `region` (ISO alpha-2) as the default for numbers written without a country code."""
    raw = (value or "").strip()
    if not raw:
        return PhoneResult()
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        if not region and not raw.startswith(("+", "00")):
            return PhoneResult(error=_("Add the country code (e.g. +44) or the lead's country."))
        return PhoneResult(error=_("Not a phone number."))
    if not phonenumbers.is_valid_number(number):
        return PhoneResult(error=_("Not a valid phone number for its country."))
    return PhoneResult(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        calling_code=number.country_code,
        number=number,
    )


def validate(lead) -> PhoneResult:
    """Normalise the lead's email, phone and country in place and record what is wrong with it.

    Sets `validation_status` (valid / invalid) and `validation_errors`. Returns the parsed phone, which the
    spam rules compare with the country (so the number is parsed once).
    """
    errors: list[dict] = []

    lead.email = normalise_email(lead.email)
    if lead.email and (message := email_error(lead.email)):
        errors.append({"field": "email", "message": message})

    raw = raw_country(lead)
    code = country_code(raw)
    if raw and not code:
        errors.append(
            {"field": "country", "message": _("“%(country)s” is not an ISO 3166 country code.") % {"country": raw}}
        )
    elif code:
        lead.country = code

    phone = parse_phone(lead.phone, code)
    if phone.e164:
        lead.phone = phone.e164
    elif phone.error:
        errors.append({"field": "phone", "message": phone.error})

    if not (lead.campaign or "").strip():
        errors.append({"field": "campaign", "message": _("Every lead needs a campaign, so it can be attributed.")})
    if not (lead.first_name or lead.last_name or lead.lead_name or lead.email or lead.phone):
        errors.append({"field": "lead_name", "message": _("Give at least a name, an email or a phone number.")})
    if not (lead.email or lead.phone):
        errors.append({"field": "email", "message": _("No email and no phone: the lead cannot be reached.")})

    lead.validation_errors = errors
    lead.validation_status = ValidationStatus.INVALID if errors else ValidationStatus.VALID
    return phone
