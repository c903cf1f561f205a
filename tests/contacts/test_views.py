import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, Contact, ContactRole, Influence
from crm.models import Role
from deals.models import DealStage
from leads.models import LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, member


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def contact_form_data(account, **overrides):
    data = {
        "first_name": "Samir",
        "last_name": "Nagheenanajar",
        "job_title": "Engineer",
        "account": account.pk,
        "email": "Samir@Initech.example.com",
        "phone": "+14155550100",
        "preferred_channel": Channel.WHATSAPP,
        "gdpr_consent": "on",
        "opt_in_date": "2026-01-15",
        "role": ContactRole.CHAMPION,
        "influence_score": Influence.HIGH,
        "owner": "",
        "notes": "Hates the printer.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
class TestEveryContactPageNeedsALogin:
    @pytest.mark.parametrize(
        ("method", "name", "with_pk"),
        [
            ("get", "contacts:list", False),
            ("get", "contacts:create", False),
            ("post", "contacts:create", False),
            ("get", "contacts:detail", True),
            ("get", "contacts:update", True),
            ("post", "contacts:update", True),
            ("post", "contacts:make_primary", True),
        ],
    )
    def test_anonymous_users_are_sent_to_the_login_page(self, client, contact, method, name, with_pk):
        url = reverse(name, kwargs={"pk": contact.pk}) if with_pk else reverse(name)

        response = getattr(client, method)(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        contact.refresh_from_db()
        assert not contact.is_primary_contact

    def test_the_urls_follow_the_contract(self, contact):
        assert reverse("contacts:list") == "/contacts/"
        assert reverse("contacts:create") == "/contacts/new/"
        assert reverse("contacts:detail", kwargs={"pk": contact.pk}) == f"/contacts/{contact.pk}/"
        assert reverse("contacts:update", kwargs={"pk": contact.pk}) == f"/contacts/{contact.pk}/edit/"


GRID = [("rep", True), ("other_rep", False), ("manager", True), ("outsider", None)]
"""(who, may edit): the contact belongs to `rep`; None means it is invisible to them (another Company)."""


def expected_status(may_edit, allowed_status):
    return {True: allowed_status, False: 403, None: 404}[may_edit]


@pytest.mark.django_db
class TestContactAccessGrid:
    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_the_detail_page_is_visible_to_everyone_in_the_company(self, as_user, contact, who, may_edit):
        client = as_user(who)

        response = client.get(reverse("contacts:detail", kwargs={"pk": contact.pk}))

        assert response.status_code == (404 if may_edit is None else 200)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_the_edit_form_opens_for_the_owner_and_managers_only(self, as_user, contact, who, may_edit):
        client = as_user(who)

        response = client.get(reverse("contacts:update", kwargs={"pk": contact.pk}))

        assert response.status_code == expected_status(may_edit, 200)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_posting_an_edit_saves_only_for_the_owner_and_managers(self, as_user, contact, account, rep, who, may_edit):
        client = as_user(who)

        response = client.post(
            reverse("contacts:update", kwargs={"pk": contact.pk}), contact_form_data(account, owner=rep.pk)
        )

        assert response.status_code == expected_status(may_edit, 302)
        contact.refresh_from_db()
        assert (contact.last_name == "Nagheenanajar") is bool(may_edit)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_making_primary_is_for_the_owner_and_managers_only(self, as_user, contact, primary_contact, who, may_edit):
        client = as_user(who)

        response = client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        assert response.status_code == expected_status(may_edit, 302)
        contact.refresh_from_db()
        primary_contact.refresh_from_db()
        assert contact.is_primary_contact is bool(may_edit)
        assert primary_contact.is_primary_contact is not bool(may_edit)

    def test_the_owner_of_the_account_may_make_any_of_its_contacts_primary(self, client, company, other_rep, rep):
        account = AccountFactory(company=company, account_owner=other_rep)
        contact = ContactFactory(company=company, account=account, owner=rep)
        client.force_login(other_rep)

        response = client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        contact.refresh_from_db()
        assert response.status_code == 302
        assert contact.is_primary_contact

    def test_make_primary_refuses_get(self, manager_client, contact):
        response = manager_client.get(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        assert response.status_code == 405

    def test_the_make_primary_button_shows_only_to_those_allowed(self, as_user, contact):
        action = reverse("contacts:make_primary", kwargs={"pk": contact.pk})

        owner_page = as_user("rep").get(contact.get_absolute_url()).content.decode()
        colleague_page = as_user("other_rep").get(contact.get_absolute_url()).content.decode()

        assert action in owner_page
        assert action not in colleague_page


@pytest.mark.django_db
class TestMakePrimary:
    def test_the_previous_primary_contact_steps_down(self, rep_client, contact, primary_contact):
        response = rep_client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        contact.refresh_from_db()
        primary_contact.refresh_from_db()
        assert contact.is_primary_contact
        assert not primary_contact.is_primary_contact
        assert response["Location"] == contact.get_absolute_url()
        assert "Peter Gibbons is now the primary contact of Initech, instead of Bill Lumbergh." in messages_of(response)

    def test_an_account_without_a_primary_gets_one(self, rep_client, contact):
        response = rep_client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        contact.refresh_from_db()
        assert contact.is_primary_contact
        assert "Peter Gibbons is now the primary contact of Initech." in messages_of(response)

    def test_making_the_primary_contact_primary_again_only_says_so(self, manager_client, primary_contact):
        response = manager_client.post(reverse("contacts:make_primary", kwargs={"pk": primary_contact.pk}))

        primary_contact.refresh_from_db()
        assert primary_contact.is_primary_contact
        assert "Bill Lumbergh is already the primary contact of Initech." in messages_of(response)

    def test_other_accounts_keep_their_primary_contact(self, manager_client, company, contact):
        elsewhere = ContactFactory(company=company)
        elsewhere.make_primary()

        manager_client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        elsewhere.refresh_from_db()
        assert elsewhere.is_primary_contact

    def test_from_the_account_page_it_goes_back_there(self, manager_client, contact, account):
        response = manager_client.post(
            reverse("contacts:make_primary", kwargs={"pk": contact.pk}), {"next": account.get_absolute_url()}
        )

        assert response["Location"] == account.get_absolute_url()


@pytest.mark.django_db
class TestCreateContact:
    def test_a_rep_creates_a_contact_and_lands_on_its_page(self, rep_client, rep, company, account):
        response = rep_client.post(reverse("contacts:create"), contact_form_data(account, owner=rep.pk))

        contact = Contact.objects.get()
        assert response["Location"] == contact.get_absolute_url()
        assert contact.company == company
        assert contact.created_by == rep
        assert contact.owner == rep
        assert contact.account == account
        assert contact.email == "samir@initech.example.com"
        assert contact.preferred_channel == Channel.WHATSAPP
        assert contact.gdpr_consent
        assert contact.opt_in_date == datetime.date(2026, 1, 15)
        assert not contact.is_primary_contact
        assert "Contact “Samir Nagheenanajar” created." in messages_of(response)

    def test_the_account_page_preselects_the_account_and_cancel_goes_back(self, rep_client, rep, account):
        response = rep_client.get(reverse("contacts:create"), {"account": account.pk})

        page = response.content.decode()
        assert response.context["form"].initial["account"] == account.pk
        assert response.context["form"].initial["owner"] == rep.pk
        assert f'href="{account.get_absolute_url()}">Cancel</a>' in page
        assert "New contact at Initech" in page

    def test_an_invisible_account_is_not_preselected(self, rep_client, other_company):
        foreign = AccountFactory(company=other_company)

        response = rep_client.get(reverse("contacts:create"), {"account": foreign.pk})

        assert "account" not in response.context["form"].initial

    def test_ticking_primary_on_an_account_with_a_primary_switches_it(self, rep_client, account, primary_contact):
        response = rep_client.post(reverse("contacts:create"), contact_form_data(account, is_primary_contact="on"))

        new_contact = Contact.objects.get(last_name="Nagheenanajar")
        primary_contact.refresh_from_db()
        assert new_contact.is_primary_contact
        assert not primary_contact.is_primary_contact
        assert "Samir Nagheenanajar is now the primary contact of Initech, instead of Bill Lumbergh." in messages_of(
            response
        )

    def test_an_account_of_another_company_is_a_form_error_and_nothing_is_saved(self, rep_client, other_company):
        foreign = AccountFactory(company=other_company)

        response = rep_client.post(reverse("contacts:create"), contact_form_data(foreign))

        assert response.status_code == 200
        assert "account" in response.context["form"].errors
        assert not Contact.objects.exists()

    def test_an_owner_of_another_company_is_a_form_error(self, rep_client, account, outsider):
        response = rep_client.post(reverse("contacts:create"), contact_form_data(account, owner=outsider.pk))

        assert "owner" in response.context["form"].errors
        assert not Contact.objects.exists()

    def test_new_contacts_go_on_active_accounts(self, rep_client, company, account):
        inactive = AccountFactory(company=company, name="Gone")
        inactive.deactivate()

        form_page = rep_client.get(reverse("contacts:create"))
        response = rep_client.post(reverse("contacts:create"), contact_form_data(inactive))

        assert list(form_page.context["form"].fields["account"].queryset) == [account]
        assert "account" in response.context["form"].errors
        assert not Contact.objects.exists()

    def test_missing_last_name_and_bad_email_are_field_errors(self, rep_client, account):
        response = rep_client.post(
            reverse("contacts:create"), contact_form_data(account, last_name="", email="not-an-email")
        )

        assert set(response.context["form"].errors) == {"last_name", "email"}
        assert 'id="error_1_id_email"' in response.content.decode()
        assert not Contact.objects.exists()


@pytest.mark.django_db
class TestEditContact:
    def test_the_owner_edits_and_sees_the_changes(self, rep_client, contact, account, rep):
        response = rep_client.post(
            reverse("contacts:update", kwargs={"pk": contact.pk}), contact_form_data(account, owner=rep.pk)
        )
        page = rep_client.get(response["Location"]).content.decode()

        contact.refresh_from_db()
        assert contact.name == "Samir Nagheenanajar"
        assert contact.role == ContactRole.CHAMPION
        assert "Samir Nagheenanajar" in page
        assert "WhatsApp" in page
        assert "Contact “Samir Nagheenanajar” saved." in messages_of(response)

    def test_the_form_shows_the_primary_flag(self, manager_client, primary_contact):
        response = manager_client.get(reverse("contacts:update", kwargs={"pk": primary_contact.pk}))

        assert response.context["form"]["is_primary_contact"].value() is True

    def test_saving_the_primary_contact_keeps_it_primary(self, manager_client, primary_contact, account):
        manager_client.post(
            reverse("contacts:update", kwargs={"pk": primary_contact.pk}),
            contact_form_data(account, is_primary_contact="on"),
        )

        primary_contact.refresh_from_db()
        assert primary_contact.is_primary_contact
        assert primary_contact.last_name == "Nagheenanajar"

    def test_unticking_primary_leaves_the_account_without_one(self, manager_client, primary_contact, account):
        manager_client.post(reverse("contacts:update", kwargs={"pk": primary_contact.pk}), contact_form_data(account))

        primary_contact.refresh_from_db()
        assert not primary_contact.is_primary_contact

    def test_ticking_primary_on_edit_switches_the_primary_contact(self, rep_client, contact, primary_contact, account):
        rep_client.post(
            reverse("contacts:update", kwargs={"pk": contact.pk}), contact_form_data(account, is_primary_contact="on")
        )

        contact.refresh_from_db()
        primary_contact.refresh_from_db()
        assert contact.is_primary_contact
        assert not primary_contact.is_primary_contact

    def test_moving_the_primary_contact_to_an_account_with_a_primary_does_not_clash(
        self, manager_client, company, primary_contact
    ):
        other_account = AccountFactory(company=company, name="Chotchkie's")
        other_primary = ContactFactory(company=company, account=other_account)
        other_primary.make_primary()

        response = manager_client.post(
            reverse("contacts:update", kwargs={"pk": primary_contact.pk}), contact_form_data(other_account)
        )

        primary_contact.refresh_from_db()
        other_primary.refresh_from_db()
        assert response.status_code == 302
        assert primary_contact.account == other_account
        assert not primary_contact.is_primary_contact
        assert other_primary.is_primary_contact

    def test_a_contact_on_an_inactive_account_keeps_it_as_a_choice(self, rep_client, contact, account, rep):
        account.deactivate()

        response = rep_client.post(
            reverse("contacts:update", kwargs={"pk": contact.pk}), contact_form_data(account, owner=rep.pk)
        )

        assert response.status_code == 302

    def test_moving_a_contact_to_another_companys_account_saves_nothing(self, rep_client, contact, other_company):
        foreign = AccountFactory(company=other_company)

        response = rep_client.post(reverse("contacts:update", kwargs={"pk": contact.pk}), contact_form_data(foreign))

        assert "account" in response.context["form"].errors
        assert '<h1 class="h3 mb-3">Edit Peter Gibbons</h1>' in response.content.decode()
        contact.refresh_from_db()
        assert contact.last_name == "Gibbons"
        assert contact.account.company_id == contact.company_id


@pytest.mark.django_db
class TestContactDetail:
    def test_every_field_is_shown_with_the_account_and_deals(self, manager_client, company, contact, account):
        company.currency = "EUR"
        company.save()
        contact.phone = "+14155550100"
        contact.preferred_channel = Channel.SMS
        contact.dnd_status = True
        contact.opt_in_date = datetime.date(2026, 2, 3)
        contact.notes = "Red stapler."
        contact.save()
        DealFactory(
            company=company, account=account, primary_contact=contact, name="Printers", amount=4200, currency="EUR"
        )
        DealFactory(company=company, account=account, name="Not theirs")
        LeadFactory(
            company=company,
            first_name="Peter",
            last_name="G",
            converted_contact=contact,
            status=LeadStatus.CONVERTED,
            converted_at=timezone.now(),
        )

        response = manager_client.get(contact.get_absolute_url())

        page = response.content.decode()
        for text in (
            "Peter Gibbons",
            contact.email,
            "+14155550100",
            "SMS",
            "Do not disturb",
            "Feb. 3, 2026",
            "Red stapler.",
            account.get_absolute_url(),
            "Printers",
            "EUR 4,200.00",
            'data-value="prospecting">Prospecting',
            "Converted from",
            "<title>Peter Gibbons · Contacts",
        ):
            assert text in page
        assert "Not theirs" not in page

    def test_a_rep_sees_only_their_own_deals_with_a_contact(
        self, rep_client, company, contact, account, rep, other_rep
    ):
        DealFactory(company=company, account=account, primary_contact=contact, owner=rep, name="Mine")
        DealFactory(company=company, account=account, primary_contact=contact, owner=other_rep, name="Theirs")

        response = rep_client.get(contact.get_absolute_url())

        assert [deal.name for deal in response.context["contact"].deal_list] == ["Mine"]

    def test_the_page_runs_the_same_queries_however_many_deals(
        self, manager_client, company, contact, account, django_assert_max_num_queries
    ):
        owners = [member(company, Role.REP) for _ in range(3)]

        def add_deals(count):
            for number in range(count):
                DealFactory(company=company, account=account, primary_contact=contact, owner=owners[number % 3])

        add_deals(1)
        with django_assert_max_num_queries(7):
            manager_client.get(contact.get_absolute_url())
        add_deals(10)
        with django_assert_max_num_queries(7):
            response = manager_client.get(contact.get_absolute_url())

        assert len(response.context["contact"].deal_list) == 11
        assert all(deal.stage == DealStage.PROSPECTING for deal in response.context["contact"].deal_list)
