"""GSTIN validation: the table of good and bad numbers, and how an Account stores one."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account
from accounts.validators import GSTIN_CHARSET, gstin_check_character, normalise_gstin, validate_gstin

from .factories import AccountFactory


def with_check(first14: str) -> str:
    """A GSTIN whose check character is right, so only the part under test is wrong."""
    return first14 + gstin_check_character(first14)


VALID = [
    pytest.param("27AAPFU0939F1ZV", id="Maharashtra"),
    pytest.param("29AAGCB7383J1Z4", id="Karnataka"),
    pytest.param("27aapfu0939f1zv", id="lower-case"),
    pytest.param("  29AAGCB7383J1Z4 ", id="padded with spaces"),
    pytest.param(with_check("01AAPFU0939F1Z"), id="state 01"),
    pytest.param(with_check("38AAPFU0939F1Z"), id="state 38"),
    pytest.param(with_check("97AAPFU0939F1Z"), id="state 97 (other territory)"),
    pytest.param(with_check("99AAPFU0939F1Z"), id="state 99 (centre jurisdiction)"),
    pytest.param(with_check("27AAPFU0939FAZ"), id="entity code a letter"),
]

INVALID = [
    # (value, the validator's error code, a phrase of the message naming the wrong part)
    pytest.param("27AAPFU0939F1ZW", "gstin_checksum", "check character", id="last character changed"),
    pytest.param("29AAGCB7383J1Z5", "gstin_checksum", "check character", id="check digit off by one"),
    pytest.param("27AAPFU0939F1Z", "gstin_length", "15 characters", id="14 characters"),
    pytest.param("27AAPFU0939F1ZVX", "gstin_length", "15 characters", id="16 characters"),
    pytest.param("27AAPF", "gstin_length", "15 characters", id="far too short"),
    pytest.param(with_check("00AAPFU0939F1Z"), "gstin_state", "state code", id="state 00"),
    pytest.param(with_check("39AAPFU0939F1Z"), "gstin_state", "state code", id="state 39"),
    pytest.param(with_check("96AAPFU0939F1Z"), "gstin_state", "state code", id="state 96"),
    pytest.param(with_check("AAAAPFU0939F1Z"), "gstin_state", "state code", id="state letters"),
    pytest.param(with_check("27AAPF10939F1Z"), "gstin_pan", "PAN", id="PAN digit among the letters"),
    pytest.param(with_check("27AAPFUA939F1Z"), "gstin_pan", "PAN", id="PAN letter among the digits"),
    pytest.param(with_check("27AAPFU093991Z"), "gstin_pan", "PAN", id="PAN ends in a digit"),
    pytest.param(with_check("27AAPFU0939F1X"), "gstin_z", "always Z", id="Z missing"),
    pytest.param("27AAPFU0939F1Z-", "gstin_charset", "letters A-Z and digits", id="punctuation"),
    pytest.param("27AAPFU 939F1ZV", "gstin_charset", "letters A-Z and digits", id="inner space"),
    pytest.param("27AAPFU0939F1ZÉ", "gstin_charset", "letters A-Z and digits", id="accented letter"),
]


class TestValidateGstin:
    @pytest.mark.parametrize("value", VALID)
    def test_a_valid_gstin_passes(self, value):
        validate_gstin(value)

    @pytest.mark.parametrize(("value", "code", "phrase"), INVALID)
    def test_an_invalid_gstin_is_refused_with_a_message_naming_the_wrong_part(self, value, code, phrase):
        with pytest.raises(ValidationError) as error:
            validate_gstin(value)

        assert error.value.code == code
        assert phrase in str(error.value.message % (error.value.params or {}))

    def test_blank_is_allowed(self):
        validate_gstin("")

    @pytest.mark.parametrize("first14", ["27AAPFU0939F1Z", "29AAGCB7383J1Z", "07AABCS1429B1Z", "33AAACI1195H1Z"])
    def test_every_wrong_check_character_is_caught(self, first14):
        right = gstin_check_character(first14)

        refused = []
        for char in GSTIN_CHARSET.replace(right, ""):
            with pytest.raises(ValidationError) as error:
                validate_gstin(first14 + char)
            refused.append(error.value.code)

        assert refused == ["gstin_checksum"] * 35

    @pytest.mark.parametrize(("gstin", "check"), [("27AAPFU0939F1ZV", "V"), ("29AAGCB7383J1Z4", "4")])
    def test_the_check_character_of_published_examples(self, gstin, check):
        assert gstin_check_character(gstin[:14]) == check

    def test_normalising_trims_and_upper_cases(self):
        assert normalise_gstin("  27aapfu0939f1zv\t") == "27AAPFU0939F1ZV"


@pytest.mark.django_db
class TestAccountGstin:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("27aapfu0939f1zv", "27AAPFU0939F1ZV"),
            ("29AAGCB7383J1Z4", "29AAGCB7383J1Z4"),
            ("", ""),
        ],
    )
    def test_full_clean_accepts_and_save_stores_the_normalised_gstin(self, company, given, stored):
        account = AccountFactory.build(company=company, gstin=given)

        account.full_clean()
        account.save()

        assert Account.objects.get(pk=account.pk).gstin == stored

    @pytest.mark.parametrize("given", ["  27AAPFU0939F1ZV  ", " 27aapfu0939f1zv"])
    def test_full_clean_accepts_a_gstin_padded_with_spaces(self, company, given):
        account = AccountFactory.build(company=company, gstin=given)

        account.full_clean()
        account.save()

        assert Account.objects.get(pk=account.pk).gstin == "27AAPFU0939F1ZV"

    @pytest.mark.parametrize("given", ["  27AAPFU0939F1ZV  ", " 27aapfu0939f1zv"])
    def test_save_stores_a_padded_gstin_trimmed_and_upper_case(self, company, given):
        account = AccountFactory(company=company, gstin=given)

        assert Account.objects.get(pk=account.pk).gstin == "27AAPFU0939F1ZV"

    @pytest.mark.parametrize(("value", "code", "phrase"), INVALID)
    def test_full_clean_reports_the_wrong_part_on_the_gstin_field(self, company, value, code, phrase):
        account = AccountFactory.build(company=company, gstin=value)

        with pytest.raises(ValidationError) as error:
            account.full_clean()

        assert code in [item.code for item in error.value.error_dict["gstin"]]
