"""The conversion service: matching, what it creates or links, and what it refuses."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Account, AccountType, Lifecycle
from contacts.models import Channel, Contact, ContactRole
from crm.models import Role, Source
from crm.permissions import can_convert
from deals.models import Deal, DealStage, ForecastCategory
from leads.conversion.matching import corporate_domain, default_account, propose_accounts, propose_contacts
from leads.conversion.service import TIMELINE_CLOSE_DAYS, ConversionError, expected_close_date_for, lead_convert
from leads.models import AuthorityLevel, LeadStatus, Timeline
from leads.quality.free_email import FREE_EMAIL_DOMAINS
from tests.factories import AccountFactory, ContactFactory, LeadFactory, member

VALID_GSTIN = "27AAPFU0939F1ZV"
OTHER_VALID_GSTIN = "29AAGCB7383J1Z4"


def counts():
    return Account.objects.count(), Contact.objects.count(), Deal.objects.count()


@pytest.fixture
def lead(company, rep):
    return LeadFactory(
        company=company,
        lead_owner=rep,
        status=LeadStatus.QUALIFIED,
        first_name="Ada",
        last_name="Lovelace",
        email="Ada.Lovelace@Acme-Widgets.com",
        phone="+14155550100",
        company_name="Acme Widgets Pvt. Ltd.",
        job_title="CTO",
        country="IN",
        authority_level=AuthorityLevel.DECISION_MAKER,
        interest_product="Analytics Suite",
        timeline=Timeline.WITHIN_6_MONTHS,
        source=Source.REFERRAL,
        campaign="q3-partners",
        medium="email",
        term="analytics",
        gdpr_consent=True,
        opt_in_date=date(2026, 1, 15),
    )


class TestCorporateDomain:
    @pytest.mark.parametrize(
        "email",
        [
            "someone@gmail.com",
            "someone@GMAIL.com",
            "someone@yahoo.com",
            "someone@yahoo.co.in",
            "someone@outlook.com",
            "someone@hotmail.co.uk",
            "someone@icloud.com",
            "someone@proton.me",
            "someone@gmx.de",
            "someone@yandex.ru",
            "someone@mail.ru",
            "someone@qq.com",
            "someone@163.com",
            "someone@rediffmail.com",
            "not-an-email",
            "",
        ],
    )
    def test_free_mailbox_providers_give_no_company_domain(self, email):
        assert corporate_domain(email) == ""

    @pytest.mark.parametrize(
        ("email", "domain"),
        [
            ("ada@acme.com", "acme.com"),
            ("Ada@Sales.ACME.co.uk", "sales.acme.co.uk"),
            ("ada@gmailer.com", "gmailer.com"),
            ("ada@yahoo-finance-partners.com", "yahoo-finance-partners.com"),
        ],
    )
    def test_a_company_email_gives_its_domain(self, email, domain):
        assert corporate_domain(email) == domain

    def test_the_free_domain_list_holds_the_providers_the_issue_names(self):
        assert {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"} <= FREE_EMAIL_DOMAINS


class TestProposeAccounts:
    def test_matches_come_in_the_order_gstin_then_domain_then_name(self, company, lead):
        by_name = AccountFactory(company=company, name="ACME WIDGETS", website="")
        by_domain = AccountFactory(company=company, name="AW Holdings", website="https://www.acme-widgets.com/about")
        by_gstin = AccountFactory(company=company, name="Registered Name", website="", gstin=VALID_GSTIN)

        proposals = propose_accounts(lead, gstin=VALID_GSTIN.lower())

        assert [p.account for p in proposals] == [by_gstin, by_domain, by_name]
        assert [p.kind for p in proposals] == ["gstin", "domain", "name"]
        assert "GSTIN" in proposals[0].reason
        assert "acme-widgets.com" in proposals[1].reason
        assert "company name" in proposals[2].reason

    def test_an_account_matching_several_ways_appears_once_with_its_strongest_reason(self, company, lead):
        account = AccountFactory(company=company, name="Acme Widgets", website="acme-widgets.com")

        proposals = propose_accounts(lead)

        assert [(p.account, p.kind) for p in proposals] == [(account, "domain")]

    @pytest.mark.parametrize(
        "account_name",
        ["Acme Widgets", "ACME WIDGETS LIMITED", "Acme Widgets, Inc.", "acme widgets pvt ltd", "Ácme Widgets"],
    )
    def test_a_normalised_name_matches(self, company, lead, account_name):
        account = AccountFactory(company=company, name=account_name, website="")

        assert [p.account for p in propose_accounts(lead)] == [account]

    @pytest.mark.parametrize("account_name", ["Acme", "Acme Widgets Europe", "Widgets Acme", "Acme Gadgets"])
    def test_a_different_name_does_not_match(self, company, lead, account_name):
        AccountFactory(company=company, name=account_name, website="")

        assert propose_accounts(lead) == []

    @pytest.mark.parametrize("website", ["https://acme.com", "https://widgets.com", "https://acme-widgets.com.evil.io"])
    def test_a_different_domain_does_not_match(self, company, lead, website):
        AccountFactory(company=company, name="Someone Else", website=website)

        assert propose_accounts(lead) == []

    def test_a_gstin_only_matches_its_own_account(self, company, lead):
        AccountFactory(company=company, name="Someone Else", website="", gstin=OTHER_VALID_GSTIN)

        assert propose_accounts(lead, gstin=VALID_GSTIN) == []

    @pytest.mark.parametrize("free_domain", ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"])
    def test_a_free_email_domain_never_matches_an_account(self, company, rep, free_domain):
        AccountFactory(company=company, name="Odd Account", website=f"https://{free_domain}")
        gmail_lead = LeadFactory(company=company, lead_owner=rep, email=f"ada@{free_domain}", company_name="")

        assert propose_accounts(gmail_lead) == []

    def test_accounts_of_another_company_are_never_proposed(self, other_company, lead):
        AccountFactory(company=other_company, name="Acme Widgets", website="acme-widgets.com", gstin=VALID_GSTIN)

        assert propose_accounts(lead, gstin=VALID_GSTIN) == []

    def test_active_accounts_come_before_deactivated_ones_and_only_active_ones_are_preselected(self, company, lead):
        deactivated = AccountFactory(company=company, name="Acme Widgets", website="", is_active=False)
        active = AccountFactory(company=company, name="Acme Widgets Ltd", website="")

        proposals = propose_accounts(lead)

        assert [p.account for p in proposals] == [active, deactivated]
        assert default_account(proposals) == active
        assert default_account(proposals[1:]) is None

    def test_an_empty_company_name_matches_no_account_by_name(self, company, rep):
        AccountFactory(company=company, name="Ltd", website="")
        nameless = LeadFactory(company=company, lead_owner=rep, company_name="", email="ada@gmail.com")

        assert propose_accounts(nameless) == []


class TestProposeContacts:
    def test_contacts_of_the_account_match_by_email_then_phone_then_name(self, company, lead):
        account = AccountFactory(company=company)
        by_name = ContactFactory(company=company, account=account, first_name="Ada", last_name="Lovelace", email="")
        by_phone = ContactFactory(company=company, account=account, phone="+14155550100", email="x@acme-widgets.com")
        by_email = ContactFactory(company=company, account=account, email="ada.lovelace@acme-widgets.com")
        ContactFactory(company=company, account=account, first_name="Grace", last_name="Hopper", email="g@h.com")

        proposals = propose_contacts(lead, account)

        assert [(p.contact, p.kind) for p in proposals] == [(by_email, "email"), (by_phone, "phone"), (by_name, "name")]

    def test_contacts_of_other_accounts_are_not_proposed(self, company, lead):
        account = AccountFactory(company=company)
        ContactFactory(company=company, email="ada.lovelace@acme-widgets.com")

        assert propose_contacts(lead, account) == []


class TestConvertIntoNewRecords:
    def test_a_new_account_is_built_from_the_lead(self, lead, rep):
        conversion = lead_convert(lead=lead, by=rep)

        account = conversion.account
        assert conversion.account_created
        assert account.company == lead.company
        assert account.name == "Acme Widgets Pvt. Ltd."
        assert account.website == "https://acme-widgets.com"
        assert account.domain == "acme-widgets.com"
        assert account.country == "IN"
        assert account.account_owner == rep
        assert account.account_type == AccountType.PROSPECT
        assert account.lifecycle_stage == Lifecycle.SQA
        assert account.created_by == rep

    def test_a_new_contact_carries_the_person(self, lead, rep):
        conversion = lead_convert(lead=lead, by=rep)

        contact = Contact.objects.get(pk=conversion.contact.pk)
        assert conversion.contact_created
        assert contact.account == conversion.account
        assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")
        assert contact.email == "ada.lovelace@acme-widgets.com"
        assert contact.phone == "+14155550100"
        assert contact.job_title == "CTO"
        assert contact.role == ContactRole.DECISION_MAKER
        assert contact.preferred_channel == Channel.EMAIL
        assert contact.gdpr_consent is True
        assert contact.opt_in_date == date(2026, 1, 15)
        assert contact.dnd_status is False
        assert contact.owner == rep
        assert contact.is_primary_contact is True

    @pytest.mark.parametrize(
        ("authority", "role"),
        [
            (AuthorityLevel.DECISION_MAKER, ContactRole.DECISION_MAKER),
            (AuthorityLevel.INFLUENCER, ContactRole.INFLUENCER),
            (AuthorityLevel.END_USER, ContactRole.USER),
            (AuthorityLevel.GATEKEEPER, ContactRole.GATEKEEPER),
            (AuthorityLevel.UNKNOWN, ""),
        ],
    )
    def test_the_contact_role_comes_from_the_authority_level(self, company, rep, authority, role):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, authority_level=authority)

        conversion = lead_convert(lead=lead, by=rep)

        assert conversion.contact.role == role

    def test_the_deal_gets_the_defaults(self, lead, rep, company):
        company.currency = "INR"
        company.save()
        lead.refresh_from_db()

        deal = lead_convert(lead=lead, by=rep).deal

        deal.refresh_from_db()
        assert deal.name == "Acme Widgets Pvt. Ltd. - Analytics Suite"
        assert deal.amount == Decimal("0")
        assert deal.currency == "INR"
        assert deal.stage == DealStage.PROSPECTING
        assert deal.probability == 10
        assert deal.forecast_category == ForecastCategory.WORST_CASE
        assert deal.forecast_category_is_manual is False
        assert deal.owner == rep
        assert deal.primary_contact == lead.converted_contact
        assert deal.expected_close_date == timezone.localdate() + timedelta(days=135)

    @pytest.mark.parametrize(
        ("timeline", "days"),
        [
            (Timeline.IMMEDIATE, 14),
            (Timeline.WITHIN_3_MONTHS, 60),
            (Timeline.WITHIN_6_MONTHS, 135),
            (Timeline.WITHIN_12_MONTHS, 270),
            (Timeline.LATER, 400),
            (Timeline.UNKNOWN, 90),
        ],
    )
    def test_the_expected_close_date_follows_the_timeline(self, company, timeline, days):
        lead = LeadFactory.build(company=company, timeline=timeline)

        assert expected_close_date_for(lead, today=date(2026, 1, 1)) == date(2026, 1, 1) + timedelta(days=days)
        assert TIMELINE_CLOSE_DAYS[timeline] == days

    def test_the_lead_records_what_it_became_and_stays(self, lead, rep):
        conversion = lead_convert(lead=lead, by=rep)

        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_to_account == conversion.account
        assert lead.converted_contact == conversion.contact
        assert lead.converted_deal == conversion.deal
        assert lead.converted_at is not None
        assert lead.is_read_only
        assert conversion.account.converted_leads.get() == lead
        assert conversion.deal.source_lead == lead

    def test_the_deal_is_optional(self, lead, rep):
        conversion = lead_convert(lead=lead, by=rep, create_deal=False)

        lead.refresh_from_db()
        assert conversion.deal is None
        assert lead.converted_deal is None
        assert Deal.objects.count() == 0
        assert lead.status == LeadStatus.CONVERTED

    def test_deal_values_override_the_defaults(self, lead, rep):
        close = date(2027, 3, 31)

        deal = lead_convert(
            lead=lead,
            by=rep,
            deal_values={
                "name": "Big one",
                "amount": Decimal("12500.50"),
                "expected_close_date": close,
                "forecast_category": ForecastCategory.BEST_CASE,
            },
        ).deal

        deal.refresh_from_db()
        assert (deal.name, deal.amount, deal.expected_close_date) == ("Big one", Decimal("12500.50"), close)
        assert deal.forecast_category == ForecastCategory.BEST_CASE
        assert deal.forecast_category_is_manual is True

    def test_blank_deal_values_keep_the_defaults(self, lead, rep):
        deal = lead_convert(lead=lead, by=rep, deal_values={"name": "", "amount": None}).deal

        assert deal.name == "Acme Widgets Pvt. Ltd. - Analytics Suite"
        assert deal.amount == Decimal("0")

    def test_deal_values_cannot_set_other_fields(self, lead, rep):
        with pytest.raises(ValueError, match="stage"):
            lead_convert(lead=lead, by=rep, deal_values={"stage": DealStage.CLOSED_WON})

        assert counts() == (0, 0, 0)

    def test_without_a_product_the_deal_is_named_after_the_account(self, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep, company_name="Initech", interest_product="")

        assert lead_convert(lead=lead, by=rep).deal.name == "Initech"

    def test_a_free_email_gives_no_website_and_no_company_name_gives_the_persons_name(self, company, rep):
        lead = LeadFactory(
            company=company, lead_owner=rep, first_name="Sam", last_name="Jones", email="sam@gmail.com", company_name=""
        )

        account = lead_convert(lead=lead, by=rep).account

        assert account.name == "Sam Jones"
        assert account.website == ""

    def test_a_queue_lead_converted_by_a_manager_is_owned_by_the_manager(self, company, manager):
        queue_lead = LeadFactory(company=company, lead_owner=None, status=LeadStatus.QUALIFIED)

        conversion = lead_convert(lead=queue_lead, by=manager)

        assert conversion.account.account_owner == manager
        assert conversion.contact.owner == manager
        assert conversion.deal.owner == manager

    def test_a_lead_with_only_an_email_gets_a_contact_named_after_it(self, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep, first_name="", last_name="", email="info@initech.io")

        contact = lead_convert(lead=lead, by=rep).contact

        assert contact.last_name == "info"

    def test_a_new_account_takes_the_gstin_given(self, lead, rep):
        account = lead_convert(lead=lead, by=rep, gstin=VALID_GSTIN.lower()).account

        assert account.gstin == VALID_GSTIN


class TestConvertIntoExistingRecords:
    def test_linking_an_account_fills_only_its_empty_fields(self, company, lead, rep, other_rep):
        account = AccountFactory(
            company=company, name="ACME", website="https://acme.example", country="", account_owner=other_rep
        )

        conversion = lead_convert(lead=lead, by=rep, account=account)

        account.refresh_from_db()
        assert not conversion.account_created
        assert account.name == "ACME"
        assert account.website == "https://acme.example"
        assert account.country == "IN"
        assert account.account_owner == other_rep
        assert account.account_type == AccountType.PROSPECT
        assert Account.objects.count() == 1

    def test_an_account_without_website_or_owner_gets_them_from_the_lead(self, company, lead, rep):
        account = AccountFactory(company=company, name="ACME", website="", account_owner=None)

        lead_convert(lead=lead, by=rep, account=account)

        account.refresh_from_db()
        assert account.website == "https://acme-widgets.com"
        assert account.domain == "acme-widgets.com"
        assert account.account_owner == rep

    def test_the_accounts_contact_with_the_same_email_is_reused_and_only_filled(self, company, lead, rep, other_rep):
        account = AccountFactory(company=company)
        existing = ContactFactory(
            company=company,
            account=account,
            first_name="",
            last_name="Lovelace-King",
            email="ADA.LOVELACE@acme-widgets.com",
            phone="",
            job_title="Chief Technology Officer",
            role=ContactRole.CHAMPION,
            owner=other_rep,
            gdpr_consent=False,
        )

        conversion = lead_convert(lead=lead, by=rep, account=account)

        existing.refresh_from_db()
        assert conversion.contact == existing
        assert not conversion.contact_created
        assert Contact.objects.count() == 1
        assert existing.first_name == "Ada"
        assert existing.last_name == "Lovelace-King"
        assert existing.phone == "+14155550100"
        assert existing.job_title == "Chief Technology Officer"
        assert existing.role == ContactRole.CHAMPION
        assert existing.owner == other_rep
        assert existing.gdpr_consent is False

    def test_a_contact_with_the_same_email_on_another_account_is_not_reused(self, company, lead, rep):
        account = AccountFactory(company=company)
        ContactFactory(company=company, email="ada.lovelace@acme-widgets.com")

        conversion = lead_convert(lead=lead, by=rep, account=account)

        assert conversion.contact_created
        assert conversion.contact.account == account

    def test_do_not_disturb_carries_onto_an_existing_contact(self, company, rep):
        account = AccountFactory(company=company)
        existing = ContactFactory(company=company, account=account, email="quiet@initech.io", dnd_status=False)
        lead = LeadFactory(company=company, lead_owner=rep, email="quiet@initech.io", dnd_status=True)

        lead_convert(lead=lead, by=rep, account=account)

        existing.refresh_from_db()
        assert existing.dnd_status is True

    def test_a_chosen_contact_of_the_account_is_used_even_with_another_email(self, company, lead, rep):
        account = AccountFactory(company=company)
        chosen = ContactFactory(company=company, account=account, email="ada@personal.example")
        ContactFactory(company=company, account=account, email="ada.lovelace@acme-widgets.com")

        conversion = lead_convert(lead=lead, by=rep, account=account, contact=chosen)

        chosen.refresh_from_db()
        assert conversion.contact == chosen
        assert chosen.email == "ada@personal.example"


class TestPrimaryContact:
    def test_the_contact_becomes_primary_when_the_account_has_none(self, company, lead, rep):
        account = AccountFactory(company=company)
        ContactFactory(company=company, account=account, is_primary_contact=False)

        contact = lead_convert(lead=lead, by=rep, account=account).contact

        assert Contact.objects.get(pk=contact.pk).is_primary_contact

    def test_an_existing_primary_contact_stays_primary(self, company, lead, rep):
        account = AccountFactory(company=company)
        primary = ContactFactory(company=company, account=account, is_primary_contact=True)

        contact = lead_convert(lead=lead, by=rep, account=account).contact

        assert not Contact.objects.get(pk=contact.pk).is_primary_contact
        assert Contact.objects.get(pk=primary.pk).is_primary_contact

    def test_a_reused_contact_becomes_primary_when_the_account_has_none(self, company, lead, rep):
        account = AccountFactory(company=company)
        existing = ContactFactory(company=company, account=account, email="ada.lovelace@acme-widgets.com")

        lead_convert(lead=lead, by=rep, account=account)

        existing.refresh_from_db()
        assert existing.is_primary_contact


class TestAttribution:
    def test_source_campaign_medium_and_term_are_carried_onto_the_deal(self, lead, rep):
        deal = lead_convert(lead=lead, by=rep).deal

        deal.refresh_from_db()
        assert (deal.source, deal.campaign, deal.medium, deal.term) == (
            Source.REFERRAL,
            "q3-partners",
            "email",
            "analytics",
        )
        assert deal.source_lead == lead


class TestAtomicity:
    def test_a_deal_failing_validation_leaves_nothing_behind(self, lead, rep):
        with (
            mock.patch.object(Deal, "full_clean", side_effect=ValidationError({"amount": ["Broken on purpose."]})),
            pytest.raises(ConversionError) as refused,
        ):
            lead_convert(lead=lead, by=rep)

        lead.refresh_from_db()
        assert counts() == (0, 0, 0)
        assert lead.status == LeadStatus.QUALIFIED
        assert lead.converted_to_account is None
        assert lead.converted_at is None
        assert "Broken on purpose." in " ".join(refused.value.message_dict["amount"])

    def test_a_crash_after_everything_was_written_rolls_it_all_back(self, company, lead, rep):
        account = AccountFactory(company=company, website="", country="")
        original_save = type(lead).save

        def crash_on_lead_save(instance, *args, **kwargs):
            if kwargs.get("update_fields") and "converted_at" in kwargs["update_fields"]:
                raise IntegrityError("simulated failure on the lead row")
            return original_save(instance, *args, **kwargs)

        with (
            mock.patch.object(type(lead), "save", crash_on_lead_save),
            pytest.raises(IntegrityError),
        ):
            lead_convert(lead=lead, by=rep, account=account)

        account.refresh_from_db()
        lead.refresh_from_db()
        assert counts() == (1, 0, 0)
        assert account.website == ""
        assert account.country == ""
        assert lead.status == LeadStatus.QUALIFIED

    def test_an_invalid_deal_value_is_a_form_error_and_writes_nothing(self, lead, rep):
        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, deal_values={"amount": Decimal("-5")})

        assert "amount" in refused.value.message_dict
        assert counts() == (0, 0, 0)


class TestRefusals:
    @pytest.mark.parametrize(
        ("status", "words"),
        [
            (LeadStatus.CONVERTED, "already been converted"),
            (LeadStatus.MERGED, "merged"),
            (LeadStatus.DISQUALIFIED, "disqualified"),
        ],
    )
    def test_a_lead_that_is_not_open_is_refused_with_a_clear_message(self, company, rep, status, words):
        closed_lead = LeadFactory(company=company, lead_owner=rep, status=status)

        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=closed_lead, by=rep)

        assert refused.value.code == "not_open"
        assert words in refused.value.messages[0]
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize("status", [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED])
    def test_every_open_lead_can_be_converted(self, company, rep, status):
        open_lead = LeadFactory(company=company, lead_owner=rep, status=status)

        assert lead_convert(lead=open_lead, by=rep).lead.status == LeadStatus.CONVERTED

    def test_a_stale_copy_of_a_converted_lead_is_refused(self, lead, rep):
        stale_copy = type(lead).objects.get(pk=lead.pk)
        lead_convert(lead=lead, by=rep)

        with pytest.raises(ConversionError, match="already been converted"):
            lead_convert(lead=stale_copy, by=rep)

        assert counts() == (1, 1, 1)

    def test_an_account_of_another_company_is_refused(self, other_company, lead, rep):
        foreign_account = AccountFactory(company=other_company)

        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, account=foreign_account)

        assert list(refused.value.message_dict) == ["account"]
        assert counts() == (1, 0, 0)

    def test_a_contact_of_another_company_is_refused(self, company, other_company, lead, rep):
        account = AccountFactory(company=company)
        foreign_contact = ContactFactory(company=other_company)

        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, account=account, contact=foreign_contact)

        assert list(refused.value.message_dict) == ["contact"]
        assert Contact.objects.filter(company=company).count() == 0

    def test_a_contact_of_another_account_is_refused(self, company, lead, rep):
        account = AccountFactory(company=company)
        contact_elsewhere = ContactFactory(company=company)

        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, account=account, contact=contact_elsewhere)

        assert list(refused.value.message_dict) == ["contact"]
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED

    def test_a_new_account_with_a_gstin_already_taken_is_refused(self, company, lead, rep):
        AccountFactory(company=company, gstin=VALID_GSTIN)

        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, gstin=VALID_GSTIN)

        assert list(refused.value.message_dict) == ["gstin"]
        assert counts() == (1, 0, 0)

    def test_an_invalid_gstin_is_refused(self, lead, rep):
        with pytest.raises(ConversionError) as refused:
            lead_convert(lead=lead, by=rep, gstin="27AAPFU0939F1ZX")

        assert "check character" in " ".join(refused.value.message_dict["gstin"])


class TestWhoMayConvert:
    @pytest.mark.parametrize(
        ("who", "owned_by", "allowed"),
        [
            ("rep", "rep", True),
            ("other_rep", "rep", False),
            ("rep", None, False),
            ("manager", "rep", True),
            ("manager", None, True),
            ("admin_user", "rep", True),
            ("outsider", "rep", False),
        ],
    )
    def test_reps_convert_their_own_leads_and_managers_any(self, request, company, who, owned_by, allowed):
        user = request.getfixturevalue(who)
        owner = request.getfixturevalue(owned_by) if owned_by else None
        lead = LeadFactory(company=company, lead_owner=owner, status=LeadStatus.QUALIFIED)

        assert can_convert(user, lead) is allowed
        if allowed:
            assert lead_convert(lead=lead, by=user).lead.status == LeadStatus.CONVERTED
        else:
            with pytest.raises(PermissionDenied):
                lead_convert(lead=lead, by=user)
            assert counts() == (0, 0, 0)

    def test_the_rights_are_checked_on_the_current_row_not_the_copy_passed_in(self, company, rep, other_rep):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED)
        type(lead).objects.filter(pk=lead.pk).update(lead_owner=other_rep)

        with pytest.raises(PermissionDenied):
            lead_convert(lead=lead, by=rep)

    def test_a_user_without_a_company_may_not_convert(self, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED)
        stranger = member(company, Role.REP, username="stranger")
        stranger.membership.delete()
        stranger.refresh_from_db()

        assert not can_convert(stranger, lead)


class TestReadOnlyAfterConversion:
    def test_the_lead_services_refuse_to_change_a_converted_lead(self, lead, rep):
        from leads.services import lead_set_status

        lead_convert(lead=lead, by=rep)
        lead.refresh_from_db()

        assert lead.is_read_only
        with pytest.raises(ValidationError, match="no longer be changed"):
            lead_set_status(lead=lead, status=LeadStatus.QUALIFIED, by=rep)
