"""Concurrent edits lose nothing (issue 8, part 3): versions, edit conflicts shown and re-applied, and a create
form that creates once however often it is submitted."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.forms import TOKEN_FIELD, VERSION_FIELD
from crm.models import ConcurrentEditError, SubmissionToken
from deals.models import Deal
from leads.models import Lead
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

from .test_history import ENTITIES, edit_form_data, edit_url, form_data

CONFLICT_WARNING = "Someone else changed this record while you were editing"


def stored(record):
    return type(record).objects.get(pk=record.pk)


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


@pytest.fixture
def second_client(manager):
    """Another browser: the manager, editing the same record as the rep."""
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.django_db
class TestTheVersion:
    def test_a_new_record_starts_at_one_and_every_save_adds_one(self, company):
        lead = LeadFactory(company=company)
        first = lead.version

        lead.job_title = "Engineer"
        lead.save()
        lead.save(update_fields=["job_title"])

        assert (first, lead.version, stored(lead).version) == (1, 3, 3)

    def test_queryset_and_bulk_updates_add_one_too(self, company):
        lead = LeadFactory(company=company)

        Lead.objects.filter(pk=lead.pk).update(job_title="Updated")
        Lead.objects.bulk_update([stored(lead)], ["job_title"])

        assert stored(lead).version == 3

    def test_a_save_with_the_version_the_user_saw_is_a_conditional_update(self, company):
        lead = LeadFactory(company=company)
        lead.expected_version = 1

        with CaptureQueriesContext(connection) as queries:
            lead.save(update_fields=["job_title"])

        update = next(query["sql"] for query in queries.captured_queries if query["sql"].startswith("UPDATE"))
        assert '"version" = 1' in update.split("WHERE", 1)[1]
        assert stored(lead).version == 2

    def test_saving_over_a_newer_version_raises_and_writes_nothing(self, company):
        lead = LeadFactory(company=company, job_title="Original")
        Lead.objects.filter(pk=lead.pk).update(job_title="Theirs")
        lead.job_title = "Mine"
        lead.expected_version = 1

        with pytest.raises(ConcurrentEditError) as raised, transaction.atomic():
            lead.save()

        assert raised.value.expected_version == 1
        assert (stored(lead).job_title, stored(lead).version) == ("Theirs", 2)
        assert lead.version == 1

    def test_a_stale_copy_saved_by_code_counts_on_from_the_stored_version(self, company):
        lead = LeadFactory(company=company)
        stale = stored(lead)
        Lead.objects.filter(pk=lead.pk).update(job_title="Meanwhile")

        stale.notes = "Saved by a service that loaded the lead earlier"
        stale.save(update_fields=["notes"])

        assert stale.version == stored(lead).version == 3

    def test_the_expected_version_is_used_once(self, company):
        lead = LeadFactory(company=company)
        lead.expected_version = 1
        lead.save()

        lead.save()

        assert stored(lead).version == 3


@pytest.mark.django_db
class TestAnEditConflict:
    @pytest.mark.parametrize("kind", list(ENTITIES))
    def test_the_edit_form_carries_the_records_version(self, rep_client, make_record, kind):
        record = make_record(kind)
        type(record).objects.filter(pk=record.pk).update(description="") if kind == "account" else None
        record = stored(record)

        response = rep_client.get(edit_url(record))

        html = response.content.decode()
        assert f'name="{VERSION_FIELD}" value="{record.version}"' in html
        assert 'type="hidden"' in html

    @pytest.mark.parametrize("kind", list(ENTITIES))
    def test_the_later_save_does_not_overwrite_and_shows_what_changed_then_saving_again_applies(
        self, rep_client, second_client, make_record, kind
    ):
        record = make_record(kind)
        theirs_field, my_field = ENTITIES[kind]
        original = getattr(record, theirs_field)
        their_form = edit_form_data(second_client, record, **{theirs_field: "Their value"})
        my_form = edit_form_data(rep_client, record, **{my_field: "My value"})
        assert second_client.post(edit_url(record), their_form).status_code == 302

        response = rep_client.post(edit_url(record), my_form)

        assert response.status_code == 200
        html = response.content.decode()
        assert CONFLICT_WARNING in html
        now = stored(record)
        assert (getattr(now, theirs_field), getattr(now, my_field)) == ("Their value", getattr(record, my_field))
        conflict = response.context["conflict"]
        row = next(row for row in conflict.rows if row.name == theirs_field)
        assert (row.now, row.yours) == ("Their value", original)
        assert f"now “Their value”, yours “{original}”" in html
        assert "Manny Ager" in conflict.who
        form = response.context["form"]
        assert form[VERSION_FIELD].value() == str(now.version)
        assert form[my_field].value() == "My value"

        again = rep_client.post(edit_url(record), form_data(form))

        assert again.status_code == 302
        final = stored(record)
        assert (getattr(final, my_field), getattr(final, theirs_field)) == ("My value", original)

    def test_a_lead_taken_meanwhile_is_not_sent_back_to_the_queue_by_an_open_form(
        self, rep_client, second_client, company, rep
    ):
        lead = LeadFactory(company=company, lead_owner=None, job_title="Analyst")
        managers_form = edit_form_data(second_client, lead, job_title="Senior analyst")
        rep_client.post(reverse("leads:take", kwargs={"pk": lead.pk}))

        response = second_client.post(edit_url(lead), managers_form)

        assert response.status_code == 200
        assert (stored(lead).lead_owner, stored(lead).job_title) == (rep, "Analyst")
        row = next(row for row in response.context["conflict"].rows if row.name == "lead_owner")
        assert (row.now, row.yours) == ("Rita Rep", "—")
        assert "Rita Rep" in response.context["conflict"].who

    def test_a_form_posted_without_a_version_saves_as_before(self, rep_client, make_record):
        record = make_record("account")
        data = edit_form_data(rep_client, record, industry="Energy")
        del data[VERSION_FIELD]
        Account.objects.filter(pk=record.pk).update(description="Meanwhile")

        response = rep_client.post(edit_url(record), data)

        assert response.status_code == 302
        assert stored(record).industry == "Energy"

    def test_the_history_says_who_changed_it(self, rep_client, second_client, make_record, manager):
        record = make_record("deal")
        my_form = edit_form_data(rep_client, record, description="Mine")
        second_client.post(edit_url(record), edit_form_data(second_client, record, name="Renamed"))

        response = rep_client.post(edit_url(record), my_form)

        entries = response.context["conflict"].entries
        assert entries and all(entry.user == manager for entry in entries)


@pytest.fixture(autouse=True)
def named_people(rep, other_rep, manager):
    for user, (first, last) in ((rep, ("Rita", "Rep")), (other_rep, ("Otto", "Rep")), (manager, ("Manny", "Ager"))):
        user.first_name, user.last_name = first, last
        user.save()


def create_data(kind, client, company) -> dict:
    """The create form as the browser posts it (with its one-time token), filled in."""
    account = Account.objects.filter(company=company).first() or AccountFactory(company=company)
    response = client.get(reverse(f"{kind}s:create"))
    data = form_data(response.context["form"])
    data.update(
        {
            "lead": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "campaign": "expo"},
            "account": {"name": "Umbrella Corp", "website": ""},
            "contact": {"first_name": "Jane", "last_name": "Doe", "account": str(account.pk)},
            "deal": {"name": "Umbrella renewal", "account": str(account.pk), "amount": "10", "currency": "USD"},
        }[kind]
    )
    return data


MODELS = {"lead": Lead, "account": Account, "contact": Contact, "deal": Deal}


def count(kind):
    return MODELS[kind].objects.count()


@pytest.mark.django_db
class TestADoubleSubmittedCreate:
    @pytest.mark.parametrize("kind", list(MODELS))
    def test_makes_one_record_and_the_repeat_goes_to_it(self, manager_client, company, kind):
        data = create_data(kind, manager_client, company)
        before = count(kind)

        first = manager_client.post(reverse(f"{kind}s:create"), data)
        repeat = manager_client.post(reverse(f"{kind}s:create"), data, follow=True)

        assert first.status_code == 302
        assert count(kind) == before + 1
        created = MODELS[kind].objects.order_by("-pk").first()
        assert repeat.redirect_chain[-1][0] == created.get_absolute_url()
        assert "This form was already submitted" in repeat.content.decode()
        token = SubmissionToken.objects.get(token=data[TOKEN_FIELD])
        assert (token.object_id, token.company, token.content_type.model_class()) == (created.pk, company, MODELS[kind])

    def test_each_form_shown_has_its_own_token(self, manager_client):
        first = manager_client.get(reverse("accounts:create")).context["form"]
        second = manager_client.get(reverse("accounts:create")).context["form"]

        assert first[TOKEN_FIELD].value() != second[TOKEN_FIELD].value()

    def test_a_form_refused_by_validation_can_be_corrected_and_sent_again(self, manager_client, company):
        data = create_data("account", manager_client, company)

        refused = manager_client.post(reverse("accounts:create"), {**data, "name": ""})
        accepted = manager_client.post(reverse("accounts:create"), data)

        assert refused.status_code == 200
        assert accepted.status_code == 302
        assert Account.objects.filter(name="Umbrella Corp").count() == 1

    def test_the_token_is_written_in_the_records_transaction(self, manager_client, company, monkeypatch):
        data = create_data("account", manager_client, company)

        def fail(*args, **kwargs):
            raise RuntimeError("the server died after the insert")

        original_save = SubmissionToken.save
        monkeypatch.setattr(
            SubmissionToken,
            "save",
            lambda self, *a, **kw: fail() if kw.get("update_fields") else original_save(self, *a, **kw),
        )
        with pytest.raises(RuntimeError):
            manager_client.post(reverse("accounts:create"), data)

        assert not Account.objects.filter(name="Umbrella Corp").exists()
        assert not SubmissionToken.objects.exists()

    def test_another_companys_token_is_not_theirs(self, manager_client, outsider, company, other_company):
        data = create_data("account", manager_client, company)
        outsider_browser = Client()
        outsider_browser.force_login(outsider)
        outsider_browser.post(reverse("accounts:create"), {**data, "account_owner": ""})

        response = manager_client.post(reverse("accounts:create"), data)

        assert response.status_code == 302
        assert Account.objects.filter(company=company, name="Umbrella Corp").count() == 1
        assert Account.objects.filter(company=other_company, name="Umbrella Corp").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="two connections writing at once need a server database (the SQLite test database is in memory); "
    "run with DATABASE_URL=postgres://...",
)
class TestTwoSubmissionsAtTheSameMoment:
    def test_make_one_record(self, company, manager, monkeypatch):
        from accounts import forms as account_forms

        client = Client()
        client.force_login(manager)
        data = create_data("account", client, company)
        real_save = account_forms.AccountForm.save

        def slow_save(self, *args, **kwargs):
            saved = real_save(self, *args, **kwargs)
            time.sleep(0.5)  # the other submission arrives while this one's transaction is still open
            return saved

        monkeypatch.setattr(account_forms.AccountForm, "save", slow_save)
        statuses = []

        def submit():
            try:
                browser = Client()
                browser.force_login(manager)
                statuses.append(browser.post(reverse("accounts:create"), data).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)
        for thread in threads:
            thread.join()

        assert statuses == [302, 302]
        assert Account.objects.filter(name="Umbrella Corp").count() == 1
