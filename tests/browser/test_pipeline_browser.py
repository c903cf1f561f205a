"""The pipeline board in a real Chromium: drag a card to another column and watch the column totals change;
the same move with the plain form and JavaScript switched off; a drop on Lost asks for the reason."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import Deal, DealStage
from tests.factories import AccountFactory, DealFactory

BOARD = "/deals/pipeline/?period=all"


def column(page, stage):
    return page.locator(f'[data-column="{stage}"]')


def figure(page, stage, name):
    return column(page, stage).locator(f'[data-figure="{name}"]').first


@pytest.fixture
def board_deals(company, rep):
    account = AccountFactory(company=company, name="Initech")
    close = timezone.localdate()
    return {
        "pilot": DealFactory(company=company, account=account, owner=rep, name="Initech pilot",
                             stage=DealStage.PROSPECTING, amount=Decimal("10000.00"), probability=10,
                             expected_close_date=close),
        "platform": DealFactory(company=company, account=account, owner=rep, name="Initech platform",
                                stage=DealStage.PROPOSAL, amount=Decimal("30000.00"), probability=50,
                                expected_close_date=close),
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
class TestThePipelineBoardInTheBrowser:
    def test_dragging_a_card_moves_the_deal_and_updates_the_totals(self, page, login, rep, board_deals):
        login(rep)
        page.goto(BOARD)
        expect(figure(page, "proposal", "total")).to_have_text("USD 30,000.00")
        expect(figure(page, "prospecting", "count")).to_have_text("1")

        page.locator(f'[data-deal="{board_deals["pilot"].pk}"]').drag_to(column(page, "proposal"))

        expect(page.get_by_role("status")).to_contain_text("moved to Proposal")
        expect(figure(page, "proposal", "total")).to_have_text("USD 40,000.00")
        expect(figure(page, "proposal", "weighted")).to_have_text("USD 20,000.00")
        expect(figure(page, "proposal", "count")).to_have_text("2")
        expect(figure(page, "prospecting", "count")).to_have_text("0")
        expect(page.get_by_test_id("pipeline-summary")).to_contain_text("USD 40,000.00")
        expect(column(page, "proposal")).to_contain_text("Initech pilot")
        assert Deal.objects.get(pk=board_deals["pilot"].pk).stage == DealStage.PROPOSAL

    def test_dropping_on_lost_asks_why_and_records_the_reason(self, page, login, rep, board_deals):
        login(rep)
        page.goto(BOARD)
        page.once("dialog", lambda dialog: dialog.accept("Chose a competitor"))

        page.locator(f'[data-deal="{board_deals["platform"].pk}"]').drag_to(column(page, "closed_lost"))

        expect(figure(page, "closed_lost", "total")).to_have_text("USD 30,000.00")
        expect(figure(page, "proposal", "count")).to_have_text("0")
        deal = Deal.objects.get(pk=board_deals["platform"].pk)
        assert (deal.stage, deal.lost_reason) == (DealStage.CLOSED_LOST, "Chose a competitor")

    def test_cancelling_the_reason_leaves_the_deal_where_it_was(self, page, login, rep, board_deals):
        login(rep)
        page.goto(BOARD)
        page.once("dialog", lambda dialog: dialog.dismiss())

        page.locator(f'[data-deal="{board_deals["platform"].pk}"]').drag_to(column(page, "closed_lost"))

        expect(page.get_by_role("status")).to_contain_text("needs a reason")
        expect(figure(page, "proposal", "count")).to_have_text("1")
        assert Deal.objects.get(pk=board_deals["platform"].pk).stage == DealStage.PROPOSAL


@pytest.mark.django_db(transaction=True)
class TestThePlainFormWithoutJavaScript:
    def test_the_move_form_on_a_card_moves_the_deal(self, browser, live_server, rep, board_deals):
        context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill(rep.get_username())
        page.get_by_label("Password").fill("pass-word-123")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/$"))
        page.goto(BOARD)
        card = page.locator(f'[data-deal="{board_deals["pilot"].pk}"]')

        card.locator("summary").click()
        card.get_by_label("Stage for Initech pilot").select_option("closed_won")
        card.get_by_role("button", name="Move").click()

        expect(page.get_by_role("alert")).to_contain_text("closed as won")
        expect(figure(page, "closed_won", "total")).to_have_text("USD 10,000.00")
        expect(figure(page, "prospecting", "count")).to_have_text("0")
        assert page.url.endswith(BOARD)
        deal = Deal.objects.select_related("account").get(pk=board_deals["pilot"].pk)
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.account.account_type == "customer"
        context.close()
