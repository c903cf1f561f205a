"""The Content Security Policy in a real Chromium: the pages load without a single violation (no inline script,
event handler or style is blocked), and the detector itself sees a violation when one happens."""

import pytest

from leads.models import LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

# Runs before any page script: every violation the browser reports is kept on the window.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""

# Every page: none carries inline code any more (tests/trust/test_csp.py keeps it that way). The public web form
# (/f/acme/, the `company` fixture's slug) is visited signed in too: it renders the same for anyone.
SIGNED_IN_PAGES = [
    "/",
    "/leads/",
    "/leads/new/",
    "/leads/{lead}/",
    "/leads/{lead}/edit/",
    "/leads/{lead}/convert/",
    "/accounts/",
    "/accounts/new/",
    "/accounts/{account}/",
    "/contacts/",
    "/contacts/new/",
    "/contacts/{contact}/",
    "/deals/",
    "/deals/new/",
    "/deals/{deal}/",
    "/deals/{deal}/edit/",
    "/deals/pipeline/",
    "/deals/forecast/",
    "/f/acme/",
    "/admin/",
    "/admin/leads/lead/",
    "/admin/leads/lead/{lead}/change/",
]


@pytest.fixture
def violations(page):
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))

    def collect():
        """The violations of the page now open, and those the console reported since the last call."""
        recorded = page.evaluate("window.__cspViolations")
        reported = [text for text in console if "Content Security Policy" in text]
        console.clear()
        return recorded + reported

    return collect


@pytest.fixture
def records(company, admin_user):
    account = AccountFactory(company=company, account_owner=admin_user, name="Initech")
    contact = ContactFactory(company=company, account=account, owner=admin_user)
    deal = DealFactory(company=company, account=account, owner=admin_user, name="Initech renewal")
    lead = LeadFactory(company=company, lead_owner=admin_user, status=LeadStatus.QUALIFIED)
    return {"account": account.pk, "contact": contact.pk, "deal": deal.pk, "lead": lead.pk}


@pytest.mark.django_db(transaction=True)
class TestContentSecurityPolicyInTheBrowser:
    def test_the_login_page_runs_without_a_violation(self, page, violations):
        response = page.goto("/login/")

        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert violations() == []

    def test_the_signed_in_pages_run_without_a_violation(self, page, login, violations, admin_user, records):
        login(admin_user)
        statuses, found = {}, {}

        for path in SIGNED_IN_PAGES:
            statuses[path] = page.goto(path.format(**records)).status
            page.wait_for_load_state("load")
            if problems := violations():
                found[path] = problems

        assert found == {}
        assert set(statuses.values()) == {200}, statuses

    @pytest.mark.parametrize(
        "injection",
        [
            "const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s)",
            "document.body.insertAdjacentHTML('beforeend', '<img src=\"/none\" onerror=\"window.x = 1\">')",
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">styled</p>')",
            "document.body.insertAdjacentHTML('beforeend', '<style>p { color: red }</style>')",
        ],
        ids=["inline script", "event handler", "style attribute", "style element"],
    )
    def test_the_browser_blocks_and_reports_inline_code(self, page, violations, injection):
        page.goto("/login/")

        page.evaluate(injection)
        page.wait_for_timeout(200)

        assert violations() != []
        assert page.evaluate("window.x") is None
