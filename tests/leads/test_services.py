import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Role
from leads import services
from leads.models import Lead, LeadStage, LeadStatus
from tests.factories import LeadFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_lead(company, rep):
    return LeadFactory(company=company, lead_owner=rep)


@pytest.fixture
def queue_lead(company):
    return LeadFactory(company=company, lead_owner=None)


class TestProcessLead:
    def test_validates_and_saves_a_new_lead(self, company, rep):
        lead = Lead(company=company, lead_name="Ada Lovelace", campaign="spring")

        services.process_lead(lead=lead, by=rep)

        lead.refresh_from_db()
        assert (lead.first_name, lead.last_name) == ("Ada", "Lovelace")
        assert lead.created_by == rep

    def test_keeps_the_original_creator_on_edit(self, company, rep, manager):
        lead = LeadFactory(company=company, created_by=rep)
        lead.campaign = "autumn"

        services.process_lead(lead=lead, by=manager)

        lead.refresh_from_db()
        assert (lead.campaign, lead.created_by) == ("autumn", rep)

    @pytest.mark.parametrize(
        ("fields", "error_field"),
        [
            ({"campaign": ""}, "campaign"),
            ({"lead_name": "", "email": "", "phone": ""}, "__all__"),
            ({"status": LeadStatus.DISQUALIFIED, "disqualified_reason": ""}, "disqualified_reason"),
        ],
    )
    def test_refuses_an_invalid_lead_and_saves_nothing(self, company, rep, fields, error_field):
        lead = Lead(company=company, lead_name="Ada Lovelace", campaign="spring")
        for name, value in fields.items():
            setattr(lead, name, value)

        with pytest.raises(ValidationError) as raised:
            services.process_lead(lead=lead, by=rep)

        assert error_field in raised.value.message_dict
        assert Lead.objects.count() == 0

    def test_refuses_an_owner_of_another_company(self, company, outsider, rep):
        lead = Lead(company=company, lead_name="Ada Lovelace", campaign="spring", lead_owner=outsider)

        with pytest.raises(ValidationError) as raised:
            services.process_lead(lead=lead, by=rep)

        assert "lead_owner" in raised.value.message_dict
        assert Lead.objects.count() == 0


class TestLeadAssign:
    def test_a_manager_assigns_a_lead(self, manager, other_rep, rep_lead):
        services.lead_assign(lead=rep_lead, owner=other_rep, by=manager)

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == other_rep

    def test_a_manager_sends_a_lead_back_to_the_queue(self, manager, rep_lead):
        services.lead_assign(lead=rep_lead, owner=None, by=manager)

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner is None

    @pytest.mark.parametrize("who", ["rep", "other_rep", "outsider"])
    def test_nobody_else_assigns(self, request, other_rep, rep, rep_lead, who):
        with pytest.raises(PermissionDenied):
            services.lead_assign(lead=rep_lead, owner=other_rep, by=request.getfixturevalue(who))

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep

    def test_the_owner_must_be_a_user_of_the_company(self, manager, outsider, rep, rep_lead):
        with pytest.raises(ValidationError):
            services.lead_assign(lead=rep_lead, owner=outsider, by=manager)

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep

    def test_an_inactive_user_cannot_get_leads(self, company, manager, rep_lead):
        leaver = member(company, Role.REP, username="leaver", is_active=False)

        with pytest.raises(ValidationError):
            services.lead_assign(lead=rep_lead, owner=leaver, by=manager)

    @pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.MERGED])
    def test_a_read_only_lead_keeps_its_owner(self, company, manager, other_rep, status):
        lead = LeadFactory(company=company, status=status)

        with pytest.raises(ValidationError):
            services.lead_assign(lead=lead, owner=other_rep, by=manager)


class TestLeadsBulkAssign:
    def test_assigns_every_lead_and_returns_the_count(self, company, manager, other_rep):
        leads = LeadFactory.create_batch(4, company=company)

        assigned = services.leads_bulk_assign(leads=leads, owner=other_rep, by=manager)

        assert assigned == 4
        assert Lead.objects.filter(lead_owner=other_rep).count() == 4

    def test_skips_converted_leads_and_leads_of_another_company(self, company, other_company, manager, other_rep):
        open_lead = LeadFactory(company=company)
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED)
        foreign = LeadFactory(company=other_company)

        assigned = services.leads_bulk_assign(leads=[open_lead, converted, foreign], owner=other_rep, by=manager)

        assert assigned == 1
        assert list(Lead.objects.filter(lead_owner=other_rep)) == [open_lead]

    def test_a_rep_cannot_bulk_assign(self, company, rep, other_rep):
        lead = LeadFactory(company=company)

        with pytest.raises(PermissionDenied):
            services.leads_bulk_assign(leads=[lead], owner=other_rep, by=rep)

        lead.refresh_from_db()
        assert lead.lead_owner is None

    @pytest.mark.parametrize("owner", [None, "outsider"])
    def test_needs_an_owner_of_the_company(self, request, company, manager, owner):
        lead = LeadFactory(company=company)

        with pytest.raises(ValidationError):
            services.leads_bulk_assign(leads=[lead], owner=owner and request.getfixturevalue(owner), by=manager)

        lead.refresh_from_db()
        assert lead.lead_owner is None


class TestLeadTake:
    def test_a_rep_takes_a_lead_from_the_queue(self, rep, queue_lead):
        services.lead_take(lead=queue_lead, by=rep)

        queue_lead.refresh_from_db()
        assert queue_lead.lead_owner == rep

    def test_the_second_of_two_simultaneous_takers_is_told_someone_else_took_it(self, rep, other_rep, queue_lead):
        stale_copy = Lead.objects.get(pk=queue_lead.pk)
        services.lead_take(lead=queue_lead, by=other_rep)

        with pytest.raises(ValidationError, match="Someone else took this lead"):
            services.lead_take(lead=stale_copy, by=rep)

        queue_lead.refresh_from_db()
        assert queue_lead.lead_owner == other_rep

    def test_an_owned_lead_cannot_be_taken(self, other_rep, manager, rep, rep_lead):
        with pytest.raises(ValidationError, match="already has an owner"):
            services.lead_take(lead=rep_lead, by=manager)

        rep_lead.refresh_from_db()
        assert rep_lead.lead_owner == rep

    def test_taking_your_own_lead_says_it_is_already_yours(self, rep, rep_lead):
        with pytest.raises(ValidationError, match="already yours"):
            services.lead_take(lead=rep_lead, by=rep)

    def test_a_user_of_another_company_cannot_take_it(self, outsider, queue_lead):
        with pytest.raises(PermissionDenied):
            services.lead_take(lead=queue_lead, by=outsider)

        queue_lead.refresh_from_db()
        assert queue_lead.lead_owner is None

    def test_a_converted_lead_cannot_be_taken(self, company, rep):
        lead = LeadFactory(company=company, status=LeadStatus.CONVERTED)

        with pytest.raises(ValidationError):
            services.lead_take(lead=lead, by=rep)

        lead.refresh_from_db()
        assert lead.lead_owner is None


class TestLeadSetStatus:
    @pytest.mark.parametrize("status", [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.NEW])
    def test_the_owner_moves_the_lead(self, rep, rep_lead, status):
        services.lead_set_status(lead=rep_lead, status=status, by=rep)

        rep_lead.refresh_from_db()
        assert rep_lead.status == status

    def test_disqualifying_without_a_reason_is_refused(self, rep, rep_lead):
        with pytest.raises(ValidationError) as raised:
            services.lead_set_status(lead=rep_lead, status=LeadStatus.DISQUALIFIED, by=rep, reason="  ")

        assert "disqualified_reason" in raised.value.message_dict
        rep_lead.refresh_from_db()
        assert rep_lead.status == LeadStatus.NEW

    def test_disqualifying_keeps_the_reason_and_reopening_clears_it(self, rep, rep_lead):
        services.lead_set_status(lead=rep_lead, status=LeadStatus.DISQUALIFIED, by=rep, reason=" Student ")
        rep_lead.refresh_from_db()
        disqualified = (rep_lead.status, rep_lead.disqualified_reason)

        services.lead_set_status(lead=rep_lead, status=LeadStatus.CONTACTED, by=rep)

        rep_lead.refresh_from_db()
        assert disqualified == (LeadStatus.DISQUALIFIED, "Student")
        assert (rep_lead.status, rep_lead.disqualified_reason) == (LeadStatus.CONTACTED, "")

    @pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.MERGED, "lost"])
    def test_conversion_states_are_not_set_by_hand(self, rep, rep_lead, status):
        with pytest.raises(ValidationError):
            services.lead_set_status(lead=rep_lead, status=status, by=rep)

        rep_lead.refresh_from_db()
        assert rep_lead.status == LeadStatus.NEW

    @pytest.mark.parametrize(("who", "allowed"), [("manager", True), ("other_rep", False), ("outsider", False)])
    def test_only_the_owner_or_a_manager_changes_it(self, request, rep_lead, who, allowed):
        user = request.getfixturevalue(who)

        if allowed:
            services.lead_set_status(lead=rep_lead, status=LeadStatus.CONTACTED, by=user)
        else:
            with pytest.raises(PermissionDenied):
                services.lead_set_status(lead=rep_lead, status=LeadStatus.CONTACTED, by=user)

        rep_lead.refresh_from_db()
        assert (rep_lead.status == LeadStatus.CONTACTED) is allowed

    def test_a_rep_may_work_a_queue_lead(self, other_rep, queue_lead):
        services.lead_set_status(lead=queue_lead, status=LeadStatus.CONTACTED, by=other_rep)

        queue_lead.refresh_from_db()
        assert queue_lead.status == LeadStatus.CONTACTED

    def test_a_converted_lead_is_history(self, company, manager):
        lead = LeadFactory(company=company, status=LeadStatus.CONVERTED)

        with pytest.raises(ValidationError, match="converted"):
            services.lead_set_status(lead=lead, status=LeadStatus.NEW, by=manager)


class TestLeadSetStage:
    def test_the_owner_moves_the_stage(self, rep, rep_lead):
        services.lead_set_stage(lead=rep_lead, stage=LeadStage.DECISION, by=rep)

        rep_lead.refresh_from_db()
        assert rep_lead.stage == LeadStage.DECISION

    def test_an_unknown_stage_is_refused(self, rep, rep_lead):
        with pytest.raises(ValidationError):
            services.lead_set_stage(lead=rep_lead, stage="closed", by=rep)

        rep_lead.refresh_from_db()
        assert rep_lead.stage == LeadStage.AWARENESS

    @pytest.mark.parametrize("who", ["other_rep", "outsider"])
    def test_another_rep_or_company_cannot(self, request, rep_lead, who):
        with pytest.raises(PermissionDenied):
            services.lead_set_stage(lead=rep_lead, stage=LeadStage.DECISION, by=request.getfixturevalue(who))

        rep_lead.refresh_from_db()
        assert rep_lead.stage == LeadStage.AWARENESS

    def test_a_merged_lead_is_history(self, company, manager):
        lead = LeadFactory(company=company, status=LeadStatus.MERGED)

        with pytest.raises(ValidationError):
            services.lead_set_stage(lead=lead, stage=LeadStage.DECISION, by=manager)
