"""GDPR: the personal-data download and the erasure of a lead or a contact, and outreach that respects
"do not disturb" and missing consent (the contact page, the `?outreach=1` exports)."""

import csv
import io
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from contacts.export import contact_export
from contacts.models import Contact
from crm import gdpr
from crm.models import ErasureLog
from deals.models import Deal
from leads.conversion.service import lead_convert
from leads.export_views import lead_export
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, ContactFactory, LeadFactory

OLD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@analytical.example.com",
    "phone": "+14155550123",
    "job_title": "Countess of computing",
    "notes": "Prefers calls after the opera.",
}
NEW_EMAIL = "ada@engine.example.com"


def personal_lead(company, **fields):
    """A lead full of personal data, edited once, so its history holds two emails."""
    lead = LeadFactory(
        company=company,
        **{**OLD, "lead_name": "", "submitted_ip": "203.0.113.7", "gdpr_consent": True, "source": "referral"},
        campaign="spring-launch",
        medium="email",
        term="analytical engines",
        lead_score=87,
        status=LeadStatus.QUALIFIED,
        company_name="Analytical Engines Ltd",
        **fields,
    )
    lead.email = NEW_EMAIL
    lead.save()
    return lead


def personal_contact(company, **fields):
    # The account's name is fixed: a random one ("Davis and Adams") can hold an old value ("Ada").
    fields.setdefault("account", AccountFactory(company=company, name="Northwind Traders"))
    contact = ContactFactory(company=company, **OLD, gdpr_consent=True, **fields)
    contact.email = NEW_EMAIL
    contact.save()
    return contact


RECORDS = {"lead": personal_lead, "contact": personal_contact}
FACTORIES = {"lead": LeadFactory, "contact": ContactFactory}


def url(kind, name, record):
    return reverse(f"{kind}s:{name}", kwargs={"pk": record.pk})


def history_values(record) -> str:
    """Every value of every historical row of `record`, as one text to search."""
    rows = type(record).history.filter(id=record.pk).values()
    return json.dumps(list(rows), default=str)


def download(client, kind, record):
    response = client.get(url(kind, "personal_data", record))
    assert response.status_code == 200, response.status_code
    return response, json.loads(response.content)


@pytest.mark.django_db
class TestPersonalDataDownload:
    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_it_is_a_json_attachment_with_the_personal_fields_and_consent(self, manager_client, company, kind):
        record = RECORDS[kind](company)

        response, data = download(manager_client, kind, record)

        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == f'attachment; filename="{kind}-{record.pk}-personal-data.json"'
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
        assert data["record"] == {
            "type": kind,
            "id": record.pk,
            "company": "Acme Sales",
            "url": record.get_absolute_url(),
            "updated_at": data["record"]["updated_at"],
        }
        assert data["personal"]["first_name"] == "Ada"
        assert data["personal"]["last_name"] == "Lovelace"
        assert data["personal"]["email"] == NEW_EMAIL
        assert data["personal"]["phone"] == OLD["phone"]
        assert data["personal"]["job_title"] == OLD["job_title"]
        assert data["personal"]["notes"] == OLD["notes"]
        assert data["consent"] == {"gdpr_consent": True, "opt_in_date": None, "dnd_status": False}
        assert data["erasure"] is None

    def test_a_lead_download_carries_its_attribution_score_and_ip(self, manager_client, company):
        lead = personal_lead(company)

        _response, data = download(manager_client, "lead", lead)

        assert data["attribution"] == {
            "source": "referral",
            "source_detail": "",
            "campaign": "spring-launch",
            "medium": "email",
            "term": "analytical engines",
            "content": "",
        }
        assert data["personal"]["submitted_ip"] == "203.0.113.7"
        assert data["personal"]["company_name"] == "Analytical Engines Ltd"
        assert data["personal"]["country"] == "US"
        assert data["profile"]["lead_score"] == 87
        assert data["profile"]["status"] == "qualified"

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_the_history_of_the_personal_fields_is_included(self, manager_client, company, kind):
        record = RECORDS[kind](company)

        _response, data = download(manager_client, kind, record)

        created, changed = data["history"]
        assert created["type"] == "created"
        assert created["changes"]["email"] == {"from": None, "to": OLD["email"]}
        assert changed["type"] == "changed"
        assert changed["changes"] == {"email": {"from": OLD["email"], "to": NEW_EMAIL}}

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_it_holds_nothing_of_another_record(self, manager_client, company, other_company, kind):
        record = RECORDS[kind](company)
        marker = {"first_name": "Zebedee", "last_name": "Marker", "email": "zebedee@marker.example.com"}
        factory = FACTORIES[kind]
        factory(company=company, **marker, phone="+14155550999", notes="The neighbour's notes")
        factory(company=other_company, **marker, notes="Another company's notes")

        response, _data = download(manager_client, kind, record)

        body = response.content.decode()
        for text in ("Zebedee", "Marker", "zebedee@marker.example.com", "+14155550999", "neighbour", "Another"):
            assert text not in body

    def test_a_converted_lead_names_its_contact_by_id_only(self, manager_client, company, manager):
        lead = personal_lead(company, lead_owner=manager)
        conversion = lead_convert(lead=lead, by=manager)
        conversion.contact.first_name = "Someone-Else"
        conversion.contact.save()

        _response, data = download(manager_client, "lead", lead)

        assert data["links"]["converted_contact"] == conversion.contact.pk
        assert data["links"]["converted_deal"]["id"] == conversion.deal.pk
        assert "Someone-Else" not in json.dumps(data)

    @pytest.mark.parametrize(
        ("kind", "client_of", "owner_of", "expected"),
        [
            ("lead", "rep", "rep", 200),
            ("lead", "rep", None, 200),  # the queue
            ("lead", "rep", "other_rep", 404),
            ("lead", "manager", "other_rep", 200),
            ("lead", "admin_user", "other_rep", 200),
            ("lead", "outsider", None, 404),
            ("contact", "rep", "other_rep", 200),  # reps see every contact of the Company
            ("contact", "outsider", "rep", 404),
        ],
    )
    def test_it_is_scoped_like_the_record(self, client, company, request, kind, client_of, owner_of, expected):
        owner = request.getfixturevalue(owner_of) if owner_of else None
        owner_field = {"lead": "lead_owner", "contact": "owner"}[kind]
        record = RECORDS[kind](company, **{owner_field: owner})
        client.force_login(request.getfixturevalue(client_of))

        response = client.get(url(kind, "personal_data", record))

        assert response.status_code == expected

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_anonymous_users_are_sent_to_the_login_page_and_posts_are_refused(self, client, manager, company, kind):
        record = RECORDS[kind](company)

        anonymous = client.get(url(kind, "personal_data", record))
        client.force_login(manager)
        posted = client.post(url(kind, "personal_data", record))

        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/login/")
        assert posted.status_code == 405


def assert_untouched(record):
    fresh = type(record).objects.get(pk=record.pk)
    assert fresh.first_name == "Ada"
    assert fresh.email == NEW_EMAIL
    assert fresh.phone == OLD["phone"]
    assert fresh.gdpr_consent is True
    assert not ErasureLog.objects.exists()


@pytest.mark.django_db
class TestWhoMayErase:
    @pytest.mark.parametrize("kind", ["lead", "contact"])
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_rep_is_refused_even_on_their_own_record(self, rep_client, rep, company, kind, method):
        owner_field = {"lead": "lead_owner", "contact": "owner"}[kind]
        record = RECORDS[kind](company, **{owner_field: rep})

        response = getattr(rep_client, method)(url(kind, "erase", record), {"confirm": "on"})

        assert response.status_code == 403
        assert_untouched(record)

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_companys_manager_gets_a_404(self, outsider_client, company, kind, method):
        record = RECORDS[kind](company)

        response = getattr(outsider_client, method)(url(kind, "erase", record), {"confirm": "on"})

        assert response.status_code == 404
        assert_untouched(record)

    def test_a_rep_is_refused_by_the_service_too(self, rep, company):
        lead = personal_lead(company, lead_owner=rep)

        with pytest.raises(PermissionDenied):
            gdpr.erase_personal_data(obj=lead, by=rep)

        assert_untouched(lead)

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_a_manager_sees_what_is_erased_and_what_is_kept_before_confirming(self, manager_client, company, kind):
        record = RECORDS[kind](company)

        response = manager_client.get(url(kind, "erase", record))

        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="erase-form"' in html
        assert "Email" in html and "GDPR consent" in html
        assert_untouched(record)

    def test_posting_without_ticking_the_box_erases_nothing(self, manager_client, company):
        lead = personal_lead(company)

        response = manager_client.post(url("lead", "erase", lead), {})

        assert response.status_code == 400
        assert 'data-testid="confirm-error"' in response.content.decode()
        assert_untouched(lead)


@pytest.mark.django_db
class TestErase:
    @pytest.mark.parametrize("eraser", ["manager", "admin_user"])
    def test_a_lead_is_anonymised_and_keeps_its_attribution_and_aggregates(self, client, request, company, eraser):
        lead = personal_lead(company)
        client.force_login(request.getfixturevalue(eraser))

        response = client.post(url("lead", "erase", lead), {"confirm": "on"})

        assert response.status_code == 302
        assert response["Location"] == lead.get_absolute_url()
        lead.refresh_from_db()
        assert (lead.first_name, lead.last_name, lead.lead_name) == ("", "Erased", "Erased")
        assert (lead.email, lead.phone, lead.job_title, lead.notes) == ("", "", "", "")
        assert lead.submitted_ip is None
        assert lead.name_key == ""
        assert (lead.dnd_status, lead.gdpr_consent, lead.opt_in_date) == (True, False, None)
        assert (lead.source, lead.campaign, lead.medium, lead.term) == (
            "referral",
            "spring-launch",
            "email",
            "analytical engines",
        )
        assert (lead.lead_score, lead.status, lead.company_name) == (87, "qualified", "Analytical Engines Ltd")

    def test_a_contact_is_anonymised_and_stays_on_its_account(self, manager_client, company):
        contact = personal_contact(company, is_primary_contact=True)

        manager_client.post(url("contact", "erase", contact), {"confirm": "on"})

        contact.refresh_from_db()
        assert (contact.first_name, contact.last_name, contact.email, contact.phone) == ("", "Erased", "", "")
        assert (contact.job_title, contact.notes) == ("", "")
        assert (contact.dnd_status, contact.gdpr_consent) == (True, False)
        assert contact.is_primary_contact is True
        assert contact.account_id is not None

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_no_historical_row_keeps_an_old_value(self, manager, company, kind):
        record = RECORDS[kind](company)
        assert OLD["email"] in history_values(record)

        erasure = gdpr.erase_personal_data(obj=record, by=manager)

        everything = history_values(record)
        for old in (*OLD.values(), NEW_EMAIL):
            assert old not in everything
        assert not type(record).history.filter(email=OLD["email"]).exists()
        assert erasure.history_rows_purged == 3  # created, edited, erased

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_the_timeline_shows_who_erased_and_why_not_what(self, manager, company, kind):
        record = RECORDS[kind](company)

        gdpr.erase_personal_data(obj=record, by=manager)

        latest = type(record).history.filter(id=record.pk).order_by("-history_date", "-history_id").first()
        assert latest.history_user == manager
        assert latest.history_change_reason == gdpr.ERASE_REASON

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_the_erasure_is_logged_without_the_data(self, manager, company, kind):
        record = RECORDS[kind](company)

        gdpr.erase_personal_data(obj=record, by=manager)

        log = ErasureLog.objects.get()
        assert log.company == company
        assert log.content_type == ContentType.objects.get_for_model(type(record))
        assert log.object_id == record.pk
        assert log.erased_by == manager
        assert "email" in log.fields
        logged = json.dumps(model_to_dict(log), default=str) + str(log)
        for old in (*OLD.values(), NEW_EMAIL):
            assert old not in logged

    def test_the_admin_log_no_longer_names_the_person(self, manager, company):
        lead = personal_lead(company)
        content_type = ContentType.objects.get_for_model(Lead)
        LogEntry.objects.create(
            user=manager,
            content_type=content_type,
            object_id=str(lead.pk),
            object_repr=str(lead),
            action_flag=CHANGE,
            change_message="[]",
        )

        gdpr.erase_personal_data(obj=lead, by=manager)

        assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["Erased"]

    @pytest.mark.parametrize("failing_step", ["crm.gdpr.purge_history", "crm.gdpr.purge_admin_log"])
    def test_nothing_is_half_written_when_a_step_fails(self, manager, company, failing_step):
        lead = personal_lead(company)
        history_before = history_values(lead)

        with mock.patch(failing_step, side_effect=RuntimeError("disk full")), pytest.raises(RuntimeError):
            gdpr.erase_personal_data(obj=lead, by=manager)

        assert_untouched(lead)
        assert history_values(lead) == history_before

    def test_nothing_is_half_written_when_the_log_cannot_be_written(self, manager, company):
        contact = personal_contact(company)
        history_before = history_values(contact)

        with (
            mock.patch.object(ErasureLog.objects, "create", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            gdpr.erase_personal_data(obj=contact, by=manager)

        assert_untouched(contact)
        assert history_values(contact) == history_before

    def test_erasing_a_converted_lead_keeps_its_deal_and_leaves_the_contact_alone(self, manager, company):
        lead = personal_lead(company, lead_owner=manager)
        conversion = lead_convert(lead=lead, by=manager, deal_values={"amount": Decimal("25000.00")})

        gdpr.erase_personal_data(obj=lead, by=manager)

        lead.refresh_from_db()
        assert lead.converted_deal_id == conversion.deal.pk
        assert lead.converted_contact_id == conversion.contact.pk
        assert Deal.objects.get(pk=conversion.deal.pk).amount == Decimal("25000.00")
        assert Contact.objects.get(pk=conversion.contact.pk).email == NEW_EMAIL

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_the_download_after_an_erasure_holds_none_of_the_old_values(self, manager_client, manager, company, kind):
        record = RECORDS[kind](company)
        gdpr.erase_personal_data(obj=record, by=manager)

        response, data = download(manager_client, kind, record)

        body = response.content.decode()
        for old in (*OLD.values(), NEW_EMAIL):
            assert old not in body
        assert data["erasure"]["erased_at"]
        assert data["personal"]["last_name"] == "Erased"

    @pytest.mark.parametrize("kind", ["lead", "contact"])
    def test_an_edit_form_opened_before_the_erasure_cannot_bring_the_data_back(self, manager, company, kind):
        record = RECORDS[kind](company)
        version_before = record.version

        gdpr.erase_personal_data(obj=record, by=manager)

        assert type(record).objects.get(pk=record.pk).version > version_before
        assert record.version > version_before

    def test_the_lead_page_says_when_the_data_was_erased(self, manager_client, manager, company):
        lead = personal_lead(company)
        gdpr.erase_personal_data(obj=lead, by=manager)

        response = manager_client.get(lead.get_absolute_url())

        html = response.content.decode()
        assert 'data-testid="personal-data-erased"' in html
        assert "Personal data erased on" in html
        assert OLD["email"] not in html and NEW_EMAIL not in html

    def test_an_erased_lead_can_still_be_edited_and_still_says_it_was_erased(self, manager_client, manager, company):
        lead = personal_lead(company)
        gdpr.erase_personal_data(obj=lead, by=manager)
        lead.refresh_from_db()
        lead.notes = "Called about the invoice."
        lead.save()

        html = manager_client.get(lead.get_absolute_url()).content.decode()

        assert "Personal data erased on" in html
        assert "Called about the invoice." in html

    def test_the_erase_message_names_the_record_not_the_person(self, manager_client, company):
        lead = personal_lead(company)

        response = manager_client.post(url("lead", "erase", lead), {"confirm": "on"}, follow=True)

        html = response.content.decode()
        assert f"Lead #{lead.pk}: personal data erased." in html
        assert "Lovelace" not in html

    def test_the_erase_page_of_a_converted_lead_offers_the_contact_too(self, manager_client, manager, company):
        lead = personal_lead(company, lead_owner=manager)
        contact = lead_convert(lead=lead, by=manager).contact

        confirm_page = manager_client.get(url("lead", "erase", lead)).content.decode()
        lead_page = manager_client.get(lead.get_absolute_url()).content.decode()

        assert reverse("contacts:erase", kwargs={"pk": contact.pk}) in confirm_page
        assert 'data-testid="same-person-record"' in confirm_page
        assert reverse("contacts:erase", kwargs={"pk": contact.pk}) in lead_page
        assert "does not erase the contact" in lead_page

    def test_the_contact_page_says_its_leads_are_not_erased_with_it(self, manager_client, manager, company):
        lead = personal_lead(company, lead_owner=manager)
        contact = lead_convert(lead=lead, by=manager).contact

        html = manager_client.get(contact.get_absolute_url()).content.decode()

        assert "does not erase the leads it was converted from" in html
        assert reverse("leads:erase", kwargs={"pk": lead.pk}) in html
        assert reverse("contacts:erase", kwargs={"pk": contact.pk}) in html

    def test_a_rep_gets_the_download_but_no_erase_button(self, rep_client, rep, company):
        lead = personal_lead(company, lead_owner=rep)

        html = rep_client.get(lead.get_absolute_url()).content.decode()

        assert reverse("leads:personal_data", kwargs={"pk": lead.pk}) in html
        assert reverse("leads:erase", kwargs={"pk": lead.pk}) not in html

    def test_the_erase_page_lists_other_records_with_the_same_email(self, manager_client, company, other_company):
        lead = personal_lead(company)
        same_person = LeadFactory(company=company, email=NEW_EMAIL)
        LeadFactory(company=other_company, email=NEW_EMAIL)

        html = manager_client.get(url("lead", "erase", lead)).content.decode()

        assert html.count('data-testid="same-person-record"') == 1
        assert reverse("leads:erase", kwargs={"pk": same_person.pk}) in html


@pytest.mark.django_db
class TestOutreachOnTheContactPage:
    @pytest.mark.parametrize(
        ("consent", "dnd", "blocked"),
        [(True, False, ""), (True, True, "Do not disturb"), (False, False, "No GDPR consent"), (False, True, "Do not")],
    )
    def test_email_and_call_are_switched_off_without_consent_or_with_dnd(
        self, manager_client, company, consent, dnd, blocked
    ):
        contact = ContactFactory(company=company, phone="+14155550123", gdpr_consent=consent, dnd_status=dnd)

        html = manager_client.get(contact.get_absolute_url()).content.decode()

        assert (f"mailto:{contact.email}" in html) is not bool(blocked)
        assert ("tel:+14155550123" in html) is not bool(blocked)
        assert ('data-testid="outreach-blocked"' in html) is bool(blocked)
        if blocked:
            assert blocked in html

    @pytest.mark.parametrize(
        ("consent", "dnd", "reason"),
        [
            (True, False, ""),
            (False, False, "No GDPR consent: do not send marketing to this contact."),
            (True, True, "Do not disturb: this contact asked not to be contacted."),
        ],
    )
    def test_the_reason_matches_the_leads_wording(self, company, consent, dnd, reason):
        contact = ContactFactory.build(company=company, gdpr_consent=consent, dnd_status=dnd)
        lead = LeadFactory.build(company=company, gdpr_consent=consent, dnd_status=dnd)

        assert gdpr.outreach_blocked_reason(contact) == reason
        assert gdpr.outreach_blocked_reason(lead) == str(lead.outreach_blocked_reason)


def export_rows(view, user, query: dict) -> list[dict]:
    request = RequestFactory().get("/export/", query)
    request.user = user
    response = view(request)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body, newline="")))


@pytest.mark.django_db
class TestExportsForOutreach:
    @pytest.mark.parametrize(("view", "factory"), [(lead_export, LeadFactory), (contact_export, ContactFactory)])
    def test_outreach_exports_leave_out_dnd_and_non_consenting_records(self, manager, company, view, factory):
        reachable = factory(company=company, gdpr_consent=True, dnd_status=False)
        do_not_disturb = factory(company=company, gdpr_consent=True, dnd_status=True)
        no_consent = factory(company=company, gdpr_consent=False, dnd_status=False)

        everything = export_rows(view, manager, {})
        for_outreach = export_rows(view, manager, {"outreach": "1"})

        assert {row["id"] for row in everything} == {str(r.pk) for r in (reachable, do_not_disturb, no_consent)}
        assert {row["id"] for row in for_outreach} == {str(reachable.pk)}

    def test_an_erased_lead_never_reaches_an_outreach_export(self, manager, company):
        lead = personal_lead(company)
        gdpr.erase_personal_data(obj=lead, by=manager)

        rows = export_rows(lead_export, manager, {"outreach": "1"})

        assert rows == []

    def test_the_outreach_export_keeps_the_lists_filters(self, manager, company):
        wanted = LeadFactory(company=company, gdpr_consent=True, campaign="autumn")
        LeadFactory(company=company, gdpr_consent=True, campaign="spring")

        rows = export_rows(lead_export, manager, {"outreach": "1", "campaign": "autumn"})

        assert [row["id"] for row in rows] == [str(wanted.pk)]
