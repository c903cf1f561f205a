"""The public web-to-lead form /f/<company-slug>/: UTM capture, consent, honeypot, fill time, rate limits."""

import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Source
from leads import capture
from leads.models import Lead, LeadStatus, ValidationStatus


def started(company, seconds_ago=30.0):
    return signing.dumps({"company": company.pk, "at": time.time() - seconds_ago}, salt=capture.STARTED_SALT)


def form_data(company, **overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@analytical.example.com",
        "phone": "(415) 555-0100",
        "company_name": "Analytical Engines",
        "country": "US",
        "interest_product": "Difference engine",
        "message": "Please call me back.",
        "consent": "on",
        "website": "",
        "started": started(company),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def url(company, query=""):
    return reverse("web_to_lead", kwargs={"slug": company.slug}) + query


@pytest.fixture
def visitor():
    return Client()


class TestShowingTheForm:
    def test_anyone_sees_the_form_without_logging_in(self, visitor, company):
        response = visitor.get(url(company, "?utm_campaign=spring"))

        assert response.status_code == 200
        assert company.name in response.text
        assert 'name="started"' in response.text
        assert 'action="/f/acme/?utm_campaign=spring"' in response.text

    def test_the_honeypot_is_hidden_by_a_css_class_not_an_inline_style(self, visitor, company):
        response = visitor.get(url(company))

        assert '<div class="w2l-hp" aria-hidden="true">' in response.text
        assert "/static/css/crm.css" in response.text
        assert ".w2l-hp {" in (settings.BASE_DIR / "static/css/crm.css").read_text()
        assert "display:none" not in response.text.replace(" ", "")

    @pytest.mark.parametrize("slug", ["no-such-company", "globex-inactive"])
    def test_an_unknown_or_inactive_company_is_a_404(self, visitor, other_company, slug):
        other_company.slug, other_company.is_active = "globex-inactive", False
        other_company.save()

        assert visitor.get(f"/f/{slug}/").status_code == 404
        assert visitor.post(f"/f/{slug}/", {}).status_code == 404


class TestSubmitting:
    def test_a_submission_creates_a_new_unassigned_lead_and_thanks_the_visitor(self, visitor, company):
        response = visitor.post(url(company, "?utm_campaign=spring"), form_data(company), REMOTE_ADDR="198.51.100.7")

        lead = Lead.objects.get()
        assert response.status_code == 302
        assert response["Location"] == "/f/acme/?sent=1"
        assert visitor.get(response["Location"]).status_code == 200
        assert lead.company == company
        assert (lead.status, lead.lead_owner, lead.created_by) == (LeadStatus.NEW, None, None)
        assert (lead.first_name, lead.last_name, lead.lead_name) == ("Ada", "Lovelace", "Ada Lovelace")
        assert lead.phone == "+14155550100"
        assert lead.notes == "Please call me back."
        assert lead.interest_product == "Difference engine"
        assert str(lead.submitted_ip) == "198.51.100.7"

    def test_the_quality_pipeline_runs_on_a_web_lead(self, visitor, company):
        visitor.post(url(company, "?utm_campaign=spring"), form_data(company))

        lead = Lead.objects.get()
        assert lead.validation_status == ValidationStatus.VALID
        assert lead.spam_score == 0
        assert lead.score_model_version == "prior-v1"
        assert lead.scored_at is not None
        assert lead.score_factors

    def test_the_submission_lands_in_the_company_whose_slug_is_in_the_url(self, visitor, company, other_company):
        visitor.post(url(other_company, "?utm_campaign=spring"), form_data(other_company))

        assert Lead.objects.get().company == other_company

    def test_a_start_token_of_another_companys_form_is_refused(self, visitor, company, other_company):
        response = visitor.post(url(company), form_data(company, started=started(other_company)))

        assert response.status_code == 400
        assert not Lead.objects.exists()

    def test_an_invalid_phone_is_a_form_error_not_a_lead(self, visitor, company):
        response = visitor.post(url(company), form_data(company, phone="12345"))

        assert response.status_code == 200
        assert "Not a valid phone number" in response.text
        assert not Lead.objects.exists()

    @pytest.mark.parametrize("missing", ["last_name", "email"])
    def test_last_name_and_email_are_required(self, visitor, company, missing):
        response = visitor.post(url(company), form_data(company, **{missing: None}))

        assert response.status_code == 200
        assert not Lead.objects.exists()

    def test_without_csrf_a_forged_fill_token_is_still_refused(self, company):
        strict = Client(enforce_csrf_checks=True)

        response = strict.post(url(company), {**form_data(company), "started": "forged"})

        assert response.status_code == 400
        assert not Lead.objects.exists()


class TestAttribution:
    @pytest.mark.parametrize(
        ("query", "source"),
        [
            ("utm_source=linkedin&utm_medium=social", Source.SOCIAL),
            ("utm_source=google&utm_medium=cpc", Source.ADVERTISEMENT),
            ("utm_source=newsletter&utm_medium=email", Source.EMAIL),
            ("utm_source=partnerco&utm_medium=referral", Source.REFERRAL),
            ("utm_source=webinar", Source.EVENT),
            ("utm_source=somewhere", Source.WEB),
            ("", Source.WEB),
        ],
    )
    def test_utm_source_and_medium_map_to_a_source(self, visitor, company, query, source):
        visitor.post(url(company, f"?{query}&utm_campaign=spring"), form_data(company))

        assert Lead.objects.get().source == source

    def test_the_utm_parameters_are_captured(self, visitor, company):
        query = "?utm_source=LinkedIn&utm_medium=social&utm_campaign=spring-2026&utm_term=crm+software&utm_content=hero"

        visitor.post(url(company, query), form_data(company))

        lead = Lead.objects.get()
        assert (lead.source, lead.source_detail) == (Source.SOCIAL, "LinkedIn")
        assert (lead.campaign, lead.medium, lead.term, lead.content) == (
            "spring-2026",
            "social",
            "crm software",
            "hero",
        )
        assert lead.campaign_defaulted is False

    def test_without_a_campaign_the_companys_default_is_used_and_the_lead_says_so(self, visitor, company):
        company.default_campaign = "evergreen"
        company.save()

        visitor.post(url(company, "?utm_source=google"), form_data(company))

        lead = Lead.objects.get()
        assert lead.campaign == "evergreen"
        assert lead.campaign_defaulted is True


class TestConsent:
    def test_ticked_consent_records_gdpr_consent_and_the_opt_in_date(self, visitor, company):
        visitor.post(url(company), form_data(company, consent="on"))

        lead = Lead.objects.get()
        assert (lead.gdpr_consent, lead.opt_in_date, lead.dnd_status) == (True, timezone.localdate(), False)

    def test_no_consent_marks_the_lead_do_not_disturb(self, visitor, company):
        visitor.post(url(company), form_data(company, consent=None))

        lead = Lead.objects.get()
        assert (lead.gdpr_consent, lead.opt_in_date, lead.dnd_status) == (False, None, True)


class TestAbuse:
    def test_a_filled_honeypot_is_thanked_but_the_lead_is_flagged_as_spam(self, visitor, company):
        response = visitor.post(url(company), form_data(company, website="http://spam.example"))

        lead = Lead.objects.get()
        assert response.status_code == 302
        assert lead.spam_score >= company.spam_threshold
        assert "honeypot" in {reason["rule"] for reason in lead.spam_reasons}
        assert not Lead.objects.queue().exists()

    def test_a_form_sent_too_fast_is_refused_with_a_plain_message(self, visitor, company, monkeypatch):
        # The view's clock stands still: on a busy machine the request alone can outlast the 2 s minimum.
        now = time.time()
        monkeypatch.setattr(capture, "time", SimpleNamespace(time=lambda: now))

        response = visitor.post(url(company), form_data(company, started=started(company, seconds_ago=0.5)))

        assert response.status_code == 400
        assert "too fast" in response.text
        assert not Lead.objects.exists()

    def test_a_form_sent_quickly_but_not_too_fast_earns_spam_points(self, visitor, company):
        visitor.post(url(company), form_data(company, started=started(company, seconds_ago=3)))

        assert {reason["rule"] for reason in Lead.objects.get().spam_reasons} == {"too_fast"}

    # Fixed ids: a signed token holds the time it was made, and xdist's workers must collect the same test names.
    @pytest.mark.parametrize(
        "token",
        ["", "forged", signing.dumps({"company": 1, "at": 0}, salt="other-salt")],
        ids=["missing", "forged", "other-salt"],
    )
    def test_a_missing_forged_or_expired_start_token_is_refused(self, visitor, company, token):
        response = visitor.post(url(company), form_data(company, started=token))

        assert response.status_code == 400
        assert "expired" in response.text
        assert not Lead.objects.exists()

    def test_a_start_token_older_than_a_day_is_refused(self, visitor, company):
        response = visitor.post(url(company), form_data(company, started=started(company, seconds_ago=90_000)))

        assert response.status_code == 400

    def test_one_ip_may_send_five_leads_in_ten_minutes(self, visitor, company):
        codes = [
            visitor.post(
                url(company), form_data(company, email=f"person{i}@example.com"), REMOTE_ADDR="203.0.113.5"
            ).status_code
            for i in range(6)
        ]

        assert codes == [302] * 5 + [429]
        assert Lead.objects.count() == 5
        assert visitor.post(url(company), form_data(company), REMOTE_ADDR="203.0.113.6").status_code == 302

    def test_one_email_may_send_three_leads_in_an_hour(self, visitor, company):
        codes = [
            visitor.post(url(company), form_data(company), REMOTE_ADDR=f"203.0.113.{i}").status_code for i in range(4)
        ]

        assert codes == [302, 302, 302, 429]
        assert Lead.objects.count() == 3

    def test_the_rate_limit_refusal_is_a_plain_page(self, visitor, company):
        for i in range(3):
            visitor.post(url(company), form_data(company), REMOTE_ADDR=f"203.0.113.{i}")

        response = visitor.post(url(company), form_data(company, email="ADA@analytical.example.com "))

        assert response.status_code == 429
        assert 'data-testid="web-to-lead-refused"' in response.text


PROXY = "10.0.0.1"  # REMOTE_ADDR of every request behind the load balancer


def via_proxy(visitor, company, address, **data):
    """A post as the load balancer forwards it: it appends the visitor's address to X-Forwarded-For."""
    return visitor.post(
        url(company), form_data(company, **data), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address
    ).status_code


def use_up_the_limit(visitor, company, forwarded_for, prefix):
    """Send as many forms as one address may (each with its own email): every one is accepted."""
    emails = [f"{prefix}{n}@example.com" for n in range(capture.IP_LIMIT)]
    codes = [via_proxy(visitor, company, forwarded_for, email=email) for email in emails]
    assert codes == [302] * capture.IP_LIMIT


def rules_of(lead):
    return {reason["rule"] for reason in lead.spam_reasons}


class TestBehindAProxy:
    """The README's production set-up: BEHIND_PROXY=true, one proxy that appends to X-Forwarded-For."""

    @pytest.fixture(autouse=True)
    def behind_one_proxy(self, settings):
        settings.BEHIND_PROXY = True
        settings.TRUSTED_PROXY_COUNT = 1  # what crm/settings.py computes from BEHIND_PROXY=true
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def test_eight_visitors_from_eight_addresses_each_send_the_form(self, visitor, company):
        addresses = [f"198.51.100.{n}" for n in range(1, 9)]

        codes = [
            via_proxy(visitor, company, address, email=f"visitor{n}@example.com") for n, address in enumerate(addresses)
        ]

        assert codes == [302] * 8
        assert sorted(str(ip) for ip in Lead.objects.values_list("submitted_ip", flat=True)) == sorted(addresses)

    def test_one_address_is_limited_alone(self, visitor, company):
        busy, quiet = "198.51.100.20", "198.51.100.21"
        use_up_the_limit(visitor, company, busy, "busy")

        refused = via_proxy(visitor, company, busy, email="busy-again@example.com")
        passed = via_proxy(visitor, company, quiet, email="quiet@example.com")

        assert refused == 429
        assert passed == 302
        assert Lead.objects.filter(submitted_ip=busy).count() == capture.IP_LIMIT

    def test_an_address_the_visitor_forwards_itself_does_not_escape_the_limit(self, visitor, company):
        busy = "198.51.100.30"
        use_up_the_limit(visitor, company, f"192.0.2.1, {busy}", "forger")

        refused = via_proxy(visitor, company, f"192.0.2.99, {busy}", email="forger-again@example.com")

        assert refused == 429

    def test_the_lead_stores_the_visitors_address_not_the_proxys(self, visitor, company):
        via_proxy(visitor, company, "6.6.6.6, 198.51.100.40")

        assert str(Lead.objects.get().submitted_ip) == "198.51.100.40"

    def test_ip_velocity_counts_leads_per_visitor_not_per_proxy(self, visitor, company):
        for n in range(4):
            via_proxy(visitor, company, f"198.51.100.{50 + n}", email=f"someone{n}@example.com")
        for n in range(4):
            via_proxy(visitor, company, "198.51.100.60", email=f"repeat{n}@example.com")

        distinct = Lead.objects.filter(email__startswith="someone").order_by("pk")
        repeated = Lead.objects.filter(email__startswith="repeat").order_by("pk")
        assert ["ip_velocity" in rules_of(lead) for lead in distinct] == [False] * 4
        assert ["ip_velocity" in rules_of(lead) for lead in repeated] == [False, False, False, True]

    def test_two_companies_forms_keep_separate_limits_for_one_address(self, visitor, company, other_company):
        address = "198.51.100.70"
        use_up_the_limit(visitor, company, address, "both")

        refused = via_proxy(visitor, company, address, email="both-again@example.com")
        other_form = via_proxy(visitor, other_company, address, email="both-again@example.com")

        assert refused == 429
        assert other_form == 302
        assert Lead.objects.filter(company=other_company, submitted_ip=address).count() == 1
