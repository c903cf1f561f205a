"""Deals in a real Chromium: move a deal along the pipeline, create one, and check the pages fit a phone.

Set SHOTS_DIR=/some/dir to also keep screenshots of the deal pages at desktop and phone width."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import AccountType
from deals.models import Deal, DealStage
from tests.factories import AccountFactory, ContactFactory, DealFactory

SHOTS_DIR = os.environ.get("SHOTS_DIR")


@pytest.fixture
def initech(company):
    return AccountFactory(company=company, name="Initech")


@pytest.mark.django_db(transaction=True)
class TestDealsInTheBrowser:
    def test_a_rep_moves_a_deal_to_negotiation_and_closes_it_as_won(self, page, login, rep, company, initech):
        deal = DealFactory(company=company, account=initech, owner=rep, name="Initech renewal")
        login(rep)

        page.get_by_role("link", name="Deals", exact=True).click()
        page.get_by_role("link", name="Initech renewal").click()
        page.get_by_role("button", name="Move to Negotiation").click()

        expect(page.get_by_test_id("deal-stage")).to_have_text("Negotiation")
        expect(page.get_by_test_id("deal-probability")).to_contain_text("75 %")
        expect(page.get_by_role("alert")).to_contain_text("moved to Negotiation")

        page.get_by_role("button", name="Close as won").click()

        expect(page.get_by_test_id("deal-stage")).to_have_text("Closed Won")
        expect(page.get_by_role("alert")).to_contain_text("Initech is now a customer")
        deal.refresh_from_db()
        initech.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert initech.account_type == AccountType.CUSTOMER

    def test_a_rep_closes_a_deal_as_lost_with_a_reason(self, page, login, rep, company, initech):
        deal = DealFactory(company=company, account=initech, owner=rep, name="Initech pilot")
        login(rep)

        page.goto(f"/deals/{deal.pk}/")
        page.get_by_text("Close as lost…").click()
        page.get_by_label("Why was it lost?").fill("Chose a competitor")
        page.get_by_role("button", name="Close as lost", exact=True).click()

        expect(page.get_by_test_id("deal-stage")).to_have_text("Closed Lost")
        deal.refresh_from_db()
        assert deal.lost_reason == "Chose a competitor"

    def test_a_rep_creates_a_deal_and_finds_it_in_the_list(self, page, login, rep, company, initech):
        ContactFactory(company=company, account=initech, first_name="Peter", last_name="Gibbons")
        other_account = AccountFactory(company=company, name="Umbrella")
        ContactFactory(company=company, account=other_account, first_name="Alice", last_name="Abernathy")
        login(rep)

        page.goto("/deals/new/")
        page.get_by_label("Name").fill("Initech printers")
        page.get_by_label("Account").select_option(label="Initech")
        contact_options = page.locator("#id_primary_contact option:not([hidden])").all_inner_texts()
        page.get_by_label("Primary contact").select_option(label="Peter Gibbons · Initech")
        page.get_by_label("Stage").select_option(label="Proposal")
        page.get_by_label("Amount").fill("25000")
        page.get_by_label("Campaign").fill("print-2030")
        page.get_by_role("button", name="Create deal").click()

        expect(page.get_by_role("heading", name="Initech printers")).to_be_visible()
        assert "Alice Abernathy · Umbrella" not in contact_options
        deal = Deal.objects.get(name="Initech printers")
        assert deal.probability == 50
        assert deal.currency == "USD"
        assert deal.owner == rep

        page.goto("/deals/?campaign=print")
        expect(page.get_by_test_id("deal-table").get_by_role("link", name="Initech printers")).to_be_visible()


@pytest.mark.django_db(transaction=True)
class TestDealPagesLayout:
    @pytest.mark.parametrize("width", [1280, 390])
    def test_the_deal_pages_fit_the_screen(self, page, login, manager, rep, company, initech, width):
        contact = ContactFactory(company=company, account=initech, first_name="Peter", last_name="Gibbons")
        deal = DealFactory(
            company=company,
            account=initech,
            primary_contact=contact,
            owner=rep,
            name="Initech renewal, three-year hosting and support",
            stage=DealStage.NEGOTIATION,
            campaign="spring-launch",
            source="referral",
        )
        for number in range(12):
            DealFactory(company=company, owner=rep if number % 2 else manager, name=f"Deal number {number}")
        login(manager)
        page.set_viewport_size({"width": width, "height": 900})

        for name, path in [
            ("list", "/deals/"),
            ("list-filtered", "/deals/?status=open&expected_close_date_after=2020-01-01&o=-amount"),
            ("detail", f"/deals/{deal.pk}/"),
            ("form", f"/deals/{deal.pk}/edit/"),
            ("new", "/deals/new/"),
        ]:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if SHOTS_DIR:
                Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS_DIR}/deals-{name}-{width}.png", full_page=True)
            assert overflow <= 0, f"{path} scrolls sideways at {width}px"
            expect(page.locator("h1")).to_have_text(re.compile(r"\S"))
