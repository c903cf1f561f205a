"""GSTIN (Indian Goods and Services Tax Identification Number) validation.

Layout (15 characters): 2-digit state code, the holder's 10-character PAN, an entity number,
the letter Z, and a mod-36 check character computed over the first 14.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GSTIN_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GSTIN_STATE_CODES = {f"{n:02d}" for n in range(1, 39)} | {"97", "99"}
PAN_RE = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")


def normalise_gstin(value: str) -> str:
    return (value or "").strip().upper()


def gstin_check_character(first14: str) -> str:
    total = 0
    for index, char in enumerate(first14):
        product = GSTIN_CHARSET.index(char) * (1 if index % 2 == 0 else 2)
        total += product // 36 + product % 36
    return GSTIN_CHARSET[(36 - total % 36) % 36]


def validate_gstin(value: str) -> None:
    """Raise ValidationError naming the part of the GSTIN that is wrong."""
    gstin = normalise_gstin(value)
    if not gstin:
        return
    if len(gstin) != 15:
        raise ValidationError(
            _("A GSTIN has 15 characters; this one has %(count)d."), code="gstin_length", params={"count": len(gstin)}
        )
    if any(char not in GSTIN_CHARSET for char in gstin):
        raise ValidationError(_("A GSTIN has only letters A-Z and digits 0-9."), code="gstin_charset")
    if gstin[:2] not in GSTIN_STATE_CODES:
        raise ValidationError(
            _("The state code %(code)s (characters 1-2) is not a valid GST state code (01-38, 97 or 99)."),
            code="gstin_state",
            params={"code": gstin[:2]},
        )
    if not PAN_RE.match(gstin[2:12]):
        raise ValidationError(
            _("Characters 3-12 must be a PAN: five letters, four digits and a letter (got %(pan)s)."),
            code="gstin_pan",
            params={"pan": gstin[2:12]},
        )
    if gstin[13] != "Z":
        raise ValidationError(_("Character 14 of a GSTIN is always Z."), code="gstin_z")
    expected = gstin_check_character(gstin[:14])
    if gstin[14] != expected:
        raise ValidationError(
            _("The check character (character 15) is wrong: this GSTIN is mistyped."), code="gstin_checksum"
        )
