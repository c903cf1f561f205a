"""One row to one lead: values converted, hard errors named with their column, quality left to the pipeline."""

from datetime import date

import pytest

from crm.models import Role, Source
from leads.importing.rows import RowParser, parse_date, unescape_formula
from leads.models import LeadStatus, Timeline
from tests.factories import member


def _parser(company, user, header, default_campaign="fair"):
    from leads.importing.mapping import guess_mapping

    return RowParser(
        company=company, user=user, header=header, mapping=guess_mapping(header), default_campaign=default_campaign
    )


def _one(company, user, header, cells, **kwargs):
    return _parser(company, user, header, **kwargs).parse(2, cells)


@pytest.mark.django_db
class TestRowParser:
    @pytest.mark.parametrize(
        ("column", "value", "field", "expected"),
        [
            ("Country", "Germany", "country", "DE"),
            ("Country", "deu", "country", "DE"),
            ("Country", "uk", "country", "GB"),
            ("Country", "840", "country", "US"),
            ("Source", "Web form", "source", Source.WEB),
            ("Source", "newsletter", "source", Source.EMAIL),
            ("Source", "cold_call", "source", Source.COLD_CALL),
            ("Status", "Contacted", "status", LeadStatus.CONTACTED),
            ("Timeline", "1-3 months", "timeline", Timeline.WITHIN_3_MONTHS),
            ("Timeline", "ASAP", "timeline", Timeline.IMMEDIATE),
            ("GDPR consent", "Yes", "gdpr_consent", True),
            ("GDPR consent", "0", "gdpr_consent", False),
            ("Opt-in date", "2024-04-03", "opt_in_date", date(2024, 4, 3)),
            ("Opt-in date", "03.04.2024", "opt_in_date", date(2024, 4, 3)),
            ("Opt-in date", "25/12/2024", "opt_in_date", date(2024, 12, 25)),
            ("E-mail", "  Ada@Example.COM ", "email", "ada@example.com"),
            ("Notes", "'-5 is not a formula", "notes", "-5 is not a formula"),
        ],
    )
    def test_a_value_is_converted_to_the_field(self, company, manager, column, value, field, expected):
        parsed = _one(company, manager, ["Name", column], ["Ada Lovelace", value])

        assert parsed.problems == []
        assert getattr(parsed.lead, field) == expected

    @pytest.mark.parametrize(
        ("column", "value", "reason"),
        [
            ("Country", "Atlantis", "not a country we know"),
            ("Status", "converted", "cannot be imported as converted"),
            ("Status", "on fire", "not a status we know"),
            ("Budget", "lots", "not a budget we know"),
            ("GDPR consent", "maybe", "not yes or no"),
            ("Opt-in date", "03/04/2024", "could be day/month or month/day"),
            ("Opt-in date", "2024-02-30", "not a date in the calendar"),
            ("Opt-in date", "last tuesday", "not a date"),
            ("Company", "x" * 201, "too long"),
            ("E-mail", "a" * 250 + "@example.com", "too long"),
            ("Owner", "nobody", "No active user"),
        ],
    )
    def test_a_bad_value_is_an_error_on_its_column(self, company, manager, column, value, reason):
        parsed = _one(company, manager, ["Name", column], ["Ada Lovelace", value])

        assert parsed.lead is None
        (problem,) = parsed.problems
        assert problem.column == column
        assert reason in problem.reason

    def test_a_row_without_name_email_or_phone_is_an_error(self, company, manager):
        parsed = _one(company, manager, ["Name", "Company"], ["", "Acme"])

        assert parsed.lead is None
        assert "no name, email or phone" in parsed.problems[0].reason

    def test_a_row_without_campaign_and_no_default_is_an_error(self, company, manager):
        parsed = _one(company, manager, ["Name", "Campaign"], ["Ada", ""], default_campaign="")

        assert parsed.problems[0].column == "Campaign"

    def test_the_default_campaign_fills_an_empty_cell(self, company, manager):
        parsed = _one(company, manager, ["Name", "Campaign"], ["Ada", ""], default_campaign="fair")

        assert parsed.lead.campaign == "fair"
        assert parsed.lead.source == Source.IMPORT

    def test_an_invalid_email_is_not_an_error_here(self, company, manager):
        parsed = _one(company, manager, ["Name", "Email"], ["Ada", "not-an-email"])

        assert parsed.problems == []
        assert parsed.lead.email == "not-an-email"

    def test_a_disqualified_lead_needs_a_reason(self, company, manager):
        parsed = _one(company, manager, ["Name", "Status"], ["Ada", "disqualified"])

        assert "disqualified reason" in parsed.problems[0].reason

    def test_a_full_name_too_long_for_first_name_is_an_error_not_a_database_crash(self, company, manager):
        parsed = _one(company, manager, ["Name"], [("Ada " * 40) + "Lovelace"])

        assert parsed.lead is None
        assert parsed.problems[0].field == "first_name"

    def test_an_owner_is_found_by_username_or_email(self, company, manager, rep):
        parser = _parser(company, manager, ["Name", "Owner"])

        by_username = parser.parse(2, ["Ada", "REP"])
        by_email = parser.parse(3, ["Bob", rep.email.upper()])

        assert by_username.lead.lead_owner_id == rep.pk
        assert by_email.lead.lead_owner_id == rep.pk

    def test_an_owner_of_another_company_is_unknown(self, company, manager, outsider):
        parsed = _one(company, manager, ["Name", "Owner"], ["Ada", outsider.username])

        assert "No active user" in parsed.problems[0].reason

    def test_a_rep_imports_for_themselves_or_the_queue_only(self, company, rep):
        colleague = member(company, Role.REP, username="colleague")
        parser = _parser(company, rep, ["Name", "Owner"])

        own = parser.parse(2, ["Ada", rep.username])
        queue = parser.parse(3, ["Bob", ""])
        colleagues = parser.parse(4, ["Cy", colleague.username])

        assert own.lead.lead_owner_id == rep.pk
        assert queue.lead.lead_owner_id is None
        assert "yourself or the unassigned queue" in colleagues.problems[0].reason

    def test_unknown_utm_source_is_kept_verbatim(self, company, manager):
        parsed = _one(company, manager, ["Name", "utm_source"], ["Ada", "google"])

        assert parsed.lead.source == Source.OTHER
        assert parsed.lead.source_detail == "google"


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("'=1+2", "=1+2"), ("'+44 20", "+44 20"), ("'@x", "@x"), ("'plain", "'plain"), ("'", "'"), ("=1", "=1")],
    )
    def test_our_export_quote_is_removed_and_nothing_else(self, value, expected):
        assert unescape_formula(value) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("2024-04-03", date(2024, 4, 3)), ("2024/4/3", date(2024, 4, 3)), ("2024-04-03T10:00:00Z", date(2024, 4, 3))],
    )
    def test_iso_dates_are_read(self, value, expected):
        assert parse_date(value) == expected
