from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Account, AccountType, Health, Lifecycle
from crm.models import Role
from deals.models import DealStage
from leads.models import LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, member

VALID_GSTIN = "27AAPFU0939F1ZV"
OTHER_VALID_GSTIN = "29AAGCB7383J1Z4"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def account_form_data(**overrides):
    data = {
        "name": "Hooli",
        "website": "https://hooli.example.com",
        "industry": "Software",
        "company_size": "201-500",
        "annual_revenue": "2500000.00",
        "country": "IN",
        "phone": "+912212345678",
        "gstin": VALID_GSTIN,
        "account_type": AccountType.PARTNER,
        "lifecycle_stage": Lifecycle.SQA,
        "health_score": Health.YELLOW,
        "account_owner": "",
        "description": "Search and compression.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestEveryAccountPageNeedsALogin:
    @pytest.mark.parametrize(
        ("method", "name", "with_pk"),
        [
            ("get", "accounts:list", False),
            ("get", "accounts:create", False),
            ("post", "accounts:create", False),
            ("get", "accounts:detail", True),
            ("get", "accounts:update", True),
            ("post", "accounts:update", True),
            ("post", "accounts:deactivate", True),
            ("post", "accounts:reactivate", True),
        ],
    )
    def test_anonymous_users_are_sent_to_the_login_page(self, client, account, method, name, with_pk):
        url = reverse(name, kwargs={"pk": account.pk}) if with_pk else reverse(name)

        response = getattr(client, method)(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        account.refresh_from_db()
        assert account.is_active

    def test_the_urls_follow_the_contract(self, account):
        assert reverse("accounts:list") == "/accounts/"
        assert reverse("accounts:create") == "/accounts/new/"
        assert reverse("accounts:detail", kwargs={"pk": account.pk}) == f"/accounts/{account.pk}/"
        assert reverse("accounts:update", kwargs={"pk": account.pk}) == f"/accounts/{account.pk}/edit/"


GRID = [("rep", True), ("other_rep", False), ("manager", True), ("outsider", None)]
"""(who, may edit): the account belongs to `rep`; None means the account is invisible to them (another Company)."""


def expected_status(may_edit, allowed_status):
    return {True: allowed_status, False: 403, None: 404}[may_edit]


@pytest.mark.django_db
class TestAccountAccessGrid:
    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_the_detail_page_is_visible_to_everyone_in_the_company(self, as_user, account, who, may_edit):
        client = as_user(who)

        response = client.get(reverse("accounts:detail", kwargs={"pk": account.pk}))

        assert response.status_code == (404 if may_edit is None else 200)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_the_edit_button_shows_only_to_those_who_may_edit(self, as_user, account, who, may_edit):
        client = as_user(who)

        response = client.get(reverse("accounts:detail", kwargs={"pk": account.pk}))

        page = response.content.decode()
        edit_url = reverse("accounts:update", kwargs={"pk": account.pk})
        assert (edit_url in page) is bool(may_edit)
        if may_edit is None:  # another Company's user: a 404 that names nothing of the account
            assert response.status_code == 404
            assert escape(account.name) not in page

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_the_edit_form_opens_for_the_owner_and_managers_only(self, as_user, account, who, may_edit):
        client = as_user(who)

        response = client.get(reverse("accounts:update", kwargs={"pk": account.pk}))

        assert response.status_code == expected_status(may_edit, 200)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_posting_an_edit_saves_only_for_the_owner_and_managers(self, as_user, account, rep, who, may_edit):
        client = as_user(who)

        response = client.post(
            reverse("accounts:update", kwargs={"pk": account.pk}),
            account_form_data(name="Renamed", gstin="", account_owner=rep.pk),
        )

        assert response.status_code == expected_status(may_edit, 302)
        account.refresh_from_db()
        assert (account.name == "Renamed") is bool(may_edit)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_deactivating_is_for_the_owner_and_managers_only(self, as_user, account, who, may_edit):
        client = as_user(who)

        response = client.post(reverse("accounts:deactivate", kwargs={"pk": account.pk}))

        assert response.status_code == expected_status(may_edit, 302)
        account.refresh_from_db()
        assert account.is_active is not bool(may_edit)

    @pytest.mark.parametrize(("who", "may_edit"), GRID)
    def test_reactivating_is_for_the_owner_and_managers_only(self, as_user, inactive_account, who, may_edit):
        client = as_user(who)

        response = client.post(reverse("accounts:reactivate", kwargs={"pk": inactive_account.pk}))

        assert response.status_code == expected_status(may_edit, 302)
        inactive_account.refresh_from_db()
        assert inactive_account.is_active is bool(may_edit)

    @pytest.mark.parametrize("name", ["accounts:deactivate", "accounts:reactivate"])
    def test_actions_refuse_get(self, manager_client, account, name):
        response = manager_client.get(reverse(name, kwargs={"pk": account.pk}))

        assert response.status_code == 405
        account.refresh_from_db()
        assert account.is_active

    def test_an_admin_of_the_company_may_edit_any_account(self, admin_client_company, account):
        response = admin_client_company.get(reverse("accounts:update", kwargs={"pk": account.pk}))

        assert response.status_code == 200

    def test_a_user_without_a_company_cannot_create_accounts(self, client, superuser):
        client.force_login(superuser)

        response = client.post(reverse("accounts:create"), account_form_data())

        assert response.status_code == 403
        assert not Account.objects.exists()


@pytest.mark.django_db
class TestCreateAccount:
    def test_a_rep_creates_an_account_and_lands_on_its_page(self, rep_client, rep, company):
        response = rep_client.post(reverse("accounts:create"), account_form_data(account_owner=rep.pk))

        account = Account.objects.get(name="Hooli")
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:detail", kwargs={"pk": account.pk})
        assert account.company == company
        assert account.created_by == rep
        assert account.account_owner == rep
        assert account.gstin == VALID_GSTIN
        assert account.annual_revenue == Decimal("2500000.00")
        assert account.country.code == "IN"
        assert account.is_active
        assert "Account “Hooli” created." in messages_of(response)

    def test_the_form_proposes_the_user_as_owner_and_has_a_cancel_link(self, rep_client, rep):
        response = rep_client.get(reverse("accounts:create"))

        form = response.context["form"]
        assert form.initial["account_owner"] == rep.pk
        assert f'href="{reverse("accounts:list")}">Cancel</a>' in response.content.decode()
        assert "<title>New account · Accounts" in response.content.decode()

    def test_the_gstin_is_stored_in_capitals(self, rep_client):
        rep_client.post(reverse("accounts:create"), account_form_data(gstin=" 27aapfu0939f1zv "))

        assert Account.objects.get().gstin == VALID_GSTIN

    @pytest.mark.parametrize(
        ("gstin", "message"),
        [
            ("27AAPFU0939F1Z", "A GSTIN has 15 characters; this one has 14."),
            ("40AAPFU0939F1ZV", "The state code 40 (characters 1-2) is not a valid GST state code"),
            ("27AAPF10939F1ZV", "Characters 3-12 must be a PAN"),
            ("27AAPFU0939F1ZW", "The check character (character 15) is wrong"),
        ],
    )
    def test_a_bad_gstin_is_a_field_error_and_nothing_is_saved(self, rep_client, gstin, message):
        response = rep_client.post(reverse("accounts:create"), account_form_data(gstin=gstin))

        assert response.status_code == 200
        errors = response.context["form"].errors["gstin"]
        assert any(message in error for error in errors)
        assert 'id="error_1_id_gstin"' in response.content.decode()
        assert not Account.objects.exists()

    def test_a_gstin_already_used_in_the_company_is_refused(self, rep_client, company):
        AccountFactory(company=company, gstin=VALID_GSTIN)

        response = rep_client.post(reverse("accounts:create"), account_form_data(gstin=VALID_GSTIN.lower()))

        assert response.context["form"].errors["gstin"] == ["Another account of your company already has this GSTIN."]
        assert Account.objects.count() == 1

    def test_the_same_gstin_in_another_company_is_fine(self, rep_client, other_company):
        AccountFactory(company=other_company, gstin=VALID_GSTIN)

        response = rep_client.post(reverse("accounts:create"), account_form_data())

        assert response.status_code == 302
        assert Account.objects.count() == 2

    def test_an_owner_from_another_company_is_a_form_error(self, rep_client, outsider):
        response = rep_client.post(reverse("accounts:create"), account_form_data(account_owner=outsider.pk))

        assert "account_owner" in response.context["form"].errors
        assert not Account.objects.exists()

    def test_a_negative_revenue_and_a_missing_name_are_refused(self, rep_client):
        response = rep_client.post(reverse("accounts:create"), account_form_data(name="", annual_revenue="-5"))

        assert set(response.context["form"].errors) == {"name", "annual_revenue"}
        assert not Account.objects.exists()

    def test_owner_choices_are_the_company_users(self, rep_client, rep, other_rep, manager, outsider):
        response = rep_client.get(reverse("accounts:create"))

        choices = set(response.context["form"].fields["account_owner"].queryset)
        assert choices == {rep, other_rep, manager}


@pytest.mark.django_db
class TestEditAccount:
    def test_the_owner_edits_every_field_and_sees_it_on_the_page(self, rep_client, account, rep):
        url = reverse("accounts:update", kwargs={"pk": account.pk})

        response = rep_client.post(url, account_form_data(name="Initech Global", account_owner=rep.pk))
        page = rep_client.get(response["Location"]).content.decode()

        account.refresh_from_db()
        assert account.name == "Initech Global"
        assert account.health_score == Health.YELLOW
        assert account.lifecycle_stage == Lifecycle.SQA
        assert account.website == "https://hooli.example.com"
        assert "Initech Global" in page
        assert "USD 2,500,000.00" in page
        assert VALID_GSTIN in page
        assert "Account “Initech Global” saved." in messages_of(response)

    def test_the_form_is_filled_with_the_account(self, rep_client, account):
        response = rep_client.get(reverse("accounts:update", kwargs={"pk": account.pk}))

        assert response.context["form"].initial["name"] == "Initech"
        assert f'href="{account.get_absolute_url()}">Cancel</a>' in response.content.decode()

    def test_a_bad_gstin_saves_nothing_and_keeps_the_saved_name_in_the_title(self, rep_client, account, rep):
        url = reverse("accounts:update", kwargs={"pk": account.pk})

        response = rep_client.post(url, account_form_data(name="Changed", gstin="XX", account_owner=rep.pk))

        assert response.status_code == 200
        assert "gstin" in response.context["form"].errors
        assert '<h1 class="h3 mb-3">Edit Initech</h1>' in response.content.decode()
        account.refresh_from_db()
        assert account.name == "Initech"

    def test_the_form_has_no_active_flag_nor_company(self, rep_client, account):
        response = rep_client.get(reverse("accounts:update", kwargs={"pk": account.pk}))

        fields = response.context["form"].fields
        assert "is_active" not in fields
        assert "company" not in fields

    def test_an_edit_of_another_companys_account_is_a_404_and_saves_nothing(self, rep_client, other_company):
        foreign = AccountFactory(company=other_company, name="Globex Corp")

        response = rep_client.post(reverse("accounts:update", kwargs={"pk": foreign.pk}), account_form_data())

        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.name == "Globex Corp"


@pytest.mark.django_db
class TestDeactivateAndReactivate:
    def test_a_manager_deactivates_an_account_which_leaves_the_default_list(self, manager_client, account):
        response = manager_client.post(reverse("accounts:deactivate", kwargs={"pk": account.pk}))

        account.refresh_from_db()
        assert response["Location"] == account.get_absolute_url()
        assert not account.is_active
        assert account.deactivated_at is not None
        assert "“Initech” is deactivated: it no longer shows in the account list." in messages_of(response)
        assert account not in manager_client.get(reverse("accounts:list")).context["account_list"]

    def test_the_owner_reactivates_their_account(self, rep_client, inactive_account):
        response = rep_client.post(reverse("accounts:reactivate", kwargs={"pk": inactive_account.pk}))

        inactive_account.refresh_from_db()
        assert inactive_account.is_active
        assert inactive_account.deactivated_at is None
        assert "“Vandelay Industries” is active again." in messages_of(response)

    def test_deactivating_an_inactive_account_only_says_so(self, manager_client, inactive_account):
        before = inactive_account.deactivated_at

        response = manager_client.post(reverse("accounts:deactivate", kwargs={"pk": inactive_account.pk}))

        inactive_account.refresh_from_db()
        assert response.status_code == 302
        assert inactive_account.deactivated_at == before
        assert "“Vandelay Industries” is already inactive." in messages_of(response)

    def test_the_detail_page_offers_the_matching_action(self, rep_client, account, inactive_account):
        active_page = rep_client.get(account.get_absolute_url()).content.decode()
        inactive_page = rep_client.get(inactive_account.get_absolute_url()).content.decode()

        assert reverse("accounts:deactivate", kwargs={"pk": account.pk}) in active_page
        assert reverse("accounts:reactivate", kwargs={"pk": account.pk}) not in active_page
        assert reverse("accounts:reactivate", kwargs={"pk": inactive_account.pk}) in inactive_page
        assert "This account was deactivated on" in inactive_page

    def test_an_action_goes_back_to_a_local_next_page_only(self, manager_client, account, inactive_account):
        local = manager_client.post(
            reverse("accounts:deactivate", kwargs={"pk": account.pk}), {"next": "/accounts/?q=x"}
        )
        remote = manager_client.post(
            reverse("accounts:reactivate", kwargs={"pk": inactive_account.pk}), {"next": "https://evil.example/"}
        )

        assert local["Location"] == "/accounts/?q=x"
        assert remote["Location"] == inactive_account.get_absolute_url()

    def test_there_is_no_delete_url(self, manager_client, account):
        response = manager_client.post(f"/accounts/{account.pk}/delete/")

        assert response.status_code == 404
        assert Account.objects.filter(pk=account.pk).exists()


@pytest.mark.django_db
class TestAccountDetail:
    def test_every_field_is_shown_in_its_group(self, rep_client, company, rep):
        account = AccountFactory(
            company=company,
            account_owner=rep,
            name="Hooli",
            website="hooli.example.com",
            industry="Software",
            company_size="201-500",
            annual_revenue=Decimal("1234567.5"),
            country="IN",
            phone="+912212345678",
            gstin=VALID_GSTIN,
            account_type=AccountType.PARTNER,
            lifecycle_stage=Lifecycle.CUSTOMER,
            health_score=Health.RED,
            description="Likes long demos.",
        )

        page = rep_client.get(account.get_absolute_url()).content.decode()

        for text in (
            'href="https://hooli.example.com"',
            "Software",
            "201-500 employees",
            "USD 1,234,567.50",
            "India",
            "+912212345678",
            VALID_GSTIN,
            'data-value="partner">Partner',
            'data-value="customer">Customer',
            'data-value="red">Red',
            rep.get_full_name(),
            "Likes long demos.",
            "<title>Hooli · Accounts",
            'aria-label="breadcrumb"',
        ):
            assert text in page

    def test_a_website_with_another_scheme_is_not_a_link(self, rep_client, company):
        account = AccountFactory(company=company, website="javascript:alert(1)")

        page = rep_client.get(account.get_absolute_url()).content.decode()

        assert 'href="javascript:' not in page

    def test_contacts_deals_and_converted_leads_are_listed(self, manager_client, company, account, manager):
        company.currency = "INR"
        company.save()
        primary = ContactFactory(company=company, account=account, first_name="Ada", last_name="Lovelace")
        primary.make_primary()
        ContactFactory(company=company, account=account, first_name="Alan", last_name="Turing")
        DealFactory(company=company, account=account, name="Big renewal", stage=DealStage.NEGOTIATION, amount=125000)
        LeadFactory(
            company=company,
            first_name="Grace",
            last_name="Hopper",
            status=LeadStatus.CONVERTED,
            converted_to_account=account,
            converted_at=timezone.now(),
            campaign="autumn-webinar",
        )
        AccountFactory(company=company, name="Unrelated")

        response = manager_client.get(account.get_absolute_url())

        page = response.content.decode()
        assert [contact.name for contact in response.context["account"].contact_list] == [
            "Ada Lovelace",
            "Alan Turing",
        ]
        assert "Big renewal" in page
        assert 'data-value="negotiation">Negotiation' in page
        assert "INR 125,000.00" in page
        assert "Grace Hopper" in page
        assert "autumn-webinar" in page

    def test_a_rep_sees_only_their_own_deals_and_leads_on_an_account(
        self, rep_client, company, account, rep, other_rep
    ):
        DealFactory(company=company, account=account, owner=rep, name="Mine")
        DealFactory(company=company, account=account, owner=other_rep, name="Theirs")
        LeadFactory(company=company, lead_owner=other_rep, converted_to_account=account, status=LeadStatus.CONVERTED)

        response = rep_client.get(account.get_absolute_url())

        assert [deal.name for deal in response.context["account"].deal_list] == ["Mine"]
        assert response.context["account"].converted_lead_list == []

    def test_the_page_runs_the_same_queries_however_many_related_records(
        self, manager_client, company, account, django_assert_max_num_queries
    ):
        owners = [member(company, Role.REP) for _ in range(3)]

        def add_related(count):
            for number in range(count):
                owner = owners[number % 3]
                ContactFactory(company=company, account=account, owner=owner)
                DealFactory(company=company, account=account, owner=owner, primary_contact=None)
                LeadFactory(company=company, lead_owner=owner, converted_to_account=account, status="converted")

        add_related(1)
        with django_assert_max_num_queries(8):
            manager_client.get(account.get_absolute_url())
        add_related(10)
        with django_assert_max_num_queries(8):
            response = manager_client.get(account.get_absolute_url())

        assert len(response.context["account"].contact_list) == 11
