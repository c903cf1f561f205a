"""A rep's and a manager's day with leads, in a real Chromium."""

import re

import pytest

from leads.models import Lead
from tests.factories import LeadFactory


@pytest.mark.django_db(transaction=True)
class TestLeadsInTheBrowser:
    def test_a_rep_creates_finds_edits_and_takes_leads(self, page, login, company, rep):
        queue_lead = LeadFactory(company=company, lead_owner=None, lead_name="Waiting Wanda", campaign="backlog")
        login(rep)

        page.get_by_role("link", name="Leads", exact=True).click()
        page.get_by_role("link", name="+ New lead").click()
        page.get_by_label("First name").fill("Grace")
        page.get_by_label("Last name").fill("Hopper")
        page.get_by_label("Email").fill("grace@navy.example.com")
        page.get_by_label("Campaign").fill("browser-fleet-week")
        page.get_by_role("button", name="Create lead").click()

        expect_message(page, "Lead “Grace Hopper” created.")
        created = Lead.objects.get(campaign="browser-fleet-week")
        assert created.lead_owner == rep
        assert page.get_by_role("heading", name="Grace Hopper").is_visible()

        page.get_by_role("link", name="Leads", exact=True).first.click()
        filters = page.get_by_test_id("lead-filters")
        filters.get_by_label("Campaign").fill("fleet-week")
        filters.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r".*campaign=fleet-week.*"))
        rows = page.get_by_test_id("lead-table").locator("tbody tr")
        assert rows.count() == 1
        rows.first.get_by_role("link", name="Grace Hopper").click()

        page.get_by_role("link", name="Edit").click()
        page.get_by_label("Job title").fill("Rear admiral")
        page.get_by_role("button", name="Save changes").click()

        expect_message(page, "Lead “Grace Hopper” saved.")
        assert "Rear admiral" in page.locator("main").inner_text()
        created.refresh_from_db()
        assert created.job_title == "Rear admiral"

        page.get_by_role("link", name="Leads", exact=True).first.click()
        page.get_by_role("link", name="Unassigned queue").click()
        page.get_by_role("button", name="Assign Waiting Wanda to me").click()

        expect_message(page, "“Waiting Wanda” is now yours.")
        assert "lead_owner=none" in page.url
        queue_lead.refresh_from_db()
        assert queue_lead.lead_owner == rep

    def test_a_manager_assigns_leads_in_bulk_from_the_list(self, page, login, company, manager, rep):
        chosen = [LeadFactory(company=company, lead_owner=None, lead_name=f"Bulk {n}") for n in range(2)]
        untouched = LeadFactory(company=company, lead_owner=None, lead_name="Leave Me")
        login(manager)

        page.goto("/leads/")
        for lead in chosen:
            page.get_by_role("checkbox", name=f"Tick {lead.lead_name}").check()
        page.get_by_label("Assign ticked leads to").select_option(label=rep.get_full_name())
        page.get_by_role("button", name="Assign", exact=True).click()

        expect_message(page, f"2 leads assigned to {rep.get_full_name()}.")
        assert all(Lead.objects.get(pk=lead.pk).lead_owner == rep for lead in chosen)
        untouched.refresh_from_db()
        assert untouched.lead_owner is None


def expect_message(page, text):
    alert = page.locator(".messages .alert", has_text=text)
    alert.wait_for()
    assert alert.is_visible()
