import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Role, Source
from leads import services
from leads.models import AuthorityLevel, BudgetRange, Lead, LeadStage, LeadStatus, Timeline, ValidationStatus
from tests.factories import ContactFactory, DealFactory, LeadFactory, UserFactory, member

pytestmark = pytest.mark.django_db

# The lead list runs this many queries whatever the page size (session, user, membership, company, count,
# the page of leads, the owner filter's choices, the bulk-assign owner choices).
LIST_QUERIES = 8


@pytest.fixture
def rep_lead(company, rep):
    return LeadFactory(company=company, lead_owner=rep, first_name="Ada", last_name="Lovelace", campaign="spring")


@pytest.fixture
def queue_lead(company):
    return LeadFactory(company=company, lead_owner=None, first_name="Queue", last_name="Lead")


def lead_form_data(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@navy.example.com",
        "phone": "+14155550100",
        "company_name": "US Navy",
        "job_title": "Rear admiral",
        "country": "US",
        "source": Source.REFERRAL,
        "campaign": "summer-webinar",
        "medium": "email",
        "term": "compilers",
        "content": "banner-a",
        "lead_owner": "",
        "status": LeadStatus.NEW,
        "disqualified_reason": "",
        "stage": LeadStage.CONSIDERATION,
        "interest_product": "COBOL",
        "budget_range": BudgetRange.FROM_50K,
        "authority_level": AuthorityLevel.DECISION_MAKER,
        "timeline": Timeline.WITHIN_6_MONTHS,
        "gdpr_consent": "on",
        "opt_in_date": "2024-05-01",
        "notes": "Met at the conference.",
    }
    data.update(overrides)
    return data


def names(response) -> list[str]:
    return [lead.display_name for lead in response.context["object_list"]]


class TestAnonymousUsers:
    @pytest.mark.parametrize(
        ("method", "name", "with_pk"),
        [
            ("get", "leads:list", False),
            ("get", "leads:create", False),
            ("post", "leads:create", False),
            ("get", "leads:detail", True),
            ("get", "leads:update", True),
            ("post", "leads:update", True),
            ("post", "leads:assign", True),
            ("post", "leads:take", True),
            ("post", "leads:status", True),
            ("post", "leads:stage", True),
            ("post", "leads:bulk_assign", False),
        ],
    )
    def test_every_leads_url_redirects_to_the_login_page(self, client, rep_lead, method, name, with_pk):
        url = reverse(name, kwargs={"pk": rep_lead.pk}) if with_pk else reverse(name)

        response = getattr(client, method)(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


ROLES = ["rep", "other_rep", "manager", "outsider"]


def grid(*statuses):
    """Pair each role with the status it should get."""
    return list(zip(ROLES, statuses, strict=True))


class TestAccessGrid:
    """`rep` owns the lead; another rep of the Company cannot see it; the manager sees all; the outsider
    (a manager of another Company) gets a 404 everywhere."""

    @pytest.mark.parametrize(("who", "expected"), grid(200, 404, 200, 404))
    def test_detail(self, client, request, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.get(reverse("leads:detail", kwargs={"pk": rep_lead.pk}))

        assert response.status_code == expected

    @pytest.mark.parametrize(("who", "expected"), grid(200, 404, 200, 404))
    def test_edit_page(self, client, request, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.get(reverse("leads:update", kwargs={"pk": rep_lead.pk}))

        assert response.status_code == expected

    @pytest.mark.parametrize(("who", "expected"), grid(302, 404, 302, 404))
    def test_edit_post(self, client, request, rep, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(
            reverse("leads:update", kwargs={"pk": rep_lead.pk}),
            lead_form_data(campaign="edited", lead_owner=rep.pk),
        )

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        assert (rep_lead.campaign == "edited") is (expected == 302)

    @pytest.mark.parametrize(("who", "expected"), grid(403, 404, 302, 404))
    def test_assign(self, client, request, other_rep, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(reverse("leads:assign", kwargs={"pk": rep_lead.pk}), {"lead_owner": other_rep.pk})

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        assert (rep_lead.lead_owner == other_rep) is (expected == 302)

    @pytest.mark.parametrize(("who", "expected"), grid(302, 404, 302, 404))
    def test_change_status(self, client, request, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(reverse("leads:status", kwargs={"pk": rep_lead.pk}), {"status": "contacted"})

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        assert (rep_lead.status == LeadStatus.CONTACTED) is (expected == 302)

    @pytest.mark.parametrize(("who", "expected"), grid(302, 404, 302, 404))
    def test_change_stage(self, client, request, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(reverse("leads:stage", kwargs={"pk": rep_lead.pk}), {"stage": "decision"})

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        assert (rep_lead.stage == LeadStage.DECISION) is (expected == 302)

    @pytest.mark.parametrize(("who", "expected"), grid(302, 302, 302, 404))
    def test_take_from_the_queue(self, client, request, queue_lead, who, expected):
        user = request.getfixturevalue(who)
        client.force_login(user)

        response = client.post(reverse("leads:take", kwargs={"pk": queue_lead.pk}))

        assert response.status_code == expected
        queue_lead.refresh_from_db()
        assert (queue_lead.lead_owner == user) is (expected == 302)

    @pytest.mark.parametrize(("who", "expected"), grid(302, 404, 302, 404))
    def test_take_an_owned_lead_changes_nothing(self, client, request, rep, rep_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(reverse("leads:take", kwargs={"pk": rep_lead.pk}))

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep

    @pytest.mark.parametrize(("who", "expected"), grid(403, 403, 302, 302))
    def test_bulk_assign(self, client, request, other_rep, rep_lead, queue_lead, who, expected):
        client.force_login(request.getfixturevalue(who))

        response = client.post(
            reverse("leads:bulk_assign"), {"leads": [rep_lead.pk, queue_lead.pk], "lead_owner": other_rep.pk}
        )

        assert response.status_code == expected
        rep_lead.refresh_from_db()
        queue_lead.refresh_from_db()
        assigned = who == "manager"
        assert (rep_lead.lead_owner == other_rep) is assigned
        assert (queue_lead.lead_owner == other_rep) is assigned

    @pytest.mark.parametrize("name", ["leads:detail", "leads:update"])
    def test_another_reps_queue_lead_is_open_to_every_rep(self, other_rep, client, queue_lead, name):
        client.force_login(other_rep)

        response = client.get(reverse(name, kwargs={"pk": queue_lead.pk}))

        assert response.status_code == 200

    def test_a_user_without_a_company_cannot_open_the_create_page(self, client):
        client.force_login(UserFactory(username="loner"))

        response = client.get(reverse("leads:create"))

        assert response.status_code == 403


class TestLeadCreate:
    def test_a_reps_new_lead_defaults_to_themselves(self, rep_client, rep):
        response = rep_client.get(reverse("leads:create"))

        form = response.context["form"]
        assert response.status_code == 200
        assert form.initial["lead_owner"] == rep.pk
        assert list(form.fields["lead_owner"].queryset) == [rep]

    def test_a_manager_chooses_among_every_user_of_the_company(self, manager_client, rep, other_rep, manager, outsider):
        response = manager_client.get(reverse("leads:create"))

        choices = set(response.context["form"].fields["lead_owner"].queryset)
        assert choices == {rep, other_rep, manager}
        assert "lead_owner" not in response.context["form"].initial

    def test_the_form_shows_the_sections_and_a_cancel_link(self, rep_client):
        response = rep_client.get(reverse("leads:create"))

        content = response.content.decode()
        legends = re.findall(r"<legend>([^<]*)</legend>", content)
        assert legends == ["Contact details", "Attribution", "Qualification", "Compliance", "Notes"]
        assert f'href="{reverse("leads:list")}">Cancel</a>' in content
        assert "Converted" not in [label for _, label in response.context["form"].fields["status"].choices]

    def test_round_trip_saves_every_field_and_says_so(self, rep_client, rep, company):
        response = rep_client.post(reverse("leads:create"), lead_form_data(lead_owner=rep.pk), follow=True)

        lead = Lead.objects.get()
        assert response.redirect_chain[-1][0] == reverse("leads:detail", kwargs={"pk": lead.pk})
        assert (lead.company, lead.created_by, lead.lead_owner) == (company, rep, rep)
        assert lead.lead_name == "Grace Hopper"
        assert (lead.campaign, lead.medium, lead.term, lead.content) == (
            "summer-webinar",
            "email",
            "compilers",
            "banner-a",
        )
        assert (lead.stage, lead.budget_range, lead.timeline) == ("consideration", "50k_100k", "3_6_months")
        assert lead.gdpr_consent is True
        assert lead.opt_in_date.isoformat() == "2024-05-01"
        assert "Lead “Grace Hopper” created." in [str(m) for m in response.context["messages"]]
        content = response.content.decode()
        assert "summer-webinar" in content
        assert "US Navy" in content

    def test_a_rep_may_leave_the_new_lead_in_the_queue(self, rep_client):
        rep_client.post(reverse("leads:create"), lead_form_data(lead_owner=""))

        assert Lead.objects.get().lead_owner is None

    def test_a_name_is_enough_when_there_is_no_email_or_phone(self, rep_client):
        response = rep_client.post(
            reverse("leads:create"),
            lead_form_data(first_name="", last_name="", lead_name="Alan Turing", email="", phone=""),
        )

        lead = Lead.objects.get()
        assert response.status_code == 302
        assert (lead.first_name, lead.last_name) == ("Alan", "Turing")

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"campaign": ""}, "campaign", "Every lead needs a campaign, so it can be attributed."),
            (
                {"first_name": "", "last_name": "", "lead_name": "", "email": "", "phone": ""},
                None,
                "Give at least a name, an email or a phone number.",
            ),
            ({"status": "disqualified"}, "disqualified_reason", "Say why the lead is disqualified."),
            ({"status": "converted"}, "status", "Select a valid choice."),
            ({"email": "not-an-email"}, "email", "Enter a valid email address."),
            ({"source": "carrier-pigeon"}, "source", "Select a valid choice."),
        ],
    )
    def test_invalid_input_shows_the_error_and_saves_nothing(self, rep_client, overrides, field, message):
        response = rep_client.post(reverse("leads:create"), lead_form_data(**overrides))

        assert response.status_code == 200
        errors = response.context["form"].errors.get(field or "__all__", [])
        assert any(error.startswith(message) for error in errors), errors
        assert message.split("%")[0] in response.content.decode()
        assert Lead.objects.count() == 0

    def test_an_error_from_the_lead_pipeline_shows_on_the_form(self, rep_client, monkeypatch):
        def refuse(*, lead, by, source):
            with transaction.atomic():
                lead.save()
                raise ValidationError({"email": "This mailbox does not exist.", "spam_score": "Looks like spam."})

        monkeypatch.setattr(services, "process_lead", refuse)

        response = rep_client.post(reverse("leads:create"), lead_form_data())

        form = response.context["form"]
        assert response.status_code == 200
        assert form.errors["email"] == ["This mailbox does not exist."]
        assert form.non_field_errors() == ["Looks like spam."]
        assert form.instance.pk is None
        assert "Edit " not in response.content.decode()
        assert Lead.objects.count() == 0

    def test_an_owner_of_another_company_is_a_form_error(self, manager_client, outsider):
        response = manager_client.post(reverse("leads:create"), lead_form_data(lead_owner=outsider.pk))

        assert response.status_code == 200
        assert "lead_owner" in response.context["form"].errors
        assert Lead.objects.count() == 0

    def test_a_rep_cannot_give_a_new_lead_to_another_rep(self, rep_client, other_rep):
        response = rep_client.post(reverse("leads:create"), lead_form_data(lead_owner=other_rep.pk))

        assert "lead_owner" in response.context["form"].errors
        assert Lead.objects.count() == 0


class TestLeadUpdate:
    def test_round_trip_changes_the_lead(self, rep_client, rep, rep_lead):
        url = reverse("leads:update", kwargs={"pk": rep_lead.pk})
        form = rep_client.get(url).context["form"]
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.pop("gdpr_consent", None)
        data.pop("dnd_status", None)
        data.update(campaign="autumn", status="qualified", dnd_status="on")

        response = rep_client.post(url, data, follow=True)

        rep_lead.refresh_from_db()
        assert response.redirect_chain[-1][0] == rep_lead.get_absolute_url()
        assert (rep_lead.campaign, rep_lead.status, rep_lead.dnd_status) == ("autumn", "qualified", True)
        assert (rep_lead.first_name, rep_lead.last_name, rep_lead.lead_owner) == ("Ada", "Lovelace", rep)
        assert "Lead “Ada Lovelace” saved." in [str(m) for m in response.context["messages"]]

    def test_invalid_input_keeps_the_stored_lead(self, rep_client, rep, rep_lead):
        response = rep_client.post(
            reverse("leads:update", kwargs={"pk": rep_lead.pk}), lead_form_data(campaign="", lead_owner=rep.pk)
        )

        assert response.status_code == 200
        assert "campaign" in response.context["form"].errors
        rep_lead.refresh_from_db()
        assert rep_lead.campaign == "spring"
        assert rep_lead.first_name == "Ada"

    def test_a_rep_cannot_hand_their_lead_to_another_rep(self, rep_client, rep, other_rep, rep_lead):
        response = rep_client.post(
            reverse("leads:update", kwargs={"pk": rep_lead.pk}), lead_form_data(lead_owner=other_rep.pk)
        )

        assert "lead_owner" in response.context["form"].errors
        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_converted_lead_is_not_editable(self, manager_client, company, method):
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED, campaign="spring")
        url = reverse("leads:update", kwargs={"pk": converted.pk})

        response = getattr(manager_client, method)(url, *([lead_form_data()] if method == "post" else []))

        assert response.status_code == 302
        assert response["Location"] == converted.get_absolute_url()
        converted.refresh_from_db()
        assert converted.campaign == "spring"


class TestLeadDetail:
    def test_shows_every_section_with_its_values(self, rep_client, rep, company):
        lead = LeadFactory(
            company=company,
            lead_owner=rep,
            first_name="Ada",
            last_name="Lovelace",
            phone="+14155550100",
            campaign="spring",
            term="engines",
            content="hero",
            interest_product="Analytical engine",
            gdpr_consent=True,
            opt_in_date=timezone.localdate().replace(year=2024, month=3, day=9),
            lead_score=82,
            score_factors=[
                {"feature": "authority_level=decision_maker", "label": "Decision maker", "contribution": 20.0},
                {"feature": "email_type=free", "label": "Free email", "contribution": -4.5},
            ],
            spam_score=12,
            spam_reasons=[{"rule": "links", "points": 15, "detail": "Free email domain"}],
            validation_status=ValidationStatus.INVALID,
            validation_errors=[{"field": "phone", "message": "Phone is not a valid number"}],
        )

        response = rep_client.get(lead.get_absolute_url())

        content = response.content.decode()
        for text in (
            "Contact details",
            "Attribution",
            "Qualification",
            "Compliance",
            "Quality",
            "Conversion",
            "engines",
            "hero",
            "Analytical engine",
            "Decision maker",
            "+20.0</td>",
            "-4.5</td>",
            "Free email",
            "+15</td>",
            "Free email domain",
            "Phone is not a valid number",
            "March 9, 2024",
            'href="mailto:',
            'href="tel:+14155550100"',
            'data-score="82"',
        ):
            assert text in content, text
        assert "<title>Ada Lovelace · Leads · Acme Sales</title>" in content
        assert 'data-testid="outreach-blocked"' not in content

    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"dnd_status": True, "gdpr_consent": True}, "Do not disturb"),
            ({"dnd_status": False, "gdpr_consent": False}, "No GDPR consent"),
        ],
    )
    def test_blocked_outreach_shows_a_warning_and_disables_email_and_call(
        self, rep_client, rep, company, fields, reason
    ):
        lead = LeadFactory(company=company, lead_owner=rep, phone="+14155550100", **fields)

        content = rep_client.get(lead.get_absolute_url()).content.decode()

        assert 'data-testid="outreach-blocked"' in content
        assert reason in content
        assert "mailto:" not in content
        assert "tel:" not in content

    def test_a_converted_lead_links_to_what_it_became_and_offers_no_actions(self, manager_client, company):
        deal = DealFactory(company=company, name="Big deal")
        contact = ContactFactory(company=company, account=deal.account, first_name="Con", last_name="Tact")
        lead = LeadFactory(
            company=company,
            status=LeadStatus.CONVERTED,
            converted_to_account=deal.account,
            converted_contact=contact,
            converted_deal=deal,
            converted_at=timezone.now(),
        )

        content = manager_client.get(lead.get_absolute_url()).content.decode()

        assert deal.account.get_absolute_url() in content
        assert contact.get_absolute_url() in content
        assert deal.get_absolute_url() in content
        assert 'data-testid="read-only"' in content
        for action in ("update", "assign", "status", "stage", "take"):
            assert reverse(f"leads:{action}", kwargs={"pk": lead.pk}) not in content

    def test_a_manager_sees_the_assign_form_and_a_rep_does_not(self, client, rep, manager, rep_lead):
        url = rep_lead.get_absolute_url()
        assign_url = reverse("leads:assign", kwargs={"pk": rep_lead.pk})

        client.force_login(manager)
        manager_content = client.get(url).content.decode()
        client.force_login(rep)
        rep_content = client.get(url).content.decode()

        assert assign_url in manager_content
        assert assign_url not in rep_content
        assert reverse("leads:status", kwargs={"pk": rep_lead.pk}) in rep_content

    @pytest.mark.parametrize(("spam_score", "flagged"), [(69, False), (70, True)])
    def test_a_lead_at_the_companys_spam_threshold_is_flagged(self, rep_client, rep, company, spam_score, flagged):
        lead = LeadFactory(company=company, lead_owner=rep, spam_score=spam_score)

        content = rep_client.get(lead.get_absolute_url()).content.decode()

        assert ('<span class="badge text-bg-danger">Spam</span>' in content) is flagged

    def test_a_queue_lead_offers_assign_to_me(self, rep_client, queue_lead):
        content = rep_client.get(queue_lead.get_absolute_url()).content.decode()

        assert reverse("leads:take", kwargs={"pk": queue_lead.pk}) in content

    def test_the_detail_page_runs_a_fixed_number_of_queries(self, rep_client, rep_lead, django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            rep_client.get(rep_lead.get_absolute_url())


class TestLeadActions:
    def test_disqualifying_needs_a_reason(self, rep_client, rep_lead):
        response = rep_client.post(
            reverse("leads:status", kwargs={"pk": rep_lead.pk}), {"status": "disqualified"}, follow=True
        )

        rep_lead.refresh_from_db()
        assert rep_lead.status == LeadStatus.NEW
        assert "Say why the lead is disqualified." in [str(m) for m in response.context["messages"]]

    def test_disqualifying_with_a_reason_stores_it(self, rep_client, rep_lead):
        response = rep_client.post(
            reverse("leads:status", kwargs={"pk": rep_lead.pk}), {"status": "disqualified", "reason": "No budget"}
        )

        rep_lead.refresh_from_db()
        assert response["Location"] == rep_lead.get_absolute_url()
        assert (rep_lead.status, rep_lead.disqualified_reason) == ("disqualified", "No budget")

    @pytest.mark.parametrize("status", ["converted", "merged", "bogus"])
    def test_converted_and_merged_cannot_be_set_by_hand(self, rep_client, rep_lead, status):
        rep_client.post(reverse("leads:status", kwargs={"pk": rep_lead.pk}), {"status": status})

        rep_lead.refresh_from_db()
        assert rep_lead.status == LeadStatus.NEW

    def test_an_action_on_a_converted_lead_is_refused_with_a_message(self, manager_client, company):
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED)

        response = manager_client.post(
            reverse("leads:stage", kwargs={"pk": converted.pk}), {"stage": "decision"}, follow=True
        )

        converted.refresh_from_db()
        assert converted.stage == LeadStage.AWARENESS
        assert "This lead is converted and can no longer be changed." in [str(m) for m in response.context["messages"]]

    def test_actions_are_post_only(self, rep_client, rep_lead):
        response = rep_client.get(reverse("leads:stage", kwargs={"pk": rep_lead.pk}))

        assert response.status_code == 405

    def test_an_action_goes_back_to_a_local_next_url_only(self, rep_client, rep_lead):
        url = reverse("leads:stage", kwargs={"pk": rep_lead.pk})

        local = rep_client.post(url, {"stage": "decision", "next": "/leads/?status=new"})
        foreign = rep_client.post(url, {"stage": "decision", "next": "https://evil.example.com/"})

        assert local["Location"] == "/leads/?status=new"
        assert foreign["Location"] == rep_lead.get_absolute_url()

    def test_a_manager_can_send_a_lead_back_to_the_queue(self, manager_client, rep_lead):
        manager_client.post(reverse("leads:assign", kwargs={"pk": rep_lead.pk}), {"lead_owner": ""})

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner is None

    def test_assigning_to_a_user_of_another_company_is_refused(self, manager_client, rep, outsider, rep_lead):
        response = manager_client.post(
            reverse("leads:assign", kwargs={"pk": rep_lead.pk}), {"lead_owner": outsider.pk}, follow=True
        )

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep
        assert any("valid choice" in str(m) for m in response.context["messages"])

    def test_taking_an_already_taken_lead_says_so(self, client, rep, queue_lead, manager):
        queue_lead.lead_owner = manager
        queue_lead.save()
        client.force_login(manager)

        response = client.post(reverse("leads:take", kwargs={"pk": queue_lead.pk}), follow=True)

        assert "This lead is already yours." in [str(m) for m in response.context["messages"]]

    def test_bulk_assign_reports_the_count_and_returns_to_the_filtered_list(self, manager_client, company, other_rep):
        leads = LeadFactory.create_batch(3, company=company)
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED)

        response = manager_client.post(
            reverse("leads:bulk_assign"),
            {
                "leads": [lead.pk for lead in [*leads, converted]],
                "lead_owner": other_rep.pk,
                "next": "/leads/?campaign=spring",
            },
        )

        assert response["Location"] == "/leads/?campaign=spring"
        assert Lead.objects.filter(lead_owner=other_rep).count() == 3
        converted.refresh_from_db()
        assert converted.lead_owner is None
        messages = [str(m) for m in manager_client.get("/leads/").context["messages"]]
        assert f"3 leads assigned to {other_rep.get_full_name()}." in messages
        assert "1 converted or merged lead was left alone." in messages

    def test_bulk_assign_refuses_a_lead_of_another_company(self, manager_client, other_company, rep_lead, other_rep):
        foreign = LeadFactory(company=other_company)

        manager_client.post(
            reverse("leads:bulk_assign"), {"leads": [rep_lead.pk, foreign.pk], "lead_owner": other_rep.pk}
        )

        foreign.refresh_from_db()
        rep_lead.refresh_from_db()
        assert foreign.lead_owner is None
        assert rep_lead.lead_owner != other_rep

    def test_bulk_assign_needs_ticked_leads_and_an_owner(self, manager_client, rep_lead):
        response = manager_client.post(reverse("leads:bulk_assign"), {}, follow=True)

        messages = [str(m) for m in response.context["messages"]]
        assert "Tick at least one lead." in messages
        assert "This field is required." in messages


@pytest.fixture
def catalogue(company, rep, other_rep, other_company):
    """Leads that differ in one field each, plus leads nobody here may see."""
    base = {"company": company, "campaign": "evergreen", "medium": "organic", "country": "US", "lead_score": 50}
    # Fixed text where the factory would draw random names: a random "Wayne" must not match the search rows.
    base.update(first_name="", last_name="", company_name="Catalogue Co", job_title="Buyer")
    leads = {
        "qualified": LeadFactory(**base, lead_name="Qualified Quinn", status=LeadStatus.QUALIFIED, lead_owner=rep),
        "decision": LeadFactory(**base, lead_name="Decision Dora", stage=LeadStage.DECISION, lead_owner=rep),
        "event": LeadFactory(**{**base, "lead_name": "Event Eve", "source": Source.EVENT}),
        "boss": LeadFactory(**base, lead_name="Boss Bob", authority_level=AuthorityLevel.DECISION_MAKER),
        "rich": LeadFactory(**base, lead_name="Rich Rita", budget_range=BudgetRange.OVER_500K),
        "now": LeadFactory(**base, lead_name="Hurry Harry", timeline=Timeline.IMMEDIATE),
        "valid": LeadFactory(**base, lead_name="Valid Val", validation_status=ValidationStatus.VALID),
        "campaign": LeadFactory(**{**base, "lead_name": "Camp Carl", "campaign": "Black-Friday-2024"}),
        "medium": LeadFactory(**{**base, "lead_name": "Medium Mo", "medium": "linkedin-cpc"}),
        "india": LeadFactory(**{**base, "lead_name": "India Ira", "country": "IN"}),
        "hot": LeadFactory(**{**base, "lead_name": "Hot Hank", "lead_score": 95}),
        "cold": LeadFactory(**{**base, "lead_name": "Cold Cole", "lead_score": 5}),
        "consent": LeadFactory(**base, lead_name="Consent Cora", gdpr_consent=True),
        "dnd": LeadFactory(**base, lead_name="Quiet Quincy", dnd_status=True),
        "suspicious": LeadFactory(**base, lead_name="Sus Sam", spam_score=60),
        "spam": LeadFactory(**base, lead_name="Spam Spike", spam_score=90),
        "others": LeadFactory(**base, lead_name="Other Otto", lead_owner=other_rep),
        "search": LeadFactory(
            lead_name="Findme Fred",
            email="fred@unique-domain.example",
            phone="+4420799900",
            **{**base, "company_name": "Wayne"},
        ),
    }
    leads["duplicate"] = LeadFactory(**base, lead_name="Twin Tina", is_duplicate=True, duplicate_of=leads["boss"])
    old = LeadFactory(**base, lead_name="Old Olga")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    leads["old"] = old
    LeadFactory(company=other_company, lead_name="Foreign Fritz", campaign="evergreen")
    return leads


class TestLeadListFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"status": "qualified"}, {"qualified"}),
            ({"stage": "decision"}, {"decision"}),
            ({"source": "event"}, {"event"}),
            ({"authority_level": "decision_maker"}, {"boss"}),
            ({"budget_range": "gt_500k"}, {"rich"}),
            ({"timeline": "immediate"}, {"now"}),
            ({"validation_status": "valid"}, {"valid"}),
            ({"campaign": "friday"}, {"campaign"}),
            ({"medium": "LINKEDIN"}, {"medium"}),
            ({"country": "IN"}, {"india"}),
            ({"lead_score_min": "90"}, {"hot"}),
            ({"lead_score_max": "10"}, {"cold"}),
            ({"lead_score_min": "40", "lead_score_max": "60", "q": "Hank"}, set()),
            ({"spam_score_min": "50"}, {"suspicious"}),
            ({"spam_score_min": "50", "spam": "1"}, {"suspicious", "spam"}),
            ({"spam": "only"}, {"spam"}),
            ({"spam_score_max": "60", "spam_score_min": "60"}, {"suspicious"}),
            ({"is_duplicate": "true"}, {"duplicate"}),
            ({"gdpr_consent": "true"}, {"consent"}),
            ({"dnd_status": "true"}, {"dnd"}),
            ({"dnd_status": "false", "q": "Quincy"}, set()),
            ({"gdpr_consent": "false", "q": "Cora"}, set()),
            ({"created_at_before": (timezone.localdate() - timedelta(days=100)).isoformat()}, {"old"}),
            ({"created_at_after": (timezone.localdate() - timedelta(days=401)).isoformat(), "q": "Olga"}, {"old"}),
            ({"created_at_after": timezone.localdate().isoformat(), "q": "Olga"}, set()),
            ({"q": "findme"}, {"search"}),
            ({"q": "unique-domain"}, {"search"}),
            ({"q": "4420799"}, {"search"}),
            ({"q": "wayne"}, {"search"}),
            ({"q": "Fred Wayne"}, {"search"}),
        ],
    )
    def test_a_filter_returns_exactly_the_matching_leads(self, manager_client, catalogue, params, expected):
        response = manager_client.get(reverse("leads:list"), {**params, "per_page": 100})

        assert set(names(response)) == {catalogue[key].lead_name for key in expected}

    def test_owner_filter_and_the_unassigned_queue(self, manager_client, rep, catalogue):
        mine = manager_client.get(reverse("leads:list"), {"lead_owner": rep.pk})
        queue = manager_client.get(reverse("leads:list"), {"lead_owner": "none", "per_page": 100})

        assert set(names(mine)) == {"Qualified Quinn", "Decision Dora"}
        assert "Other Otto" not in names(queue)
        assert "Event Eve" in names(queue)
        assert all(lead.lead_owner_id is None for lead in queue.context["object_list"])

    def test_spam_is_hidden_by_default(self, manager_client, catalogue):
        response = manager_client.get(reverse("leads:list"), {"per_page": 100})

        assert "Spam Spike" not in names(response)
        assert "Sus Sam" in names(response)
        assert response.context["paginator"].count == len(catalogue) - 1

    def test_a_rep_sees_own_and_unassigned_leads_only(self, rep_client, catalogue):
        response = rep_client.get(reverse("leads:list"), {"per_page": 100})

        shown = set(names(response))
        assert "Qualified Quinn" in shown
        assert "Event Eve" in shown
        assert "Other Otto" not in shown
        assert "Foreign Fritz" not in shown

    def test_an_outsider_sees_none_of_them(self, outsider_client, catalogue):
        response = outsider_client.get(reverse("leads:list"))

        assert names(response) == ["Foreign Fritz"]

    def test_an_invalid_filter_value_is_not_a_server_error(self, manager_client, catalogue):
        response = manager_client.get(reverse("leads:list"), {"status": "nonsense", "lead_score_min": "abc"})

        assert response.status_code == 200
        assert "status" in response.context["filter"].errors

    def test_the_filters_stay_in_the_pagination_links(self, manager_client, company):
        LeadFactory.create_batch(30, company=company, campaign="keepme")

        response = manager_client.get(reverse("leads:list"), {"campaign": "keepme", "o": "lead_name"})

        assert "?campaign=keepme&amp;o=lead_name&amp;page=2" in response.content.decode()


class TestLeadListOrderingAndPagination:
    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            ("lead_score", ["Low", "Mid", "Top"]),
            ("-lead_score", ["Top", "Mid", "Low"]),
            ("lead_name", ["Low", "Mid", "Top"]),
            ("-company_name", ["Low", "Top", "Mid"]),
            ("campaign", ["Mid", "Top", "Low"]),
            ("-created_at", ["Top", "Mid", "Low"]),
        ],
    )
    def test_ordering_by_a_column(self, manager_client, company, ordering, expected):
        LeadFactory(company=company, lead_name="Low", lead_score=10, company_name="Zeta", campaign="c")
        LeadFactory(company=company, lead_name="Mid", lead_score=50, company_name="Alpha", campaign="a")
        LeadFactory(company=company, lead_name="Top", lead_score=90, company_name="Beta", campaign="b")

        response = manager_client.get(reverse("leads:list"), {"o": ordering})

        assert names(response) == expected

    def test_newest_first_by_default(self, manager_client, company):
        first = LeadFactory(company=company, lead_name="First")
        second = LeadFactory(company=company, lead_name="Second")

        response = manager_client.get(reverse("leads:list"))

        assert names(response) == [second.lead_name, first.lead_name]

    @pytest.mark.parametrize(
        ("params", "rows", "pages"),
        [({}, 25, 3), ({"per_page": 50}, 50, 2), ({"per_page": 100}, 60, 1), ({"per_page": 7}, 25, 3)],
    )
    def test_page_size_choices(self, manager_client, company, params, rows, pages):
        LeadFactory.create_batch(60, company=company)

        response = manager_client.get(reverse("leads:list"), params)

        assert len(response.context["object_list"]) == rows
        assert response.context["paginator"].num_pages == pages
        assert response.context["paginator"].count == 60
        assert " of 60" in response.content.decode()

    def test_pages_never_repeat_a_lead_when_the_sort_key_ties(self, manager_client, company):
        LeadFactory.create_batch(30, company=company, lead_score=50)

        first = manager_client.get(reverse("leads:list"), {"o": "lead_score"})
        second = manager_client.get(reverse("leads:list"), {"o": "lead_score", "page": 2})

        seen = [lead.pk for lead in first.context["object_list"]] + [lead.pk for lead in second.context["object_list"]]
        assert len(set(seen)) == 30

    def test_empty_list_offers_to_create_a_lead(self, rep_client):
        response = rep_client.get(reverse("leads:list"))

        content = response.content.decode()
        assert 'data-testid="empty-state"' in content
        assert "Add your first lead" in content
        assert reverse("leads:create") in content

    def test_no_match_offers_to_clear_the_filters(self, rep_client, rep_lead):
        response = rep_client.get(reverse("leads:list"), {"campaign": "nothing-like-this"})

        assert "No leads match these filters" in response.content.decode()

    def test_rows_show_badges_and_the_manager_gets_checkboxes(self, manager_client, rep_lead, queue_lead):
        response = manager_client.get(reverse("leads:list"))

        content = response.content.decode()
        assert 'data-value="new"' in content
        assert 'data-value="awareness"' in content
        assert 'data-score="' in content
        assert f'name="leads" value="{rep_lead.pk}" form="bulk-assign"' in content
        assert reverse("leads:take", kwargs={"pk": queue_lead.pk}) in content
        assert reverse("leads:take", kwargs={"pk": rep_lead.pk}) not in content

    def test_ids_in_the_page_are_never_localised(self, manager_client, company):
        big = LeadFactory(company=company, id=12345)

        content = manager_client.get(reverse("leads:list")).content.decode()

        assert f'name="leads" value="{big.pk}"' in content
        assert "12,345" not in content

    def test_a_rep_gets_no_bulk_assign_form(self, rep_client, rep_lead):
        response = rep_client.get(reverse("leads:list"))

        assert reverse("leads:bulk_assign") not in response.content.decode()


class TestLeadListSpeed:
    @pytest.mark.parametrize("rows", [25, 100])
    def test_the_list_runs_the_same_queries_at_25_and_100_rows(
        self, manager_client, company, rows, django_assert_max_num_queries
    ):
        owners = [member(company, Role.REP, username=f"owner-{n}") for n in range(5)]
        for n in range(rows):
            LeadFactory(company=company, lead_owner=owners[n % 6] if n % 6 < 5 else None)

        with django_assert_max_num_queries(LIST_QUERIES):
            response = manager_client.get(reverse("leads:list"), {"per_page": rows})

        assert len(response.context["object_list"]) == rows

    def test_the_query_count_does_not_grow_with_the_page_size(self, manager_client, company):
        owners = [member(company, Role.REP, username=f"owner-{n}") for n in range(4)]
        for n in range(100):
            LeadFactory(company=company, lead_owner=owners[n % 4] if n % 5 else None)

        counts = []
        for rows in (25, 100):
            with CaptureQueriesContext(connection) as queries:
                manager_client.get(reverse("leads:list"), {"per_page": rows})
            counts.append(len(queries))

        assert counts[0] == counts[1]
