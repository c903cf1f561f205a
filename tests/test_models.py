"""The data model's invariants: database constraints, full_clean messages and the single-record methods."""

from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_countries.fields import CountryField

from accounts.models import Account, AccountType, Lifecycle
from contacts.models import Contact
from crm.models import Membership
from deals.models import Deal, DealStage, ForecastCategory
from leads.models import Lead, LeadStatus

from .factories import (
    AccountFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    MembershipFactory,
    UserFactory,
)

FACTORIES = {
    Lead: LeadFactory,
    Account: AccountFactory,
    Contact: ContactFactory,
    Deal: DealFactory,
    Membership: MembershipFactory,
}


def _choice_fields(model):
    """Every field with choices backed by a CheckConstraint (a country is a 2-letter code checked by the form)."""
    return [field for field in model._meta.concrete_fields if field.choices and not isinstance(field, CountryField)]


def _bad_choice_params():
    params = []
    for model in FACTORIES:
        for field in _choice_fields(model):
            params.append(pytest.param(model, field.name, "junk", id=f"{model.__name__}.{field.name}=junk"))
            if not field.blank:
                params.append(pytest.param(model, field.name, "", id=f"{model.__name__}.{field.name}=blank"))
    return params


def _blank_choice_params():
    return [
        pytest.param(model, field.name, "", id=f"{model.__name__}.{field.name}=blank")
        for model in FACTORIES
        for field in _choice_fields(model)
        if field.blank
    ]


OUT_OF_RANGE = [
    pytest.param(Lead, "lead_score", 101, id="lead_score=101"),
    pytest.param(Lead, "lead_score", -1, id="lead_score=-1"),
    pytest.param(Lead, "spam_score", 101, id="spam_score=101"),
    pytest.param(Lead, "spam_score", -1, id="spam_score=-1"),
    pytest.param(Deal, "probability", 101, id="probability=101"),
    pytest.param(Deal, "probability", -1, id="probability=-1"),
    pytest.param(Deal, "amount", Decimal("-0.01"), id="amount<0"),
    pytest.param(Account, "annual_revenue", Decimal("-1.00"), id="annual_revenue<0"),
    pytest.param(Lead, "campaign", "", id="lead campaign empty"),
    pytest.param(Lead, "is_duplicate", True, id="duplicate without original"),
]

IN_RANGE = [
    pytest.param(Lead, "lead_score", 0, id="lead_score=0"),
    pytest.param(Lead, "lead_score", 100, id="lead_score=100"),
    pytest.param(Lead, "spam_score", 0, id="spam_score=0"),
    pytest.param(Lead, "spam_score", 100, id="spam_score=100"),
    pytest.param(Deal, "probability", 0, id="probability=0"),
    pytest.param(Deal, "probability", 100, id="probability=100"),
    pytest.param(Deal, "amount", Decimal("0.00"), id="amount=0"),
    pytest.param(Account, "annual_revenue", Decimal("0.00"), id="annual_revenue=0"),
    pytest.param(Account, "annual_revenue", None, id="annual_revenue unknown"),
]


def _create(model, company):
    return FACTORIES[model](company=company)


@pytest.mark.django_db
class TestDatabaseConstraints:
    """`.update()` skips full_clean: the database itself must refuse a bad row."""

    @pytest.mark.parametrize(("model", "field", "value"), OUT_OF_RANGE + _bad_choice_params())
    def test_update_cannot_write_a_value_the_model_forbids(self, company, model, field, value):
        record = _create(model, company)
        before = getattr(record, field)

        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=record.pk).update(**{field: value})

        record.refresh_from_db()
        assert getattr(record, field) == before

    @pytest.mark.parametrize(("model", "field", "value"), IN_RANGE + _blank_choice_params())
    def test_update_accepts_the_boundary_and_blank_values(self, company, model, field, value):
        record = _create(model, company)

        model.objects.filter(pk=record.pk).update(**{field: value})

        record.refresh_from_db()
        assert getattr(record, field) == value

    def test_every_choice_field_is_covered(self):
        covered = {(model.__name__, field.name) for model in FACTORIES for field in _choice_fields(model)}

        assert ("Lead", "status") in covered
        assert ("Deal", "forecast_category") in covered
        assert ("Contact", "preferred_channel") in covered
        assert ("Account", "company_size") in covered
        assert ("Membership", "role") in covered

    def test_a_company_spam_threshold_above_100_is_refused(self, company):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(company).objects.filter(pk=company.pk).update(spam_threshold=101)

    def test_a_lead_cannot_be_created_without_a_campaign(self, company):
        with pytest.raises(IntegrityError), transaction.atomic():
            Lead.objects.create(company=company, lead_name="Ada Lovelace", campaign="")

        assert not Lead.objects.exists()


@pytest.mark.django_db
class TestOnePrimaryContactPerAccount:
    def test_a_second_primary_contact_on_one_account_is_refused(self, company):
        account = AccountFactory(company=company)
        ContactFactory(company=company, account=account, is_primary_contact=True)

        with pytest.raises(IntegrityError), transaction.atomic():
            ContactFactory(company=company, account=account, is_primary_contact=True)

        assert account.contacts.filter(is_primary_contact=True).count() == 1

    def test_update_cannot_make_every_contact_primary(self, company):
        account = AccountFactory(company=company)
        ContactFactory.create_batch(2, company=company, account=account)

        with pytest.raises(IntegrityError), transaction.atomic():
            account.contacts.update(is_primary_contact=True)

        assert not account.contacts.filter(is_primary_contact=True).exists()

    def test_each_account_has_its_own_primary_and_any_number_of_other_contacts(self, company):
        first_account, second_account = AccountFactory.create_batch(2, company=company)

        ContactFactory(company=company, account=first_account, is_primary_contact=True)
        ContactFactory(company=company, account=second_account, is_primary_contact=True)
        ContactFactory.create_batch(3, company=company, account=first_account)

        assert Contact.objects.filter(is_primary_contact=True).count() == 2
        assert first_account.contacts.count() == 4

    def test_full_clean_explains_the_clash_instead_of_an_integrity_error(self, company):
        account = AccountFactory(company=company)
        ContactFactory(company=company, account=account, is_primary_contact=True)
        second = ContactFactory.build(company=company, account=account, is_primary_contact=True)

        with pytest.raises(ValidationError) as error:
            second.full_clean()

        assert "is_primary_contact" in error.value.message_dict


@pytest.mark.django_db
class TestGstinUniqueness:
    GSTIN = "27AAPFU0939F1ZV"

    def test_two_accounts_of_one_company_cannot_share_a_gstin(self, company):
        AccountFactory(company=company, gstin=self.GSTIN)

        with pytest.raises(IntegrityError), transaction.atomic():
            AccountFactory(company=company, gstin=self.GSTIN)

    def test_the_clash_is_found_after_normalising_case_and_spaces(self, company):
        AccountFactory(company=company, gstin=self.GSTIN)

        with pytest.raises(IntegrityError), transaction.atomic():
            AccountFactory(company=company, gstin=" 27aapfu0939f1zv ")

    def test_another_company_may_hold_the_same_gstin(self, company, other_company):
        AccountFactory(company=company, gstin=self.GSTIN)

        AccountFactory(company=other_company, gstin=self.GSTIN)

        assert Account.objects.filter(gstin=self.GSTIN).count() == 2

    def test_many_accounts_may_have_no_gstin(self, company):
        AccountFactory.create_batch(3, company=company, gstin="")

        assert Account.objects.filter(company=company, gstin="").count() == 3

    def test_full_clean_names_the_field(self, company):
        AccountFactory(company=company, gstin=self.GSTIN)
        duplicate = AccountFactory.build(company=company, gstin=self.GSTIN.lower())

        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()

        assert "gstin" in error.value.message_dict


@pytest.mark.django_db
class TestFullCleanMessages:
    def test_a_deal_primary_contact_must_belong_to_the_deal_account(self, company):
        deal_account, other_account = AccountFactory.create_batch(2, company=company)
        other_accounts_contact = ContactFactory(company=company, account=other_account)
        deal = DealFactory.build(company=company, account=deal_account, primary_contact=other_accounts_contact)

        with pytest.raises(ValidationError) as error:
            deal.full_clean()

        assert "primary_contact" in error.value.message_dict

    def test_a_contact_of_the_deal_account_is_accepted(self, company):
        account = AccountFactory(company=company)
        contact = ContactFactory(company=company, account=account)
        deal = DealFactory.build(company=company, account=account, primary_contact=contact)

        deal.full_clean()

    def test_a_deal_cannot_point_to_another_company_account(self, company, other_company):
        other_company_account = AccountFactory(company=other_company)
        deal = DealFactory.build(company=company, account=other_company_account)

        with pytest.raises(ValidationError) as error:
            deal.full_clean()

        assert "account" in error.value.message_dict

    @pytest.mark.parametrize(
        ("factory", "owner_field"),
        [(LeadFactory, "lead_owner"), (DealFactory, "owner"), (AccountFactory, "account_owner")],
    )
    def test_the_owner_must_be_a_user_of_the_company(self, company, outsider, factory, owner_field):
        record = factory.build(company=company, **{owner_field: outsider})

        with pytest.raises(ValidationError) as error:
            record.full_clean()

        assert owner_field in error.value.message_dict

    def test_a_lead_needs_a_campaign(self, company):
        lead = LeadFactory.build(company=company, campaign="  ")

        with pytest.raises(ValidationError) as error:
            lead.full_clean()

        assert "campaign" in error.value.message_dict

    def test_a_lead_needs_a_name_an_email_or_a_phone(self, company):
        lead = LeadFactory.build(company=company, first_name="", last_name="", lead_name="", email="", phone="")

        with pytest.raises(ValidationError) as error:
            lead.full_clean()

        assert NON_FIELD_ERRORS in error.value.message_dict

    def test_a_disqualified_lead_needs_a_reason(self, company):
        lead = LeadFactory.build(company=company, status=LeadStatus.DISQUALIFIED, disqualified_reason="")

        with pytest.raises(ValidationError) as error:
            lead.full_clean()

        assert "disqualified_reason" in error.value.message_dict

    def test_a_lost_deal_needs_a_reason(self, company):
        deal = DealFactory.build(company=company, account=AccountFactory(company=company), stage="closed_lost")
        deal.lost_reason = " "

        with pytest.raises(ValidationError) as error:
            deal.full_clean()

        assert "lost_reason" in error.value.message_dict

    def test_a_probability_above_100_is_a_field_error(self, company):
        deal = DealFactory.build(company=company, account=AccountFactory(company=company), probability=101)

        with pytest.raises(ValidationError) as error:
            deal.full_clean()

        assert "probability" in error.value.message_dict


@pytest.mark.django_db
class TestAccountsAreNeverDeleted:
    def test_deleting_one_account_is_refused_and_keeps_it(self, company):
        account = AccountFactory(company=company)

        with pytest.raises(ValidationError):
            account.delete()

        assert Account.objects.filter(pk=account.pk).exists()

    @pytest.mark.parametrize(
        "make_queryset",
        [
            pytest.param(lambda company, manager: Account.objects.all(), id="all"),
            pytest.param(lambda company, manager: Account.objects.filter(company=company), id="filter"),
            pytest.param(lambda company, manager: Account.objects.visible_to(manager), id="visible_to"),
            pytest.param(lambda company, manager: Account.objects.for_company(company).active(), id="active"),
        ],
    )
    def test_deleting_through_a_queryset_is_refused_and_deletes_nothing(self, company, manager, make_queryset):
        AccountFactory.create_batch(3, company=company)

        with pytest.raises(ValidationError):
            make_queryset(company, manager).delete()

        assert Account.objects.count() == 3

    def test_an_account_is_deactivated_and_reactivated_instead(self, company):
        account = AccountFactory(company=company)

        account.deactivate()
        account.refresh_from_db()
        deactivated = (account.is_active, account.deactivated_at is not None)
        account.reactivate()
        account.refresh_from_db()

        assert deactivated == (False, True)
        assert account.is_active
        assert account.deactivated_at is None


@pytest.mark.django_db
class TestContactMakePrimary:
    def test_the_new_primary_replaces_the_old_one(self, company):
        account = AccountFactory(company=company)
        old_primary = ContactFactory(company=company, account=account, is_primary_contact=True)
        new_primary = ContactFactory(company=company, account=account)

        new_primary.make_primary()

        old_primary.refresh_from_db()
        new_primary.refresh_from_db()
        assert new_primary.is_primary_contact
        assert not old_primary.is_primary_contact

    def test_an_account_without_a_primary_gets_one(self, company):
        contact = ContactFactory(company=company)

        contact.make_primary()

        contact.refresh_from_db()
        assert contact.is_primary_contact

    def test_other_accounts_keep_their_primary(self, company):
        other_account_primary = ContactFactory(company=company, is_primary_contact=True)
        contact = ContactFactory(company=company)

        contact.make_primary()

        other_account_primary.refresh_from_db()
        assert other_account_primary.is_primary_contact

    def test_a_failure_half_way_keeps_the_old_primary(self, company, monkeypatch):
        account = AccountFactory(company=company)
        old_primary = ContactFactory(company=company, account=account, is_primary_contact=True)
        new_primary = ContactFactory(company=company, account=account)

        def failing_save(self, *args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(Contact, "save", failing_save)
        with pytest.raises(RuntimeError):
            new_primary.make_primary()

        assert Contact.objects.get(pk=old_primary.pk).is_primary_contact
        assert not Contact.objects.get(pk=new_primary.pk).is_primary_contact


@pytest.mark.django_db
class TestDealMoveToStage:
    @pytest.fixture
    def deal(self, company):
        return DealFactory(company=company, stage=DealStage.PROSPECTING, probability=33)

    @pytest.mark.parametrize(
        ("stage", "probability", "forecast_category"),
        [
            (DealStage.PROSPECTING, 10, ForecastCategory.WORST_CASE),
            (DealStage.QUALIFICATION, 25, ForecastCategory.MOST_LIKELY),
            (DealStage.PROPOSAL, 50, ForecastCategory.BEST_CASE),
            (DealStage.NEGOTIATION, 75, ForecastCategory.COMMIT),
            (DealStage.CLOSED_WON, 100, ForecastCategory.CLOSED),
            (DealStage.CLOSED_LOST, 0, ForecastCategory.CLOSED),
        ],
    )
    def test_the_stage_sets_its_default_probability_and_forecast_category(
        self, deal, stage, probability, forecast_category
    ):
        deal.move_to_stage(stage, lost_reason="Price")

        deal.refresh_from_db()
        assert deal.stage == stage
        assert deal.probability == probability
        assert deal.forecast_category == forecast_category

    @pytest.mark.parametrize("stage", [DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION])
    def test_a_probability_set_by_hand_survives_open_stages(self, company, stage):
        deal = DealFactory(company=company, probability=40, probability_is_manual=True)

        deal.move_to_stage(stage)

        deal.refresh_from_db()
        assert deal.probability == 40

    @pytest.mark.parametrize(("stage", "probability"), [(DealStage.CLOSED_WON, 100), (DealStage.CLOSED_LOST, 0)])
    def test_closing_overrides_a_probability_set_by_hand(self, company, stage, probability):
        deal = DealFactory(company=company, probability=40, probability_is_manual=True)

        deal.move_to_stage(stage, lost_reason="Price")

        deal.refresh_from_db()
        assert deal.probability == probability

    @pytest.mark.parametrize("stage", [DealStage.CLOSED_WON, DealStage.CLOSED_LOST])
    def test_closing_stamps_closed_at(self, deal, stage):
        before = timezone.now()

        deal.move_to_stage(stage, lost_reason="Price")

        deal.refresh_from_db()
        assert before <= deal.closed_at <= timezone.now()

    def test_reopening_clears_closed_at_and_the_lost_reason(self, deal):
        deal.move_to_stage(DealStage.CLOSED_LOST, lost_reason="Price")

        deal.move_to_stage(DealStage.NEGOTIATION)

        deal.refresh_from_db()
        assert deal.closed_at is None
        assert deal.lost_reason == ""

    @pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
    def test_losing_needs_a_reason_and_changes_nothing_without_one(self, deal, reason):
        with pytest.raises(ValidationError) as error:
            deal.move_to_stage(DealStage.CLOSED_LOST, lost_reason=reason)

        deal.refresh_from_db()
        assert "lost_reason" in error.value.message_dict
        assert deal.stage == DealStage.PROSPECTING
        assert deal.closed_at is None

    def test_losing_records_the_reason(self, deal):
        deal.move_to_stage(DealStage.CLOSED_LOST, lost_reason="  Chose a competitor ")

        deal.refresh_from_db()
        assert deal.lost_reason == "Chose a competitor"

    def test_winning_makes_the_account_a_customer(self, deal):
        deal.move_to_stage(DealStage.CLOSED_WON)

        account = Account.objects.get(pk=deal.account_id)
        assert account.account_type == AccountType.CUSTOMER
        assert account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_losing_leaves_the_account_a_prospect(self, deal):
        deal.move_to_stage(DealStage.CLOSED_LOST, lost_reason="Price")

        account = Account.objects.get(pk=deal.account_id)
        assert account.account_type == AccountType.PROSPECT

    def test_an_unknown_stage_is_refused(self, deal):
        with pytest.raises(ValueError):
            deal.move_to_stage("won-ish")


LEAD_NAMES = [
    # (first_name, last_name, lead_name) given -> (first_name, last_name, lead_name) stored
    pytest.param(("Ada", "Lovelace", ""), ("Ada", "Lovelace", "Ada Lovelace"), id="first+last fill lead_name"),
    pytest.param(("", "", "Ada Lovelace"), ("Ada", "Lovelace", "Ada Lovelace"), id="lead_name only is split"),
    pytest.param(("", "", "Ada King Lovelace"), ("Ada King", "Lovelace", "Ada King Lovelace"), id="last word is last"),
    pytest.param(("", "", "Cher"), ("", "Cher", "Cher"), id="single word is the last name"),
    pytest.param(
        ("", "", "  Ada   Lovelace  "), ("Ada", "Lovelace", "Ada Lovelace"), id="extra whitespace in lead_name"
    ),
    pytest.param((" Ada ", "  Lovelace ", ""), ("Ada", "Lovelace", "Ada Lovelace"), id="extra whitespace in parts"),
    pytest.param(("Ada", "", ""), ("Ada", "", "Ada"), id="first name only"),
    pytest.param(("", "Lovelace", ""), ("", "Lovelace", "Lovelace"), id="last name only"),
    pytest.param(
        ("Ada", "Lovelace", "Countess of Lovelace"),
        ("Ada", "Lovelace", "Countess of Lovelace"),
        id="both given: both kept",
    ),
    pytest.param(("", "", ""), ("", "", ""), id="nothing given"),
]


class TestLeadNames:
    @pytest.mark.parametrize(("given", "expected"), LEAD_NAMES)
    def test_sync_names_keeps_the_full_name_and_its_parts_consistent(self, given, expected):
        first_name, last_name, lead_name = given
        lead = Lead(first_name=first_name, last_name=last_name, lead_name=lead_name)

        lead.sync_names()

        assert (lead.first_name, lead.last_name, lead.lead_name) == expected

    @pytest.mark.django_db
    @pytest.mark.parametrize(("given", "expected"), LEAD_NAMES)
    def test_saving_stores_the_synced_names(self, company, given, expected):
        first_name, last_name, lead_name = given
        lead = Lead.objects.create(
            company=company, campaign="spring", first_name=first_name, last_name=last_name, lead_name=lead_name
        )

        lead.refresh_from_db()

        assert (lead.first_name, lead.last_name, lead.lead_name) == expected


@pytest.mark.django_db
class TestTenantOwnerValidation:
    def test_a_member_of_the_company_is_a_valid_owner(self, company, rep):
        lead = LeadFactory.build(company=company, lead_owner=rep)

        lead.full_clean()

    def test_a_user_without_membership_is_not_a_valid_owner(self, company):
        lead = LeadFactory.build(company=company, lead_owner=UserFactory())

        with pytest.raises(ValidationError) as error:
            lead.full_clean()

        assert "lead_owner" in error.value.message_dict


@pytest.mark.django_db
class TestFactoryDefaults:
    @pytest.mark.parametrize("model", list(FACTORIES), ids=lambda model: model.__name__)
    def test_every_factory_makes_a_record_that_passes_full_clean(self, company, model):
        record = _create(model, company)

        record.full_clean()

    def test_a_company_passes_full_clean_with_the_defaults(self):
        CompanyFactory().full_clean()
