"""Every page escapes what users typed (issue 8, part 5).

`<script>alert("x")</script>`, an attribute breaker (`"><img src=x onerror=...>`) and quote characters are stored
in every text field of a lead, an account, a contact and a deal of Company A and in a user's first and last name
(through the bulk path, so the field history holds them too). Every page that shows them - lists, detail pages,
edit forms, the pipeline, the dashboard, the forecast, the merge, convert, import and GDPR pages, the admin's
changelists, change forms, history and delete pages, the messages after an action, and pages that echo a query
parameter back - must show them escaped: the raw markup never appears, its escaped form does.

CSV exports are not HTML: there the danger is a spreadsheet formula, so cells beginning with `=`, `+`, `-`, `@`,
a tab or a carriage return must be neutralised (a leading `'`).

Finally the source tree is scanned: no template turns escaping off (`|safe`, `{% autoescape off %}`, `|safeseq`)
and no Python code marks strings safe by hand (`mark_safe(`, `SafeString(`, `format_html(f"...")`), except the
justified entries of `ALLOWED`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from deals.models import Deal
from leads.importing.models import LeadImport
from leads.models import Lead
from tests.factories import ContactFactory, DealFactory

from .grid import (
    RequestErrors,
    World,
    _fresh_cache,  # noqa: F401 - autouse: rate limits start empty in every test
    build_side,
    sign_in,
    world_fixture,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

SCRIPT = '<script>alert("x")</script>'
BREAKER = "\"><img src=x onerror=alert('y')>"
PAYLOAD = f'{SCRIPT}{BREAKER} O\'Neil "quoted"'
RAW_MARKUP = (SCRIPT, "<img src=x onerror", "onerror=alert('y')>")
ESCAPED = "&lt;script&gt;"

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NOT_PLANTED = {"slug", "password", "username", "gstin", "currency", "delimiter", "name_key", "domain"}


def payload_for(model_field) -> str | None:
    """The longest of the payloads that fits the field (None: too short for any)."""
    size = model_field.max_length or 10_000
    for value in (PAYLOAD, SCRIPT):
        if len(value) <= size:
            return value
    return None


def plant(obj, values_for) -> None:
    """`values_for(field)` in every free-text field of `obj`, through the model's own queryset (so a tracked
    model records the change in its history, which the detail pages show)."""
    values = {}
    for model_field in obj._meta.concrete_fields:
        if not isinstance(model_field, models.CharField | models.TextField) or model_field.choices:
            continue
        if model_field.name in NOT_PLANTED:
            continue
        value = values_for(model_field)
        if value is not None:
            values[model_field.name] = value
    type(obj).objects.filter(pk=obj.pk).update(**values)


def formula_for(index: int):
    def values_for(model_field):
        value = FORMULAS[index % len(FORMULAS)]
        return value if len(value) <= (model_field.max_length or 10_000) else None

    return values_for


def build_escaping_world() -> World:
    """A's lead, account, contact, deal, import and owner hold the HTML payload; more of A's records (the queue
    lead, the inactive account, another contact and deal) hold spreadsheet formulas for the CSV exports."""
    a = build_side("a")
    b = build_side("b")
    for obj in (a.lead, a.converted_lead, a.account, a.contact, a.deal):
        plant(obj, payload_for)
    LeadImport.objects.filter(pk=a.lead_import.pk).update(file_name=f"{SCRIPT}.csv")
    User.objects.filter(pk=a.owner.pk).update(first_name=SCRIPT, last_name=BREAKER)
    formula_contact = ContactFactory(company=a.company, account=a.account, owner=a.owner)
    formula_deal = DealFactory(company=a.company, account=a.account, owner=a.owner)
    for index, obj in enumerate((a.queue_lead, a.inactive_account, formula_contact, formula_deal)):
        plant(obj, formula_for(index))
    a.extra.update(formula_contact=formula_contact, formula_deal=formula_deal)
    for value in vars(a).values():
        if isinstance(value, models.Model):
            value.refresh_from_db()
    return World(a=a, b=b)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_setup, django_db_blocker, builder=build_escaping_world)


@pytest.fixture(scope="module")
def browser():
    return Client(raise_request_exception=False)


def with_query(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}"


def app_pages(world: World) -> list[str]:
    """Pages that show A's planted records to its manager: the escaped payload must be on each of them."""
    a = world.a
    pages = [reverse(f"{app}:list") for app in ("leads", "accounts", "contacts", "deals")]
    pages += [with_query(reverse("accounts:list"), is_active="all"), with_query(reverse("leads:list"), spam="1")]
    for app, record in (
        ("leads", a.lead),
        ("accounts", a.account),
        ("contacts", a.contact),
        ("deals", a.deal),
    ):
        pages += [reverse(f"{app}:detail", args=[record.pk]), reverse(f"{app}:update", args=[record.pk])]
    pages += [
        reverse("leads:detail", args=[a.converted_lead.pk]),
        reverse("leads:convert", args=[a.lead.pk]),
        reverse("leads:merge", args=[a.lead.pk, a.queue_lead.pk]),
        reverse("leads:erase", args=[a.lead.pk]),
        reverse("contacts:erase", args=[a.contact.pk]),
        reverse("leads:import"),
        reverse("leads:import_detail", args=[a.lead_import.pk]),
        with_query(reverse("deals:pipeline"), period="all"),
        reverse("deals:forecast"),
        with_query(reverse("deals:forecast"), column="pipeline"),
        reverse("dashboard"),
        with_query(reverse("dashboard"), leads="all"),
        reverse("leads:create"),  # the owner choices: the payload user's name
        reverse("deals:create"),  # account and contact choices
        reverse("contacts:create"),
    ]
    return pages


def echo_pages(world: World) -> list[str]:
    """Pages that may echo a query parameter back: the payload sent in the URL must come back escaped."""
    a = world.a
    pages = [with_query(reverse(f"{app}:list"), q=PAYLOAD) for app in ("leads", "accounts", "contacts", "deals")]
    pages += [
        with_query(reverse("leads:list"), campaign=PAYLOAD, medium=PAYLOAD, lead_owner=PAYLOAD, o=PAYLOAD),
        with_query(reverse("accounts:list"), industry=PAYLOAD, o=PAYLOAD, account_type=PAYLOAD),
        with_query(reverse("deals:list"), campaign=PAYLOAD, status=PAYLOAD, amount_min=PAYLOAD),
        with_query(reverse("deals:pipeline"), account=PAYLOAD, period=PAYLOAD, start=PAYLOAD, owner=PAYLOAD),
        with_query(reverse("deals:forecast"), column="pipeline", owner=PAYLOAD, period=PAYLOAD, start=PAYLOAD),
        with_query(reverse("dashboard"), leads=PAYLOAD),
        with_query(reverse("leads:convert", args=[a.lead.pk]), q=PAYLOAD, gstin=PAYLOAD, account=PAYLOAD),
        with_query(reverse("contacts:create"), account=PAYLOAD),
        with_query(reverse("deals:create"), account=PAYLOAD, primary_contact=PAYLOAD),
    ]
    return pages


PUBLIC_ECHO_PAGES = [
    lambda world: with_query(reverse("login"), next=PAYLOAD),
    lambda world: with_query(
        reverse("web_to_lead", kwargs={"slug": world.a.company.slug}),
        utm_source=PAYLOAD,
        utm_medium=PAYLOAD,
        utm_campaign=PAYLOAD,
        utm_term=PAYLOAD,
        utm_content=PAYLOAD,
    ),
]


def admin_pages(world: World) -> list[str]:
    a = world.a
    pages = []
    for model, record in (
        (Lead, a.lead),
        (Account, a.account),
        (Contact, a.contact),
        (Deal, a.deal),
        (LeadImport, a.lead_import),
        (User, a.owner),
    ):
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"admin:{info}_changelist"), reverse(f"admin:{info}_change", args=[record.pk])]
        if hasattr(model._meta, "simple_history_manager_attribute"):
            pages.append(reverse(f"admin:{info}_history", args=[record.pk]))
    pages += [
        reverse("admin:leads_lead_delete", args=[a.lead.pk]),
        reverse("admin:contacts_contact_delete", args=[a.contact.pk]),
        reverse("admin:deals_deal_delete", args=[a.deal.pk]),
        with_query(reverse("admin:leads_lead_changelist"), q=PAYLOAD),
    ]
    return pages


def unescaped(content: str) -> list[str]:
    return [markup for markup in RAW_MARKUP if markup in content]


def fetch(browser: Client, url: str) -> tuple[int, str]:
    with RequestErrors() as errors:
        response = browser.get(url)
    assert response.status_code != 500, str(errors)
    return response.status_code, response.content.decode()


class TestPagesEscapeWhatUsersTyped:
    def test_the_payload_is_stored_raw_in_every_text_field(self, world):
        lead = Lead.objects.get(pk=world.a.lead.pk)
        deal = Deal.objects.get(pk=world.a.deal.pk)

        assert lead.first_name == PAYLOAD and lead.notes == PAYLOAD and lead.phone == SCRIPT
        assert deal.name == PAYLOAD and deal.lost_reason == PAYLOAD
        assert User.objects.get(pk=world.a.owner.pk).first_name == SCRIPT

    def test_every_app_page_shows_the_payload_escaped(self, world, browser):
        sign_in(browser, world, "manager")
        problems = {}

        for url in app_pages(world):
            status, content = fetch(browser, url)
            if status != 200 or unescaped(content) or ESCAPED not in content:
                problems[url] = (status, unescaped(content), ESCAPED in content)

        assert not problems, f"(status, raw markup found, escaped form shown) per page: {problems}"

    def test_the_reps_pages_show_the_payload_escaped(self, world, browser):
        sign_in(browser, world, "owner")  # a rep whose own name is the payload
        problems = {}

        for url in app_pages(world):
            status, content = fetch(browser, url)
            if unescaped(content):
                problems[url] = (status, unescaped(content))

        assert not problems, problems

    def test_a_query_parameter_echoed_back_is_escaped(self, world, browser):
        sign_in(browser, world, "manager")
        problems = {}

        for url in echo_pages(world):
            status, content = fetch(browser, url)
            if unescaped(content):
                problems[url] = (status, unescaped(content))

        assert not problems, problems

    def test_the_public_pages_escape_what_their_query_string_carries(self, world, browser):
        sign_in(browser, world, "anonymous")
        problems = {}

        for page in PUBLIC_ECHO_PAGES:
            url = page(world)
            status, content = fetch(browser, url)
            if status != 200 or unescaped(content):
                problems[url] = (status, unescaped(content))

        assert not problems, problems

    def test_every_admin_page_shows_the_payload_escaped(self, world, browser):
        sign_in(browser, world, "admin")
        problems = {}

        for url in admin_pages(world):
            status, content = fetch(browser, url)
            if status != 200 or unescaped(content) or ESCAPED not in content:
                problems[url] = (status, unescaped(content), ESCAPED in content)

        assert not problems, f"(status, raw markup found, escaped form shown) per page: {problems}"

    @pytest.mark.parametrize(
        ("action", "record", "data"),
        [
            ("leads:status", "lead", {"status": "qualified"}),
            ("leads:stage", "lead", {"stage": "decision"}),
            ("leads:assign", "queue_lead", {"lead_owner": "owner"}),
            ("deals:stage", "deal", {"stage": "proposal"}),
            ("deals:close_won", "deal", {}),
            ("accounts:deactivate", "account", {}),
            ("contacts:make_primary", "contact", {}),
        ],
    )
    def test_the_message_after_an_action_shows_the_names_escaped(self, world, browser, action, record, data):
        sign_in(browser, world, "manager")
        data = {key: world.a.owner.pk if value == "owner" else value for key, value in data.items()}

        with RequestErrors() as errors:
            response = browser.post(reverse(action, args=[getattr(world.a, record).pk]), data, follow=True)

        content = response.content.decode()
        assert response.status_code == 200, str(errors)
        assert "alert" in content and not unescaped(content)  # the message names the record, escaped

    def test_the_edit_form_shown_again_with_errors_keeps_the_payload_escaped(self, world, browser):
        sign_in(browser, world, "manager")
        url = reverse("deals:update", args=[world.a.deal.pk])
        data = {"name": PAYLOAD, "account": "", "currency": PAYLOAD, "amount": PAYLOAD, "description": PAYLOAD}

        response = browser.post(url, data)

        content = response.content.decode()
        assert response.status_code == 200
        assert not unescaped(content) and ESCAPED in content


def csv_cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


class TestCsvExportsNeutraliseFormulas:
    @pytest.mark.parametrize("export", ["leads:export", "accounts:export", "contacts:export", "deals:export"])
    def test_no_cell_of_an_export_starts_a_formula(self, world, browser, export):
        sign_in(browser, world, "manager")

        response = browser.get(reverse(export), {"is_active": "all", "spam": "1"})

        cells = csv_cells(response)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] == []
        assert any(cell.startswith("'") and cell[1:] in FORMULAS for cell in cells), "no planted formula exported"
        assert SCRIPT in "".join(cells)  # not HTML: the text is exported as typed

    def test_the_forecast_export_neutralises_the_owners_name(self, world, browser):
        sign_in(browser, world, "manager")
        User.objects.filter(pk=world.a.owner.pk).update(first_name="=cmd()", last_name="")

        response = browser.get(reverse("deals:forecast_export"))

        cells = csv_cells(response)
        assert response.status_code == 200
        assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] == []
        assert "'=cmd()" in cells

    def test_the_import_errors_export_neutralises_the_rows_it_repeats(self, world, browser):
        from leads.importing.models import LeadImportError

        LeadImportError.objects.create(
            lead_import=world.a.lead_import,
            row_number=2,
            column="email",
            field="email",
            value="=1+1",
            reason="@bad",
            raw=["=HYPERLINK(1)", "+1", "-1"],
        )
        sign_in(browser, world, "manager")

        response = browser.get(reverse("leads:import_errors", args=[world.a.lead_import.pk]))

        cells = csv_cells(response)
        assert response.status_code == 200
        assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] == []
        assert {"'=1+1", "'@bad", "'=HYPERLINK(1)"} <= set(cells)


# --- The source tree -------------------------------------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
APP_DIRS = ("crm", "accounts", "contacts", "deals", "leads", "templates")
TEMPLATE_PATTERNS = {
    "|safe": re.compile(r"\|\s*safe\b"),
    "|safeseq": re.compile(r"\|\s*safeseq\b"),
    "{% autoescape off %}": re.compile(r"\{%-?\s*autoescape\s+off\b"),
}
PYTHON_PATTERNS = {
    "mark_safe(": re.compile(r"\bmark_safe\s*\("),
    "SafeString(": re.compile(r"\bSafe(String|Text)\s*\("),
    "format_html(f'...')": re.compile(r"\bformat_html\s*\(\s*f[\"']"),
    "format_html('...'.format(...))": re.compile(r"\bformat_html\s*\(\s*[\"'][^\"']*[\"']\s*\.format\("),
    "|safe in a string": re.compile(r"\|\s*safe\b"),
    "autoescape=False": re.compile(r"\bautoescape\s*=\s*False"),
    "@html_safe": re.compile(r"@html_safe\b"),
}
SCRIPT_PATTERNS = {
    ".innerHTML =": re.compile(r"\.(inner|outer)HTML\s*\+?="),
    "insertAdjacentHTML(": re.compile(r"\binsertAdjacentHTML\s*\("),
    "document.write(": re.compile(r"\bdocument\.write(ln)?\s*\("),
}
# (path, the line as it is, why it is safe). Matched on the whole line: editing an allowed line needs a new look.
ALLOWED = {
    (
        "leads/filters.py",
        'return mark_safe(f\'<select name="{escape(name)}"{attributes}>{"".join(options)}</select>\')  # every part escaped',  # noqa: E501 - the whole line
        # QuickSelect (the country filter without a template per <option>): the name and every option's value and
        # label pass through escape(), the attributes through flatatt(), which escapes them too. format_html_join
        # would say the same without mark_safe: the scan would then need no exception (see the report).
        "every interpolated part is escaped by escape() or flatatt()",
    ),
    (
        "static/js/pipeline.js",
        "board.innerHTML = fresh.innerHTML;",
        # The board re-fetches its own page (same origin) and swaps in the #pipeline-board element that
        # DOMParser built from the server's escaped HTML: text the server escaped stays text.
        "copies the board from the app's own server-rendered, escaped page",
    ),
}


def scan(paths, patterns, root: Path = ROOT) -> list[tuple[str, int, str, str]]:
    """(path, line number, what, the line) for every line matching one of `patterns`."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for label, pattern in patterns.items():
                if pattern.search(line):
                    found.append((str(path.relative_to(root)), number, label, line.strip()))
    return found


def app_files(*suffixes: str) -> list[Path]:
    files = []
    for directory in APP_DIRS:
        for suffix in suffixes:
            files += [path for path in (ROOT / directory).rglob(f"*{suffix}") if "migrations" not in path.parts]
    return sorted(files)


def not_allowed(found):
    allowed = {(path, line) for path, line, _why in ALLOWED}
    return [(path, number, label, line) for path, number, label, line in found if (path, line) not in allowed]


class TestNothingTurnsEscapingOff:
    def test_no_template_marks_output_safe_or_turns_autoescape_off(self):
        templates = app_files(".html", ".txt", ".svg", ".xml")

        found = scan(templates, TEMPLATE_PATTERNS)

        assert len(templates) > 30  # the scan reads the real templates
        assert not_allowed(found) == []

    def test_no_python_code_marks_strings_safe_by_hand(self):
        sources = app_files(".py")

        found = scan(sources, PYTHON_PATTERNS)

        assert len(sources) > 50
        assert not_allowed(found) == []

    def test_no_script_writes_html_it_did_not_get_from_the_server_escaped(self):
        # Our own scripts; third-party ones in static/vendor/ are pinned by checksum (tests/test_static_files.py).
        scripts = sorted(path for path in (ROOT / "static").rglob("*.js") if "vendor" not in path.parts)

        found = scan(scripts, SCRIPT_PATTERNS)

        assert not_allowed(found) == []

    def test_the_scan_finds_what_it_looks_for(self, tmp_path):
        template = tmp_path / "bad.html"
        template.write_text("{{ lead.notes|safe }}\n{% autoescape off %}{{ x }}{% endautoescape %}\n{{ l|safeseq }}")
        module = tmp_path / "bad.py"
        module.write_text('from django.utils.safestring import mark_safe\nx = mark_safe(y)\nformat_html(f"{y}")\n')

        found = scan([template], TEMPLATE_PATTERNS, tmp_path) + scan([module], PYTHON_PATTERNS, tmp_path)

        assert {label for _path, _number, label, _line in found} == {
            "|safe",
            "{% autoescape off %}",
            "|safeseq",
            "mark_safe(",
            "format_html(f'...')",
        }
