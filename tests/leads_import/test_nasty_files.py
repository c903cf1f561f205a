"""The files people really upload: each one is imported correctly or refused with a clear message, and a
refused file writes nothing (no lead, no import record)."""

import io

import pytest
from django.urls import reverse

from leads.importing.csvfile import CsvFileError
from leads.importing.models import ImportStatus, LeadImport
from leads.importing.service import import_file
from leads.models import Lead

from .csvs import HEADER, csv_bytes, person

GOOD_ROWS = [HEADER, ["José Müller", "jose@example.com", "+49 30 901820", "Müller GmbH", "DE", "fair"], person(2)]

ZIP_HEADER = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40


def _late_latin1() -> bytes:
    rows = csv_bytes([HEADER] + [person(n) for n in range(1, 3000)])
    return rows + "Zoë Café,zoe@example.com,,,FR,fair\r\n".encode("latin-1")


ACCEPTED = [
    pytest.param(csv_bytes(GOOD_ROWS), {"created": 2}, id="plain-comma"),
    pytest.param(csv_bytes(GOOD_ROWS, bom=True), {"created": 2}, id="utf8-with-bom"),
    pytest.param(csv_bytes(GOOD_ROWS, delimiter=";"), {"created": 2}, id="semicolons"),
    pytest.param(b"sep=;\r\n" + csv_bytes(GOOD_ROWS, delimiter=";"), {"created": 2}, id="excel-sep-line"),
    pytest.param(csv_bytes(GOOD_ROWS, delimiter="\t"), {"created": 2}, id="tabs"),
    pytest.param(csv_bytes(GOOD_ROWS, newline="\n"), {"created": 2}, id="lf-endings"),
    pytest.param(csv_bytes(GOOD_ROWS, newline="\r"), {"created": 2}, id="old-mac-cr-endings"),
    pytest.param(b"\r\n\r\n" + csv_bytes(GOOD_ROWS) + b"\r\n,,,,,\r\n\r\n", {"created": 2}, id="blank-lines-around"),
    pytest.param(
        csv_bytes([[*HEADER, "Notes"], [*person(1), 'line one\nline two, with a comma\r\nand "quotes"'], person(2)]),
        {"created": 2},
        id="embedded-newlines",
    ),
    pytest.param(
        csv_bytes([HEADER, ['=HYPERLINK("http://x.test","click")', "f@example.com", "", "@SUM(1)", "", "'=1+2"]]),
        {"created": 1},
        id="formula-cells",
    ),
    pytest.param(
        csv_bytes([HEADER, person(1), [*person(2), "surplus", "cells"], person(3)]),
        {"created": 2, "errors": 1},
        id="row-with-extra-cells",
    ),
]

REFUSED = [
    pytest.param(b"", "The file is empty", id="empty"),
    pytest.param(b"\xef\xbb\xbf\r\n  \r\n", "The file is empty", id="only-bom-and-blank-lines"),
    pytest.param(csv_bytes([HEADER]), "header row but no data rows", id="header-only"),
    pytest.param(csv_bytes([HEADER, [""] * 6]), "header row but no data rows", id="header-and-blank-row"),
    pytest.param(csv_bytes(GOOD_ROWS, encoding="latin-1"), "not UTF-8", id="latin-1"),
    pytest.param(_late_latin1(), "line 3001", id="latin-1-on-line-3001"),
    pytest.param(csv_bytes(GOOD_ROWS) + "Zoë".encode()[:-1], "0xC3 on line 4", id="utf8-cut-off-at-the-end"),
    pytest.param(csv_bytes(GOOD_ROWS, encoding="utf-16"), "UTF-16", id="utf-16-excel-unicode-text"),
    pytest.param(ZIP_HEADER, "Excel workbook", id="xlsx"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF", id="pdf"),
    pytest.param(b"abc\x00\x01\x02\x00def\x00" * 50, "binary", id="binary"),
    pytest.param(csv_bytes([person(1), person(2)]), "looks like data", id="no-header"),
    pytest.param(b'Name,utm_campaign\r\n"Ada,fair\r\nBob,fair\r\n', "not valid CSV", id="unterminated-quote"),
    pytest.param(b"just some prose\nwithout any structure\n", "could be recognised", id="prose"),
]

# A missing required column: the command refuses the file; the page keeps it and asks for the mapping or a
# default campaign on its preview, and will not run until that is given.
MISSING_COLUMNS = [
    pytest.param(
        csv_bytes([["Name", "E-mail"], ["Ada", "ada@example.com"]]), "No column is mapped to campaign", id="no-campaign"
    ),
    pytest.param(
        csv_bytes([["Company", "utm_campaign"], ["Acme", "fair"]]), "name, an email or a phone", id="no-identity"
    ),
]


def _import(data: bytes, company, user, **kwargs):
    return import_file(fileobj=io.BytesIO(data), file_name="leads.csv", company=company, user=user, **kwargs)


@pytest.mark.django_db
class TestNastyFiles:
    @pytest.mark.parametrize(("data", "expected"), ACCEPTED)
    def test_a_real_world_file_is_imported(self, data, expected, company, manager):
        lead_import = _import(data, company, manager)

        assert lead_import.status == ImportStatus.DONE
        assert lead_import.created_count + lead_import.flagged_duplicates_count == expected["created"]
        assert lead_import.error_count == expected.get("errors", 0)
        assert Lead.objects.filter(company=company).count() == expected["created"]

    @pytest.mark.parametrize(("data", "message"), REFUSED + MISSING_COLUMNS)
    def test_a_bad_file_is_refused_with_a_clear_message_and_writes_nothing(self, data, message, company, manager):
        with pytest.raises(CsvFileError) as refused:
            _import(data, company, manager)

        assert message in refused.value.message
        assert LeadImport.objects.count() == 0
        assert Lead.objects.count() == 0

    @pytest.mark.parametrize(("data", "message"), REFUSED)
    def test_the_page_refuses_a_bad_file_with_the_same_message(self, data, message, manager_client):
        upload = io.BytesIO(data)
        upload.name = "leads.csv"

        response = manager_client.post(reverse("leads:import"), {"file": upload})

        assert response.status_code == 200
        assert message in response.content.decode()
        assert LeadImport.objects.count() == 0
        assert Lead.objects.count() == 0

    @pytest.mark.parametrize(("data", "message"), MISSING_COLUMNS)
    def test_the_page_asks_for_a_missing_column_and_will_not_run_without_it(self, data, message, manager_client):
        upload = io.BytesIO(data)
        upload.name = "leads.csv"
        preview = manager_client.post(reverse("leads:import"), {"file": upload}, follow=True)
        lead_import = LeadImport.objects.get()

        mapping = {f"column_{index}": name for index, name in enumerate(lead_import.mapping)}

        response = manager_client.post(lead_import.get_absolute_url(), {"mode": "skip", "action": "run", **mapping})

        assert message in preview.content.decode()
        assert message in response.content.decode()
        lead_import.refresh_from_db()
        assert lead_import.status == ImportStatus.PENDING
        assert Lead.objects.count() == 0

    def test_accents_survive_with_and_without_bom(self, company, manager):
        _import(csv_bytes(GOOD_ROWS, bom=True), company, manager)

        lead = Lead.objects.get(email="jose@example.com")
        assert (lead.first_name, lead.last_name, lead.company_name) == ("José", "Müller", "Müller GmbH")

    def test_a_quoted_value_keeps_its_newlines_and_rows_keep_spreadsheet_numbers(self, company, manager):
        rows = [[*HEADER, "Notes"], [*person(1), "line one\nline two"], person(2), ["", "", "", "", "", "fair", ""]]

        lead_import = _import(csv_bytes(rows), company, manager)

        assert Lead.objects.get(email="person1@example.com").notes == "line one\nline two"
        error = lead_import.row_errors.get()
        assert error.row_number == 4

    def test_formula_cells_are_stored_as_text_and_our_export_quote_is_removed(self, company, manager):
        rows = [HEADER, ['=HYPERLINK("http://x.test","click")', "f@example.com", "", "@SUM(1)", "", "'=1+2"]]

        _import(csv_bytes(rows), company, manager)

        lead = Lead.objects.get()
        assert lead.lead_name == '=HYPERLINK("http://x.test","click")'
        assert lead.company_name == "@SUM(1)"
        assert lead.campaign == "=1+2"

    def test_the_latin1_message_names_the_line_and_says_how_to_fix_it(self, company, manager):
        with pytest.raises(CsvFileError) as refused:
            _import(csv_bytes(GOOD_ROWS, encoding="latin-1"), company, manager)

        assert "line 2" in refused.value.message
        assert "0xE9" in refused.value.message
        assert "CSV UTF-8" in refused.value.message

    def test_ten_thousand_rows_are_imported_in_batches(self, company, manager):
        rows = [HEADER] + [person(n) for n in range(1, 10_001)]
        batches = []

        lead_import = _import(csv_bytes(rows), company, manager, progress=batches.append)

        assert lead_import.status == ImportStatus.DONE
        assert lead_import.rows_total == 10_000
        assert lead_import.created_count + lead_import.flagged_duplicates_count == 10_000
        assert Lead.objects.filter(company=company).count() == 10_000
        assert batches == [1000] * 10
        assert lead_import.rows.count() == 10_000
