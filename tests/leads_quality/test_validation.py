"""Validation: email syntax, phones to E.164 with the lead's country as default region, ISO countries."""

import pytest

from leads.models import Lead, ValidationStatus
from leads.quality.validation import parse_phone, validate


def make_lead(**fields):
    values = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "campaign": "spring"}
    values.update(fields)
    return Lead(**values)


def problems(lead):
    return {problem["field"] for problem in lead.validation_errors}


class TestEmailValidation:
    @pytest.mark.parametrize(
        ("raw", "normalised"),
        [
            ("ada@example.com", "ada@example.com"),
            ("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
            ("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk"),
            ("o'neil@example.ie", "o'neil@example.ie"),
            ("ADA@EXAMPLE.IN", "ada@example.in"),
        ],
    )
    def test_a_valid_email_is_trimmed_and_lower_cased(self, raw, normalised):
        lead = make_lead(email=raw)

        validate(lead)

        assert lead.email == normalised
        assert lead.validation_status == ValidationStatus.VALID
        assert lead.validation_errors == []

    @pytest.mark.parametrize(
        "raw", ["ada@", "ada.example.com", "ada@example", "ada@@example.com", "a b@example.com", "@example.com"]
    )
    def test_a_malformed_email_makes_the_lead_invalid_with_the_reason(self, raw):
        lead = make_lead(email=raw)

        validate(lead)

        assert lead.validation_status == ValidationStatus.INVALID
        assert lead.validation_errors == [{"field": "email", "message": "Not a valid email address."}]


class TestPhoneValidation:
    @pytest.mark.parametrize(
        ("raw", "country", "e164"),
        [
            ("(415) 555-0100", "US", "+14155550100"),
            ("415.555.0100", "US", "+14155550100"),
            ("+1 415 555 0100", "", "+14155550100"),
            ("+1 (415) 555-0100", "IN", "+14155550100"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("+44 (0)20 7946 0958", "", "+442079460958"),
            ("098765 43210", "IN", "+919876543210"),
            ("+91-98765-43210", "", "+919876543210"),
            ("030 12345678", "DE", "+493012345678"),
        ],
    )
    def test_a_valid_number_is_stored_in_e164(self, raw, country, e164):
        lead = make_lead(phone=raw, country=country)

        validate(lead)

        assert lead.phone == e164
        assert "phone" not in problems(lead)

    @pytest.mark.parametrize(
        ("raw", "country", "message"),
        [
            ("12345", "US", "Not a valid phone number for its country."),
            ("+44 20 7946", "", "Not a valid phone number for its country."),
            ("415 555 0100", "", "Add the country code (e.g. +44) or the lead's country."),
            ("call me maybe", "US", "Not a phone number."),
        ],
    )
    def test_an_invalid_number_is_kept_as_typed_and_reported(self, raw, country, message):
        lead = make_lead(phone=raw, country=country)

        validate(lead)

        assert lead.phone == raw
        assert lead.validation_status == ValidationStatus.INVALID
        assert {"field": "phone", "message": message} in lead.validation_errors

    def test_the_same_national_digits_mean_different_numbers_in_different_countries(self):
        british, indian = parse_phone("07911 123456", "GB"), parse_phone("07911 123456", "IN")

        assert british.e164 == "+447911123456"
        assert indian.e164 != british.e164


class TestCountryAndRequiredFields:
    @pytest.mark.parametrize(("raw", "code"), [("us", "US"), ("USA", "US"), ("gb", "GB"), ("IN", "IN")])
    def test_a_country_is_stored_as_its_iso_alpha2_code(self, raw, code):
        lead = make_lead(country=raw)

        validate(lead)

        assert lead.country == code
        assert lead.validation_status == ValidationStatus.VALID

    @pytest.mark.parametrize("raw", ["XX", "Narnia", "UK"])
    def test_an_unknown_country_is_a_problem(self, raw):
        lead = make_lead(country=raw)

        validate(lead)

        assert problems(lead) == {"country"}

    def test_a_lead_without_campaign_is_invalid(self):
        lead = make_lead(campaign="  ")

        validate(lead)

        assert problems(lead) == {"campaign"}

    def test_a_lead_nobody_can_reach_is_invalid(self):
        lead = make_lead(email="", phone="")

        validate(lead)

        assert problems(lead) == {"email"}
        assert "cannot be reached" in lead.validation_errors[0]["message"]

    def test_a_lead_with_a_phone_and_no_email_is_valid(self):
        lead = make_lead(email="", phone="+14155550100")

        validate(lead)

        assert lead.validation_status == ValidationStatus.VALID
