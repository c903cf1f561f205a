"""Spam score: the weighted rules, their reasons, the velocity window and the Company's threshold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.quality import assess_quality, assess_quality_batch
from leads.quality.spam import RULES, gibberish_problem
from tests.factories import LeadFactory


def make_lead(company, **fields):
    values = {
        "company": company,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@analytical.example.com",
        "phone": "+14155550100",
        "country": "US",
        "company_name": "Analytical Engines",
        "job_title": "Head of Engineering",
        "campaign": "spring",
    }
    values.update(fields)
    return Lead(**values)


def fired(lead):
    return {reason["rule"] for reason in lead.spam_reasons}


SPAM_EXAMPLES = [
    ({"email": "win@mailinator.com"}, None, {"disposable_email"}),
    ({"email": "win@mx.mailinator.com"}, None, {"disposable_email"}),
    ({"first_name": "Asdfgh", "last_name": "Qwerty"}, None, {"gibberish_name"}),
    ({"last_name": "Xkcdfgt"}, None, {"gibberish_name"}),
    ({"first_name": "Aaaaron"}, None, {"gibberish_name"}),
    ({"first_name": "Bcdfghjk"}, None, {"gibberish_name"}),
    ({"first_name": "Ada2024"}, None, {"gibberish_name"}),
    ({"first_name": "Visit http://spam.example"}, None, {"link_in_name"}),
    ({"last_name": "<b>Winner</b>"}, None, {"link_in_name"}),
    ({"last_name": "cheap-pills.ru"}, None, {"link_in_name"}),
    ({"company_name": "www.casino.example"}, None, {"link_in_name"}),
    ({}, {"honeypot": "http://spam.example"}, {"honeypot"}),
    ({}, {"fill_seconds": 1.2}, {"too_fast"}),
    ({"phone": "+44 20 7946 0958"}, None, {"phone_country_mismatch"}),
    ({"phone": "+91 98765 43210", "country": "GB"}, None, {"phone_country_mismatch"}),
    ({"first_name": "JOHN", "last_name": "SMITH"}, None, {"all_caps"}),
]

CLEAN_LEADS = [
    {},
    {"first_name": "José", "last_name": "Álvarez", "country": "ES", "phone": "+34 912 345 678"},
    {"first_name": "Nguyễn", "last_name": "Văn An", "country": "VN", "phone": ""},
    {"first_name": "Siobhán", "last_name": "O'Neill", "country": "IE", "phone": ""},
    {"first_name": "Krzysztof", "last_name": "Szczepański", "country": "PL", "phone": ""},
    {"first_name": "Friedrich", "last_name": "Nietzsche", "country": "DE", "phone": "030 12345678"},
    {"first_name": "Karl", "last_name": "Schwarzschild", "country": "DE", "phone": ""},
    {"first_name": "Jean-Luc", "last_name": "Picard", "country": "FR", "phone": "+33 1 23 45 67 89"},
    {"first_name": "Li", "last_name": "Na", "country": "CN", "phone": ""},
    {"first_name": "Priya", "last_name": "Raghunathan", "country": "IN", "phone": "098765 43210"},
    # +44 is shared by GB, Guernsey, Jersey and the Isle of Man: a Guernsey mobile in the UK is no mismatch.
    {"country": "GB", "phone": "+44 7911 123456"},
    # Calling code +1 is shared by the US and Canada.
    {"country": "CA", "phone": "+1 415 555 0100"},
    {"company_name": "IBM", "email": "ada@ibm.example.com"},
    {"company_name": "Booking.com"},
]


class TestSpamRules:
    @pytest.mark.parametrize(("fields", "context", "rules"), SPAM_EXAMPLES)
    def test_each_spam_signal_fires_its_rule_with_its_points_and_a_detail(self, company, fields, context, rules):
        lead = make_lead(company, **fields)

        assess_quality(lead, context=context)

        assert fired(lead) == rules
        assert lead.spam_score == sum(RULES[rule].points for rule in rules)
        assert all(reason["detail"] for reason in lead.spam_reasons)

    @pytest.mark.parametrize("fields", CLEAN_LEADS)
    def test_a_clean_lead_scores_zero(self, company, fields):
        lead = make_lead(company, **fields)

        assess_quality(lead, context={"honeypot": "", "fill_seconds": 42.0})

        assert lead.spam_reasons == []
        assert lead.spam_score == 0

    def test_the_score_is_capped_at_100(self, company):
        lead = make_lead(company, first_name="QWERTY", last_name="ASDFGH", email="x@mailinator.com")

        assess_quality(lead, context={"honeypot": "yes", "fill_seconds": 0.5})

        assert sum(reason["points"] for reason in lead.spam_reasons) > 100
        assert lead.spam_score == 100

    @pytest.mark.parametrize(
        ("word", "looks_random"),
        [
            *[(word, True) for word in ("asdf", "qwert", "lkjhg", "zzzap", "xkcdfgt", "brrr", "sdkfjhsdfa")],
            *[(word, False) for word in ("ada", "wert", "schmidt", "strzelczyk", "nguyen", "schwarzschild")],
        ],
    )
    def test_gibberish_words(self, word, looks_random):
        assert bool(gibberish_problem(word)) is looks_random


class TestVelocity:
    def test_three_earlier_leads_from_one_ip_in_the_hour_add_velocity_points(self, company):
        LeadFactory.create_batch(3, company=company, submitted_ip="203.0.113.9")
        lead = make_lead(company, submitted_ip="203.0.113.9")

        assess_quality(lead)

        assert fired(lead) == {"ip_velocity"}

    def test_two_earlier_leads_from_one_ip_do_not(self, company):
        LeadFactory.create_batch(2, company=company, submitted_ip="203.0.113.9")
        lead = make_lead(company, submitted_ip="203.0.113.9")

        assess_quality(lead)

        assert lead.spam_reasons == []

    def test_leads_older_than_an_hour_or_of_another_company_do_not_count(self, company, other_company):
        old = LeadFactory.create_batch(3, company=company, submitted_ip="203.0.113.9")
        Lead.objects.filter(pk__in=[lead.pk for lead in old]).update(created_at=timezone.now() - timedelta(hours=2))
        LeadFactory.create_batch(3, company=other_company, submitted_ip="203.0.113.9")
        lead = make_lead(company, submitted_ip="203.0.113.9")

        assess_quality(lead)

        assert lead.spam_reasons == []

    def test_two_earlier_leads_with_the_same_email_add_velocity_points(self, company):
        LeadFactory.create_batch(2, company=company, email="ada@analytical.example.com")
        lead = make_lead(company)

        assess_quality(lead)

        assert "email_velocity" in fired(lead)

    def test_rescoring_a_lead_later_counts_the_same_window(self, company):
        LeadFactory.create_batch(3, company=company, submitted_ip="203.0.113.9")
        lead = make_lead(company, submitted_ip="203.0.113.9")
        assess_quality(lead)
        lead.save()
        LeadFactory.create_batch(3, company=company, submitted_ip="203.0.113.9")  # after it: not counted

        assess_quality(lead)

        assert lead.spam_reasons[0]["detail"].startswith("3 other leads")

    def test_the_batch_path_counts_saved_and_earlier_unsaved_leads(self, company):
        LeadFactory.create_batch(2, company=company, submitted_ip="203.0.113.9")
        batch = [make_lead(company, submitted_ip="203.0.113.9", email=f"p{i}@example.com") for i in range(3)]

        assess_quality_batch(batch)

        assert [("ip_velocity" in fired(lead)) for lead in batch] == [False, True, True]


class TestSpamThreshold:
    def test_a_lead_at_the_companys_threshold_is_flagged_and_left_out_of_the_queue(self, company):
        company.spam_threshold = 40
        company.save()
        spam = make_lead(company, email="win@mailinator.com")
        clean = make_lead(company, email="ada@example.com", phone="")
        for lead in (spam, clean):
            assess_quality(lead)
            lead.save()

        assert list(Lead.objects.spam()) == [spam]
        assert list(Lead.objects.queue()) == [clean]
