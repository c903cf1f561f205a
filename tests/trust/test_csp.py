"""Security headers: the Content Security Policy on every page, X-Frame-Options, Referrer-Policy; the
`embeddable` exception for public pages shown in a customer's iframe; and the templates' part of the bargain:
no inline scripts, event handlers or styles (the browser test in tests/browser/test_csp_browser.py checks the
rendered pages in Chromium)."""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from crm.middleware import build_policy
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.fixture
def records(company, manager):
    account = AccountFactory(company=company, account_owner=manager)
    contact = ContactFactory(company=company, account=account, owner=manager)
    deal = DealFactory(company=company, account=account, owner=manager)
    lead = LeadFactory(company=company, lead_owner=manager)
    return {"account": account, "contact": contact, "deal": deal, "lead": lead}


SIGNED_IN_PAGES = [
    "/",
    "/leads/",
    "/leads/new/",
    "/leads/{lead}/",
    "/accounts/",
    "/accounts/{account}/",
    "/contacts/",
    "/contacts/{contact}/",
    "/deals/",
    "/deals/{deal}/",
    "/deals/pipeline/",
    "/admin/",
]


@pytest.mark.django_db
class TestSecurityHeaders:
    def test_the_login_page_carries_the_policy_and_the_headers(self, client):
        response = client.get("/login/")

        assert response.status_code == 200
        assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Content-Security-Policy-Report-Only" not in response

    @pytest.mark.parametrize("path", SIGNED_IN_PAGES)
    def test_every_signed_in_page_carries_the_policy_and_the_headers(self, client, admin_user, records, path):
        client.force_login(admin_user)

        response = client.get(path.format(**{name: record.pk for name, record in records.items()}))

        assert response.status_code == 200
        assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"

    def test_the_lockout_page_carries_the_policy(self, client, rep):
        for _ in range(5):
            response = client.post("/login/", {"username": "rep", "password": "wrong"})

        assert response.status_code == 429
        assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
        assert response["X-Frame-Options"] == "DENY"

    def test_report_only_mode_sends_the_policy_under_the_report_only_header(self, client, settings):
        settings.SECURE_CSP_REPORT_ONLY, settings.SECURE_CSP = settings.SECURE_CSP, {}

        response = client.get("/login/")

        assert "Content-Security-Policy" not in response
        assert parse_policy(response["Content-Security-Policy-Report-Only"]) == EXPECTED_POLICY


@pytest.mark.urls("tests.trust.embed_urls")
class TestEmbeddable:
    def test_an_ordinary_view_may_not_be_framed(self, client):
        response = client.get("/plain/")

        assert response["X-Frame-Options"] == "DENY"
        assert parse_policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]

    @pytest.mark.parametrize(
        ("path", "frame_ancestors"),
        [
            ("/anywhere/", ["*"]),
            ("/customer/", ["https://customer.example", "https://*.customer.example"]),
            ("/per-slug/acme/", ["https://acme.example"]),
        ],
    )
    def test_an_embeddable_view_may_be_framed_where_it_says(self, client, path, frame_ancestors):
        response = client.get(path)

        policy = parse_policy(response["Content-Security-Policy"])
        assert "X-Frame-Options" not in response
        assert policy["frame-ancestors"] == frame_ancestors
        assert {k: v for k, v in policy.items() if k != "frame-ancestors"} == {
            k: v for k, v in EXPECTED_POLICY.items() if k != "frame-ancestors"
        }

    def test_a_policy_set_by_the_view_is_left_alone(self, client):
        response = client.get("/own-policy/")

        assert response["Content-Security-Policy"] == "default-src 'none'"


class TestBuildPolicy:
    @pytest.mark.parametrize(
        ("policy", "header"),
        [
            ({"default-src": ["'self'"]}, "default-src 'self'"),
            ({"img-src": ["'self'", "data:"], "object-src": "'none'"}, "img-src 'self' data:; object-src 'none'"),
            ({"upgrade-insecure-requests": True, "report-uri": None}, "upgrade-insecure-requests"),
            ({"script-src": []}, ""),
        ],
    )
    def test_a_policy_dict_becomes_a_header(self, policy, header):
        assert build_policy(policy) == header

    def test_the_setting_is_the_policy_the_pages_are_tested_against(self):
        assert parse_policy(build_policy(settings.SECURE_CSP)) == EXPECTED_POLICY


# --- The templates: what CSP would block ---------------------------------------------------------------------

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATE_FILES = sorted(
    [*BASE_DIR.glob("templates/**/*.html"), *BASE_DIR.glob("*/templates/**/*.html")],
)
INLINE = {
    # <script> without src (a JSON data block is not executed, so it is allowed)
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']application/(ld\+)?json)[^>]*>"),
    "event handler": re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE),
}

# Inline code written before the policy, in templates whose owners are moving it to static/ files (reported to
# them). The list can only shrink: a new offender fails, and so does an entry that has been fixed (delete it).
KNOWN_OFFENDERS = Counter()


def inline_code() -> Counter:
    found = Counter()
    for template in TEMPLATE_FILES:
        text = template.read_text(encoding="utf-8")
        for kind, pattern in INLINE.items():
            if count := len(pattern.findall(text)):
                found[(str(template.relative_to(BASE_DIR)), kind)] += count
    return found


class TestTemplatesHaveNoInlineCode:
    def test_the_scan_sees_the_templates(self):
        names = {str(path.relative_to(BASE_DIR)) for path in TEMPLATE_FILES}

        assert {"templates/base.html", "templates/registration/login.html"} <= names
        assert any(name.startswith("leads/templates/") for name in names)

    @pytest.mark.parametrize(
        ("html", "kind"),
        [
            ("<script>alert(1)</script>", "inline script"),
            ('<script type="module">x()</script>', "inline script"),
            ('<button type="button" onclick="go()">', "event handler"),
            ('<body onload="go()">', "event handler"),
            ('<a href="javascript:go()">', "javascript: URL"),
            ("<style>p { color: red }</style>", "style element"),
            ('<td class="x" style="width: 2rem">', "style attribute"),
        ],
    )
    def test_the_scan_recognises_inline_code(self, html, kind):
        assert INLINE[kind].search(html)

    @pytest.mark.parametrize(
        "html",
        [
            '<script src="/static/js/app.js" defer></script>',
            '<script id="data" type="application/json">{"a": 1}</script>',
            '<input data-onclick="x" class="stylish">',
            "<p>Click once= to start</p>",
        ],
    )
    def test_the_scan_lets_external_scripts_and_data_through(self, html):
        assert not any(pattern.search(html) for pattern in INLINE.values())

    def test_no_template_has_inline_code_beyond_the_known_offenders(self):
        found = inline_code()

        new = {key: count for key, count in found.items() if count > KNOWN_OFFENDERS.get(key, 0)}
        fixed = {key: count for key, count in KNOWN_OFFENDERS.items() if found.get(key, 0) < count}
        assert not new, f"inline code is blocked by the Content Security Policy; move it to static/: {new}"
        assert not fixed, f"fixed, so remove from KNOWN_OFFENDERS: {fixed}"
