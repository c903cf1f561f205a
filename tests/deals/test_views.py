from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AccountType, Lifecycle
from crm.models import Role
from deals.models import Deal, DealStage, ForecastCategory
from tests.factories import AccountFactory, ContactFactory, DealFactory, member

# (url name, needs a pk, method)
PAGES = [
    ("deals:list", False),
    ("deals:create", False),
    ("deals:detail", True),
    ("deals:update", True),
]
ACTIONS = ["deals:stage", "deals:close_won", "deals:close_lost"]
ACTION_DATA = {
    "deals:stage": {"stage": "proposal"},
    "deals:close_won": {},
    "deals:close_lost": {"lost_reason": "Price"},
}


def _first_message(response):
    return str(next(iter(response.context["messages"])))


def _url(name, deal, needs_pk=True):
    return reverse(name, kwargs={"pk": deal.pk}) if needs_pk else reverse(name)


def _form_data(for_account, **overrides):
    data = {
        "name": "Hosting contract",
        "account": for_account.pk,
        "primary_contact": "",
        "owner": "",
        "stage": "prospecting",
        "amount": "12500.00",
        "currency": "usd",
        "probability": "",
        "forecast_category": "",
        "expected_close_date": "2030-03-31",
        "source": "referral",
        "campaign": "partner-week",
        "medium": "email",
        "term": "",
        "lost_reason": "",
        "description": "Three-year hosting.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestAnonymousUsers:
    @pytest.mark.parametrize(("name", "needs_pk"), PAGES)
    def test_are_sent_to_the_login_page(self, client, deal, name, needs_pk):
        response = client.get(_url(name, deal, needs_pk))

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    @pytest.mark.parametrize("name", ACTIONS)
    def test_cannot_run_actions(self, client, deal, name):
        response = client.post(_url(name, deal), ACTION_DATA[name])

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING


# The deal belongs to `rep`. Reps see and edit only their own deals; managers and admins all of the Company;
# a user of another Company gets a 404 (the deal's existence is not disclosed).
ROLE_GRID = [
    ("rep", 200, 200),
    ("other_rep", 404, 404),
    ("manager", 200, 200),
    ("admin_user", 200, 200),
    ("outsider", 404, 404),
]


@pytest.mark.django_db
class TestRoleGrid:
    @pytest.mark.parametrize(("user_fixture", "detail_status", "edit_status"), ROLE_GRID)
    def test_detail_and_edit_pages(self, client, request, deal, user_fixture, detail_status, edit_status):
        client.force_login(request.getfixturevalue(user_fixture))

        detail = client.get(_url("deals:detail", deal))
        edit = client.get(_url("deals:update", deal))

        assert detail.status_code == detail_status
        assert edit.status_code == edit_status

    @pytest.mark.parametrize(("user_fixture", "sees_deal"), [(user, status == 200) for user, status, _ in ROLE_GRID])
    def test_the_list_shows_only_visible_deals(self, client, request, deal, user_fixture, sees_deal):
        client.force_login(request.getfixturevalue(user_fixture))

        response = client.get(reverse("deals:list"))

        assert response.status_code == 200
        assert (deal in response.context["object_list"]) is sees_deal

    @pytest.mark.parametrize("user_fixture", ["rep", "other_rep", "manager", "outsider"])
    def test_everyone_with_a_company_may_open_the_create_page(self, client, request, user_fixture):
        client.force_login(request.getfixturevalue(user_fixture))

        response = client.get(reverse("deals:create"))

        assert response.status_code == 200

    def test_a_user_without_a_company_may_not_create_deals(self, client, db):
        from tests.factories import UserFactory

        client.force_login(UserFactory(username="drifter"))

        assert client.get(reverse("deals:create")).status_code == 403

    @pytest.mark.parametrize("name", ACTIONS)
    @pytest.mark.parametrize(
        ("user_fixture", "status", "changes"),
        [("rep", 302, True), ("other_rep", 404, False), ("manager", 302, True), ("outsider", 404, False)],
    )
    def test_actions(self, client, request, deal, name, user_fixture, status, changes):
        client.force_login(request.getfixturevalue(user_fixture))

        response = client.post(_url(name, deal), ACTION_DATA[name])

        deal.refresh_from_db()
        assert response.status_code == status
        assert (deal.stage != DealStage.PROSPECTING) is changes

    def test_a_visible_deal_that_the_user_may_not_edit_is_forbidden(self, client, company, deal, monkeypatch):
        manager = member(company, Role.MANAGER, username="watcher")
        client.force_login(manager)
        monkeypatch.setattr(Deal, "can_edit", lambda self, user: False)

        assert client.get(_url("deals:update", deal)).status_code == 403
        assert client.post(_url("deals:close_won", deal)).status_code == 403

    @pytest.mark.parametrize("name", ACTIONS)
    def test_actions_refuse_get(self, rep_client, deal, name):
        assert rep_client.get(_url(name, deal)).status_code == 405


@pytest.mark.django_db
class TestCreateDeal:
    def test_a_rep_creates_a_deal_and_lands_on_its_page(self, rep_client, rep, account, company):
        response = rep_client.post(reverse("deals:create"), _form_data(account, owner=rep.pk), follow=True)

        deal = Deal.objects.get(name="Hosting contract")
        assert response.redirect_chain[-1][0] == deal.get_absolute_url()
        assert deal.company == company
        assert deal.created_by == rep
        assert deal.owner == rep
        assert deal.amount == Decimal("12500.00")
        assert deal.currency == "USD"
        assert deal.probability == 10
        assert deal.probability_is_manual is False
        assert deal.forecast_category == ForecastCategory.WORST_CASE
        assert deal.campaign == "partner-week"
        assert "created" in _first_message(response)

    def test_the_form_starts_with_the_company_currency_and_the_user_as_owner(self, rep_client, rep, company):
        company.currency = "INR"
        company.save()

        response = rep_client.get(reverse("deals:create"))

        form = response.context["form"]
        assert form.initial["currency"] == "INR"
        assert form.initial["owner"] == rep.pk

    def test_a_deal_created_as_closed_won_makes_the_account_a_customer(self, rep_client, rep, account):
        rep_client.post(reverse("deals:create"), _form_data(account, owner=rep.pk, stage="closed_won"))

        deal = Deal.objects.get(name="Hosting contract")
        account.refresh_from_db()
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert account.account_type == AccountType.CUSTOMER

    def test_a_rep_cannot_give_a_new_deal_to_another_rep(self, rep_client, other_rep, account):
        response = rep_client.post(reverse("deals:create"), _form_data(account, owner=other_rep.pk))

        assert response.status_code == 200
        assert "owner" in response.context["form"].errors
        assert not Deal.objects.exists()

    def test_a_manager_may_create_an_unassigned_deal(self, manager_client, account):
        manager_client.post(reverse("deals:create"), _form_data(account))

        assert Deal.objects.get().owner is None

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"name": ""}, "name"),
            ({"account": ""}, "account"),
            ({"amount": "-5"}, "amount"),
            ({"currency": "dollars"}, "currency"),
            ({"currency": "U1D"}, "currency"),
            ({"probability": "150"}, "probability"),
            ({"expected_close_date": "31/31/2030"}, "expected_close_date"),
            ({"stage": "won"}, "stage"),
            ({"stage": "closed_lost", "lost_reason": ""}, "lost_reason"),
        ],
    )
    def test_invalid_input_shows_the_error_on_the_field_and_saves_nothing(
        self, rep_client, rep, account, overrides, field
    ):
        response = rep_client.post(reverse("deals:create"), _form_data(account, owner=rep.pk, **overrides))

        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert b"Nothing was saved" in response.content
        assert not Deal.objects.exists()

    def test_a_contact_of_another_account_is_an_error_on_the_contact_field(self, rep_client, rep, account, company):
        stranger = ContactFactory(company=company)

        response = rep_client.post(
            reverse("deals:create"), _form_data(account, owner=rep.pk, primary_contact=stranger.pk)
        )

        assert "contact of the deal" in response.context["form"].errors["primary_contact"][0]
        assert 'id="id_primary_contact_error"' in response.content.decode()
        assert not Deal.objects.exists()

    @pytest.mark.parametrize("field", ["account", "primary_contact", "owner"])
    def test_a_record_of_another_company_is_a_form_error(self, manager_client, account, other_company, field):
        foreign_account = AccountFactory(company=other_company)
        foreign = {
            "account": foreign_account,
            "primary_contact": ContactFactory(company=other_company, account=foreign_account),
            "owner": member(other_company, Role.REP, username="spy"),
        }[field]

        response = manager_client.post(reverse("deals:create"), _form_data(account, **{field: foreign.pk}))

        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Deal.objects.exists()


@pytest.mark.django_db
class TestEditDeal:
    def test_the_edit_form_round_trips_every_field(self, rep_client, rep, deal, contact):
        response = rep_client.get(_url("deals:update", deal))
        form = response.context["form"]
        data = {name: form[name].value() for name in form.fields}
        data = {name: ("" if value is None else value) for name, value in data.items()}
        data["name"] = "Initech renewal, three years"

        response = rep_client.post(_url("deals:update", deal), data)

        assert response.status_code == 302
        deal.refresh_from_db()
        assert deal.name == "Initech renewal, three years"
        assert deal.primary_contact == contact
        assert deal.owner == rep
        assert deal.stage == DealStage.PROSPECTING
        assert deal.probability == 10
        assert deal.probability_is_manual is False

    def test_a_probability_typed_by_hand_is_marked_manual(self, rep_client, rep, deal, account):
        rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, probability="35"))

        deal.refresh_from_db()
        assert deal.probability == 35
        assert deal.probability_is_manual is True

    def test_typing_the_stage_default_is_not_a_manual_probability(self, rep_client, rep, deal, account):
        rep_client.post(
            _url("deals:update", deal), _form_data(account, owner=rep.pk, stage="proposal", probability="50")
        )

        deal.refresh_from_db()
        assert deal.probability == 50
        assert deal.probability_is_manual is False

    def test_emptying_the_probability_resets_it_to_the_stage_default(self, rep_client, rep, deal, account):
        deal.stage, deal.probability, deal.probability_is_manual = DealStage.PROPOSAL, 35, True
        deal.save()

        response = rep_client.get(_url("deals:update", deal))
        rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, stage="proposal"))

        assert response.context["form"]["probability"].value() == 35
        deal.refresh_from_db()
        assert deal.probability == 50
        assert deal.probability_is_manual is False

    def test_a_forecast_category_chosen_by_hand_is_marked_manual(self, rep_client, rep, deal, account):
        rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, forecast_category="commit"))

        deal.refresh_from_db()
        assert deal.forecast_category == ForecastCategory.COMMIT
        assert deal.forecast_category_is_manual is True

    def test_a_stage_change_moves_the_probability_unless_it_was_set_by_hand(self, rep_client, rep, deal, account):
        rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, stage="negotiation"))

        deal.refresh_from_db()
        assert deal.probability == 75
        assert deal.forecast_category == ForecastCategory.COMMIT

    def test_winning_through_the_edit_form_makes_the_account_a_customer(self, rep_client, rep, deal, account):
        response = rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, stage="closed_won"))

        assert response.status_code == 302
        deal.refresh_from_db()
        account.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.probability == 100
        assert deal.closed_at is not None
        assert account.account_type == AccountType.CUSTOMER
        assert account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_invalid_input_saves_nothing(self, rep_client, rep, deal, account):
        response = rep_client.post(_url("deals:update", deal), _form_data(account, owner=rep.pk, name="", amount="-1"))

        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"name", "amount"}
        deal.refresh_from_db()
        assert deal.name == "Initech renewal"

    def test_a_manager_may_reassign_a_deal(self, manager_client, other_rep, deal, account):
        manager_client.post(_url("deals:update", deal), _form_data(account, owner=other_rep.pk))

        deal.refresh_from_db()
        assert deal.owner == other_rep

    def test_an_inactive_account_is_not_offered_for_a_new_deal_but_kept_on_an_existing_one(
        self, rep_client, deal, account, company
    ):
        inactive = AccountFactory(company=company, is_active=False)
        account.deactivate()

        new_choices = rep_client.get(reverse("deals:create")).context["form"].fields["account"].queryset
        edit_choices = rep_client.get(_url("deals:update", deal)).context["form"].fields["account"].queryset

        assert inactive not in new_choices
        assert account not in new_choices
        assert account in edit_choices


@pytest.mark.django_db
class TestStageActions:
    def test_moving_to_negotiation_takes_its_default_probability(self, rep_client, deal):
        response = rep_client.post(_url("deals:stage", deal), {"stage": "negotiation"}, follow=True)

        deal.refresh_from_db()
        assert deal.stage == DealStage.NEGOTIATION
        assert deal.probability == 75
        assert response.redirect_chain[-1][0] == deal.get_absolute_url()
        assert "Negotiation" in _first_message(response)

    def test_a_probability_set_by_hand_is_kept(self, rep_client, deal):
        deal.probability, deal.probability_is_manual = 60, True
        deal.save()

        rep_client.post(_url("deals:stage", deal), {"stage": "proposal"})

        deal.refresh_from_db()
        assert deal.stage == DealStage.PROPOSAL
        assert deal.probability == 60

    def test_an_unknown_stage_changes_nothing(self, rep_client, deal):
        response = rep_client.post(_url("deals:stage", deal), {"stage": "signed"}, follow=True)

        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING
        assert "not changed" in _first_message(response)

    def test_moving_to_closed_lost_without_a_reason_changes_nothing(self, rep_client, deal):
        rep_client.post(_url("deals:stage", deal), {"stage": "closed_lost"})

        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING

    def test_close_won_makes_the_account_a_customer(self, rep_client, deal, account):
        rep_client.post(_url("deals:close_won", deal))

        deal.refresh_from_db()
        account.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_WON
        assert deal.closed_at is not None
        assert account.lifecycle_stage == Lifecycle.CUSTOMER

    def test_close_lost_asks_for_a_reason(self, rep_client, deal):
        response = rep_client.post(_url("deals:close_lost", deal), {"lost_reason": ""}, follow=True)

        deal.refresh_from_db()
        assert deal.stage == DealStage.PROSPECTING
        assert "why it was lost" in _first_message(response)

    def test_close_lost_records_the_reason(self, rep_client, deal):
        rep_client.post(_url("deals:close_lost", deal), {"lost_reason": "No budget this year"})

        deal.refresh_from_db()
        assert deal.stage == DealStage.CLOSED_LOST
        assert deal.lost_reason == "No budget this year"
        assert deal.closed_at is not None

    def test_the_action_returns_to_a_safe_next_url(self, rep_client, deal):
        back = rep_client.post(_url("deals:stage", deal), {"stage": "proposal", "next": "/deals/?stage=proposal"})
        away = rep_client.post(_url("deals:stage", deal), {"stage": "proposal", "next": "https://evil.example/"})

        assert back["Location"] == "/deals/?stage=proposal"
        assert away["Location"] == deal.get_absolute_url()


@pytest.mark.django_db
class TestDealPage:
    def test_shows_every_group_of_fields(self, rep_client, deal):
        deal.campaign, deal.medium, deal.term, deal.source = "spring-launch", "cpc", "crm software", "web"
        deal.save()

        response = rep_client.get(_url("deals:detail", deal))

        content = response.content.decode()
        for text in [
            "Value &amp; forecast",
            "People",
            "Attribution",
            "Closing",
            "USD 10,000.00",
            "USD 1,000.00",  # weighted: 10 % of 10,000
            "Initech",
            "Peter Gibbons",
            "spring-launch",
            "crm software",
            "Web form",
            "Created by hand",
        ]:
            assert text in content

    def test_links_the_source_lead(self, rep_client, rep, deal, company):
        from tests.factories import LeadFactory

        lead = LeadFactory(company=company, lead_owner=rep, converted_deal=deal)

        response = rep_client.get(_url("deals:detail", deal))

        assert response.context["source_lead"] == lead
        assert lead.get_absolute_url() in response.content.decode()

    def test_does_not_link_a_source_lead_the_user_may_not_open(self, rep_client, other_rep, deal, company):
        from tests.factories import LeadFactory

        lead = LeadFactory(company=company, lead_owner=other_rep, converted_deal=deal)

        response = rep_client.get(_url("deals:detail", deal))

        assert response.context["source_lead_visible"] is False
        assert lead.get_absolute_url() not in response.content.decode()

    def test_a_closed_won_deal_offers_no_close_won_button(self, rep_client, company, rep):
        won_deal = DealFactory(company=company, owner=rep, stage=DealStage.CLOSED_WON)

        response = rep_client.get(_url("deals:detail", won_deal))

        assert reverse("deals:close_won", kwargs={"pk": won_deal.pk}).encode() not in response.content

    def test_runs_a_fixed_number_of_queries(self, rep_client, rep, deal, company, django_assert_max_num_queries):
        from tests.factories import LeadFactory

        LeadFactory(company=company, lead_owner=rep, converted_deal=deal)

        # session, user, membership, company, the deal with its account, contact, owner, creator and source lead,
        # and whether the user may open that lead
        with django_assert_max_num_queries(6):
            response = rep_client.get(_url("deals:detail", deal))

        assert response.status_code == 200
