from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AccountType, Lifecycle
from deals.models import Deal, DealStage, ForecastCategory
from deals.services import deal_close_lost, deal_close_won, deal_create, deal_move_stage, deal_update
from tests.factories import AccountFactory, DealFactory


def _data(account, **overrides):
    data = {
        "name": "New platform",
        "account": account,
        "stage": DealStage.PROSPECTING,
        "amount": Decimal("5000"),
        "currency": "EUR",
        "probability": 10,
        "probability_is_manual": False,
        "forecast_category": ForecastCategory.WORST_CASE,
        "forecast_category_is_manual": False,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestDealMoveStage:
    @pytest.mark.parametrize(
        ("stage", "probability", "category"),
        [
            (DealStage.PROSPECTING, 10, ForecastCategory.WORST_CASE),
            (DealStage.QUALIFICATION, 25, ForecastCategory.MOST_LIKELY),
            (DealStage.PROPOSAL, 50, ForecastCategory.BEST_CASE),
            (DealStage.NEGOTIATION, 75, ForecastCategory.COMMIT),
            (DealStage.CLOSED_WON, 100, ForecastCategory.CLOSED),
        ],
    )
    def test_probability_and_category_follow_the_stage_default(self, deal, rep, stage, probability, category):
        deal.stage = DealStage.QUALIFICATION if stage == DealStage.PROSPECTING else DealStage.PROSPECTING
        deal.save()

        deal_move_stage(deal=deal, stage=stage, by=rep)

        deal.refresh_from_db()
        assert deal.stage == stage
        assert deal.probability == probability
        assert deal.forecast_category == category

    def test_a_probability_set_by_hand_is_kept_on_an_open_stage(self, deal, rep):
        deal.probability, deal.probability_is_manual = 40, True
        deal.save()

        deal_move_stage(deal=deal, stage=DealStage.NEGOTIATION, by=rep)

        deal.refresh_from_db()
        assert deal.stage == DealStage.NEGOTIATION
        assert deal.probability == 40
        assert deal.probability_is_manual is True

    def test_a_forecast_category_set_by_hand_is_kept_on_an_open_stage(self, deal, rep):
        deal.forecast_category, deal.forecast_category_is_manual = ForecastCategory.COMMIT, True
        deal.save()

        deal_move_stage(deal=deal, stage=DealStage.QUALIFICATION, by=rep)

        deal.refresh_from_db()
        assert deal.forecast_category == ForecastCategory.COMMIT

    def test_closing_overrides_a_probability_set_by_hand(self, deal, rep):
        deal.probability, deal.probability_is_manual = 40, True
        deal.save()

        deal_move_stage(deal=deal, stage=DealStage.CLOSED_LOST, by=rep, lost_reason="Budget cut")

        deal.refresh_from_db()
        assert deal.probability == 0
        assert deal.lost_reason == "Budget cut"
        assert deal.closed_at is not None

    def test_reopening_a_closed_deal_clears_closed_at_and_the_lost_reason(self, company, rep):
        lost_deal = DealFactory(company=company, owner=rep, stage=DealStage.CLOSED_LOST)

        deal_move_stage(deal=lost_deal, stage=DealStage.PROPOSAL, by=rep)

        lost_deal.refresh_from_db()
        assert lost_deal.closed_at is None
        assert lost_deal.lost_reason == ""
        assert lost_deal.probability == 50


@pytest.mark.django_db
class TestCloseWonAndLost:
    def test_closing_as_won_makes_the_account_a_customer(self, deal, rep):
        deal_close_won(deal=deal, by=rep)

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.closed_at is not None
        assert deal.account.account_type == AccountType.CUSTOMER
        assert deal.account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_closing_as_lost_needs_a_reason_and_changes_nothing_without_one(self, deal, rep):
        with pytest.raises(ValidationError):
            deal_close_lost(deal=deal, by=rep, lost_reason="   ")

        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING
        assert deal.closed_at is None

    def test_closing_as_lost_records_the_reason_and_the_time(self, deal, rep):
        deal_close_lost(deal=deal, by=rep, lost_reason="Chose a competitor")

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_LOST
        assert deal.lost_reason == "Chose a competitor"
        assert deal.closed_at is not None
        assert deal.account.account_type == AccountType.PROSPECT


@pytest.mark.django_db
class TestDealCreate:
    def test_a_deal_created_as_closed_won_makes_its_account_a_customer(self, company, account, rep):
        deal = deal_create(company=company, data=_data(account, stage=DealStage.CLOSED_WON, owner=rep), by=rep)

        account.refresh_from_db()
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert deal.created_by == rep
        assert account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_the_currency_defaults_to_the_company_currency(self, company, account, rep):
        company.currency = "INR"
        company.save()

        deal = deal_create(company=company, data=_data(account, currency="", owner=rep), by=rep)

        assert deal.currency == "INR"

    def test_an_account_of_another_company_is_refused(self, company, other_company, rep):
        foreign_account = AccountFactory(company=other_company)

        with pytest.raises(ValidationError) as error:
            deal_create(company=company, data=_data(foreign_account, owner=rep), by=rep)

        assert "account" in error.value.message_dict
        assert not Deal.objects.filter(company=company).exists()

    def test_unknown_fields_are_refused(self, company, account, rep):
        with pytest.raises(TypeError):
            deal_create(company=company, data=_data(account, closed_at=None), by=rep)


@pytest.mark.django_db
class TestDealUpdate:
    def test_a_stage_change_goes_through_the_stage_rules(self, deal, rep):
        deal_update(deal=deal, data={"stage": DealStage.CLOSED_WON}, by=rep)

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert deal.account.account_type == AccountType.CUSTOMER

    def test_the_stage_it_moves_from_is_the_stored_one(self, deal, rep):
        deal.stage = DealStage.NEGOTIATION  # e.g. a form's instance that already carries the new stage

        updated = deal_update(deal=deal, data={"stage": DealStage.NEGOTIATION}, by=rep)

        assert updated.stage == DealStage.NEGOTIATION
        assert updated.probability == 75

    def test_clearing_the_manual_flag_brings_back_the_stage_default(self, deal, rep):
        deal.stage, deal.probability, deal.probability_is_manual = DealStage.PROPOSAL, 35, True
        deal.save()

        updated = deal_update(deal=deal, data={"probability": 50, "probability_is_manual": False}, by=rep)

        assert updated.probability == 50
        assert updated.probability_is_manual is False

    def test_an_invalid_change_saves_nothing(self, deal, rep, company):
        other_account = AccountFactory(company=company)

        with pytest.raises(ValidationError):
            deal_update(deal=deal, data={"name": "Renamed", "account": other_account}, by=rep)

        deal.refresh_from_db()
        assert deal.name == "Initech renewal"
