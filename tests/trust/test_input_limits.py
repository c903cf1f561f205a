"""Values a browser can send that the database cannot take as they are: ids past 64 bits, digits of other scripts
and free text longer than a LIKE pattern may be. Found by the fuzzing (test_fuzz.py); here the rules themselves."""

import pytest

from crm.filters import MAX_TERM_LENGTH
from crm.models import parse_id
from tests.factories import LeadFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (" 42 ", 42),
        (42, 42),
        ("0", 0),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("9" * 30, None),
        ("-1", None),
        ("²", None),
        ("١٢٣", None),
        ("4 2", None),
        ("", None),
        (None, None),
        ("x", None),
    ],
)
def test_parse_id_takes_ascii_digits_within_64_bits_only(value, expected):
    assert parse_id(value) == expected


@pytest.mark.django_db
class TestTextFilters:
    def test_a_text_filter_matches_on_its_first_hundred_characters(self, client, company, manager):
        campaign = "c" * MAX_TERM_LENGTH
        match = LeadFactory(company=company, campaign=campaign)
        LeadFactory(company=company, campaign="other")
        client.force_login(manager)

        response = client.get("/leads/", {"campaign": campaign + "x" * 60_000})

        assert response.status_code == 200
        assert [lead.pk for lead in response.context["object_list"]] == [match.pk]

    def test_the_deal_forecast_drill_down_answers_an_owner_id_past_64_bits_with_no_deals(self, client, manager):
        client.force_login(manager)

        response = client.get("/deals/forecast/", {"column": "pipeline", "owner": "9" * 30})

        assert response.status_code == 200
        assert response.context["drill"]["figures"].count == 0
        assert list(response.context["drill"]["page"]) == []
