"""Field history (issue 8, part 2): every path that changes a lead, account, contact or deal records who, when
and old -> new per field; the detail pages show it as a timeline, scoped like the record."""

import io
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.history import acting_as, history_entries
from deals.models import Deal, DealStage
from leads.models import Lead, LeadStage, LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKER = "ZQX-OTHER-COMPANY-MARKER"


def form_data(form) -> dict:
    """What a browser posts back for `form` as rendered (its initial values, hidden fields included)."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        elif isinstance(value, date):
            data[key] = value.isoformat()
        else:
            data[key] = str(value)
    return data


def edit_form_data(client, record, **changes) -> dict:
    """Load the record's edit page like a user would and return what its form posts, with `changes`."""
    response = client.get(edit_url(record))
    assert response.status_code == 200
    data = form_data(response.context["form"])
    data.update(changes)
    return data


def stored_version(record) -> int:
    return type(record).objects.values_list("version", flat=True).get(pk=record.pk)


def edit_url(record) -> str:
    return reverse(f"{record._meta.app_label}:update", kwargs={"pk": record.pk})


def last_change(record):
    return record.history.order_by("-history_date", "-history_id").first()


def previous_of(row):
    return type(row).objects.filter(id=row.id, history_id__lt=row.history_id).order_by("-history_id").first()


def last_change_of(record, field):
    """The newest historical row that changed `field` (a service may save twice, e.g. a deal edit), and the row
    before it."""
    rows = list(record.history.order_by("-history_date", "-history_id"))
    for row, before in pairwise(rows):
        if getattr(row, field) != getattr(before, field):
            return row, before
    raise AssertionError(f"no recorded change of {field}")


# One record of each tracked model, owned by the rep; per model a text field the tests change.
ENTITIES = {
    "lead": ("job_title", "company_name"),
    "account": ("industry", "description"),
    "contact": ("job_title", "notes"),
    "deal": ("name", "description"),
}


@pytest.fixture
def make_record(company, rep):
    def make(kind):
        if kind == "lead":
            return LeadFactory(company=company, lead_owner=rep, job_title="Analyst", company_name="Initech")
        if kind == "account":
            return AccountFactory(company=company, account_owner=rep, industry="Retail", description="First")
        if kind == "contact":
            return ContactFactory(company=company, owner=rep, job_title="Analyst", notes="First")
        return DealFactory(company=company, owner=rep, name="Big deal", description="First")

    return make


class TestEveryPathRecordsWhoAndWhat:
    @pytest.mark.parametrize("kind", list(ENTITIES))
    def test_an_edit_form_records_the_user_and_the_old_and_new_value(self, rep_client, rep, make_record, kind):
        record = make_record(kind)
        field, _ = ENTITIES[kind]
        old = getattr(record, field)
        data = edit_form_data(rep_client, record, **{field: "Changed by the form"})

        response = rep_client.post(edit_url(record), data)

        assert response.status_code == 302, response.context["form"].errors if response.context else response
        row, before = last_change_of(record, field)
        assert row.history_user == rep
        assert (getattr(before, field), getattr(row, field)) == (old, "Changed by the form")

    def test_a_change_in_the_admin_records_the_admin(self, admin_client_company, admin_user, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep, job_title="Analyst")
        url = reverse("admin:leads_lead_change", args=[lead.pk])
        data = form_data(admin_client_company.get(url).context["adminform"].form)
        data["job_title"] = "Changed in the admin"

        response = admin_client_company.post(url, data)

        assert response.status_code == 302
        row = last_change(lead)
        assert (row.history_user, row.job_title, previous_of(row).job_title) == (
            admin_user,
            "Changed in the admin",
            "Analyst",
        )

    def test_an_import_records_each_created_lead_and_each_updated_one(self, manager_client, manager, company, settings):
        from leads.importing.models import ImportMode, LeadImport

        existing = LeadFactory(company=company, email="person1@example.com", job_title="Old", lead_name="Person1 T")
        rows = [
            ["Name", "E-mail", "Company", "utm_campaign"],
            ["Person1 Tester", "person1@example.com", "Firm One", "fair"],
            ["Person2 Tester", "person2@example.com", "Firm Two", "fair"],
        ]
        upload = io.BytesIO("\r\n".join(",".join(row) for row in rows).encode())
        upload.name = "leads.csv"
        manager_client.post(reverse("leads:import"), {"file": upload})
        lead_import = LeadImport.objects.get()
        options = {"mode": ImportMode.UPDATE, "default_campaign": "fair", "action": "run"}
        options.update({f"column_{index}": name for index, name in enumerate(lead_import.mapping)})

        manager_client.post(lead_import.get_absolute_url(), options)

        created = Lead.objects.get(email="person2@example.com")
        created_row = created.history.get()
        assert (created_row.history_type, created_row.history_user, created_row.company_name) == (
            "+",
            manager,
            "Firm Two",
        )
        updated_row = last_change(existing)
        assert (updated_row.history_type, updated_row.history_user) == ("~", manager)
        assert (previous_of(updated_row).company_name, updated_row.company_name) == (existing.company_name, "Firm One")
        assert updated_row.version > existing.version

    def test_a_conversion_records_the_lead_and_creates_account_contact_and_deal_with_history(
        self, rep_client, rep, company
    ):
        lead = LeadFactory(
            company=company,
            lead_owner=rep,
            status=LeadStatus.QUALIFIED,
            email="ada@acme-widgets.com",
            company_name="Acme Widgets",
        )
        data = {
            "account": "new",
            "contact": "",
            "create_deal": "on",
            "deal_name": "",
            "amount": "",
            "forecast_category": "",
        }

        response = rep_client.post(reverse("leads:convert", kwargs={"pk": lead.pk}), data)

        assert response.status_code == 302
        lead.refresh_from_db()
        row = last_change(lead)
        assert (row.history_user, previous_of(row).status, row.status) == (
            rep,
            LeadStatus.QUALIFIED,
            LeadStatus.CONVERTED,
        )
        assert row.converted_to_account_id == lead.converted_to_account_id is not None
        for created in (lead.converted_to_account, lead.converted_contact, lead.converted_deal):
            assert created.history.filter(history_type="+", history_user=rep).exists()

    def test_a_deal_stage_move_records_the_stage_and_what_follows_it(self, rep_client, rep, company):
        deal = DealFactory(company=company, owner=rep, stage=DealStage.PROSPECTING)

        rep_client.post(reverse("deals:stage", kwargs={"pk": deal.pk}), {"stage": DealStage.PROPOSAL})

        row = last_change(deal)
        before = previous_of(row)
        assert row.history_user == rep
        assert (before.stage, row.stage) == (DealStage.PROSPECTING, DealStage.PROPOSAL)
        assert (before.probability, row.probability) == (10, 50)

    def test_a_lead_stage_move_records_the_stage(self, rep_client, rep, company):
        lead = LeadFactory(company=company, lead_owner=rep, stage=LeadStage.AWARENESS)

        rep_client.post(reverse("leads:stage", kwargs={"pk": lead.pk}), {"stage": LeadStage.DECISION})

        row = last_change(lead)
        assert (row.history_user, previous_of(row).stage, row.stage) == (rep, LeadStage.AWARENESS, LeadStage.DECISION)

    def test_taking_a_lead_from_the_queue_records_the_new_owner_and_bumps_the_version(self, rep_client, rep, company):
        lead = LeadFactory(company=company, lead_owner=None)

        rep_client.post(reverse("leads:take", kwargs={"pk": lead.pk}))

        row = last_change(lead)
        assert (row.history_user, previous_of(row).lead_owner_id, row.lead_owner_id) == (rep, None, rep.pk)
        assert row.history_change_reason == "Taken from the queue"
        lead.refresh_from_db()
        assert row.version == lead.version == 2

    def test_a_bulk_assignment_records_every_lead_it_assigns(self, manager_client, manager, company, rep, other_rep):
        leads = [LeadFactory(company=company, lead_owner=rep), LeadFactory(company=company, lead_owner=None)]
        converted = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.CONVERTED)

        manager_client.post(
            reverse("leads:bulk_assign"),
            {"leads": [lead.pk for lead in [*leads, converted]], "lead_owner": other_rep.pk},
        )

        for lead, old_owner in zip(leads, [rep.pk, None], strict=True):
            row = last_change(lead)
            assert (row.history_user, row.history_change_reason) == (manager, "Bulk assignment")
            assert (previous_of(row).lead_owner_id, row.lead_owner_id) == (old_owner, other_rep.pk)
            assert row.version == 2
        assert converted.history.count() == 1  # left alone, so nothing recorded

    def test_making_a_contact_primary_records_both_contacts(self, rep_client, rep, company):
        account = AccountFactory(company=company, account_owner=rep)
        previous = ContactFactory(company=company, account=account, owner=rep, is_primary_contact=True)
        contact = ContactFactory(company=company, account=account, owner=rep)

        rep_client.post(reverse("contacts:make_primary", kwargs={"pk": contact.pk}))

        for record, old, new in ((previous, True, False), (contact, False, True)):
            row = last_change(record)
            assert row.history_user == rep
            assert (previous_of(row).is_primary_contact, row.is_primary_contact) == (old, new)
        previous.refresh_from_db()
        assert previous.version == 2

    def test_a_service_called_outside_a_request_records_the_user_it_is_given(self, company, manager, rep):
        from leads import services

        lead = LeadFactory(company=company, lead_owner=None)

        services.lead_assign(lead=lead, owner=rep, by=manager)

        row = last_change(lead)
        assert (row.history_user, row.history_change_reason, row.lead_owner_id) == (manager, "Assigned", rep.pk)

    def test_queryset_updates_and_bulk_writes_record_too(self, company, manager):
        leads = [LeadFactory(company=company, job_title="Old") for _ in range(3)]

        with acting_as(manager, reason="Cleanup"):
            Lead.objects.filter(pk__in=[lead.pk for lead in leads[:2]]).update(job_title="New")
            Lead.objects.bulk_update([Lead(pk=leads[2].pk, job_title="Bulk", version=1)], ["job_title"])
            created = Lead.objects.bulk_create([Lead(company=company, campaign="bulk", email="bulk@example.com")])

        rows = [last_change(lead) for lead in leads]
        assert [(row.job_title, row.history_user, row.history_change_reason, row.version) for row in rows] == [
            ("New", manager, "Cleanup", 2),
            ("New", manager, "Cleanup", 2),
            ("Bulk", manager, "Cleanup", 2),
        ]
        assert created[0].history.get().history_type == "+"

    def test_an_update_that_matches_nothing_records_nothing(self, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep)

        taken = Lead.objects.filter(pk=lead.pk, lead_owner__isnull=True).update(lead_owner=rep)

        assert taken == 0
        assert lead.history.count() == 1
        assert stored_version(lead) == 1

    def test_the_updated_at_stamp_alone_is_not_tracked(self):
        tracked = {field.name for field in Lead.history.model.tracked_fields}

        assert "updated_at" not in tracked
        assert {"lead_owner", "status", "stage", "email", "version"} <= tracked


class TestTheAdminHistoryPage:
    def test_shows_the_changes_of_a_record_of_the_company(self, admin_client_company, company, manager):
        lead = LeadFactory(company=company, job_title="Analyst")
        with acting_as(manager):
            Lead.objects.filter(pk=lead.pk).update(job_title="Admin history value")

        response = admin_client_company.get(reverse("admin:leads_lead_history", args=[lead.pk]))

        assert response.status_code == 200
        assert "Admin history value" in response.content.decode()

    @pytest.mark.parametrize("model_name", ["lead", "account", "contact", "deal"])
    def test_another_companys_record_does_not_exist_there(self, admin_client_company, other_company, model_name):
        record = {
            "lead": LeadFactory,
            "account": AccountFactory,
            "contact": ContactFactory,
            "deal": DealFactory,
        }[model_name](company=other_company)
        type(record).objects.filter(pk=record.pk).update(**{ENTITIES[model_name][1]: MARKER})
        version_id = record.history.order_by("-history_id").first().history_id
        app = record._meta.app_label

        history = admin_client_company.get(reverse(f"admin:{app}_{model_name}_history", args=[record.pk]))
        version = admin_client_company.get(
            reverse(f"admin:{app}_{model_name}_simple_history", args=[record.pk, version_id])
        )

        assert (history.status_code, history["Location"]) == (302, reverse("admin:index"))
        assert (version.status_code, version["Location"]) == (302, reverse("admin:index"))
        assert MARKER not in history.content.decode() + version.content.decode()

    def test_an_old_version_cannot_be_reverted_to(self, admin_client_company, company):
        lead = LeadFactory(company=company, job_title="Old")
        Lead.objects.filter(pk=lead.pk).update(job_title="New")
        first = lead.history.order_by("history_id").first()
        url = reverse("admin:leads_lead_simple_history", args=[lead.pk, first.history_id])
        data = form_data(admin_client_company.get(url).context["adminform"].form)

        response = admin_client_company.post(url, data)

        assert response.status_code == 403
        lead.refresh_from_db()
        assert lead.job_title == "New"


class TestTheTimeline:
    def test_the_lead_page_shows_who_when_and_old_to_new_with_labels_newest_first(
        self, manager_client, manager, company, rep
    ):
        rep.first_name, rep.last_name = "Rita", "Rep"
        rep.save()
        lead = LeadFactory(company=company, lead_owner=None, status=LeadStatus.NEW)
        from leads import services

        services.lead_assign(lead=lead, owner=rep, by=manager)
        services.lead_set_status(lead=lead, status=LeadStatus.CONTACTED, by=manager)

        response = manager_client.get(lead.get_absolute_url())

        entries = response.context["history_entries"]
        assert [entry.kind for entry in entries] == ["changed", "changed", "created"]
        status_change = next(change for change in entries[0].changes if change.name == "status")
        assert (status_change.label, status_change.old, status_change.new) == ("Status", "New", "Contacted")
        owner_change = entries[1].changes[0]
        assert (owner_change.label, owner_change.old, owner_change.new) == ("Owner", "—", "Rita Rep")
        html = response.content.decode()
        assert 'data-testid="history"' in html
        assert "Rita Rep" in html and "Contacted" in html

    @pytest.mark.parametrize("kind", list(ENTITIES))
    def test_every_detail_page_shows_its_timeline(self, rep_client, make_record, kind):
        record = make_record(kind)
        field, _ = ENTITIES[kind]
        with acting_as(UserFactory(first_name="Tim", last_name="Line")):
            type(record).objects.filter(pk=record.pk).update(**{field: "Timeline value"})

        response = rep_client.get(record.get_absolute_url())

        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="history-entry"' in html
        assert "Timeline value" in html
        assert "Tim Line" in html

    @pytest.mark.parametrize("kind", list(ENTITIES))
    def test_another_companys_user_never_sees_the_history(self, outsider_client, make_record, kind):
        record = make_record(kind)
        field, _ = ENTITIES[kind]
        type(record).objects.filter(pk=record.pk).update(**{field: MARKER})

        response = outsider_client.get(record.get_absolute_url())

        assert response.status_code == 404
        assert MARKER not in response.content.decode()

    def test_a_rep_does_not_see_the_history_of_another_reps_lead(self, rep_client, company, other_rep):
        lead = LeadFactory(company=company, lead_owner=other_rep)
        Lead.objects.filter(pk=lead.pk).update(job_title=MARKER)

        response = rep_client.get(lead.get_absolute_url())

        assert response.status_code == 404

    def test_a_related_record_the_user_may_not_see_is_named_by_number_only(self, rep, company, other_rep):
        hidden = LeadFactory(company=company, lead_owner=other_rep, lead_name=MARKER, first_name="", last_name="")
        lead = LeadFactory(company=company, lead_owner=rep)
        Lead.objects.filter(pk=lead.pk).update(is_duplicate=True, duplicate_of=hidden)
        lead.refresh_from_db()

        entries = history_entries(lead, user=rep)

        change = next(change for change in entries[0].changes if change.name == "duplicate_of")
        assert change.new == f"Lead #{hidden.pk}"
        assert MARKER not in repr(entries)

    def test_choices_booleans_money_and_dates_read_like_the_page(self, manager, company):
        deal = DealFactory(company=company, owner=manager, amount=Decimal("100.00"), expected_close_date=None)

        Deal.objects.filter(pk=deal.pk).update(
            amount=Decimal("250.50"), expected_close_date=date(2030, 1, 31), probability_is_manual=True
        )

        changes = {change.name: change for change in history_entries(deal, user=manager)[0].changes}
        assert (changes["amount"].old, changes["amount"].new) == ("100.00", "250.50")
        assert (changes["expected_close_date"].old, changes["expected_close_date"].new) == ("—", "Jan. 31, 2030")
        assert (changes["probability_is_manual"].old, changes["probability_is_manual"].new) == ("No", "Yes")

    def test_the_lead_page_costs_the_same_queries_for_a_long_history(self, manager_client, manager, company, rep):
        from leads import services

        short = LeadFactory(company=company, lead_owner=None)
        long = LeadFactory(company=company, lead_owner=None)
        services.lead_assign(lead=short, owner=rep, by=manager)
        for owner in [rep, manager] * 10:
            services.lead_assign(lead=long, owner=owner, by=manager)

        with CaptureQueriesContext(connection) as short_page:
            manager_client.get(short.get_absolute_url())
        with CaptureQueriesContext(connection) as long_page:
            response = manager_client.get(long.get_absolute_url())

        assert len(response.context["history_entries"]) == 21
        assert len(long_page.captured_queries) == len(short_page.captured_queries)

    @pytest.mark.parametrize("model", [Lead, Account, Contact, Deal])
    def test_every_tracked_model_has_a_history(self, model):
        assert model.history.model._meta.db_table.startswith(f"{model._meta.app_label}_historical")
