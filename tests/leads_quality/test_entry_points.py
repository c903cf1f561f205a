"""Issue 5's promise: every entry point (rep's form, public web form, CSV import) produces the same validation,
spam score, duplicate flag and lead score for the same lead. Each path runs in its own Company, which already
holds a lead with the same email, so each must also flag the duplicate."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.models import Role, Source
from leads.models import Lead, ValidationStatus

from ..factories import CompanyFactory, LeadFactory, member
from .test_capture import form_data

PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@analytical.example.com",
    "phone": "(415) 555-0100",
    "company_name": "Analytical Engines",
    "country": "US",
    "interest_product": "Difference engine",
}


def outcome(lead):
    return {
        "phone": lead.phone,
        "validation_status": lead.validation_status,
        "validation_errors": lead.validation_errors,
        "spam_score": lead.spam_score,
        "is_duplicate": lead.is_duplicate,
        "lead_score": lead.lead_score,
        "score_features": [factor["feature"] for factor in lead.score_factors],
    }


def new_company(slug):
    company = CompanyFactory(name=f"Company {slug}", slug=slug, default_campaign="spring")
    LeadFactory(company=company, email=PERSON["email"], campaign="older", lead_name="Earlier Ada")
    return company


def through_rep_form(client):
    company = new_company("form-path")
    manager = member(company, Role.MANAGER, username="form-manager")
    client.force_login(manager)
    data = {
        **PERSON,
        "source": Source.ADVERTISEMENT,
        "campaign": "spring",
        "medium": "cpc",
        "status": "new",
        "stage": "awareness",
        "authority_level": "unknown",
        "timeline": "unknown",
        "gdpr_consent": "on",
        "notes": "Please call me back.",
    }
    response = client.post(reverse("leads:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Lead.objects.get(company=company, campaign="spring")


def through_web_form(client):
    company = new_company("web-path")
    client.logout()
    response = client.post(
        reverse("web_to_lead", kwargs={"slug": company.slug}) + "?utm_source=google&utm_medium=cpc&utm_campaign=spring",
        form_data(company, **PERSON),
    )
    assert response.status_code == 302
    return Lead.objects.get(company=company, campaign="spring")


def through_import(tmp_path):
    company = new_company("import-path")
    path = tmp_path / "leads.csv"
    header = "First name,Last name,Email,Phone,Company,Country,Interest,Source,Campaign,Medium,GDPR consent,Notes"
    row = "Ada,Lovelace,ada@analytical.example.com,(415) 555-0100,Analytical Engines,US,Difference engine,"
    row += "advertisement,spring,cpc,yes,Please call me back."
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    call_command("import_leads", str(path), "--company", company.slug, "--mode", "flag", stdout=None)
    return Lead.objects.get(company=company, campaign="spring")


@pytest.mark.django_db
class TestEveryEntryPointCleansTheSameWay:
    def test_rep_form_web_form_and_import_agree(self, client, tmp_path):
        typed = through_rep_form(client)
        web = through_web_form(client)
        imported = through_import(tmp_path)

        assert typed.phone == "+14155550100"
        assert typed.validation_status == ValidationStatus.VALID
        assert typed.is_duplicate
        assert typed.lead_score > 0
        assert typed.score_factors
        assert outcome(web) == outcome(typed)
        assert outcome(imported) == outcome(typed)
