"""The convert page: the plan on GET (nothing written), one POST, refusals as form errors, 403 and 404."""

from decimal import Decimal
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from deals.models import Deal, ForecastCategory
from leads.conversion.views import admin_convert_action
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, ContactFactory, LeadFactory

VALID_GSTIN = "27AAPFU0939F1ZV"


def convert_url(lead):
    return reverse("leads:convert", kwargs={"pk": lead.pk})


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
        email="ada@acme-widgets.com",
        company_name="Acme Widgets",
        interest_product="Analytics",
    )


@pytest.fixture
def matched_account(company):
    return AccountFactory(company=company, name="AW Group", website="https://acme-widgets.com")


def post_data(**overrides):
    data = {
        "account": "new",
        "contact": "",
        "create_deal": "on",
        "deal_name": "",
        "amount": "",
        "forecast_category": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestTheConvertUrl:
    def test_is_the_contract_path(self, lead):
        assert convert_url(lead) == f"/leads/{lead.pk}/convert/"


@pytest.mark.django_db
class TestThePlan:
    def test_shows_the_matched_accounts_with_their_reasons_and_writes_nothing(self, rep_client, lead, company):
        by_domain = AccountFactory(company=company, name="AW Group", website="acme-widgets.com")
        by_name = AccountFactory(company=company, name="ACME WIDGETS LTD", website="")

        response = rep_client.get(convert_url(lead))

        assert response.status_code == 200
        assert [row["proposal"].account for row in response.context["rows"]] == [by_domain, by_name]
        html = response.content.decode()
        assert "Website domain matches the lead&#x27;s email domain (acme-widgets.com)" in html
        assert "Same company name" in html
        assert f'name="account" value="{by_domain.pk}" checked' in html
        assert 'value="new"' in html
        assert counts() == (2, 0, 0)
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED

    def test_offers_a_new_account_preselected_when_nothing_matches(self, rep_client, lead):
        response = rep_client.get(convert_url(lead))

        html = response.content.decode()
        assert response.context["rows"] == []
        assert 'name="account" value="new" checked' in html
        assert "Create a new account “Acme Widgets”" in html
        assert "https://acme-widgets.com" in html

    def test_shows_the_matching_contacts_on_each_account(self, rep_client, lead, matched_account, company):
        same_email = ContactFactory(company=company, account=matched_account, email="ADA@acme-widgets.com")

        response = rep_client.get(convert_url(lead))

        row = response.context["rows"][0]
        assert row["reused_contact"] == same_email
        assert f'name="contact" value="{same_email.pk}"' in response.content.decode()
        assert "Same email" in response.content.decode()

    def test_a_gstin_looked_up_brings_its_account_first(self, rep_client, lead, matched_account, company):
        registered = AccountFactory(company=company, name="Registered Name", website="", gstin=VALID_GSTIN)

        response = rep_client.get(convert_url(lead), {"gstin": VALID_GSTIN})

        assert [row["proposal"].kind for row in response.context["rows"]] == ["gstin", "domain"]
        assert response.context["rows"][0]["proposal"].account == registered

    def test_a_name_search_finds_accounts_matching_missed(self, rep_client, lead, company):
        initech = AccountFactory(company=company, name="International Business Machines", website="")

        response = rep_client.get(convert_url(lead), {"q": "business mach"})

        assert [row["proposal"].account for row in response.context["rows"]] == [initech]
        assert response.context["rows"][0]["proposal"].kind == "search"

    def test_the_deal_fields_are_prefilled(self, rep_client, lead):
        response = rep_client.get(convert_url(lead))

        form = response.context["form"]
        assert form["create_deal"].value() is True
        assert form["forecast_category"].value() == ForecastCategory.WORST_CASE
        assert form["expected_close_date"].value() is not None
        assert 'placeholder="Acme Widgets - Analytics"' in response.content.decode()

    def test_an_unqualified_lead_asks_for_confirmation(self, rep_client, company, rep):
        new_lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.NEW)

        response = rep_client.get(convert_url(new_lead))

        assert response.context["needs_confirmation"]
        assert 'name="confirm"' in response.content.decode()

    def test_a_qualified_lead_needs_no_confirmation(self, rep_client, lead):
        response = rep_client.get(convert_url(lead))

        assert 'name="confirm"' not in response.content.decode()

    @pytest.mark.parametrize(
        ("status", "words"),
        [
            (LeadStatus.CONVERTED, "already been converted"),
            (LeadStatus.MERGED, "merged into another lead"),
            (LeadStatus.DISQUALIFIED, "disqualified"),
        ],
    )
    def test_a_lead_that_is_not_open_gets_a_clear_message_and_no_form(self, rep_client, company, rep, status, words):
        closed_lead = LeadFactory(company=company, lead_owner=rep, status=status)

        response = rep_client.get(convert_url(closed_lead))

        html = response.content.decode()
        assert response.status_code == 200
        assert words in html
        assert 'data-testid="convert-form"' not in html


@pytest.mark.django_db
class TestConverting:
    def test_a_post_creates_the_records_and_redirects_to_the_lead_with_links(self, rep_client, lead):
        response = rep_client.post(convert_url(lead), post_data(amount="2500"))

        lead.refresh_from_db()
        assert response.status_code == 302
        assert response["Location"] == lead.get_absolute_url()
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_deal.amount == Decimal("2500")
        assert lead.converted_deal.name == "Acme Widgets - Analytics"
        message = str(next(iter(get_messages(response.wsgi_request))))
        assert lead.converted_to_account.get_absolute_url() in message
        assert lead.converted_contact.get_absolute_url() in message
        assert lead.converted_deal.get_absolute_url() in message

    def test_a_post_links_the_chosen_account_and_contact(self, rep_client, lead, matched_account, company):
        contact = ContactFactory(company=company, account=matched_account, email="someone@acme-widgets.com")

        rep_client.post(convert_url(lead), post_data(account=matched_account.pk, contact=contact.pk))

        lead.refresh_from_db()
        assert lead.converted_to_account == matched_account
        assert lead.converted_contact == contact
        assert counts() == (1, 1, 1)

    def test_without_the_deal_box_no_deal_is_created(self, rep_client, lead):
        data = post_data()
        del data["create_deal"]

        rep_client.post(convert_url(lead), data)

        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_deal is None
        assert Deal.objects.count() == 0

    def test_the_deal_fields_posted_are_used(self, rep_client, lead):
        rep_client.post(
            convert_url(lead),
            post_data(
                deal_name="Pilot",
                amount="1234.50",
                expected_close_date="2027-02-01",
                forecast_category=ForecastCategory.COMMIT,
            ),
        )

        deal = Lead.objects.get(pk=lead.pk).converted_deal
        assert (deal.name, deal.amount, str(deal.expected_close_date)) == ("Pilot", Decimal("1234.50"), "2027-02-01")
        assert deal.forecast_category == ForecastCategory.COMMIT

    def test_an_unqualified_lead_is_converted_only_once_confirmed(self, rep_client, company, rep):
        contacted = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.CONTACTED)

        refused = rep_client.post(convert_url(contacted), post_data())
        confirmed = rep_client.post(convert_url(contacted), post_data(confirm="on"))

        assert refused.status_code == 200
        assert "confirm" in refused.context["form"].errors
        assert confirmed.status_code == 302
        contacted.refresh_from_db()
        assert contacted.status == LeadStatus.CONVERTED

    def test_a_second_post_is_refused_with_a_clear_message(self, rep_client, lead):
        rep_client.post(convert_url(lead), post_data())

        response = rep_client.post(convert_url(lead), post_data(), follow=True)

        assert counts() == (1, 1, 1)
        texts = [str(message) for message in response.context["messages"]]
        assert any("already been converted" in text for text in texts)

    def test_a_failing_deal_leaves_nothing_and_shows_the_error(self, rep_client, lead):
        with mock.patch.object(Deal, "full_clean", side_effect=ValidationError({"name": ["Deal name refused."]})):
            response = rep_client.post(convert_url(lead), post_data())

        lead.refresh_from_db()
        assert response.status_code == 200
        assert "Deal name refused." in " ".join(response.context["form"].errors["deal_name"])
        assert counts() == (0, 0, 0)
        assert lead.status == LeadStatus.QUALIFIED

    def test_a_negative_amount_is_a_form_error(self, rep_client, lead):
        response = rep_client.post(convert_url(lead), post_data(amount="-1"))

        assert "amount" in response.context["form"].errors
        assert counts() == (0, 0, 0)

    def test_a_taken_gstin_for_the_new_account_is_a_form_error_and_shows_the_match(self, rep_client, lead, company):
        registered = AccountFactory(company=company, name="Registered Name", website="", gstin=VALID_GSTIN)

        response = rep_client.post(convert_url(lead), post_data(gstin=VALID_GSTIN))

        assert "gstin" in response.context["form"].errors
        assert response.context["rows"][0]["proposal"].account == registered
        assert counts() == (1, 0, 0)


@pytest.mark.django_db
class TestTenantRefusals:
    def test_an_account_of_another_company_is_a_form_error(self, rep_client, lead, other_company):
        foreign_account = AccountFactory(company=other_company)

        response = rep_client.post(convert_url(lead), post_data(account=foreign_account.pk))

        assert response.status_code == 200
        assert response.context["form"].errors["account"] == ["Choose an account of your company."]
        assert Account.objects.filter(company=lead.company).count() == 0
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED

    def test_a_contact_of_another_company_is_a_form_error(self, rep_client, lead, matched_account, other_company):
        foreign_contact = ContactFactory(company=other_company)

        response = rep_client.post(convert_url(lead), post_data(account=matched_account.pk, contact=foreign_contact.pk))

        assert response.context["form"].errors["contact"] == ["Choose a contact of your company."]
        assert Contact.objects.filter(company=lead.company).count() == 0

    def test_a_contact_of_another_account_is_a_form_error(self, rep_client, lead, matched_account, company):
        contact_elsewhere = ContactFactory(company=company)

        response = rep_client.post(
            convert_url(lead), post_data(account=matched_account.pk, contact=contact_elsewhere.pk)
        )

        assert "another account" in response.context["form"].errors["contact"][0]
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED

    def test_a_contact_with_a_new_account_is_a_form_error(self, rep_client, lead, company):
        existing_contact = ContactFactory(company=company)

        response = rep_client.post(convert_url(lead), post_data(account="new", contact=existing_contact.pk))

        assert "contact" in response.context["form"].errors
        assert counts() == (1, 1, 0)

    @pytest.mark.parametrize("bad_value", ["abc", "999999", "-1"])
    def test_junk_account_ids_are_form_errors(self, rep_client, lead, bad_value):
        response = rep_client.post(convert_url(lead), post_data(account=bad_value))

        assert "account" in response.context["form"].errors
        assert counts() == (0, 0, 0)


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize(
        ("who", "owned_by", "status"),
        [
            ("rep", "rep", 200),
            ("other_rep", "rep", 404),
            ("rep", None, 403),
            ("manager", "rep", 200),
            ("manager", None, 200),
            ("admin_user", "rep", 200),
            ("outsider", "rep", 404),
        ],
    )
    def test_reps_convert_their_own_leads_managers_any_and_others_are_refused(
        self, client, request, company, who, owned_by, status
    ):
        user = request.getfixturevalue(who)
        owner = request.getfixturevalue(owned_by) if owned_by else None
        target = LeadFactory(company=company, lead_owner=owner, status=LeadStatus.QUALIFIED)
        client.force_login(user)

        get_response = client.get(convert_url(target))
        post_response = client.post(convert_url(target), post_data())

        assert get_response.status_code == status
        assert post_response.status_code == (302 if status == 200 else status)
        target.refresh_from_db()
        assert target.status == (LeadStatus.CONVERTED if status == 200 else LeadStatus.QUALIFIED)

    def test_anonymous_users_are_sent_to_login(self, client, lead):
        response = client.get(convert_url(lead))

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.django_db
class TestReadOnlyAfterConversion:
    def test_the_edit_page_refuses_a_converted_lead(self, rep_client, lead):
        rep_client.post(convert_url(lead), post_data())

        response = rep_client.post(f"/leads/{lead.pk}/edit/", {"first_name": "Changed", "campaign": "x"})

        lead.refresh_from_db()
        assert response.status_code in (302, 403)
        assert lead.first_name == "Ada"
        assert lead.status == LeadStatus.CONVERTED

    def test_posting_the_convert_page_again_changes_nothing(self, rep_client, lead, matched_account):
        rep_client.post(convert_url(lead), post_data())
        converted_into = Lead.objects.get(pk=lead.pk).converted_to_account

        response = rep_client.post(convert_url(lead), post_data(account=matched_account.pk))

        assert response.status_code == 302
        assert Lead.objects.get(pk=lead.pk).converted_to_account == converted_into


def admin_request(rf, user):
    request = rf.post("/admin/leads/lead/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
class TestAdminConvertAction:
    def test_converts_qualified_leads_through_the_service_and_skips_the_others(self, rf, admin_user, company, rep):
        qualified = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, company_name="Initech")
        matched = AccountFactory(company=company, name="Initech", website="")
        contacted = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.CONTACTED)
        converted = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.CONVERTED)
        request = admin_request(rf, admin_user)
        modeladmin = admin.ModelAdmin(Lead, admin.site)

        with mock.patch("leads.conversion.views.reverse", return_value="/admin/leads/lead/x/change/"):
            admin_convert_action(
                modeladmin, request, Lead.objects.filter(pk__in=[qualified.pk, contacted.pk, converted.pk])
            )

        qualified.refresh_from_db()
        contacted.refresh_from_db()
        assert qualified.status == LeadStatus.CONVERTED
        assert qualified.converted_to_account == matched
        assert contacted.status == LeadStatus.CONTACTED
        texts = [str(message) for message in get_messages(request)]
        assert any("Converted 1 lead" in text for text in texts)
        assert any("Not converted" in text and "already been converted" in text for text in texts)

    def test_a_user_of_another_company_converts_nothing(self, rf, outsider, company, rep):
        qualified = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED)
        request = admin_request(rf, outsider)

        admin_convert_action(admin.ModelAdmin(Lead, admin.site), request, Lead.objects.filter(pk=qualified.pk))

        qualified.refresh_from_db()
        assert qualified.status == LeadStatus.QUALIFIED
        assert counts() == (0, 0, 0)
