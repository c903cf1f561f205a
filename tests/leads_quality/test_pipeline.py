"""The pipeline: one order (validate -> spam -> duplicates -> score), the same results on every path, batched."""

from django.template.loader import render_to_string
from django.test import RequestFactory

from crm.models import Role
from leads.models import Lead, LeadStatus
from leads.quality import BATCH_SIZE, assess_quality, assess_quality_batch
from leads.quality.duplicates import duplicate_candidates
from tests.factories import ContactFactory, LeadFactory, member

QUALITY_FIELDS = (
    "email",
    "phone",
    "country",
    "validation_status",
    "validation_errors",
    "spam_score",
    "spam_reasons",
    "is_duplicate",
    "name_key",
    "lead_score",
    "score_model_version",
    "score_factors",
)


def rows():
    people = {"first_name": "Ada", "last_name": "King", "company_name": "Same Co", "job_title": "CTO"}
    return [
        {**people, "email": " Ada@Example.com", "phone": "(415) 555-0100", "country": "us"},
        {**people, "email": "win@mailinator.com", "first_name": "Qwerty", "phone": "+44 20 7946 0958", "country": "US"},
        {**people, "email": "bad@", "last_name": "Byron", "phone": "12345", "country": "XX"},
        {**people, "email": "ada@example.com", "phone": "", "country": "GB", "budget_range": "gt_500k"},
    ]


def quality(lead):
    return tuple(str(getattr(lead, name)) for name in QUALITY_FIELDS)


class TestOnePipeline:
    def test_the_single_and_the_batch_path_give_the_same_answers(self, company, other_company):
        single = [LeadFactory.build(company=company, **fields) for fields in rows()]
        batch = [LeadFactory.build(company=other_company, **fields) for fields in rows()]

        for lead in single:
            assess_quality(lead)
            lead.save()
        assess_quality_batch(batch)
        for lead in batch:
            lead.save()

        assert [quality(lead) for lead in single] == [quality(lead) for lead in batch]
        assert [lead.validation_status for lead in single] == ["valid", "valid", "invalid", "valid"]
        assert single[3].duplicate_of_id == single[0].pk

    def test_converted_and_merged_leads_are_left_as_they_are(self, company):
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED, phone="(415) 555-0100", lead_score=42)
        merged = LeadFactory(company=company, status=LeadStatus.MERGED, phone="(415) 555-0100", lead_score=42)

        assess_quality(converted)
        assess_quality_batch([merged])

        assert (converted.phone, converted.lead_score, converted.scored_at) == ("(415) 555-0100", 42, None)
        assert (merged.phone, merged.lead_score, merged.scored_at) == ("(415) 555-0100", 42, None)

    def test_one_lead_costs_four_queries(self, company, django_assert_num_queries):
        LeadFactory.create_batch(3, company=company)
        ContactFactory(company=company)
        lead = LeadFactory.build(company=company, submitted_ip="203.0.113.1", company_name="Acme")

        with django_assert_num_queries(4):  # velocity, leads, contacts, score model
            assess_quality(lead)

    def test_a_large_import_costs_three_queries_per_batch(self, company, django_assert_num_queries):
        leads = [LeadFactory.build(company=company, email=f"p{i}@example.com") for i in range(BATCH_SIZE + 10)]

        with django_assert_num_queries(1 + 2 * 3):  # score model once; velocity, leads, contacts per batch
            assess_quality_batch(leads)

        assert all(lead.scored_at for lead in leads)

    def test_leads_of_several_companies_are_matched_within_their_own_company(self, company, other_company):
        LeadFactory(company=company, email="ada@example.com")
        ours = LeadFactory.build(company=company, email="ada@example.com")
        theirs = LeadFactory.build(company=other_company, email="ada@example.com")

        assess_quality_batch([theirs, ours])

        assert (ours.is_duplicate, theirs.is_duplicate) == (True, False)


class TestLeadPagePartials:
    def render(self, lead, user, **extra):
        request = RequestFactory().get("/")
        request.user = user
        context = {
            "lead": lead,
            "candidates": duplicate_candidates(lead, user=user),
            "membership": user.membership,
            "company": lead.company,
            "request": request,
        }
        context.update(extra)
        return render_to_string("leads/quality/_quality.html", context)

    def test_the_lead_page_shows_factors_reasons_problems_and_candidates(self, company, manager):
        original = LeadFactory.build(company=company, email="win@mailinator.com")
        assess_quality(original)
        original.save()
        lead = LeadFactory.build(company=company, email="win@mailinator.com", phone="12345", first_name="Asdfgh")
        assess_quality(lead)
        lead.save()

        html = self.render(lead, manager)

        assert 'data-feature="spam_score"' in html
        assert 'data-rule="disposable_email"' in html and 'data-rule="gibberish_name"' in html
        assert "mailinator.com is a disposable mailbox provider." in html
        assert 'data-field="phone"' in html
        assert f'data-kind="lead" data-pk="{original.pk}"' in html
        assert f"/leads/{lead.pk}/merge/{original.pk}/" in html
        assert "Rule-based prior" in html

    def test_a_rep_gets_no_merge_link_and_a_spam_flag_past_the_threshold(self, company):
        rep = member(company, Role.REP, username="partials-rep")
        LeadFactory(company=company, email="ada@example.com")
        lead = LeadFactory.build(company=company, email="ada@example.com")
        assess_quality(lead, context={"honeypot": "x"})
        lead.save()

        html = self.render(lead, rep)

        assert "Flagged as spam" in html
        assert "/merge/" not in html

    def test_a_defaulted_campaign_is_shown(self, company, manager):
        lead = LeadFactory(company=company, campaign="website", campaign_defaulted=True)

        assert 'data-testid="campaign-defaulted"' in self.render(lead, manager)

    def test_the_share_card_gives_the_public_link(self, company, admin_user):
        request = RequestFactory().get("/")

        html = render_to_string("leads/capture/_share.html", {"company": company, "request": request})

        assert "http://testserver/f/acme/?utm_source=website" in html


class TestLeadSaveWithPipeline:
    def test_a_lead_processed_and_saved_satisfies_the_database_constraints(self, company):
        ContactFactory(company=company, email="ada@example.com")
        lead = Lead(company=company, email="ada@example.com", campaign="spring")

        assess_quality(lead)
        lead.full_clean()
        lead.save()

        lead.refresh_from_db()
        assert lead.is_duplicate and lead.duplicate_contact_id and lead.duplicate_of_id is None
