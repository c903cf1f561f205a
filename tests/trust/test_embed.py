"""The public web-to-lead form may be embedded in a customer's iframe: no X-Frame-Options, CSP `frame-ancestors *`,
and no CSRF check (a third-party iframe gets no SameSite=Lax csrftoken cookie); the form's own defences (signed
fill-time token, honeypot, rate limits) still apply. Every other page stays unframeable."""

import time

import pytest
from django.core import signing
from django.test import Client

from leads import capture
from leads.models import Lead
from tests.trust.test_csp import EXPECTED_POLICY, parse_policy


def form_data(*, started):
    return {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.example.com", "started": started}


def fill_token(company, seconds_ago=30.0):
    return signing.dumps({"company": company.pk, "at": time.time() - seconds_ago}, salt=capture.STARTED_SALT)


@pytest.fixture
def stranger():
    """A browser that has never seen our site (no csrftoken cookie) and whose requests are CSRF-checked."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.django_db
class TestTheWebFormIsEmbeddable:
    def test_the_form_page_may_be_framed_by_any_site(self, stranger, company):
        response = stranger.get(f"/f/{company.slug}/")

        policy = parse_policy(response["Content-Security-Policy"])
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        assert policy["frame-ancestors"] == ["*"]

    def test_the_rest_of_the_policy_stays_strict(self, stranger, company):
        response = stranger.get(f"/f/{company.slug}/")

        policy = parse_policy(response["Content-Security-Policy"])
        assert {k: v for k, v in policy.items() if k != "frame-ancestors"} == {
            k: v for k, v in EXPECTED_POLICY.items() if k != "frame-ancestors"
        }

    def test_the_form_page_sets_no_csrf_cookie(self, stranger, company):
        response = stranger.get(f"/f/{company.slug}/")

        assert "csrftoken" not in response.cookies
        assert "csrfmiddlewaretoken" not in response.text

    @pytest.mark.parametrize(("token", "status"), [("", 400), ("forged", 400)])
    def test_a_post_without_a_csrf_token_meets_the_forms_own_checks_not_a_403(self, stranger, company, token, status):
        response = stranger.post(f"/f/{company.slug}/", form_data(started=token))

        assert response.status_code == status
        assert not Lead.objects.exists()

    def test_a_good_post_without_a_csrf_token_creates_the_lead(self, stranger, company):
        response = stranger.post(f"/f/{company.slug}/", form_data(started=fill_token(company)))

        assert response.status_code == 302
        assert Lead.objects.filter(company=company, email="ada@analytical.example.com").exists()

    def test_the_thank_you_page_may_be_framed_too(self, stranger, company):
        response = stranger.get(f"/f/{company.slug}/?sent=1")

        assert "X-Frame-Options" not in response
        assert parse_policy(response["Content-Security-Policy"])["frame-ancestors"] == ["*"]


@pytest.mark.django_db
class TestOtherPagesStayUnframeable:
    def test_the_login_page_sends_x_frame_options_deny_and_frame_ancestors_none(self, stranger):
        response = stranger.get("/login/")

        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert parse_policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]

    @pytest.mark.parametrize("path", ["/leads/", "/leads/new/", "/deals/", "/accounts/"])
    def test_a_signed_in_page_sends_x_frame_options_deny_and_frame_ancestors_none(self, client, admin_user, path):
        client.force_login(admin_user)

        response = client.get(path)

        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert parse_policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]

    def test_a_post_elsewhere_without_a_csrf_token_is_still_refused(self, stranger, rep):
        response = stranger.post("/login/", {"username": "rep", "password": "secret"})

        assert response.status_code == 403
