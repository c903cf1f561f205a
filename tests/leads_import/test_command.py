"""`manage.py import_leads FILE --company SLUG`."""

import pytest
from django.core.management import CommandError, call_command

from leads.importing.models import ImportMode, LeadImport
from leads.models import Lead

from .csvs import HEADER, csv_bytes, people, person


@pytest.fixture
def csv_file(tmp_path):
    def write(rows, name="leads.csv", **kwargs):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, **kwargs))
        return str(path)

    return write


@pytest.mark.django_db
class TestImportLeadsCommand:
    def test_the_file_is_imported_and_summarised(self, csv_file, company, manager, capsys):
        call_command("import_leads", csv_file(people(3)), company="acme", user="manager", no_progress=True)

        out = capsys.readouterr().out
        assert "Imported: 3 rows" in out
        assert "Created 3" in out
        assert Lead.objects.filter(company=company, created_by=manager).count() == 3

    def test_a_progress_bar_goes_to_stderr(self, csv_file, company, capsys):
        call_command("import_leads", csv_file(people(3)), company="acme")

        err = capsys.readouterr().err
        assert "Importing" in err
        assert "3/3" in err

    def test_columns_are_remapped_and_a_default_campaign_given(self, csv_file, company):
        path = csv_file([["Who", "Cell", "Country"], ["Ada Lovelace", "020 7946 0000", "GB"]])

        call_command(
            "import_leads",
            path,
            company="acme",
            map=["Who=lead_name", "Cell=phone"],
            default_campaign="expo",
            no_progress=True,
        )

        lead = Lead.objects.get()
        assert (lead.lead_name, lead.phone, lead.campaign) == ("Ada Lovelace", "+442079460000", "expo")

    def test_the_errors_are_written_to_a_csv(self, csv_file, company, tmp_path):
        errors_path = tmp_path / "errors.csv"
        rows = [*people(1), ["Bad", "", "", "", "Atlantis", "fair"]]

        call_command("import_leads", csv_file(rows), company="acme", errors_csv=str(errors_path), no_progress=True)

        lines = errors_path.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0].startswith("row,column,value,reason,Name")
        assert lines[1].startswith("3,Country,Atlantis,")

    def test_a_dry_run_writes_no_lead(self, csv_file, company, capsys):
        call_command("import_leads", csv_file(people(3)), company="acme", dry_run=True, no_progress=True)

        assert "Dry run (nothing written)" in capsys.readouterr().out
        assert not Lead.objects.exists()
        assert LeadImport.objects.get().dry_run

    def test_the_mode_is_chosen(self, csv_file, company):
        path = csv_file(people(2))
        call_command("import_leads", path, company="acme", no_progress=True)

        call_command("import_leads", path, company="acme", mode=ImportMode.FLAG, no_progress=True)

        assert Lead.objects.filter(is_duplicate=True).count() == 2

    @pytest.mark.parametrize(
        ("rows", "options", "message"),
        [
            ([HEADER], {}, "no data rows"),
            ([["Name"], ["Ada"]], {}, "campaign"),
            ([HEADER, person(1)], {"company": "nope"}, "No company"),
            ([HEADER, person(1)], {"user": "outsider"}, "is not a user of"),
            ([HEADER, person(1)], {"map": ["Fax=phone"]}, "no column"),
        ],
    )
    def test_a_bad_file_or_option_is_a_clear_error_and_writes_nothing(
        self, csv_file, company, outsider, rows, options, message
    ):
        with pytest.raises(CommandError, match=message):
            call_command("import_leads", csv_file(rows), **{"company": "acme", "no_progress": True, **options})

        assert not Lead.objects.exists()
        assert not LeadImport.objects.exists()

    def test_a_latin1_file_is_refused(self, csv_file, company):
        path = csv_file([HEADER, ["Zoë", "z@example.com", "", "", "", "fair"]], encoding="latin-1")

        with pytest.raises(CommandError, match="not UTF-8"):
            call_command("import_leads", path, company="acme", no_progress=True)

    def test_a_missing_file_is_a_clear_error(self, company):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_leads", "/nonexistent/leads.csv", company="acme", no_progress=True)
