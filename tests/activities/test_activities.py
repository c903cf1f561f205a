"""Activities: the model's rules, who sees and changes them (as the record they belong to), and the pages that
log, schedule, complete and list them."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind, CallOutcome
from activities.services import complete_activity
from crm.permissions import can_edit, can_view
from leads.models import LeadStatus
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


# --- the model ---


def test_an_activity_belongs_to_exactly_one_record(company):
    lead = LeadFactory(company=company)
    deal = DealFactory(company=company)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(company=company, lead=lead, deal=deal)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(company=company, lead=None)


def test_a_task_needs_a_due_date_and_a_meeting_cannot_end_before_it_starts(company):
    lead = LeadFactory(company=company)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(company=company, lead=lead, kind=ActivityKind.TASK, subject="x")
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            company=company,
            lead=lead,
            kind=ActivityKind.MEETING,
            subject="x",
            due_at=start,
            ends_at=start - timedelta(minutes=1),
        )


# --- access: as the record it belongs to ---


def test_a_rep_sees_the_activities_of_the_records_they_see(company, rep, other_rep, manager):
    mine = ActivityFactory(company=company, lead=LeadFactory(company=company, lead_owner=rep))
    queue = ActivityFactory(company=company, lead=LeadFactory(company=company, lead_owner=None))
    theirs = ActivityFactory(company=company, lead=LeadFactory(company=company, lead_owner=other_rep))
    their_deal = ActivityFactory(company=company, lead=None, deal=DealFactory(company=company, owner=other_rep))
    on_account = ActivityFactory(company=company, lead=None, account=DealFactory(company=company).account)
    assigned_to_me = ActivityFactory(
        company=company,
        kind=ActivityKind.TASK,
        owner=rep,
        lead=None,
        deal=DealFactory(company=company, owner=other_rep),
    )

    visible = set(Activity.objects.visible_to(rep))
    assert visible == {mine, queue, on_account, assigned_to_me}
    assert set(Activity.objects.visible_to(manager)) == {mine, queue, theirs, their_deal, on_account, assigned_to_me}
    for activity in Activity.objects.with_record():
        assert can_view(rep, activity) == (activity in visible)


def test_a_rep_edits_the_activities_of_the_records_they_edit_and_their_own(company, rep, other_rep):
    account = DealFactory(company=company).account
    ActivityFactory(company=company, lead=None, account=account, owner=other_rep)  # theirs, on an account I see
    my_note_on_it = ActivityFactory(company=company, lead=None, account=account, owner=rep)
    on_my_lead = ActivityFactory(company=company, lead=LeadFactory(company=company, lead_owner=rep), owner=other_rep)

    editable = set(Activity.objects.editable_by(rep))
    assert editable == {my_note_on_it, on_my_lead}
    for activity in Activity.objects.with_record():
        assert can_edit(rep, activity) == (activity in editable)


def test_another_companys_activities_are_invisible(company, other_company, rep):
    ActivityFactory(company=other_company)
    assert not Activity.objects.visible_to(rep).exists()


# --- the pages ---


def test_log_a_call_on_a_new_lead_and_mark_it_contacted(rep_client, rep, company):
    lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.NEW)
    url = reverse("activities:create") + f"?lead={lead.pk}&kind=call"

    page = rep_client.get(url)
    assert page.status_code == 200
    assert "mark_contacted" in page.content.decode()

    response = rep_client.post(
        url,
        {
            "subject": "Intro call",
            "outcome": CallOutcome.CONNECTED,
            "direction": "outbound",
            "duration_minutes": "12",
            "body": "Wants a demo",
            "mark_contacted": "on",
            "submission_token": "6a1b3c0e-2f4d-4e8a-9b7c-1d2e3f4a5b6c",
        },
    )

    assert response.status_code == 302 and response.url == lead.get_absolute_url()
    call = Activity.objects.get()
    assert (call.kind, call.subject, call.outcome, call.duration_minutes, call.owner) == (
        "call",
        "Intro call",
        "connected",
        12,
        rep,
    )
    assert call.done_at is not None
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED


def test_a_double_submitted_call_makes_one_activity(rep_client, rep, company):
    lead = LeadFactory(company=company, lead_owner=rep)
    url = reverse("activities:create") + f"?lead={lead.pk}&kind=call"
    data = {"subject": "Call", "outcome": "no_answer", "submission_token": "0b0e6a4e-3c1d-4f6a-8e2b-5d4c3b2a1f00"}
    rep_client.post(url, data)
    second = rep_client.post(url, data)
    assert second.status_code == 302
    assert Activity.objects.count() == 1


def test_schedule_a_meeting_that_ends_before_it_starts_is_a_field_error(rep_client, rep, company):
    deal = DealFactory(company=company, owner=rep)
    url = reverse("activities:create") + f"?deal={deal.pk}&kind=meeting"
    response = rep_client.post(
        url, {"subject": "Demo", "due_at": "2026-12-10T10:00", "ends_at": "2026-12-10T09:00", "owner": rep.pk}
    )
    assert response.status_code == 200
    assert "ends_at" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_a_task_due_in_the_past_is_allowed(rep_client, rep, company):
    contact = ContactFactory(company=company, owner=rep)
    url = reverse("activities:create") + f"?contact={contact.pk}&kind=task"
    response = rep_client.post(url, {"subject": "Send contract", "due_at": "2020-01-01T09:00", "owner": rep.pk})
    assert response.status_code == 302
    task = Activity.objects.get()
    assert task.is_overdue and task.contact == contact


@pytest.mark.parametrize("query", ["lead=999999", "deal=abc", "", "kind=call"])
def test_an_activity_on_a_record_one_cannot_see_is_a_404_and_writes_nothing(rep_client, query):
    response = rep_client.post(reverse("activities:create") + f"?{query}", {"subject": "x", "body": "x"})
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_an_activity_on_another_reps_deal_is_a_404(rep_client, company, other_rep):
    deal = DealFactory(company=company, owner=other_rep)
    response = rep_client.post(reverse("activities:create") + f"?deal={deal.pk}&kind=note", {"body": "sneaky"})
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_complete_with_follow_up_goes_to_a_new_task_on_the_same_record(rep_client, rep, company):
    lead = LeadFactory(company=company, lead_owner=rep)
    task = ActivityFactory(company=company, lead=lead, kind=ActivityKind.TASK, owner=rep)

    response = rep_client.post(reverse("activities:done", args=[task.pk]), {"follow_up": "1"})

    task.refresh_from_db()
    assert task.done_at is not None
    assert response.status_code == 302
    assert response.url.startswith(reverse("activities:create")) and f"lead={lead.pk}" in response.url
    assert rep_client.get(response.url).context["form"].initial["subject"] == "Follow up"


def test_completing_twice_keeps_the_first_time(company, rep):
    task = ActivityFactory(company=company, kind=ActivityKind.TASK, owner=rep)
    first = complete_activity(activity=task, by=rep).done_at
    assert complete_activity(activity=task, by=rep).done_at == first


def test_my_day_sorts_open_activities_into_overdue_today_and_upcoming(rep_client, rep, other_rep, company):
    now = timezone.now()
    lead = LeadFactory(company=company, lead_owner=rep)
    overdue = ActivityFactory(company=company, lead=lead, kind="task", owner=rep, due_at=now - timedelta(days=2))
    upcoming = ActivityFactory(company=company, lead=lead, kind="task", owner=rep, due_at=now + timedelta(days=3))
    done = ActivityFactory(company=company, lead=lead, kind="call", owner=rep)
    ActivityFactory(company=company, lead=lead, kind="task", owner=other_rep, due_at=now - timedelta(days=1))

    context = rep_client.get(reverse("activities:list")).context

    assert context["overdue"] == [overdue]
    assert context["upcoming"] == [upcoming]
    assert done in context["done_today"]


def test_a_manager_sees_a_reps_day_and_the_team(manager_client, rep, other_rep, company):
    now = timezone.now()
    a = ActivityFactory(company=company, kind="task", owner=rep, due_at=now - timedelta(days=1))
    b = ActivityFactory(company=company, kind="task", owner=other_rep, due_at=now - timedelta(days=1))
    assert manager_client.get(reverse("activities:list") + f"?owner={rep.pk}").context["overdue"] == [a]
    assert set(manager_client.get(reverse("activities:list") + "?owner=team").context["overdue"]) == {a, b}


def test_a_rep_cannot_pick_someone_elses_day(rep_client, rep, other_rep, company):
    ActivityFactory(company=company, kind="task", owner=other_rep, due_at=timezone.now() - timedelta(days=1))
    assert rep_client.get(reverse("activities:list") + f"?owner={other_rep.pk}").context["overdue"] == []


def test_my_day_runs_a_constant_number_of_queries(rep_client, rep, company, django_assert_max_num_queries):
    lead = LeadFactory(company=company, lead_owner=rep)
    for i in range(30):
        ActivityFactory(company=company, lead=lead, kind="task", owner=rep, due_at=timezone.now() - timedelta(hours=i))
    with django_assert_max_num_queries(12):
        assert rep_client.get(reverse("activities:list")).status_code == 200
