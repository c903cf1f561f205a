"""No page answers 500 to anything a browser can send (issue 8, part 5): a property-based test (hypothesis).

Every form of the app - lead, account, contact and deal create and edit, convert, merge, erase, the import upload
(random bytes) and its options, the lead and deal actions (status, stage, assign, take, bulk assign, close, move),
the public web-to-lead form, the login form and the admin's change forms - is posted random values: unicode
text with NUL bytes and other control characters, huge strings, numbers (negative, overflowing, exponents, digits
of other scripts), dates in odd formats, the ids of other records (of the other Company too), repeated fields and
missing ones, mixed with the form's own valid values so that the examples reach past the first validation.
Every list filter and export gets the same treatment on its GET parameters.

The answer must be one of 200, 302, 400, 403, 404 or 429 - never a 500 - and a POST that is not accepted (anything
but a redirect) writes nothing: the snapshot of both Companies is the same before and after. An accepted one may
change the poster's own Company only.

The fields are the ones the page's HTML form has (parsed like a browser would), so a new field is fuzzed as soon as
a template shows it. Each example runs in a savepoint rolled back afterwards: every example meets the same world.

The draws are derandomized (the same in every run, so CI is reproducible); set FUZZ_RANDOM=1 and FUZZ_EXAMPLES to
explore further.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from leads.capture import STARTED_SALT

from .grid import (
    RequestErrors,
    World,
    _fresh_cache,  # noqa: F401 - autouse: rate limits start empty in every test
    browser_data,
    changed_tables,
    page_forms,
    sign_in,
    snapshot,
    world_fixture,
)

pytestmark = pytest.mark.django_db

# CI draws the same examples every run (derandomize), so a red build is reproducible; FUZZ_RANDOM=1 draws new ones
# and FUZZ_EXAMPLES=500 draws more, to explore: `FUZZ_RANDOM=1 FUZZ_EXAMPLES=200 pytest tests/trust/test_fuzz.py`.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    # No shrinking: a failure is reported as drawn (long values cut), and known edges are kept in EDGES below.
    # Shrinking an example of a 500 costs minutes per form, for little more than the edge tests already say.
    phases=(Phase.explicit, Phase.generate),
    database=None,  # no .hypothesis/ directory in the project; a failure prints the example to reproduce
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
ALLOWED = {200, 302, 400, 403, 404, 429}
OMIT = object()  # the field is not sent at all
# Sent with every form besides its own fields: where to go next, and what a tampered form would add.
EXTRA_NAMES = ("next", "company", "created_by", "id", "version", "action")

# --- Values a browser can send ----------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t",
    "\u202e\u200b",
    "🙂" * 20,
    "' OR 1=1 --",
    '"; DROP TABLE leads_lead; --',
    "%s%s%n%x",
    "{{ 7*7 }}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "javascript:alert(1)",
    "true",
    "on",
    "null",
    "None",
    "[]",
    "{}",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-0",
    "0",
    "-1",
    "0.1",
    "1,5",
    "9" * 40,
    "-9223372036854775809",
    "18446744073709551616",
    "²",
    "①",
    "١٢٣",
    "٣",
    "１２",
    "0x1F",
    "2024-02-30",
    "2024-13-01",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "31/12/2024",
    "12/31/2024",
    "2024-01-01T25:61:61",
    "1 Jan 1",
    "+12",
    " 12 ",
    "new",
    "all",
    "none",
    "pipeline",
    "won",
    "quarter",
    "custom",
]

unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)  # lone surrogates can't be encoded
# Past every max_length (and past SQLite's 50,000-byte limit on a LIKE pattern).
huge_text = st.sampled_from([256, 1_001, 10_000, 60_000]).map(lambda n: "x" * n)
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
odd_dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).flatmap(
    lambda day: st.sampled_from(
        [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%m/%d/%y"), day.strftime("%Y%m%d"), str(day.year)]
    )
)


def nasty(ids: list[str]) -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(ODD_STRINGS),
        unicode_text,
        huge_text,
        numbers,
        odd_dates,
        st.sampled_from(ids),
    )


def field_value(default, choices: list[str], ids: list[str]) -> st.SearchStrategy:
    """Half the time something a user of the form could send (its own value or one of its options), half the time
    anything; sometimes missing, sometimes repeated."""
    sane = [st.just(default)] if default is not None else []
    if choices:
        sane.append(st.sampled_from(choices))
    single = st.one_of(*sane, *sane, nasty(ids)) if sane else nasty(ids)
    return st.one_of(single, single, single, st.just(OMIT), st.lists(single, min_size=2, max_size=3))


@dataclass
class Fields:
    """A form as a browser sees it: its field names, their current values and their options."""

    names: list[str]
    values: dict[str, object]
    choices: dict[str, list[str]]
    files: list[str] = field(default_factory=list)


def form_strategy(fields: Fields, ids: list[str]) -> st.SearchStrategy:
    posted = {
        name: field_value(fields.values.get(name), fields.choices.get(name, []), ids)
        for name in fields.names
        if name not in fields.files and name != "csrfmiddlewaretoken"
    }
    for name in fields.files:
        posted[name] = st.one_of(
            st.binary(max_size=4_000),
            st.lists(st.lists(nasty(ids), min_size=1, max_size=5), min_size=1, max_size=5).map(csv_bytes),
            st.just(b""),
        ).map(lambda content: SimpleUploadedFile("fuzz.csv", content, content_type="text/csv"))
        posted[name] = st.one_of(posted[name], st.just(OMIT))
    return st.fixed_dictionaries(posted).map(lambda data: {k: v for k, v in data.items() if v is not OMIT})


def csv_bytes(rows: list[list[str]]) -> bytes:
    header = "first_name,last_name,email,phone,campaign\n"
    body = "\n".join(",".join(row) for row in rows)
    encoding = "utf-8" if len(rows) % 2 else "utf-16"
    try:
        return (header + body).encode(encoding, errors="replace")
    except UnicodeError:
        return header.encode()


# --- The forms -------------------------------------------------------------------------------------------------


@dataclass
class FormSpec:
    """A form to fuzz: where it is posted, by whom, and where a browser finds it (the page and the form's action).
    `fields` overrides what the page shows (a form whose inputs live outside the <form> element)."""

    id: str
    url: Callable[[World], str]
    role: str = "manager"
    page: Callable[[World], str] | None = None
    fields: Callable[[World], Fields] | None = None
    headers: dict = field(default_factory=dict)
    accepted: tuple[int, ...] = (302,)  # the answers that mean "done" (a script's form is answered in JSON: 200)


def path(name: str, record: str | None = None, *more: str) -> Callable[[World], str]:
    def url(world: World) -> str:
        args = [attr(world, part).pk for part in (record, *more) if part]
        return reverse(name, args=args)

    return url


def attr(world: World, dotted: str):
    obj = world.a
    for part in dotted.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def web_form(world: World) -> str:
    return reverse("web_to_lead", kwargs={"slug": world.a.company.slug})


def web_form_fields(world: World) -> Fields:
    """The public form with a start token old enough to pass the fill-time check, so examples reach the form."""
    started = signing.dumps({"company": world.a.company.pk, "at": time.time() - 60}, salt=STARTED_SALT)
    names = ["first_name", "last_name", "email", "phone", "company_name", "country", "interest_product", "message"]
    names += ["consent", "website", "started"]
    values = {"last_name": "Visitor", "email": "visitor@example.org", "started": started, "consent": "on"}
    return Fields(names=names, values=values, choices={"country": ["", "US", "DE", "IN", "XX"]})


def bulk_assign_fields(world: World) -> Fields:
    a = world.a
    leads = [str(a.lead.pk), str(a.queue_lead.pk)]
    return Fields(
        names=["leads", "lead_owner", *EXTRA_NAMES],
        values={"leads": leads[0], "lead_owner": str(a.other_rep.pk), "next": "/leads/"},
        choices={"leads": leads, "lead_owner": [str(user.pk) for user in a.users]},
    )


def login_fields(world: World) -> Fields:
    return Fields(
        names=["username", "password", "next"],
        values={"username": world.a.owner.username, "password": "wrong", "next": "/"},
        choices={},
    )


FORMS = [
    FormSpec("lead-create", path("leads:create")),
    FormSpec("lead-create-by-rep", path("leads:create"), role="owner"),
    FormSpec("lead-edit", path("leads:update", "lead")),
    FormSpec("lead-convert", path("leads:convert", "lead")),
    FormSpec("lead-merge", path("leads:merge", "lead", "queue_lead")),
    FormSpec("lead-status", path("leads:status", "lead"), page=path("leads:detail", "lead")),
    FormSpec("lead-stage", path("leads:stage", "lead"), page=path("leads:detail", "lead")),
    FormSpec("lead-assign", path("leads:assign", "lead"), page=path("leads:detail", "lead")),
    FormSpec("lead-take", path("leads:take", "queue_lead"), page=path("leads:detail", "queue_lead")),
    FormSpec("lead-bulk-assign", path("leads:bulk_assign"), fields=bulk_assign_fields),
    FormSpec("lead-erase", path("leads:erase", "lead")),
    FormSpec("lead-import-upload", path("leads:import")),  # its file input gets random bytes
    FormSpec("lead-import-options", path("leads:import_detail", "lead_import")),
    FormSpec("account-create", path("accounts:create")),
    FormSpec("account-edit", path("accounts:update", "account")),
    FormSpec("contact-create", path("contacts:create")),
    FormSpec("contact-edit", path("contacts:update", "contact")),
    FormSpec("contact-erase", path("contacts:erase", "contact")),
    FormSpec("deal-create", path("deals:create")),
    FormSpec("deal-edit", path("deals:update", "deal")),
    FormSpec("deal-stage", path("deals:stage", "deal"), page=path("deals:detail", "deal")),
    FormSpec("deal-close-lost", path("deals:close_lost", "deal"), page=path("deals:detail", "deal")),
    FormSpec(
        "deal-pipeline-move",
        path("deals:pipeline_move", "deal"),
        page=lambda world: reverse("deals:pipeline") + "?period=all",
        headers={"HTTP_ACCEPT": "application/json"},
        accepted=(200, 302),
    ),
    FormSpec("web-to-lead", web_form, role="anonymous", fields=web_form_fields),
    FormSpec("login", path("login"), role="anonymous", fields=login_fields),
    FormSpec("admin-lead-change", path("admin:leads_lead_change", "lead"), role="admin"),
    FormSpec("admin-deal-change", path("admin:deals_deal_change", "deal"), role="admin"),
    FormSpec("admin-user-change", path("admin:auth_user_change", "other_rep"), role="admin"),
]


@dataclass
class PageSpec:
    """A page whose GET parameters are fuzzed: its own GET forms' fields plus `extra` parameter names."""

    id: str
    url: Callable[[World], str]
    role: str = "manager"
    extra: tuple[str, ...] = ("q", "o", "page", "per_page")
    fields_from: Callable[[World], str] | None = None  # the page whose filter form applies (an export's list)


PAGES = [
    PageSpec("leads-list", path("leads:list"), extra=("q", "o", "page", "per_page", "spam", "lead_owner")),
    PageSpec("leads-list-by-rep", path("leads:list"), role="owner"),
    PageSpec("leads-export", path("leads:export"), fields_from=path("leads:list")),
    PageSpec("accounts-list", path("accounts:list")),
    PageSpec("accounts-export", path("accounts:export"), fields_from=path("accounts:list")),
    PageSpec("contacts-list", path("contacts:list")),
    PageSpec("contacts-export", path("contacts:export"), fields_from=path("contacts:list")),
    PageSpec("deals-list", path("deals:list")),
    PageSpec("deals-export", path("deals:export"), fields_from=path("deals:list")),
    PageSpec("pipeline", path("deals:pipeline"), extra=("period", "start", "end", "owner", "account")),
    PageSpec("forecast", path("deals:forecast"), extra=("period", "start", "column", "owner", "page")),
    PageSpec(
        "forecast-export", path("deals:forecast_export"), fields_from=path("deals:forecast"), extra=("period", "start")
    ),
    PageSpec("dashboard", path("dashboard"), extra=("leads", "period", "start")),
    PageSpec("lead-convert-page", path("leads:convert", "lead"), extra=("q", "gstin", "account")),
    PageSpec("contact-create-page", path("contacts:create"), extra=("account",)),
    PageSpec("deal-create-page", path("deals:create"), extra=("account", "primary_contact", "stage")),
    PageSpec("import-page", path("leads:import"), extra=("page",)),
    PageSpec("admin-lead-changelist", path("admin:leads_lead_changelist"), role="admin", extra=("q", "o", "p")),
]


# --- Discovering the forms -------------------------------------------------------------------------------------

DISCOVERED: dict[str, Fields] = {}


def discover(spec: FormSpec, world: World, browser: Client) -> Fields:
    """The fields of the form that posts to `spec.url`, as its page shows them to `spec.role` (read once)."""
    if spec.id not in DISCOVERED:
        DISCOVERED[spec.id] = spec.fields(world) if spec.fields else read_form(spec, world, browser)
    return DISCOVERED[spec.id]


def read_form(spec: FormSpec, world: World, browser: Client) -> Fields:
    target = spec.url(world)
    page = (spec.page or spec.url)(world)
    sign_in(browser, world, spec.role)
    response = browser.get(page)
    assert response.status_code == 200, f"{page} as {spec.role}: {response.status_code}"
    forms = [
        form
        for form in page_forms(response.content.decode())
        if form["method"] == "post"
        and (form["action"].split("?")[0] == target or (form["action"] in ("", ".") and page.split("?")[0] == target))
    ]
    assert forms, f"no form posting to {target} on {page}"
    form = max(forms, key=lambda form: len(form["names"]))
    files = [name for name, kind in form["types"].items() if kind == "file"]
    names = [*form["names"], *(name for name in EXTRA_NAMES if name not in form["names"])]
    return Fields(names=names, values=browser_data(form), choices=form["choices"], files=files)


def read_filters(spec: PageSpec, world: World, browser: Client) -> Fields:
    key = f"page:{spec.id}"
    if key not in DISCOVERED:
        page = (spec.fields_from or spec.url)(world)
        sign_in(browser, world, spec.role)
        response = browser.get(page)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        names, choices = list(spec.extra), {}
        for form in page_forms(response.content.decode()):
            if form["method"] == "get":
                names += [name for name in form["names"] if name not in names]
                choices.update(form["choices"])
        DISCOVERED[key] = Fields(names=names, values={}, choices=choices)
    return DISCOVERED[key]


def ids_of(world: World) -> list[str]:
    """The ids of every record and user of both Companies: the values a tampered form would carry."""
    ids = set()
    for side in (world.a, world.b):
        for value in (*vars(side).values(), *side.extra.values()):
            if hasattr(value, "pk") and value.pk is not None:
                ids.add(str(value.pk))
    return sorted(ids)


def shown(data: dict) -> str:
    """The example, with long values cut (a 100 kB string is no help in a report)."""

    def cut(value):
        if isinstance(value, list):
            return [cut(item) for item in value]
        if isinstance(value, SimpleUploadedFile):
            return f"<file {value.size} bytes>"
        text = str(value)
        return text if len(text) <= 80 else f"{text[:40]!r}...({len(text)} characters)"

    return repr({key: cut(value) for key, value in data.items()})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_setup, django_db_blocker)


@pytest.fixture(scope="module")
def browser():
    return Client(raise_request_exception=False)


class TestNoFormAnswersAnError:
    @pytest.mark.parametrize("spec", FORMS, ids=[spec.id for spec in FORMS])
    @FUZZ
    @given(data=st.data())
    def test_random_input_is_answered_without_an_error_and_a_refusal_writes_nothing(self, world, browser, spec, data):
        fields = discover(spec, world, browser)
        posted = data.draw(form_strategy(fields, ids_of(world)), label="posted")
        url = spec.url(world)

        with transaction.atomic():  # every example meets the world as built
            cache.clear()  # the web form's rate limits
            sign_in(browser, world, spec.role)
            before = snapshot(world.a.company, world.b.company)
            with RequestErrors() as errors:
                response = browser.post(url, posted, **spec.headers)

            status = response.status_code
            assert status in ALLOWED, f"POST {url} as {spec.role} answered {status} to {shown(posted)}\n{errors}"
            after = snapshot(world.a.company, world.b.company)
            own = world.a if spec.role == "anonymous" else world.side_of(spec.role)
            writable = {own.company.pk} if status in spec.accepted else set()
            for pk in (world.a.company.pk, world.b.company.pk):
                if pk not in writable:
                    written = changed_tables(before[pk], after[pk])
                    assert not written, f"POST {url} answered {status} but wrote {written} for {shown(posted)}"
            transaction.set_rollback(True)


def parameter_values(fields: Fields, ids: list[str]) -> st.SearchStrategy:
    pairs = st.sampled_from(fields.names).flatmap(
        lambda name: st.tuples(st.just(name), field_value(None, fields.choices.get(name, []), ids))
    )
    return st.lists(pairs, max_size=6).map(lambda items: {name: value for name, value in items if value is not OMIT})


class TestNoFilterAnswersAnError:
    @pytest.mark.parametrize("spec", PAGES, ids=[spec.id for spec in PAGES])
    @FUZZ
    @given(data=st.data())
    def test_random_query_parameters_are_answered_without_an_error(self, world, browser, spec, data):
        fields = read_filters(spec, world, browser)
        params = data.draw(parameter_values(fields, ids_of(world)), label="params")
        url = spec.url(world)
        sign_in(browser, world, spec.role)

        with transaction.atomic(), RequestErrors() as errors:
            response = browser.get(url, params)
            try:
                if response.streaming:
                    b"".join(response.streaming_content)
            except Exception as error:
                pytest.fail(f"GET {url} with {shown(params)} broke while streaming: {error!r}")
            transaction.set_rollback(True)

        assert response.status_code in ALLOWED, (
            f"GET {url} answered {response.status_code} to {shown(params)}\n{errors}"
        )


# --- Edges found by the fuzzing, kept as plain examples (hypothesis may not draw them again) ----------------------


def lead_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(name, args=[world.a.lead.pk])


def fixed(url: str) -> Callable[[World], str]:
    return lambda world: url


EDGES = [
    # Dates at the ends of the calendar: a period around them must not step past year 1 or 9999.
    pytest.param("GET", fixed("/deals/forecast/"), {"start": "9999-12-31"}, id="forecast-start-9999"),
    pytest.param("GET", fixed("/deals/forecast/"), {"start": "0001-01-01"}, id="forecast-start-0001"),
    pytest.param(
        "GET", fixed("/deals/forecast/"), {"period": "month", "start": "9999-12-31"}, id="forecast-month-9999"
    ),
    pytest.param("GET", fixed("/deals/forecast/export/"), {"start": "9999-12-31"}, id="forecast-export-start-9999"),
    pytest.param(
        "GET",
        fixed("/deals/pipeline/"),
        {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"},
        id="pipeline-custom-0001-9999",
    ),
    pytest.param(
        "GET", fixed("/deals/pipeline/"), {"period": "month", "start": "9999-12-31"}, id="pipeline-month-9999"
    ),
    pytest.param(
        "GET", fixed("/deals/pipeline/"), {"period": "quarter", "start": "0001-01-01"}, id="pipeline-quarter-0001"
    ),
    pytest.param(
        "GET",
        fixed("/deals/"),
        {"expected_close_date_after": "9999-12-31", "expected_close_date_before": "0001-01-01"},
        id="deals-close-dates-at-the-ends",
    ),
    pytest.param(
        "GET",
        fixed("/leads/"),
        {"created_at_after": "9999-12-31", "created_at_before": "0001-01-01"},
        id="leads-created-dates-at-the-ends",
    ),
    # Digits that str.isdigit() accepts and int() refuses ("²", "①"), or that int() reads ("١٢٣").
    pytest.param("GET", fixed("/deals/pipeline/"), {"account": "²"}, id="pipeline-account-superscript-digit"),
    pytest.param("GET", fixed("/deals/pipeline/"), {"account": "١٢٣"}, id="pipeline-account-arabic-digits"),
    pytest.param(
        "GET", fixed("/deals/forecast/"), {"column": "pipeline", "owner": "²"}, id="forecast-owner-superscript-digit"
    ),
    pytest.param("GET", fixed("/contacts/new/"), {"account": "²"}, id="contact-create-account-superscript-digit"),
    pytest.param("GET", fixed("/deals/new/"), {"account": "²", "primary_contact": "①"}, id="deal-create-odd-digits"),
    pytest.param(
        "GET",
        lead_url("leads:convert"),
        {"account": "²", "q": "a\x00b", "gstin": "\x00"},
        id="convert-page-odd-digit-and-nul",
    ),
    pytest.param(
        "POST", lead_url("leads:convert"), {"account": "²", "confirm": "on"}, id="convert-account-superscript-digit"
    ),
    pytest.param(
        "POST",
        lead_url("leads:convert"),
        {"account": "new", "contact": "①", "confirm": "on"},
        id="convert-contact-circled-digit",
    ),
    pytest.param(
        "POST",
        lead_url("leads:convert"),
        {"account": "١٢٣", "contact": "٣", "confirm": "on"},
        id="convert-arabic-digits",
    ),
    # NUL bytes (PostgreSQL refuses them in text), huge and odd numbers.
    pytest.param(
        "GET",
        fixed("/leads/"),
        {"q": "a\x00b", "campaign": "\x00", "lead_score_min": "1e309", "page": "²"},
        id="leads-list-nul-and-huge-numbers",
    ),
    pytest.param(
        "GET",
        fixed("/accounts/"),
        {"q": "\x00", "industry": "\x00", "annual_revenue_min": "1e309"},
        id="accounts-list-nul-and-huge-number",
    ),
    pytest.param(
        "GET", fixed("/deals/"), {"q": "\x00", "amount_min": "1e309", "amount_max": "NaN"}, id="deals-list-nul-nan"
    ),
    pytest.param("GET", fixed("/"), {"leads": "\x00"}, id="dashboard-nul"),
    # Text longer than SQLite accepts in a LIKE pattern (50,000 bytes), in a search or a text filter.
    pytest.param("GET", fixed("/accounts/"), {"q": "x" * 60_000}, id="accounts-search-60k"),
    pytest.param("GET", fixed("/leads/export/"), {"q": "x" * 60_000}, id="leads-export-search-60k"),
    pytest.param("GET", fixed("/accounts/"), {"industry": "x" * 60_000}, id="accounts-industry-60k"),
    pytest.param(
        "GET", fixed("/leads/"), {"campaign": "x" * 60_000, "medium": "x" * 60_000}, id="leads-campaign-medium-60k"
    ),
    pytest.param("GET", fixed("/deals/"), {"campaign": "x" * 60_000}, id="deals-campaign-60k"),
    pytest.param("GET", lead_url("leads:convert"), {"q": "x" * 60_000}, id="convert-page-search-60k"),
    pytest.param("GET", fixed("/deals/pipeline/"), {"account": "x" * 60_000}, id="pipeline-account-60k"),
    pytest.param(
        "POST",
        lead_url("leads:convert"),
        {"account": "new", "confirm": "on", "deal_name": "\x00", "gstin": "\x00"},
        id="convert-nul-in-deal-name-and-gstin",
    ),
    pytest.param(
        "POST", lead_url("leads:status"), {"status": "disqualified", "reason": "\x00"}, id="lead-status-nul-reason"
    ),
    # Ids past the 64-bit range: SQLite cannot even bind them in an `IN (...)` or a foreign key lookup.
    pytest.param(
        "POST",
        fixed("/leads/bulk-assign/"),
        {"leads": ["9" * 30, "-" + "9" * 30], "lead_owner": "9" * 30},
        id="bulk-assign-ids-past-64-bits",
    ),
    pytest.param(
        "GET", fixed("/deals/forecast/"), {"column": "pipeline", "owner": "9" * 30}, id="forecast-owner-past-64-bits"
    ),
    pytest.param("GET", fixed("/admin/leads/lead/"), {"q": "x" * 60_000}, id="admin-changelist-search-60k"),
    pytest.param(
        "GET",
        fixed("/admin/autocomplete/"),
        {"app_label": "leads", "model_name": "lead", "field_name": "lead_owner", "term": "x" * 60_000},
        id="admin-autocomplete-term-60k",
    ),
    # A user name longer than the sign-in attempts' log holds (django-axes: 255 characters; PostgreSQL refuses more).
    pytest.param("POST", fixed("/login/"), {"username": "x" * 256, "password": "wrong"}, id="login-username-256"),
    pytest.param(
        "POST", fixed("/admin/login/"), {"username": "x" * 256, "password": "wrong"}, id="admin-login-username-256"
    ),
    pytest.param(
        "POST",
        fixed("/login/"),
        {"username": "x" * 150, "password": "wrong", "next": "x" * 5_000},
        id="login-username-150-next-5000",
    ),
    # The admin's autocomplete widgets, given something that is not an id.
    pytest.param("POST", lead_url("admin:leads_lead_change"), "admin-form:lead_owner= ", id="admin-lead-owner-blank"),
    pytest.param(
        "POST",
        lead_url("admin:leads_lead_change"),
        "admin-form:lead_owner=-1208925819614629174706176",
        id="admin-lead-owner-past-64-bits",
    ),
    pytest.param(
        "POST",
        lambda world: reverse("admin:deals_deal_change", args=[world.a.deal.pk]),
        "admin-form:owner=x",
        id="admin-deal-owner-not-an-id",
    ),
    pytest.param(
        "POST",
        lambda world: reverse("admin:deals_deal_change", args=[world.a.deal.pk]),
        "admin-form:account=x",
        id="admin-deal-account-not-an-id",
    ),
    pytest.param(
        "POST",
        lambda world: reverse("admin:contacts_contact_change", args=[world.a.contact.pk]),
        "admin-form:account=x",
        id="admin-contact-account-not-an-id",
    ),
]


def target_is_login(target: str) -> bool:
    return target in (reverse("login"), reverse("admin:login"))


class TestEdgesFoundByFuzzing:
    @pytest.mark.parametrize(("method", "url", "data"), EDGES)
    def test_an_edge_value_is_answered_without_an_error(self, world, browser, method, url, data):
        target = url(world)
        role = "anonymous" if target_is_login(target) else "admin" if target.startswith("/admin/") else "manager"
        if isinstance(data, str):  # the admin's own form as the company admin's browser has it, one field changed
            name, value = data.removeprefix("admin-form:").split("=", 1)
            sign_in(browser, world, role)
            form = [form for form in page_forms(browser.get(target).content.decode()) if form["method"] == "post"]
            data = {**browser_data(max(form, key=lambda form: len(form["names"]))), name: value}
        sign_in(browser, world, role)

        with RequestErrors() as errors:
            response = browser.get(target, data) if method == "GET" else browser.post(target, data)
            if response.streaming:
                b"".join(response.streaming_content)

        assert response.status_code in ALLOWED, f"{method} {target} {shown(data)}: {response.status_code}\n{errors}"
