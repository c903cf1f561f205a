"""Accounts and contacts in a real Chromium: deactivate an account, make a contact primary.

Set SCREENSHOTS=/tmp/shots to also save every account and contact page at desktop and phone width.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from contacts.models import Contact
from deals.models import DealStage
from tests.factories import AccountFactory, ContactFactory, DealFactory

SHOTS = os.environ.get("SCREENSHOTS", "")
WIDTHS = {"desktop": 1280, "phone": 390}


def shoot(page, name):
    """Screenshots at both widths when SCREENSHOTS names a folder (for looking at the pages, not asserting)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
class TestAccountsInTheBrowser:
    def test_a_manager_deactivates_an_account_and_it_leaves_the_default_list(self, page, login, manager, company):
        AccountFactory(company=company, name="Initech", account_owner=manager)
        AccountFactory(company=company, name="Hooli")
        login(manager)

        page.goto("/accounts/")
        expect(page.get_by_test_id("account-table")).to_contain_text("Initech")
        page.get_by_role("link", name="Initech").click()
        page.get_by_role("button", name="Deactivate").click()

        expect(page.get_by_role("alert")).to_contain_text("“Initech” is deactivated")
        expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
        page.get_by_role("link", name="Accounts", exact=True).first.click()
        expect(page.get_by_test_id("account-table")).to_contain_text("Hooli")
        expect(page.get_by_test_id("account-table")).not_to_contain_text("Initech")
        page.get_by_label("Status").select_option("false")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"is_active=false"))
        expect(page.get_by_test_id("account-table")).to_contain_text("Initech")
        assert not Account.objects.get(name="Initech").is_active

    def test_a_rep_makes_a_contact_primary(self, page, login, rep, other_rep, company):
        account = AccountFactory(company=company, name="Initech", account_owner=other_rep)
        previous = ContactFactory(company=company, account=account, first_name="Bill", last_name="Lumbergh")
        previous.make_primary()
        contact = ContactFactory(company=company, account=account, owner=rep, first_name="Peter", last_name="Gibbons")
        login(rep)

        page.goto("/contacts/")
        filters = page.get_by_test_id("contact-filters")
        filters.get_by_label("Search", exact=True).fill("Gibbons")
        filters.get_by_role("button", name="Apply filters").click()
        page.get_by_role("link", name="Peter Gibbons").click()
        page.get_by_role("button", name="Make primary").click()

        expect(page.locator(".alert-success")).to_contain_text(
            "Peter Gibbons is now the primary contact of Initech, instead of Bill Lumbergh."
        )
        expect(page.get_by_test_id("contact-badges")).to_contain_text("Primary contact")
        expect(page.get_by_role("button", name="Make primary")).to_have_count(0)
        assert Contact.objects.get(pk=contact.pk).is_primary_contact
        assert not Contact.objects.get(pk=previous.pk).is_primary_contact

    def test_a_rep_creates_an_account_and_adds_a_contact_from_it(self, page, login, rep, company):
        login(rep)

        page.goto("/accounts/new/")
        page.get_by_label("Name").fill("Pied Piper")
        page.get_by_label("GSTIN").fill("27AAPFU0939F1ZW")
        page.get_by_role("button", name="Create account").click()
        expect(page.locator("#error_1_id_gstin")).to_contain_text("check character")
        page.get_by_label("GSTIN").fill("27aapfu0939f1zv")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Pied Piper")).to_be_visible()
        page.get_by_role("link", name="Add contact").click()
        page.get_by_label("Last name").fill("Hendricks")
        page.get_by_label("First name").fill("Richard")
        page.get_by_label("Primary contact of the account").check()
        page.get_by_role("button", name="Create contact").click()

        expect(page.get_by_test_id("contact-badges")).to_contain_text("Primary contact")
        account = Account.objects.get(name="Pied Piper")
        assert account.gstin == "27AAPFU0939F1ZV"
        assert account.contacts.get().is_primary_contact


@pytest.mark.django_db(transaction=True)
class TestAccountPagesFitDesktopAndPhone:
    def test_every_account_and_contact_page_fits_without_sideways_scrolling(self, page, login, manager, rep, company):
        company.currency = "INR"
        company.save()
        for number in range(30):
            account = AccountFactory(
                company=company, name=f"Account {number:02d} Private Limited", account_owner=rep, gstin=""
            )
            ContactFactory(company=company, account=account, owner=rep)
        account = AccountFactory(company=company, name="Initech", account_owner=manager, gstin="27AAPFU0939F1ZV")
        primary = ContactFactory(company=company, account=account, first_name="Bill", last_name="Lumbergh")
        primary.make_primary()
        contact = ContactFactory(company=company, account=account, first_name="Peter", last_name="Gibbons")
        DealFactory(
            company=company, account=account, primary_contact=contact, stage=DealStage.NEGOTIATION, amount=125000
        )
        DealFactory(company=company, account=account, stage=DealStage.CLOSED_WON, amount=99000)
        login(manager)
        pages = [
            ("accounts-list", "/accounts/"),
            ("accounts-list-filtered", "/accounts/?industry=zzz&is_active=all&annual_revenue_min=5"),
            ("account-detail", f"/accounts/{account.pk}/"),
            ("account-form", f"/accounts/{account.pk}/edit/"),
            ("contacts-list", "/contacts/"),
            ("contacts-list-filtered", "/contacts/?role=champion&created_after=2020-01-01"),
            ("contact-detail", f"/contacts/{contact.pk}/"),
            ("contact-form", f"/contacts/new/?account={account.pk}"),
        ]

        overflowing = []
        for name, url in pages:
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            for width in WIDTHS.values():
                page.set_viewport_size({"width": width, "height": 900})
                if page.evaluate("document.documentElement.scrollWidth") > width:
                    overflowing.append(f"{name} at {width}px")
            shoot(page, name)
        page.goto("/accounts/new/")
        page.get_by_label("GSTIN").fill("XX")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_test_id("form-errors")).to_be_visible()
        shoot(page, "account-form-errors")

        assert overflowing == []
