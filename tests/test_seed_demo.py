"""`manage.py seed_demo`: the demo logins, a realistic data set, determinism and idempotence."""

import contextlib
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Account
from accounts.validators import validate_gstin
from contacts.models import Contact
from crm.models import Company, Role
from crm.site.demo import DEMO_PASSWORD
from deals.models import STAGE_PROBABILITY, Deal, DealStage
from leads.models import Lead

from .conftest import FAST_PASSWORD_HASHERS
from .factories import CompanyFactory, member

LOGINS = {"admin": Role.ADMIN, "manager": Role.MANAGER, "rep1": Role.REP, "rep2": Role.REP}


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


@pytest.fixture(scope="class")
def seeded_once(django_db_setup, django_db_blocker):
    """One run for a class of tests that only read the demo data (each test still rolls back what it writes),
    rolled back after the class, as tests/trust/grid.py builds its world once per module."""
    # Before the tests' own fast-hasher fixture: hash the demo passwords the way the tests check them.
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS), django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


class SeededOnce:
    """The class's tests share one seed_demo run (a run costs seconds, on PostgreSQL many)."""

    @pytest.fixture
    def seeded(self, seeded_once, db):
        return seeded_once


@pytest.fixture
def demo():
    return Company.objects.get(slug="demo")


def every_row() -> dict[str, list]:
    """Every row of every table, by model: what a second run must leave exactly as it was."""
    return {model._meta.label: list(model._base_manager.order_by("pk").values()) for model in apps.get_models()}


def fingerprint() -> dict[str, list]:
    """The demo data without primary keys and timestamps: equal for two runs with the same seed."""
    return {
        "accounts": sorted(Account.objects.values_list("name", "gstin", "account_type", "account_owner__username")),
        "contacts": sorted(Contact.objects.values_list("email", "account__name", "is_primary_contact", "role")),
        "deals": sorted(Deal.objects.values_list("name", "amount", "stage", "probability", "owner__username")),
        "leads": sorted(
            Lead.objects.values_list("lead_name", "email", "status", "campaign", "lead_owner__username", "lead_score")
        ),
    }


class _Rollback(Exception):
    pass


def seed_and_roll_back() -> dict[str, list]:
    result = {}
    with contextlib.suppress(_Rollback), transaction.atomic():
        seed()
        result = fingerprint()
        raise _Rollback
    return result


@pytest.mark.django_db
class TestSeedDemoLogins(SeededOnce):
    def test_it_creates_the_demo_company_and_its_four_users_with_their_roles(self, seeded, demo):
        users = get_user_model().objects.filter(membership__company=demo)

        assert demo.name == "Demo Corp"
        assert {user.username: user.membership.role for user in users} == LOGINS
        assert all(user.check_password("demo-pass-2026") for user in users)
        assert [user.username for user in users if user.is_staff] == ["admin"]
        assert not any(user.is_superuser for user in users)

    def test_it_prints_every_login_and_the_password(self, seeded):
        assert DEMO_PASSWORD == "demo-pass-2026"
        assert "demo-pass-2026" in seeded
        for username in LOGINS:
            assert f"  {username} " in seeded

    @pytest.mark.parametrize("username", list(LOGINS))
    def test_each_printed_login_signs_in(self, seeded, client, username):
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)

        assert response.context["user"].username == username
        assert b"Demo Corp" in response.content


@pytest.mark.django_db
class TestSeedDemoData(SeededOnce):
    def test_it_creates_the_stated_counts(self, seeded, demo):
        contacts = Contact.objects.for_company(demo).count()

        assert Lead.objects.for_company(demo).count() == 500
        assert Account.objects.for_company(demo).count() == 60
        assert 60 + 30 <= contacts <= 60 * 4
        assert Deal.objects.for_company(demo).count() == 80

    def test_leads_cover_the_statuses_campaigns_sources_and_the_queue(self, seeded, demo):
        leads = Lead.objects.for_company(demo)
        statuses = Counter(leads.values_list("status", flat=True))

        assert all(statuses[status] >= 30 for status in ("new", "contacted", "qualified", "disqualified"))
        assert leads.queue().count() >= 30
        assert leads.spam().exists()
        assert len(set(leads.values_list("campaign", flat=True))) >= 6
        assert len(set(leads.values_list("source", flat=True))) >= 6
        assert leads.filter(is_duplicate=True, duplicate_of__isnull=False).exists()
        assert set(leads.exclude(lead_owner=None).values_list("lead_owner__username", flat=True)) <= set(LOGINS)

    def test_leads_carry_bant_fields_and_consent(self, seeded, demo):
        leads = Lead.objects.for_company(demo)
        qualified = leads.filter(status="qualified")

        assert not qualified.filter(budget_range="").exists()
        assert not qualified.filter(authority_level="unknown").exists()
        assert leads.filter(gdpr_consent=True, opt_in_date__isnull=False).count() >= 200
        assert leads.filter(gdpr_consent=False).count() >= 100
        assert 5 <= leads.filter(dnd_status=True).count() <= 100
        assert not leads.filter(status="disqualified", disqualified_reason="").exists()

    def test_converted_leads_link_to_their_account_contact_and_deal(self, seeded, demo):
        converted = Lead.objects.for_company(demo).filter(status="converted").select_related("converted_deal")

        assert converted.count() >= 10
        for lead in converted:
            assert lead.converted_contact.account_id == lead.converted_to_account_id
            assert lead.converted_deal.account_id == lead.converted_to_account_id
            assert lead.converted_deal.campaign == lead.campaign
            assert lead.converted_deal.source == lead.source
            assert lead.converted_at is not None

    def test_every_account_has_exactly_one_primary_contact(self, seeded, demo):
        primaries = Counter(
            Contact.objects.for_company(demo).filter(is_primary_contact=True).values_list("account_id", flat=True)
        )

        assert set(primaries) == set(Account.objects.for_company(demo).values_list("pk", flat=True))
        assert set(primaries.values()) == {1}

    def test_some_accounts_have_valid_unique_gstins(self, seeded, demo):
        gstins = list(Account.objects.for_company(demo).exclude(gstin="").values_list("gstin", flat=True))

        for gstin in gstins:
            validate_gstin(gstin)
        assert 5 <= len(gstins) < 60
        assert len(set(gstins)) == len(gstins)

    def test_deals_span_every_stage_and_the_past_three_and_next_six_months(self, seeded, demo):
        deals = Deal.objects.for_company(demo)
        today = timezone.localdate()
        close_dates = list(deals.values_list("expected_close_date", flat=True))

        assert set(deals.values_list("stage", flat=True)) == set(DealStage.values)
        assert set(deals.values_list("owner__username", flat=True)) == {"rep1", "rep2"}
        assert min(close_dates) >= today - timedelta(days=92)
        assert max(close_dates) <= today + timedelta(days=184)
        assert min(close_dates) < today - timedelta(days=45)
        assert max(close_dates) > today + timedelta(days=120)
        assert not deals.filter(amount__lte=0).exists()

    def test_deals_follow_the_pipeline_rules(self, seeded, demo):
        deals = Deal.objects.for_company(demo).select_related("primary_contact", "account")

        for deal in deals:
            if not deal.probability_is_manual:
                assert deal.probability == STAGE_PROBABILITY[deal.stage]
            assert (deal.closed_at is not None) == (deal.stage in ("closed_won", "closed_lost"))
            assert bool(deal.lost_reason) == (deal.stage == "closed_lost")
            assert deal.primary_contact is None or deal.primary_contact.account_id == deal.account_id
            if deal.stage == "closed_won":
                assert deal.account.account_type == "customer"
        assert deals.filter(probability_is_manual=True).exists()

    def test_records_are_spread_over_time(self, seeded, demo):
        lead_days = {lead.created_at.date() for lead in Lead.objects.for_company(demo)}

        assert len(lead_days) >= 60
        assert not Lead.objects.for_company(demo).filter(created_at__gt=timezone.now()).exists()
        assert not Deal.objects.for_company(demo).filter(closed_at__lt=timezone.now() - timedelta(days=92)).exists()

    def test_every_seeded_record_passes_full_clean(self, seeded, demo):
        problems = {}
        for model in (Account, Contact, Deal, Lead):
            for record in model.objects.for_company(demo):
                try:
                    # The database has already checked the constraints (bulk_create went through them).
                    record.full_clean(validate_constraints=False)
                except ValidationError as error:
                    problems[f"{model.__name__} {record.pk}"] = error

        assert problems == {}


@pytest.mark.django_db
class TestSeedDemoRunsAgain:
    def test_a_second_run_changes_no_row_and_prints_the_logins_again(self, seeded):
        before = every_row()

        output = seed()

        assert every_row() == before
        assert "Nothing created" in output
        for username in LOGINS:
            assert f"  {username} " in output

    def test_the_same_seed_gives_the_same_data(self):
        first = seed_and_roll_back()

        second = seed_and_roll_back()

        assert first["leads"]
        assert first == second

    def test_a_changed_demo_password_is_set_back(self, seeded):
        rep = get_user_model().objects.get(username="rep1")
        rep.set_password("something-else")
        rep.save()

        seed()

        rep.refresh_from_db()
        assert rep.check_password(DEMO_PASSWORD)

    def test_a_demo_username_taken_in_another_company_stops_it_and_creates_nothing(self):
        member(CompanyFactory(slug="elsewhere"), Role.MANAGER, username="manager")

        with pytest.raises(CommandError, match="manager"):
            seed()

        assert not Company.objects.filter(slug="demo").exists()
        assert not get_user_model().objects.filter(username__in=["admin", "rep1", "rep2"]).exists()
        assert not Lead.objects.exists()
