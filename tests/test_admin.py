"""The Django admin, scoped to the Company: a company admin sees and chooses only their own Company's records."""

from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AccountType, Lifecycle
from contacts.models import Contact
from crm.models import Membership, Role
from deals.models import Deal, DealStage
from leads.models import Lead, LeadScoreModel, LeadStatus

from .factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, UserFactory, member

FACTORIES = {"lead": LeadFactory, "account": AccountFactory, "contact": ContactFactory, "deal": DealFactory}
APP_LABELS = {"lead": "leads", "account": "accounts", "contact": "contacts", "deal": "deals"}
MODEL_NAMES = list(FACTORIES)
CLIENTS = ["admin_client_company", "superuser_client"]


def admin_url(model_name, view, *args):
    return reverse(f"admin:{APP_LABELS[model_name]}_{model_name}_{view}", args=args)


def changelist_pks(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def action_post(client, model_name, action, objects, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(admin_url(model_name, "changelist"), data)


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def company_member(company):
    return member(company, Role.REP, username="acme-rep")


@pytest.fixture
def other_company_member(other_company):
    return member(other_company, Role.REP, username="globex-rep")


class TestAdminPagesAnswer:
    @pytest.mark.parametrize("client_fixture", CLIENTS)
    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_changelist_change_form_and_add_form_answer_200(self, request, company, model_name, client_fixture):
        staff_client = request.getfixturevalue(client_fixture)
        record = FACTORIES[model_name](company=company)

        changelist = staff_client.get(admin_url(model_name, "changelist"))
        change_form = staff_client.get(admin_url(model_name, "change", record.pk))
        add_form = staff_client.get(admin_url(model_name, "add"))

        assert changelist.status_code == 200
        assert change_form.status_code == 200
        assert change_form.context["original"] == record
        assert add_form.status_code == 200

    @pytest.mark.parametrize("client_fixture", CLIENTS)
    @pytest.mark.parametrize("path", ["/admin/", "/admin/crm/company/", "/admin/crm/membership/", "/admin/auth/user/"])
    def test_index_and_company_pages_answer_200(self, request, admin_user, client_fixture, path):
        staff_client = request.getfixturevalue(client_fixture)

        response = staff_client.get(path)

        assert response.status_code == 200

    def test_a_rep_who_is_not_staff_is_sent_to_the_admin_login(self, rep_client):
        response = rep_client.get(admin_url("lead", "changelist"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_a_staff_user_without_a_company_or_permissions_sees_no_model(self, client, company):
        LeadFactory(company=company)
        client.force_login(UserFactory(username="stray-staff", is_staff=True))

        response = client.get(admin_url("lead", "changelist"))

        assert response.status_code == 403


class TestChangelistScope:
    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_company_admin_lists_only_own_company_rows(
        self, admin_client_company, company, other_company, model_name, django_assert_max_num_queries
    ):
        own_records = FACTORIES[model_name].create_batch(5, company=company)
        other_company_record = FACTORIES[model_name](company=other_company)

        with django_assert_max_num_queries(13):
            response = admin_client_company.get(admin_url(model_name, "changelist"))

        assert changelist_pks(response) == {record.pk for record in own_records}
        assert other_company_record.pk not in changelist_pks(response)

    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_filtering_by_another_company_shows_nothing(self, admin_client_company, other_company, model_name):
        FACTORIES[model_name](company=other_company)

        response = admin_client_company.get(
            admin_url(model_name, "changelist"), {"company__id__exact": other_company.pk}
        )

        assert response.status_code == 200
        assert changelist_pks(response) == set()

    def test_search_stays_in_own_company(self, admin_client_company, company, other_company):
        own_account = AccountFactory(company=company, name="Zeta One")
        AccountFactory(company=other_company, name="Zeta Two")

        response = admin_client_company.get(admin_url("account", "changelist"), {"q": "Zeta"})

        assert changelist_pks(response) == {own_account.pk}

    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_superuser_lists_every_company_with_a_company_column(
        self, superuser_client, company, other_company, model_name
    ):
        own_record = FACTORIES[model_name](company=company)
        other_company_record = FACTORIES[model_name](company=other_company)

        response = superuser_client.get(admin_url(model_name, "changelist"))

        assert changelist_pks(response) == {own_record.pk, other_company_record.pk}
        assert "company" in response.context["cl"].list_display

    def test_owner_filter_offers_only_owners_of_own_company(
        self, admin_client_company, company, other_company, company_member, other_company_member
    ):
        LeadFactory(company=company, lead_owner=company_member)
        LeadFactory(company=other_company, lead_owner=other_company_member)

        response = admin_client_company.get(admin_url("lead", "changelist"))

        owner_filter = next(spec for spec in response.context["cl"].filter_specs if spec.field_path == "lead_owner")
        assert [pk for pk, _label in owner_filter.lookup_choices] == [company_member.pk]


class TestOtherCompanyRecordIsNotShown:
    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_change_form_redirects_with_does_not_exist(self, admin_client_company, other_company, model_name):
        other_company_record = FACTORIES[model_name](company=other_company)

        response = admin_client_company.get(admin_url(model_name, "change", other_company_record.pk), follow=True)

        assert response.redirect_chain == [(reverse("admin:index"), 302)]
        assert "doesn’t exist" in response.content.decode()
        assert "original" not in response.context

    @pytest.mark.parametrize("model_name", MODEL_NAMES)
    def test_history_view_redirects_too(self, admin_client_company, other_company, model_name):
        other_company_record = FACTORIES[model_name](company=other_company)

        response = admin_client_company.get(admin_url(model_name, "history", other_company_record.pk))

        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_posting_to_another_companys_record_changes_nothing(self, admin_client_company, other_company):
        other_company_lead = LeadFactory(company=other_company, campaign="globex-campaign")

        response = admin_client_company.post(
            admin_url("lead", "change", other_company_lead.pk),
            {"campaign": "stolen", "source": "web", "status": "new", "stage": "awareness", "last_name": "X"},
        )

        other_company_lead.refresh_from_db()
        assert response.status_code == 302
        assert other_company_lead.campaign == "globex-campaign"

    def test_delete_view_of_another_companys_deal_deletes_nothing(self, admin_client_company, other_company):
        other_company_deal = DealFactory(company=other_company)

        response = admin_client_company.post(admin_url("deal", "delete", other_company_deal.pk), {"post": "yes"})

        assert response.status_code == 302
        assert Deal.objects.filter(pk=other_company_deal.pk).exists()

    def test_bulk_delete_ignores_another_companys_ids(self, admin_client_company, company, other_company):
        own_contact = ContactFactory(company=company)
        other_company_contact = ContactFactory(company=other_company)

        action_post(
            admin_client_company, "contact", "delete_selected", [own_contact, other_company_contact], post="yes"
        )

        assert not Contact.objects.filter(pk=own_contact.pk).exists()
        assert Contact.objects.filter(pk=other_company_contact.pk).exists()


class TestForeignKeyChoices:
    @pytest.mark.parametrize(
        ("model_name", "field_name"),
        [
            ("contact", "account"),
            ("deal", "account"),
            ("deal", "primary_contact"),
        ],
    )
    def test_record_choices_of_the_add_form_are_own_company_only(
        self, admin_client_company, company, other_company, model_name, field_name
    ):
        related_factory = AccountFactory if field_name == "account" else ContactFactory
        own_record = related_factory(company=company)
        other_company_record = related_factory(company=other_company)

        response = admin_client_company.get(admin_url(model_name, "add"))

        choices = response.context["adminform"].form.fields[field_name].queryset
        assert own_record in choices
        assert other_company_record not in choices

    @pytest.mark.parametrize(
        ("model_name", "field_name"),
        [("lead", "lead_owner"), ("account", "account_owner"), ("contact", "owner"), ("deal", "owner")],
    )
    def test_user_choices_of_the_add_form_are_own_company_members_only(
        self, admin_client_company, superuser, company_member, other_company_member, model_name, field_name
    ):
        response = admin_client_company.get(admin_url(model_name, "add"))

        choices = response.context["adminform"].form.fields[field_name].queryset
        assert company_member in choices
        assert other_company_member not in choices
        assert superuser not in choices

    def test_superuser_change_form_offers_the_records_company_only(self, superuser_client, company, other_company):
        deal = DealFactory(company=company)
        other_company_account = AccountFactory(company=other_company)

        response = superuser_client.get(admin_url("deal", "change", deal.pk))

        choices = response.context["adminform"].form.fields["account"].queryset
        assert deal.account in choices
        assert other_company_account not in choices

    def test_posting_another_companys_account_is_a_field_error(self, admin_client_company, company, other_company):
        other_company_account = AccountFactory(company=other_company)

        response = admin_client_company.post(
            admin_url("contact", "add"),
            {"account": other_company_account.pk, "last_name": "Sneaky", "preferred_channel": "email"}
            | {"influence_score": "medium"},
        )

        assert response.status_code == 200
        assert "account" in response.context["adminform"].form.errors
        assert not Contact.objects.filter(last_name="Sneaky").exists()


class TestAdd:
    def test_company_admin_add_takes_company_and_creator_from_membership(
        self, admin_client_company, admin_user, company
    ):
        response = admin_client_company.post(
            admin_url("account", "add"),
            {"name": "Initech", "account_type": "prospect", "health_score": "green", "lifecycle_stage": "mqa"}
            | {"is_active": "on"},
        )

        account = Account.objects.get(name="Initech")
        assert response.status_code == 302
        assert account.company == company
        assert account.created_by == admin_user

    def test_company_admin_add_form_has_no_company_field(self, admin_client_company):
        response = admin_client_company.get(admin_url("lead", "add"))

        assert "company" not in response.context["adminform"].form.fields

    def test_superuser_picks_the_company_on_add(self, superuser_client, superuser, other_company):
        owner = member(other_company, Role.REP, username="globex-owner")

        response = superuser_client.post(
            admin_url("lead", "add"),
            {"company": other_company.pk, "last_name": "Lovelace", "campaign": "expo", "source": "event"}
            | {"status": "new", "stage": "awareness", "authority_level": "unknown", "timeline": "unknown"}
            | {"lead_owner": owner.pk},
        )

        lead = Lead.objects.get(last_name="Lovelace")
        assert response.status_code == 302
        assert lead.company == other_company
        assert lead.created_by == superuser

    def test_superuser_add_refuses_an_owner_of_another_company(self, superuser_client, company, other_company):
        owner = member(company, Role.REP, username="acme-owner")

        response = superuser_client.post(
            admin_url("lead", "add"),
            {"company": other_company.pk, "last_name": "Lovelace", "campaign": "expo", "source": "event"}
            | {"status": "new", "stage": "awareness", "authority_level": "unknown", "timeline": "unknown"}
            | {"lead_owner": owner.pk},
        )

        assert response.status_code == 200
        assert "lead_owner" in response.context["adminform"].form.errors
        assert not Lead.objects.filter(last_name="Lovelace").exists()


class TestAutocomplete:
    @pytest.mark.parametrize(
        ("model_name", "field_name", "factory", "search_field"),
        [
            ("deal", "account", AccountFactory, "name"),
            ("contact", "account", AccountFactory, "name"),
            ("deal", "primary_contact", ContactFactory, "last_name"),
        ],
    )
    def test_record_results_are_own_company_only(
        self, admin_client_company, company, other_company, model_name, field_name, factory, search_field
    ):
        own_record = factory(company=company, **{search_field: "Zeta One"})
        factory(company=other_company, **{search_field: "Zeta Two"})

        response = admin_client_company.get(
            reverse("admin:autocomplete"),
            {"app_label": APP_LABELS[model_name], "model_name": model_name, "field_name": field_name, "term": "Zeta"},
        )

        assert response.status_code == 200
        assert [result["id"] for result in response.json()["results"]] == [str(own_record.pk)]

    @pytest.mark.parametrize(("model_name", "field_name"), [("lead", "lead_owner"), ("deal", "owner")])
    def test_user_results_are_own_company_members_only(
        self, admin_client_company, superuser, company_member, other_company_member, model_name, field_name
    ):
        response = admin_client_company.get(
            reverse("admin:autocomplete"),
            {"app_label": APP_LABELS[model_name], "model_name": model_name, "field_name": field_name, "term": "rep"},
        )

        ids = {result["id"] for result in response.json()["results"]}
        assert str(company_member.pk) in ids
        assert str(other_company_member.pk) not in ids

    def test_superuser_results_span_companies(self, superuser_client, company, other_company):
        AccountFactory(company=company, name="Zeta One")
        AccountFactory(company=other_company, name="Zeta Two")

        response = superuser_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "deals", "model_name": "deal", "field_name": "account", "term": "Zeta"},
        )

        assert len(response.json()["results"]) == 2


class TestLeadAdmin:
    def test_assign_action_shows_an_intermediate_page_with_own_company_users(
        self, admin_client_company, company, company_member, other_company_member
    ):
        lead = LeadFactory(company=company)

        response = action_post(admin_client_company, "lead", "assign_owner", [lead])

        assert response.status_code == 200
        choices = response.context["form"].fields["lead_owner"].queryset
        assert company_member in choices
        assert other_company_member not in choices

    def test_assign_action_assigns_the_chosen_owner(self, admin_client_company, company, company_member):
        leads = LeadFactory.create_batch(2, company=company)

        response = action_post(
            admin_client_company, "lead", "assign_owner", leads, apply="yes", lead_owner=company_member.pk
        )

        assert response.status_code == 302
        assert set(Lead.objects.values_list("lead_owner", flat=True)) == {company_member.pk}

    def test_assign_action_refuses_a_user_of_another_company(self, admin_client_company, company, other_company_member):
        lead = LeadFactory(company=company)

        response = action_post(
            admin_client_company, "lead", "assign_owner", [lead], apply="yes", lead_owner=other_company_member.pk
        )

        lead.refresh_from_db()
        assert response.status_code == 200
        assert "lead_owner" in response.context["form"].errors
        assert lead.lead_owner is None

    def test_assign_action_leaves_another_companys_leads_alone(
        self, admin_client_company, company, other_company, company_member
    ):
        own_lead = LeadFactory(company=company)
        other_company_lead = LeadFactory(company=other_company)

        action_post(
            admin_client_company,
            "lead",
            "assign_owner",
            [own_lead, other_company_lead],
            apply="yes",
            lead_owner=company_member.pk,
        )

        own_lead.refresh_from_db()
        other_company_lead.refresh_from_db()
        assert own_lead.lead_owner == company_member
        assert other_company_lead.lead_owner is None

    def test_assign_action_skips_converted_leads(self, admin_client_company, company, company_member):
        converted_lead = LeadFactory(company=company, status=LeadStatus.CONVERTED, converted_at=timezone.now())

        action_post(
            admin_client_company, "lead", "assign_owner", [converted_lead], apply="yes", lead_owner=company_member.pk
        )

        converted_lead.refresh_from_db()
        assert converted_lead.lead_owner is None

    @pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.MERGED])
    def test_converted_and_merged_leads_are_read_only(self, admin_client_company, company, status):
        lead = LeadFactory(company=company, status=status, campaign="original")

        page = admin_client_company.get(admin_url("lead", "change", lead.pk))
        response = admin_client_company.post(
            admin_url("lead", "change", lead.pk),
            {"campaign": "rewritten", "source": "web", "status": "new", "stage": "awareness", "last_name": "X"},
        )

        lead.refresh_from_db()
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert response.status_code == 403
        assert lead.campaign == "original"

    def test_status_choices_leave_out_workflow_statuses(self, admin_client_company):
        response = admin_client_company.get(admin_url("lead", "add"))

        statuses = [value for value, _label in response.context["adminform"].form.fields["status"].choices]
        assert LeadStatus.CONVERTED not in statuses
        assert LeadStatus.MERGED not in statuses
        assert LeadStatus.QUALIFIED in statuses

    def test_quality_fields_are_read_only(self, admin_client_company, company):
        lead = LeadFactory(company=company)

        response = admin_client_company.get(admin_url("lead", "change", lead.pk))

        form_fields = response.context["adminform"].form.fields
        assert {"spam_score", "lead_score", "validation_status", "is_duplicate"}.isdisjoint(form_fields)
        assert {"campaign", "lead_owner", "budget_range"} <= set(form_fields)

    def test_convert_action_converts_a_qualified_lead(self, admin_client_company, company):
        lead = LeadFactory(company=company, status=LeadStatus.QUALIFIED, company_name="Umbrella Corp")

        response = action_post(admin_client_company, "lead", "admin_convert_action", [lead])

        lead.refresh_from_db()
        assert response.status_code == 302
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_to_account.company == company

    def test_score_models_are_listed_read_only_for_own_company(self, admin_client_company, company, other_company):
        own_model = LeadScoreModel.objects.create(company=company, version=1, n_samples=60, n_positive=20)
        LeadScoreModel.objects.create(company=other_company, version=1, n_samples=60, n_positive=20)

        response = admin_client_company.get(reverse("admin:leads_leadscoremodel_changelist"))
        change = admin_client_company.post(reverse("admin:leads_leadscoremodel_change", args=[own_model.pk]), {})

        assert changelist_pks(response) == {own_model.pk}
        assert change.status_code == 403


class TestAccountAdmin:
    def test_deactivate_action_deactivates(self, admin_client_company, company):
        account = AccountFactory(company=company)

        response = action_post(admin_client_company, "account", "deactivate", [account])

        account.refresh_from_db()
        assert response.status_code == 302
        assert account.is_active is False
        assert account.deactivated_at is not None

    def test_reactivate_action_reactivates(self, admin_client_company, company):
        account = AccountFactory(company=company, is_active=False, deactivated_at=timezone.now())

        action_post(admin_client_company, "account", "reactivate", [account])

        account.refresh_from_db()
        assert account.is_active is True
        assert account.deactivated_at is None

    def test_deactivate_action_leaves_another_companys_account_alone(
        self, admin_client_company, company, other_company
    ):
        other_company_account = AccountFactory(company=other_company)

        action_post(admin_client_company, "account", "deactivate", [other_company_account])

        other_company_account.refresh_from_db()
        assert other_company_account.is_active is True

    def test_unticking_active_in_the_form_deactivates(self, admin_client_company, company):
        account = AccountFactory(company=company, name="Hooli")

        response = admin_client_company.post(
            admin_url("account", "change", account.pk),
            {"name": "Hooli", "account_type": "prospect", "health_score": "green", "lifecycle_stage": "mqa"},
        )

        account.refresh_from_db()
        assert response.status_code == 302
        assert account.is_active is False
        assert account.deactivated_at is not None

    @pytest.mark.parametrize("client_fixture", CLIENTS)
    def test_there_is_no_delete_action(self, request, company, client_fixture):
        staff_client = request.getfixturevalue(client_fixture)
        AccountFactory(company=company)

        response = staff_client.get(admin_url("account", "changelist"))

        actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
        assert "delete_selected" not in actions
        assert {"deactivate", "reactivate"} <= set(actions)

    @pytest.mark.parametrize("client_fixture", CLIENTS)
    def test_delete_view_is_forbidden(self, request, company, client_fixture):
        staff_client = request.getfixturevalue(client_fixture)
        account = AccountFactory(company=company)

        response = staff_client.post(admin_url("account", "delete", account.pk), {"post": "yes"})

        assert response.status_code == 403
        assert Account.objects.filter(pk=account.pk).exists()

    def test_a_posted_delete_selected_action_deletes_nothing(self, superuser_client, company):
        account = AccountFactory(company=company)

        action_post(superuser_client, "account", "delete_selected", [account], post="yes")

        assert Account.objects.filter(pk=account.pk).exists()


class TestContactAdmin:
    def test_make_primary_action_moves_the_primary_flag(self, admin_client_company, company):
        account = AccountFactory(company=company)
        old_primary = ContactFactory(company=company, account=account, is_primary_contact=True)
        new_primary = ContactFactory(company=company, account=account)

        response = action_post(admin_client_company, "contact", "make_primary", [new_primary])

        old_primary.refresh_from_db()
        new_primary.refresh_from_db()
        assert response.status_code == 302
        assert new_primary.is_primary_contact is True
        assert old_primary.is_primary_contact is False

    def test_make_primary_action_refuses_two_contacts_of_one_account(self, admin_client_company, company):
        account = AccountFactory(company=company)
        contacts = ContactFactory.create_batch(2, company=company, account=account)

        action_post(admin_client_company, "contact", "make_primary", contacts)

        assert not Contact.objects.filter(account=account, is_primary_contact=True).exists()


class TestDealAdmin:
    def deal_form(self, deal, **changes):
        data = {
            "name": deal.name,
            "account": deal.account_id,
            "stage": deal.stage,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "probability": deal.probability,
            "forecast_category": deal.forecast_category,
            "expected_close_date": deal.expected_close_date.isoformat(),
            "source": "",
        }
        return data | changes

    def test_a_deal_won_in_the_admin_makes_its_account_a_customer(self, admin_client_company, company):
        deal = DealFactory(company=company, amount=Decimal("5000.00"))

        response = admin_client_company.post(
            admin_url("deal", "change", deal.pk), self.deal_form(deal, stage=DealStage.CLOSED_WON, name="Big win")
        )

        deal.refresh_from_db()
        deal.account.refresh_from_db()
        assert response.status_code == 302
        assert deal.name == "Big win"
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert deal.account.account_type == AccountType.CUSTOMER
        assert deal.account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_a_deal_added_as_won_makes_its_account_a_customer(self, admin_client_company, company):
        account = AccountFactory(company=company)

        response = admin_client_company.post(
            admin_url("deal", "add"),
            {"name": "Straight win", "account": account.pk, "stage": DealStage.CLOSED_WON, "amount": "100"}
            | {"currency": "USD", "probability": 10, "forecast_category": "worst_case", "source": ""},
        )

        account.refresh_from_db()
        deal = Deal.objects.get(name="Straight win")
        assert response.status_code == 302
        assert deal.stage == DealStage.CLOSED_WON
        assert account.account_type == AccountType.CUSTOMER

    def test_losing_needs_a_lost_reason(self, admin_client_company, company):
        deal = DealFactory(company=company)

        response = admin_client_company.post(
            admin_url("deal", "change", deal.pk), self.deal_form(deal, stage=DealStage.CLOSED_LOST)
        )

        deal.refresh_from_db()
        assert response.status_code == 200
        assert "lost_reason" in response.context["adminform"].form.errors
        assert deal.stage == DealStage.PROSPECTING

    def test_losing_with_a_reason_closes_the_deal(self, admin_client_company, company):
        deal = DealFactory(company=company)

        admin_client_company.post(
            admin_url("deal", "change", deal.pk),
            self.deal_form(deal, stage=DealStage.CLOSED_LOST, lost_reason="Went with a competitor"),
        )

        deal.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_LOST
        assert deal.lost_reason == "Went with a competitor"
        assert deal.probability == 0
        assert deal.account.account_type == AccountType.PROSPECT

    def test_add_form_suggests_the_company_currency(self, admin_client_company, company):
        response = admin_client_company.get(admin_url("deal", "add"))

        assert response.context["adminform"].form.initial["currency"] == company.currency


class TestCompanyUsersAndMemberships:
    def test_company_admin_sees_only_own_company(self, admin_client_company, company, other_company):
        response = admin_client_company.get(reverse("admin:crm_company_changelist"))
        other_company_page = admin_client_company.get(reverse("admin:crm_company_change", args=[other_company.pk]))

        assert changelist_pks(response) == {company.pk}
        assert other_company_page.status_code == 302

    def test_company_admin_cannot_add_a_company(self, admin_client_company):
        response = admin_client_company.get(reverse("admin:crm_company_add"))

        assert response.status_code == 403

    def test_company_admin_lists_only_own_company_users(
        self, admin_client_company, admin_user, superuser, company_member, other_company_member
    ):
        response = admin_client_company.get(reverse("admin:auth_user_changelist"))

        assert changelist_pks(response) == {admin_user.pk, company_member.pk}

    @pytest.mark.parametrize("url_name", ["admin:auth_user_changelist", "admin:crm_membership_changelist"])
    def test_user_and_membership_lists_do_not_query_per_row(
        self, admin_client_company, company, url_name, django_assert_max_num_queries
    ):
        for number in range(6):
            member(company, Role.REP, username=f"teammate-{number}")

        with django_assert_max_num_queries(10):
            response = admin_client_company.get(reverse(url_name))

        assert len(changelist_pks(response)) == 7

    @pytest.mark.parametrize("target", ["other_company_member", "superuser"])
    def test_company_admin_cannot_open_a_user_outside_the_company(self, request, admin_client_company, target):
        user = request.getfixturevalue(target)

        change = admin_client_company.get(reverse("admin:auth_user_change", args=[user.pk]))
        password = admin_client_company.get(reverse("admin:auth_user_password_change", args=[user.pk]))

        assert change.status_code == 302
        assert password.status_code == 404

    def test_company_admin_cannot_grant_django_permissions(self, admin_client_company, company_member):
        response = admin_client_company.get(reverse("admin:auth_user_change", args=[company_member.pk]))

        form_fields = response.context["adminform"].form.fields
        assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(form_fields)
        assert "is_active" in form_fields

    def test_a_user_added_by_a_company_admin_joins_the_company_as_rep(self, admin_client_company, company):
        response = admin_client_company.post(
            reverse("admin:auth_user_add"),
            {"username": "newbie", "usable_password": "true"}
            | {"password1": "a-Long-pass-phrase-42", "password2": "a-Long-pass-phrase-42"},
        )

        membership = Membership.objects.get(user__username="newbie")
        assert response.status_code == 302
        assert membership.company == company
        assert membership.role == Role.REP

    def test_company_admin_changes_a_role_in_the_user_page(self, admin_client_company, company, company_member):
        membership = company_member.membership

        response = admin_client_company.post(
            reverse("admin:auth_user_change", args=[company_member.pk]),
            {
                "username": company_member.username,
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_active": "on",
                "membership-TOTAL_FORMS": "1",
                "membership-INITIAL_FORMS": "1",
                "membership-MIN_NUM_FORMS": "0",
                "membership-MAX_NUM_FORMS": "1",
                "membership-0-id": membership.pk,
                "membership-0-user": company_member.pk,
                "membership-0-role": Role.MANAGER,
            },
        )

        membership.refresh_from_db()
        assert response.status_code == 302
        assert membership.role == Role.MANAGER
        assert membership.company == company

    def test_company_admin_lists_only_own_company_memberships(
        self, admin_client_company, admin_user, company_member, other_company_member
    ):
        response = admin_client_company.get(reverse("admin:crm_membership_changelist"))
        add = admin_client_company.get(reverse("admin:crm_membership_add"))

        assert changelist_pks(response) == {admin_user.membership.pk, company_member.membership.pk}
        assert add.status_code == 403


class TestAdminViewOnSite:
    """`/admin/r/<ct>/<pk>/` redirects only to records the staff user may see; another Company's is a 404."""

    def test_own_company_record_redirects_to_its_page(self, client, admin_user, company):
        from django.contrib.contenttypes.models import ContentType

        from accounts.models import Account

        account = AccountFactory(company=company)
        client.force_login(admin_user)

        response = client.get(f"/admin/r/{ContentType.objects.get_for_model(Account).pk}/{account.pk}/")

        assert response.status_code == 302
        assert response["Location"] == account.get_absolute_url()

    def test_other_company_record_is_a_404_like_a_missing_one(self, client, admin_user, other_company):
        from django.contrib.contenttypes.models import ContentType

        from accounts.models import Account

        other_account = AccountFactory(company=other_company)
        content_type = ContentType.objects.get_for_model(Account).pk
        client.force_login(admin_user)

        assert client.get(f"/admin/r/{content_type}/{other_account.pk}/").status_code == 404
        assert client.get(f"/admin/r/{content_type}/999999/").status_code == 404
        assert client.get(f"/admin/r/{content_type}/not-a-number/").status_code == 404


class TestErasureLogAdmin:
    def test_company_admin_sees_only_own_company_erasures_read_only(self, client, admin_user, company, other_company):
        from django.contrib.contenttypes.models import ContentType

        from crm.models import ErasureLog
        from leads.models import Lead

        content_type = ContentType.objects.get_for_model(Lead)
        own = ErasureLog.objects.create(company=company, content_type=content_type, object_id=4242)
        other = ErasureLog.objects.create(company=other_company, content_type=content_type, object_id=9191)
        client.force_login(admin_user)

        changelist = client.get("/admin/crm/erasurelog/")
        other_page = client.get(f"/admin/crm/erasurelog/{other.pk}/change/")

        assert changelist.status_code == 200
        assert b"4242" in changelist.content
        assert b"9191" not in changelist.content
        assert other_page.status_code == 302
        assert client.get(f"/admin/crm/erasurelog/{own.pk}/change/").status_code == 200
        assert client.get("/admin/crm/erasurelog/add/").status_code == 403
