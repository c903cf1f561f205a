"""The shared streaming CSV writer: escaping, encoding, streaming."""

import codecs
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.db.models.functions import Upper
from django.http import StreamingHttpResponse

from crm import csv_export
from crm.csv_export import cell, csv_lines, neutralise, stream_queryset
from leads.models import Lead
from tests.factories import LeadFactory


def _no_instances(*args, **kwargs):
    raise AssertionError("a model instance was built")


class TestNeutralise:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("=1+2", "'=1+2"),
            ('=HYPERLINK("http://evil.test","x")', '\'=HYPERLINK("http://evil.test","x")'),
            ("+14155550100", "'+14155550100"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Ada", "Ada"),
            ("a=b", "a=b"),
            ("", ""),
        ],
    )
    def test_a_cell_a_spreadsheet_would_run_gets_a_quote(self, text, expected):
        assert neutralise(text) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, ""),
            (True, "yes"),
            (False, "no"),
            (-5, "-5"),
            (Decimal("-10.50"), "-10.50"),
            (date(2024, 4, 3), "2024-04-03"),
            (datetime(2024, 4, 3, 9, 30, tzinfo=UTC), "2024-04-03 09:30:00"),
            ("=cmd", "'=cmd"),
        ],
    )
    def test_values_are_written_plainly_and_only_text_is_neutralised(self, value, expected):
        assert cell(value) == expected


class TestCsvLines:
    def test_the_first_chunk_starts_with_a_bom(self):
        chunks = list(csv_lines(["name"], [["Zoë"]]))

        assert chunks[0].startswith(codecs.BOM_UTF8.decode())
        assert "".join(chunks).encode("utf-8").decode("utf-8-sig") == "name\r\nZoë\r\n"

    def test_commas_quotes_and_newlines_are_quoted(self):
        text = "".join(csv_lines(["a", "b"], [['He said "hi", then', "line1\nline2"]]))

        assert text.endswith('"He said ""hi"", then","line1\nline2"\r\n')

    def test_rows_are_sent_in_chunks(self, monkeypatch):
        monkeypatch.setattr(csv_export, "LINES_PER_WRITE", 10)

        chunks = list(csv_lines(["n"], ([n] for n in range(25))))

        assert len(chunks) == 4


@pytest.mark.django_db
class TestStreamQueryset:
    def test_a_queryset_is_streamed_through_an_iterator_never_cached(self, company):
        LeadFactory.create_batch(3, company=company)
        queryset = Lead.objects.order_by("pk")

        response = stream_queryset(queryset, [("id", "pk"), ("status", "get_status_display")], filename="x.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")

        assert isinstance(response, StreamingHttpResponse)
        assert queryset._result_cache is None
        assert body.splitlines()[1].endswith(",New")
        assert len(body.splitlines()) == 4

    def test_field_paths_and_expressions_are_read_as_tuples_not_instances(self, company, manager, monkeypatch):
        LeadFactory(company=company, lead_owner=manager, first_name="Ada", last_name="Lovelace")
        monkeypatch.setattr(Lead, "__init__", _no_instances)

        response = stream_queryset(
            Lead.objects.all(),
            [("owner", "lead_owner__username"), ("upper", Upper("first_name")), ("status", "status")],
            filename="x.csv",
        )

        assert b"".join(response.streaming_content).decode("utf-8-sig") == "owner,upper,status\r\nmanager,ADA,new\r\n"

    def test_the_query_runs_before_the_response_streams(self, company):
        LeadFactory(company=company)
        broken = Lead.objects.extra(where=["no_such_column = 1"])

        with pytest.raises(DatabaseError):
            stream_queryset(broken, [("id", "pk")], filename="x.csv")

    def test_the_response_is_an_attachment_that_is_not_cached(self, company):
        response = stream_queryset(Lead.objects.none(), [("id", "pk")], filename="leads-acme.csv")

        assert response["Content-Disposition"] == 'attachment; filename="leads-acme.csv"'
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "no-store" in response["Cache-Control"]
