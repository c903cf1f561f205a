"""Headers to fields: aliases, corrections, and what the mapping still lacks."""

import pytest

from leads.importing.mapping import check_mapping, fold_header, guess_mapping, parse_overrides


class TestGuessMapping:
    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Name", "lead_name"),
            ("Full name", "lead_name"),
            ("FULL_NAME", "lead_name"),
            ("First name", "first_name"),
            ("Prénom", "first_name"),
            ("Surname", "last_name"),
            ("E-mail", "email"),
            ("Email Address", "email"),
            ("e_mail", "email"),
            ("Mobile", "phone"),
            ("Telephone", "phone"),
            ("Phone Number", "phone"),
            ("Organisation", "company_name"),
            ("Company", "company_name"),
            ("Job title", "job_title"),
            ("Title", "job_title"),
            ("Country", "country"),
            ("utm_source", "source"),
            ("Source", "source"),
            ("utm_campaign", "campaign"),
            ("Campaign", "campaign"),
            ("utm_medium", "medium"),
            ("utm_term", "term"),
            ("utm_content", "content"),
            ("Notes", "notes"),
            ("Comments", "notes"),
            ("Owner", "lead_owner"),
            ("Do not disturb", "dnd_status"),
            ("GDPR consent", "gdpr_consent"),
            ("lead_name", "lead_name"),
            ("\ufeffName", "lead_name"),
            ("  Name  ", "lead_name"),
            ("Shoe size", ""),
            ("", ""),
        ],
    )
    def test_a_header_is_mapped_by_its_aliases(self, header, field):
        assert guess_mapping([header]) == [field]

    @pytest.mark.parametrize(
        "header",
        [
            ["Vorname", "Nachname", "E-Mail-Adresse", "Telefon", "Firma", "Land", "Kampagne"],
            ["Prénom", "Nom", "Courriel", "Téléphone", "Société", "Pays", "Campagne"],
            ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Empresa", "País", "Campaña"],
        ],
        ids=["german", "french", "spanish"],
    )
    def test_exports_in_other_languages_are_recognised(self, header):
        mapping = guess_mapping(header)

        assert mapping == ["first_name", "last_name", "email", "phone", "company_name", "country", "campaign"]

    def test_a_field_goes_to_the_first_column_that_claims_it(self):
        mapping = guess_mapping(["Email", "E-mail", "Name"])

        assert mapping == ["email", "", "lead_name"]

    def test_headers_fold_case_accents_and_punctuation(self):
        assert fold_header(" E-Mail_Adresse ") == "e mail adresse"
        assert fold_header("Prénom") == "prenom"


class TestOverrides:
    def test_a_column_can_be_remapped_or_ignored(self):
        header = ["Name", "Cell", "Ref"]

        mapping = parse_overrides(["cell=phone", "Name="], header, guess_mapping(header))

        assert mapping == ["", "phone", ""]

    @pytest.mark.parametrize(
        ("override", "message"),
        [("Cell", "is not COLUMN=field"), ("Cell=shoe_size", "not a lead field"), ("Fax=phone", "no column")],
    )
    def test_a_wrong_override_says_what_is_wrong(self, override, message):
        with pytest.raises(ValueError, match=message):
            parse_overrides([override], ["Name", "Cell"], ["lead_name", ""])


class TestCheckMapping:
    def test_a_complete_mapping_has_no_problem(self):
        assert check_mapping(["lead_name", "campaign"], ["Name", "Campaign"]) == []

    def test_a_default_campaign_replaces_the_campaign_column(self):
        assert check_mapping(["email"], ["Email"], default_campaign="fair") == []

    @pytest.mark.parametrize(
        ("mapping", "message"),
        [
            (["email", ""], "campaign"),
            (["company_name", "campaign"], "name, an email or a phone"),
            (["email", "email"], "both mapped to Email"),
            (["email", "shoe_size"], "not a lead field"),
        ],
    )
    def test_what_the_mapping_lacks_is_named(self, mapping, message):
        problems = check_mapping(mapping, ["A", "B"])

        assert any(message in problem for problem in problems)
