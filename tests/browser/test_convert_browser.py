"""A rep converts qualified leads in the browser: once into a new account, once into a matched one."""

import re
from decimal import Decimal

import pytest

from accounts.models import Account, Lifecycle
from contacts.models import Contact
from crm.models import Source
from deals.models import Deal, DealStage
from leads.models import Lead, LeadStatus, Timeline
from tests.factories import AccountFactory, LeadFactory


@pytest.fixture
def qualified_lead(company, rep):
    return LeadFactory(
        company=company,
        lead_owner=rep,
        status=LeadStatus.QUALIFIED,
        first_name="Grace",
        last_name="Hopper",
        email="grace@initech.io",
        company_name="Initech",
        interest_product="Compiler",
        timeline=Timeline.WITHIN_3_MONTHS,
        source=Source.EVENT,
        campaign="devcon-2026",
        medium="booth",
        term="compilers",
    )


def open_convert_page(page, lead):
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Convert", exact=True).click()
    page.wait_for_url(re.compile(rf".*/leads/{lead.pk}/convert/$"))
    assert page.get_by_role("heading", name=re.compile("Convert lead")).is_visible()


def assert_every_link_is_set(lead, account):
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_at is not None
    assert lead.converted_to_account == account
    contact = lead.converted_contact
    deal = lead.converted_deal
    assert contact.account == account
    assert contact.email == lead.email
    assert deal.account == account
    assert deal.primary_contact == contact
    assert deal.stage == DealStage.PROSPECTING
    assert (deal.source, deal.campaign, deal.medium, deal.term) == (lead.source, lead.campaign, lead.medium, lead.term)
    assert deal.source_lead == lead
    return contact, deal


@pytest.mark.django_db(transaction=True)
class TestConvertInTheBrowser:
    def test_a_rep_converts_a_qualified_lead_into_a_new_account(self, page, login, rep, qualified_lead):
        login(rep)
        open_convert_page(page, qualified_lead)

        assert page.locator('input[name="account"][value="new"]').is_checked()
        page.get_by_label("Amount").fill("4200")
        page.get_by_role("button", name="Convert lead").click()
        page.wait_for_url(re.compile(rf".*/leads/{qualified_lead.pk}/$"))

        account = Account.objects.get()
        assert account.name == "Initech"
        assert account.website == "https://initech.io"
        assert account.lifecycle_stage == Lifecycle.SQA
        contact, deal = assert_every_link_is_set(qualified_lead, account)
        assert contact.is_primary_contact
        assert deal.amount == Decimal("4200")
        assert deal.name == "Initech - Compiler"
        success = page.locator(".alert-success")
        assert "Lead converted" in success.inner_text()
        assert success.get_by_test_id("converted-account").get_attribute("href") == f"/accounts/{account.pk}/"
        assert success.get_by_test_id("converted-contact").get_attribute("href") == f"/contacts/{contact.pk}/"
        assert success.get_by_test_id("converted-deal").get_attribute("href") == f"/deals/{deal.pk}/"
        assert page.get_by_test_id("read-only").is_visible()

    def test_a_rep_converts_a_lead_into_the_existing_account_it_matched(
        self, page, login, rep, company, qualified_lead
    ):
        existing = AccountFactory(company=company, name="Initech Corporation", website="https://www.initech.io")
        unrelated = AccountFactory(company=company, name="Globex", website="https://globex.example")
        login(rep)
        open_convert_page(page, qualified_lead)

        option = page.get_by_test_id("account-option").filter(has_text="Initech Corporation")
        assert "Website domain matches" in option.inner_text()
        assert option.locator('input[name="account"]').is_checked()
        assert page.get_by_test_id("account-option").filter(has_text="Globex").count() == 0
        page.get_by_label("Deal name").fill("Initech compiler pilot")
        page.get_by_role("button", name="Convert lead").click()
        page.wait_for_url(re.compile(rf".*/leads/{qualified_lead.pk}/$"))

        assert Account.objects.count() == 2
        _contact, deal = assert_every_link_is_set(qualified_lead, existing)
        assert deal.name == "Initech compiler pilot"
        assert Contact.objects.filter(account=unrelated).count() == 0
        assert Deal.objects.count() == 1
        assert page.locator(".alert-success").get_by_test_id("converted-account").inner_text() == "Initech Corporation"

    def test_converting_again_in_another_tab_is_refused_with_a_message(self, page, login, rep, qualified_lead):
        login(rep)
        open_convert_page(page, qualified_lead)
        Lead.objects.filter(pk=qualified_lead.pk).update(status=LeadStatus.DISQUALIFIED, disqualified_reason="Gone")

        page.get_by_role("button", name="Convert lead").click()
        page.wait_for_url(re.compile(rf".*/leads/{qualified_lead.pk}/$"))

        assert "disqualified" in page.locator(".alert-danger").inner_text()
        assert Account.objects.count() == 0
