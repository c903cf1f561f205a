"""Company B's data never reaches Company A (issue 8, part 1).

A marker string is planted in every text field of Company B's leads, accounts, contacts, deals, imports and users
(and its Company row); B also holds "twins" of A's records (the same email, phone, website domain and names as
A's lead) that a careless duplicate check, account match or "same person" lookup would find. Then every page a
user of A can open - lists with and without search and filters (B's ids among them), detail and edit pages,
dashboard, pipeline, forecast and its CSV, every CSV export, the import pages, the GDPR pages, the Django admin's
changelists, forms and autocomplete endpoints - is fetched as each role of A, and the marker must never appear.

Then foreign keys and hidden fields naming B's records (and `company`, `created_by`, `converted_*` ...) are posted
into A's forms: they are refused or ignored, and never land (no row of A links to anything of B afterwards, and
B's rows are unchanged).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.forms import AccountForm
from accounts.models import Account
from contacts.forms import ContactForm
from contacts.models import Contact
from crm.models import Company, TenantModel
from deals.forms import DealForm
from deals.models import Deal
from leads.forms import LeadForm
from leads.importing.models import LeadImport
from leads.models import Lead, LeadScoreModel
from tests.factories import AccountFactory, ContactFactory, LeadFactory

from .grid import (
    COMPANY_A_ROLES,
    TENANT_MODELS,
    RequestErrors,
    World,
    _fresh_cache,  # noqa: F401 - autouse: rate limits start empty in every test
    browser_data,
    build_side,
    changed_tables,
    form_data,
    main_post_form,
    sign_in,
    snapshot,
    world_fixture,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

MARKER = "ZZMARKER-B-7f3a"  # 15 characters: fits every text field it is planted in (GSTIN included)
# Parts of it (a page may echo the search itself), and the start of B's GSTIN.
SEARCHES = ("ZZMARKER", "zzmarker-b", "7f3a", "marker.example", "ZZGSTIN")


def shows_marker(content: bytes) -> bool:
    return MARKER.lower() in content.decode("utf-8", errors="replace").lower()


# --- Planting ---------------------------------------------------------------------------------------------------

# Identifiers with their own rules, set apart: B's users and Company get the marker below; a GSTIN is unique per
# Company and only B's main account gets one (`B_GSTIN`: looking it up from A must not bring that account, whose name
# holds the marker; the page may echo the code looked up, so the code itself is not the marker).
NOT_PLANTED = {"slug", "password", "username", "gstin"}
B_GSTIN = "ZZGSTINB7F3A001"


def marker_value(model_field) -> str:
    if isinstance(model_field, models.EmailField):
        return f"{MARKER.lower()}@marker.example"
    if model_field.name in ("website", "domain"):
        return f"https://{MARKER.lower()}.marker.example"[: model_field.max_length]
    return f"{MARKER} {model_field.name}"[: model_field.max_length] if model_field.max_length else f"{MARKER} text"


def plant(obj) -> None:
    """The marker in every free-text field of `obj` (choices, codes and shorter fields are left alone), written
    straight to the database: what an import, an admin edit or a mistake could have stored."""
    values = {}
    for model_field in obj._meta.concrete_fields:
        if not isinstance(model_field, models.CharField | models.TextField) or model_field.choices:
            continue
        if model_field.name in NOT_PLANTED or (model_field.max_length or 99) < len(MARKER):
            continue
        values[model_field.name] = marker_value(model_field)
    type(obj)._base_manager.filter(pk=obj.pk).update(**values)


def build_marked_world() -> World:
    """A's world as usual; B's with the marker everywhere, plus twins of A's lead in B."""
    a = build_side("a")
    b = build_side("b")
    Company.objects.filter(pk=b.company.pk).update(name=f"{MARKER} Company", slug=MARKER.lower())
    for user in b.users:
        User.objects.filter(pk=user.pk).update(
            username=f"{MARKER.lower()}-{user.pk}",
            first_name=MARKER,
            last_name=f"{MARKER} last",
            email=f"{MARKER.lower()}.{user.pk}@marker.example",
        )
    lead = a.lead
    domain = lead.email.split("@", 1)[1]
    twins = [
        # the same person as A's lead, in B: a duplicate check or a "same person" lookup across Companies finds it
        LeadFactory(company=b.company, lead_owner=b.owner, email=lead.email, phone=lead.phone),
        # an account of B whose website is the domain of A's lead: the convert page's match must not propose it
        AccountFactory(company=b.company, account_owner=b.owner, website=f"https://{domain}"),
        ContactFactory(company=b.company, account=b.account, owner=b.owner, email=lead.email),
    ]
    for model in TENANT_MODELS:
        for obj in model._base_manager.filter(company=b.company):
            plant(obj)
    for obj in LeadScoreModel.objects.filter(company=b.company):
        plant(obj)
    Account._base_manager.filter(pk=b.account.pk).update(gstin=B_GSTIN)
    for twin in twins:  # planting overwrote the twins' email and website: give them A's values back
        type(twin)._base_manager.filter(pk=twin.pk).update(
            **{name: getattr(twin, name) for name in ("email", "website") if hasattr(twin, name)}
        )
    b.extra["twins"] = twins
    for side in (a, b):
        for value in vars(side).values():
            if isinstance(value, models.Model):
                value.refresh_from_db()
    return World(a=a, b=b)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_setup, django_db_blocker, builder=build_marked_world)


@pytest.fixture(scope="module")
def browser():
    return Client(raise_request_exception=False)


# --- What A's users open -----------------------------------------------------------------------------------------


def with_query(path: str, **params) -> str:
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


def list_urls(world: World) -> list[str]:
    """Every list and export, bare, searched for parts of the marker, and filtered by B's ids."""
    b = world.b
    lists = {
        "leads": {"lead_owner": b.owner.pk, "spam": "1", "per_page": 100},
        "accounts": {"account_owner": b.owner.pk, "is_active": "all", "per_page": 100},
        "contacts": {"account": b.account.pk, "owner": b.owner.pk, "per_page": 100},
        "deals": {"account": b.account.pk, "owner": b.owner.pk, "status": "all", "per_page": 100},
    }
    urls = []
    for app, filters in lists.items():
        for name in ("list", "export"):
            path = reverse(f"{app}:{name}")
            urls.append(path)
            urls += [with_query(path, q=term) for term in SEARCHES]
            urls.append(with_query(path, **filters))
            urls += [with_query(path, **{key: value}) for key, value in filters.items()]
    urls.append(with_query(reverse("leads:list"), lead_owner="none", spam="1"))
    return urls


def page_urls(world: World) -> list[str]:
    """Pages of A's own records, create forms (their choices), the dashboard, pipeline, forecast, imports, GDPR."""
    a, b = world.a, world.b
    urls = [
        reverse("dashboard"),
        with_query(reverse("dashboard"), leads="all"),
        with_query(reverse("dashboard"), leads="12m"),
        reverse("deals:pipeline"),
        with_query(reverse("deals:pipeline"), period="all", owner=b.owner.pk),
        with_query(reverse("deals:pipeline"), period="all", account=b.account.pk),
        with_query(reverse("deals:pipeline"), period="all", account="ZZMARKER"),
        reverse("deals:forecast"),
        with_query(reverse("deals:forecast"), period="quarter", column="pipeline"),
        with_query(reverse("deals:forecast"), column="pipeline", owner=b.owner.pk),
        with_query(reverse("deals:forecast"), column="won", owner=b.owner.pk),
        reverse("deals:forecast_export"),
        reverse("leads:create"),
        reverse("accounts:create"),
        reverse("contacts:create"),
        with_query(reverse("contacts:create"), account=b.account.pk),
        reverse("deals:create"),
        with_query(reverse("deals:create"), account=b.account.pk, primary_contact=b.contact.pk),
        reverse("leads:import"),
    ]
    for app, record in (
        ("leads", a.lead),
        ("leads", a.queue_lead),
        ("leads", a.converted_lead),
        ("accounts", a.account),
        ("contacts", a.contact),
        ("deals", a.deal),
    ):
        urls.append(reverse(f"{app}:detail", args=[record.pk]))
        if record is not a.converted_lead:  # read-only: its edit page sends back to the lead
            urls.append(reverse(f"{app}:update", args=[record.pk]))
    urls += [
        reverse("leads:convert", args=[a.lead.pk]),
        with_query(reverse("leads:convert", args=[a.lead.pk]), q="ZZMARKER"),
        with_query(reverse("leads:convert", args=[a.lead.pk]), account=b.account.pk),
        with_query(reverse("leads:convert", args=[a.lead.pk]), gstin=B_GSTIN),
        reverse("leads:merge", args=[a.lead.pk, a.queue_lead.pk]),
        reverse("leads:import_detail", args=[a.lead_import.pk]),
        reverse("leads:import_errors", args=[a.lead_import.pk]),
        reverse("leads:personal_data", args=[a.lead.pk]),
        reverse("leads:erase", args=[a.lead.pk]),
        reverse("contacts:personal_data", args=[a.contact.pk]),
        reverse("contacts:erase", args=[a.contact.pk]),
    ]
    return urls


OUR_APPS = {"crm", "accounts", "contacts", "deals", "leads", "auth"}


def admin_urls(world: World) -> list[str]:
    """The admin as A's company admin: every changelist of ours (bare, searched, filtered by B's ids), the add and
    change forms (their choices), and every autocomplete endpoint (searched and not)."""
    a, b = world.a, world.b
    urls = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS or model._meta.model_name == "group":
            continue
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        urls += [changelist, *(with_query(changelist, q=term) for term in SEARCHES)]
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        for source, field_names in autocomplete_sources(model, model_admin):
            for field_name in field_names:
                endpoint = with_query(
                    reverse("admin:autocomplete"),
                    app_label=source._meta.app_label,
                    model_name=source._meta.model_name,
                    field_name=field_name,
                )
                urls += [endpoint, *(f"{endpoint}&{urlencode({'term': term})}" for term in SEARCHES)]
    for model, record in (
        (Lead, a.lead),
        (Account, a.account),
        (Contact, a.contact),
        (Deal, a.deal),
        (LeadImport, a.lead_import),
        (Company, a.company),
        (User, a.owner),
    ):
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[record.pk]))
    lead_changelist = reverse("admin:leads_lead_changelist")
    urls += [
        with_query(lead_changelist, lead_owner__id__exact=b.owner.pk),
        with_query(reverse("admin:deals_deal_changelist"), account__id__exact=b.account.pk),
        with_query(reverse("admin:contacts_contact_changelist"), account__id__exact=b.account.pk),
        with_query(reverse("admin:auth_user_changelist"), membership__company__id__exact=b.company.pk),
    ]
    return urls


def autocomplete_sources(model, model_admin):
    yield model, model_admin.get_autocomplete_fields(None) if hasattr(model_admin, "get_autocomplete_fields") else ()
    for inline in model_admin.inlines:
        yield inline.model, inline.autocomplete_fields


def fetch_all(browser: Client, world: World, role: str, urls: list[str]) -> tuple[list[str], dict[str, int]]:
    """(the URLs whose answer shows the marker, {url: status}) for `role`."""
    sign_in(browser, world, role)
    leaks, statuses = [], {}
    with RequestErrors() as errors:
        for url in urls:
            response = browser.get(url)
            statuses[url] = response.status_code
            content = b"".join(response.streaming_content) if response.streaming else response.content
            if shows_marker(content):
                leaks.append(f"{url} ({response.status_code})")
    assert not errors.tracebacks, str(errors)
    return leaks, statuses


class TestPlantedMarker:
    def test_company_b_sees_its_own_marker_on_its_lists_exports_and_admin(self, world, browser):
        sign_in(browser, world, "outsider")  # B's company admin
        urls = [reverse(f"{app}:{name}") for app in ("leads", "accounts", "contacts", "deals") for name in ("list",)]
        urls += [reverse("admin:leads_lead_changelist"), reverse("deals:pipeline") + "?period=all"]

        shown = {url: shows_marker(browser.get(url).content) for url in urls}

        assert all(shown.values()), shown

    def test_every_text_field_of_company_b_holds_the_marker(self, world):
        lead = Lead.objects.get(pk=world.b.lead.pk)

        assert MARKER in lead.first_name and MARKER in lead.notes and MARKER in lead.campaign
        assert MARKER.lower() in lead.email
        assert MARKER in Account.objects.get(pk=world.b.account.pk).name


class TestTheMarkerNeverReachesCompanyA:
    @pytest.mark.parametrize("role", COMPANY_A_ROLES)
    def test_no_list_search_filter_or_export_shows_company_b(self, world, browser, role):
        urls = list_urls(world)

        leaks, statuses = fetch_all(browser, world, role, urls)

        assert not leaks, f"Company B's marker shown to A's {role} on: {leaks}"
        assert set(statuses.values()) == {200}, {url: status for url, status in statuses.items() if status != 200}

    @pytest.mark.parametrize("role", COMPANY_A_ROLES)
    def test_no_page_of_company_a_shows_company_b(self, world, browser, role):
        urls = page_urls(world)

        leaks, statuses = fetch_all(browser, world, role, urls)

        assert not leaks, f"Company B's marker shown to A's {role} on: {leaks}"
        if role == "manager":  # the manager opens every one of them: the check above was not run on error pages
            assert set(statuses.values()) == {200}, {url: status for url, status in statuses.items() if status != 200}

    def test_no_admin_page_or_autocomplete_shows_company_b_to_the_company_admin(self, world, browser):
        urls = admin_urls(world)

        leaks, statuses = fetch_all(browser, world, "admin", urls)

        assert not leaks, f"Company B's marker shown to A's company admin on: {leaks}"
        assert len(urls) > 60
        # 400: a filter the admin does not offer (Django refuses the lookup); 403: a page the company admin may not use.
        refused = {url: status for url, status in statuses.items() if status not in (200, 400, 403)}
        assert not refused, refused


# --- Foreign ids posted into A's forms ----------------------------------------------------------------------------


def cross_company_links() -> list[str]:
    """Every row of a tenant model that links to a record (or a user) of another Company than its own."""
    problems = []
    for model in TENANT_MODELS:
        for model_field in model._meta.concrete_fields:
            if not model_field.is_relation or model_field.name == "company":
                continue
            related = model_field.related_model
            name = model_field.name
            linked = model._base_manager.exclude(**{f"{name}__isnull": True})
            if issubclass(related, TenantModel):
                wrong = linked.exclude(**{f"{name}__company": F("company")})
            elif related is User:
                wrong = linked.exclude(**{f"{name}__membership__company": F("company")})
            else:
                continue
            problems += [f"{model._meta.label} #{pk}.{name}" for pk in wrong.values_list("pk", flat=True)]
    return problems


# Fields a form must never take from a browser: who owns the row, who made it, what it became, its scores.
FORGED = {
    "company": lambda b: b.company.pk,
    "company_id": lambda b: b.company.pk,
    "created_by": lambda b: b.owner.pk,
    "converted_to_account": lambda b: b.account.pk,
    "converted_contact": lambda b: b.contact.pk,
    "converted_deal": lambda b: b.deal.pk,
    "duplicate_of": lambda b: b.lead.pk,
    "duplicate_contact": lambda b: b.contact.pk,
    "merged_into": lambda b: b.lead.pk,
    "source_lead": lambda b: b.lead.pk,
    "lead_score": lambda b: 99,
    "spam_score": lambda b: 0,
    "is_active": lambda b: "on",
}


def forged(world: World) -> dict:
    return {name: value(world.b) for name, value in FORGED.items()}


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def page_form(browser: Client, world: World, role: str, url: str, **changes) -> dict:
    """What `role`'s browser posts back for the form on `url` (fetched as them), with `changes`."""
    sign_in(browser, world, role)
    response = browser.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return {**browser_data(main_post_form(response.content.decode(), path=url.split("?")[0])), **changes}


@dataclass
class Forgery:
    """A POST naming B's records (or fields no form offers) into one of A's forms or actions, and what must hold
    afterwards besides the general rules (no cross-Company link anywhere, B unchanged)."""

    id: str
    url: Callable[[World], str]
    data: Callable[[World, Client], dict]
    status: int
    check: Callable[[World], list[str]] = lambda world: []
    role: str = "manager"


def nothing_saved(model, **lookup):
    def check(world: World) -> list[str]:
        found = list(model._base_manager.filter(**lookup).values_list("pk", flat=True))
        return [f"{model._meta.label} {lookup} was saved: {found}"] if found else []

    return check


def unchanged(side_record: str, *fields: str):
    """A's record kept the listed values it had in the world."""

    def check(world: World) -> list[str]:
        record = getattr(world.a, side_record)
        stored = fresh(record)
        return [
            f"{record._meta.label} #{record.pk}.{name}: {getattr(record, name)!r} -> {getattr(stored, name)!r}"
            for name in fields
            if getattr(stored, name) != getattr(record, name)
        ]

    return check


def saved_cleanly(model, by: str, **lookup):
    """The record was created in A, by the user who posted, with none of the forged links or flags."""

    def check(world: World) -> list[str]:
        record = model._base_manager.filter(**lookup).first()
        if record is None:
            return [f"{model._meta.label} {lookup} was not created"]
        problems = []
        if record.company_id != world.a.company.pk:
            problems.append(f"company is {record.company_id}")
        if record.created_by_id != world.user(by).pk:
            problems.append(f"created_by is {record.created_by_id}")
        for name in FORGED:
            if name in ("company", "company_id", "created_by", "lead_score", "spam_score", "is_active"):
                continue
            value = getattr(record, f"{name}_id", None)
            if value is not None:
                problems.append(f"{name} is {value}")
        return [f"{model._meta.label} #{record.pk}: {problem}" for problem in problems]

    return check


def lead_form(world: World, browser: Client, **changes) -> dict:
    base = {"first_name": "Forged", "last_name": "Lead", "campaign": "forged"}
    return form_data(LeadForm(user=world.a.manager), **{**base, **changes})


def lead_edit(world: World, browser: Client, **changes) -> dict:
    return form_data(LeadForm(instance=fresh(world.a.lead), user=world.a.manager), **changes)


def account_form(world: World, browser: Client, **changes) -> dict:
    return form_data(AccountForm(user=world.a.manager), name="Forged Account", annual_revenue="10", **changes)


def account_edit(world: World, browser: Client, **changes) -> dict:
    return form_data(AccountForm(instance=fresh(world.a.account), user=world.a.manager), **changes)


def contact_form(world: World, browser: Client, **changes) -> dict:
    base = {"first_name": "Forged", "last_name": "Contact", "email": "forged@example.org"}
    base["account"] = world.a.account.pk
    return form_data(ContactForm(user=world.a.manager), **{**base, **changes})


def contact_edit(world: World, browser: Client, **changes) -> dict:
    return form_data(ContactForm(instance=fresh(world.a.contact), user=world.a.manager), **changes)


def deal_form(world: World, browser: Client, **changes) -> dict:
    base = {"name": "Forged deal", "account": world.a.account.pk, "primary_contact": "", "currency": "USD"}
    return form_data(DealForm(user=world.a.manager), **{**base, **changes})


def deal_edit(world: World, browser: Client, **changes) -> dict:
    return form_data(DealForm(instance=fresh(world.a.deal), user=world.a.manager), **changes)


def url_of(name: str, record: str | None = None) -> Callable[[World], str]:
    def url(world: World) -> str:
        return reverse(name, args=[getattr(world.a, record).pk] if record else [])

    return url


def b_id(record: str) -> Callable[[World], int]:
    return lambda world: getattr(world.b, record).pk


def admin_change(model_name: str, record: str) -> Callable[[World], str]:
    return lambda world: reverse(f"admin:{model_name}_change", args=[getattr(world.a, record).pk])


def admin_post(model_name: str, record: str, **changes: Callable[[World], object]):
    def data(world: World, browser: Client) -> dict:
        url = admin_change(model_name, record)(world)
        return page_form(browser, world, "admin", url, **{name: value(world) for name, value in changes.items()})

    return data


LEAD_KEPT = ("company_id", "created_by_id", "lead_owner_id", "status", "converted_to_account_id", "notes")
FORGERIES = [
    # leads
    Forgery(
        "lead-create-owner-of-B",
        url_of("leads:create"),
        lambda w, c: lead_form(w, c, lead_owner=w.b.owner.pk),
        200,
        nothing_saved(Lead, first_name="Forged"),
    ),
    Forgery(
        "lead-create-forged-fields",
        url_of("leads:create"),
        lambda w, c: {**lead_form(w, c, lead_owner=w.a.owner.pk), **forged(w)},
        302,
        saved_cleanly(Lead, "manager", first_name="Forged"),
    ),
    Forgery(
        "lead-edit-owner-of-B",
        url_of("leads:update", "lead"),
        lambda w, c: lead_edit(w, c, lead_owner=w.b.owner.pk, notes="forged"),
        200,
        unchanged("lead", *LEAD_KEPT),
    ),
    Forgery(
        "lead-edit-forged-fields",
        url_of("leads:update", "lead"),
        lambda w, c: {**lead_edit(w, c), **forged(w)},
        302,
        unchanged("lead", "company_id", "created_by_id", "converted_to_account_id", "converted_at", "status"),
    ),
    Forgery(
        "lead-edit-forged-fields-by-its-rep",
        url_of("leads:update", "lead"),
        lambda w, c: {**lead_edit(w, c), **forged(w)},
        302,
        unchanged("lead", "company_id", "created_by_id", "converted_to_account_id", "converted_at", "status"),
        role="owner",
    ),
    Forgery(
        "lead-assign-to-user-of-B",
        url_of("leads:assign", "lead"),
        lambda w, c: {"lead_owner": w.b.owner.pk},
        302,
        unchanged("lead", "lead_owner_id"),
    ),
    Forgery(
        "lead-bulk-assign-to-user-of-B",
        url_of("leads:bulk_assign"),
        lambda w, c: {"leads": [w.a.lead.pk, w.a.queue_lead.pk], "lead_owner": w.b.owner.pk},
        302,
        unchanged("queue_lead", "lead_owner_id"),
    ),
    Forgery(
        "lead-bulk-assign-leads-of-B",
        url_of("leads:bulk_assign"),
        lambda w, c: {"leads": [w.b.lead.pk, w.b.queue_lead.pk, w.a.queue_lead.pk], "lead_owner": w.a.other_rep.pk},
        302,
        unchanged("queue_lead", "lead_owner_id"),  # one foreign id spoils the batch: nothing is assigned
    ),
    Forgery(
        "lead-merge-with-lead-of-B",
        lambda w: reverse("leads:merge", args=[w.a.lead.pk, w.b.lead.pk]),
        lambda w, c: {"survivor": "first"},
        404,
    ),
    Forgery(
        "lead-convert-onto-account-of-B",
        url_of("leads:convert", "lead"),
        lambda w, c: {"account": w.b.account.pk, "create_deal": "on", "confirm": "on"},
        200,
        unchanged("lead", *LEAD_KEPT),
    ),
    Forgery(
        "lead-convert-with-contact-of-B",
        url_of("leads:convert", "lead"),
        lambda w, c: {"account": "new", "contact": w.b.contact.pk, "create_deal": "on", "confirm": "on"},
        200,
        unchanged("lead", *LEAD_KEPT),
    ),
    Forgery(
        "web-form-naming-B",
        lambda w: reverse("web_to_lead", kwargs={"slug": w.a.company.slug}),
        lambda w, c: {**web_lead(w), **forged(w), "lead_owner": w.b.owner.pk},
        302,
        lambda w: web_lead_landed_in_a(w),
        role="anonymous",
    ),
    # accounts
    Forgery(
        "account-create-owner-of-B",
        url_of("accounts:create"),
        lambda w, c: account_form(w, c, account_owner=w.b.owner.pk),
        200,
        nothing_saved(Account, name="Forged Account"),
    ),
    Forgery(
        "account-create-forged-fields",
        url_of("accounts:create"),
        lambda w, c: {**account_form(w, c, account_owner=w.a.owner.pk), **forged(w)},
        302,
        saved_cleanly(Account, "manager", name="Forged Account"),
    ),
    Forgery(
        "account-edit-owner-of-B",
        url_of("accounts:update", "account"),
        lambda w, c: account_edit(w, c, account_owner=w.b.owner.pk),
        200,
        unchanged("account", "account_owner_id", "company_id"),
    ),
    # contacts
    Forgery(
        "contact-create-on-account-of-B",
        url_of("contacts:create"),
        lambda w, c: contact_form(w, c, account=w.b.account.pk),
        200,
        nothing_saved(Contact, first_name="Forged"),
    ),
    Forgery(
        "contact-create-owner-of-B",
        url_of("contacts:create"),
        lambda w, c: contact_form(w, c, owner=w.b.owner.pk),
        200,
        nothing_saved(Contact, first_name="Forged"),
    ),
    Forgery(
        "contact-create-forged-fields",
        url_of("contacts:create"),
        lambda w, c: {**contact_form(w, c, owner=w.a.owner.pk), **forged(w)},
        302,
        saved_cleanly(Contact, "manager", first_name="Forged"),
    ),
    Forgery(
        "contact-edit-onto-account-of-B",
        url_of("contacts:update", "contact"),
        lambda w, c: contact_edit(w, c, account=w.b.account.pk),
        200,
        unchanged("contact", "account_id", "company_id"),
    ),
    # deals
    Forgery(
        "deal-create-on-account-of-B",
        url_of("deals:create"),
        lambda w, c: deal_form(w, c, account=w.b.account.pk),
        200,
        nothing_saved(Deal, name="Forged deal"),
    ),
    Forgery(
        "deal-create-with-contact-of-B",
        url_of("deals:create"),
        lambda w, c: deal_form(w, c, primary_contact=w.b.contact.pk),
        200,
        nothing_saved(Deal, name="Forged deal"),
    ),
    Forgery(
        "deal-create-owner-of-B",
        url_of("deals:create"),
        lambda w, c: deal_form(w, c, owner=w.b.owner.pk),
        200,
        nothing_saved(Deal, name="Forged deal"),
    ),
    Forgery(
        "deal-create-forged-fields",
        url_of("deals:create"),
        lambda w, c: {**deal_form(w, c, owner=w.a.owner.pk), **forged(w)},
        302,
        saved_cleanly(Deal, "manager", name="Forged deal"),
    ),
    Forgery(
        "deal-edit-onto-account-of-B",
        url_of("deals:update", "deal"),
        lambda w, c: deal_edit(w, c, account=w.b.account.pk),
        200,
        unchanged("deal", "account_id", "company_id", "primary_contact_id"),
    ),
    Forgery(
        "deal-move-of-B",
        lambda w: reverse("deals:pipeline_move", args=[w.b.deal.pk]),
        lambda w, c: {"stage": "qualification"},
        404,
    ),
    # the admin, as A's company admin
    Forgery(
        "admin-lead-owner-of-B",
        admin_change("leads_lead", "lead"),
        admin_post("leads_lead", "lead", lead_owner=b_id("owner")),
        200,
        unchanged("lead", *LEAD_KEPT),
        role="admin",
    ),
    Forgery(
        "admin-deal-on-account-of-B",
        admin_change("deals_deal", "deal"),
        admin_post("deals_deal", "deal", account=b_id("account")),
        200,
        unchanged("deal", "account_id", "company_id"),
        role="admin",
    ),
    Forgery(
        "admin-deal-contact-of-B",
        admin_change("deals_deal", "deal"),
        admin_post("deals_deal", "deal", primary_contact=b_id("contact")),
        200,
        unchanged("deal", "primary_contact_id", "company_id"),
        role="admin",
    ),
    Forgery(
        "admin-contact-on-account-of-B",
        admin_change("contacts_contact", "contact"),
        admin_post("contacts_contact", "contact", account=b_id("account")),
        200,
        unchanged("contact", "account_id", "company_id"),
        role="admin",
    ),
    Forgery(
        "admin-account-owner-of-B",
        admin_change("accounts_account", "account"),
        admin_post("accounts_account", "account", account_owner=b_id("owner")),
        200,
        unchanged("account", "account_owner_id", "company_id"),
        role="admin",
    ),
    Forgery(
        "admin-membership-moved-to-B",
        lambda w: reverse("admin:crm_membership_change", args=[w.a.extra["other_rep_membership"].pk]),
        lambda w, c: page_form(
            c,
            w,
            "admin",
            reverse("admin:crm_membership_change", args=[w.a.extra["other_rep_membership"].pk]),
            company=w.b.company.pk,
            user=w.b.owner.pk,
        ),
        302,
        lambda w: membership_kept(w),
        role="admin",
    ),
]


def web_lead(world: World) -> dict:
    from leads.capture import STARTED_SALT

    started = signing.dumps({"company": world.a.company.pk, "at": time.time() - 30}, salt=STARTED_SALT)
    return {"first_name": "Forged", "last_name": "Visitor", "email": "forged.visitor@example.org", "started": started}


def web_lead_landed_in_a(world: World) -> list[str]:
    lead = Lead.objects.filter(first_name="Forged").first()
    if lead is None:
        return ["the web lead was not created"]
    problems = []
    if lead.company_id != world.a.company.pk:
        problems.append(f"web lead in Company {lead.company_id}")
    for name in ("lead_owner_id", "created_by_id", "converted_to_account_id", "duplicate_of_id", "merged_into_id"):
        if getattr(lead, name) is not None:
            problems.append(f"web lead {name} = {getattr(lead, name)}")
    return problems


def membership_kept(world: World) -> list[str]:
    membership = fresh(world.a.extra["other_rep_membership"])
    if (membership.company_id, membership.user_id) != (world.a.company.pk, world.a.other_rep.pk):
        return [f"membership now {membership.user_id} in Company {membership.company_id}"]
    return []


class TestForeignIdsNeverLand:
    @pytest.mark.parametrize("forgery", FORGERIES, ids=[forgery.id for forgery in FORGERIES])
    def test_a_post_naming_another_companys_records_is_refused_or_ignored(self, world, browser, forgery):
        data = forgery.data(world, browser)
        before = snapshot(world.b.company)[world.b.company.pk]
        sign_in(browser, world, forgery.role)

        with RequestErrors() as errors:
            response = browser.post(forgery.url(world), data)

        assert response.status_code == forgery.status, f"{response.status_code} {errors}"
        assert cross_company_links() == []
        after = snapshot(world.b.company)[world.b.company.pk]
        assert before == after, changed_tables(before, after)
        assert forgery.check(world) == []

    def test_the_cross_company_check_finds_a_planted_link(self, world):
        Deal._base_manager.filter(pk=world.a.deal.pk).update(account_id=world.b.account.pk)

        links = cross_company_links()

        assert f"deals.Deal #{world.a.deal.pk}.account" in links
