"""One access policy, proven on every URL (issue 8, part 1).

`test_every_route_has_a_row` walks the URL resolver and fails when a route has no row in `ROWS`, so a new view
cannot skip the grid. Every row is then requested by each role of `grid.ROLES` (anonymous, the owning rep, another
rep, the manager, the company admin, the admin of another Company) with GET and with POST, and answers what the
row says: 200, a redirect (to the login page for the anonymous), 400, 403, 404 or 405.

Every request is also checked for what it wrote:
- a GET writes nothing, anywhere;
- a POST that is refused (any 4xx, a redirect to the login page, a form shown again with 200) writes nothing;
- a POST that is accepted (a redirect) may change its own Company (or, for the public web-to-lead form, the
  form's Company) and nothing else: the other Company's rows are compared value by value, before and after.

The routes are those of Company A's records (`grid.World.a`); the outsider is Company B's company admin.
Adding a route: add one `Row` below (its URL, the expected status per role for GET and POST, the POST body).
Size of the grid when written: 107 routes (49 of the app, 58 admin pages of our models; the resolver has 149,
the rest being the Django admin's own pages), 111 rows (some routes have a second row for another record), 1,332
cases (each row x GET and POST x 6 roles). `GRID_SIZE` has the current figures (`pytest -s` prints them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.forms import AccountForm
from contacts.forms import ContactForm
from deals.forms import DealForm
from leads.forms import LeadForm
from leads.models import Lead

from .grid import (
    ROLES,
    RequestErrors,
    World,
    _fresh_cache,  # noqa: F401 - autouse: rate limits start empty in every test
    browser_data,
    changed_tables,
    form_data,
    main_post_form,
    sign_in,
    snapshot,
    world_fixture,
)

pytestmark = pytest.mark.django_db

# What a response is, for the grid: a status code, or one of these redirects.
LOGIN = "login"  # a redirect to a login page (the app's, or the admin's)
REDIRECT = "redirect"  # a redirect elsewhere (the usual answer to an accepted POST)
ADMIN_GONE = "admin-gone"  # the admin's answer for a record outside its queryset: back to the admin index


def expect(default, **per_role) -> dict[str, object]:
    """The expected outcome per role: `default` for every signed-in role unless overridden; anonymous users are
    sent to the login page unless said otherwise."""
    outcomes = dict.fromkeys(ROLES, default)
    outcomes["anonymous"] = LOGIN
    outcomes.update(per_role)
    return outcomes


# Shorthands for the usual rules (DESIGN.md, "Access").
EVERYONE = expect(200)  # every signed-in user, each on their own Company
OWNED = expect(200, other_rep=404, outsider=404)  # leads and deals: the owner and the managers
OWNED_POST = expect(REDIRECT, other_rep=404, outsider=404)
SHARED = expect(200, outsider=404)  # accounts, contacts (and queue leads): every user of the Company
SHARED_EDIT = expect(200, other_rep=403, outsider=404)  # seen by all reps, edited by the owner and the managers
SHARED_EDIT_POST = expect(REDIRECT, other_rep=403, outsider=404)
MANAGERS = expect(200, owner=403, other_rep=403, outsider=404)
NOT_ALLOWED = expect(405)
# The Django admin: staff only (the others are sent to its login page); the company admin sees their Company, the
# other Company's admin is told the record does not exist.
ADMIN_LIST = expect(LOGIN, admin=200, outsider=200)
ADMIN_OBJECT = expect(LOGIN, admin=200, outsider=ADMIN_GONE)


@dataclass
class Row:
    """One route of the grid: how to build its URL from the world, and what each role gets."""

    name: str  # the URL name, with its namespace ("leads:detail"); the resolver walk matches on it
    url: Callable[[World], str]
    get: dict
    post: dict
    data: Callable[[World], dict] = lambda world: {}
    variant: str = ""  # a second row for the same route (another record), e.g. "queue"
    public: bool = False  # the web-to-lead form: a POST writes to the form's Company (A), whoever sends it

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name


def on(name: str, **kwargs: str) -> Callable[[World], str]:
    """The URL of `name` with each kwarg taken from a record of Company A: `on("leads:detail", pk="lead")`."""

    def url(world: World) -> str:
        return reverse(name, kwargs={key: attr_pk(world, path) for key, path in kwargs.items()})

    return url


def attr_of(world: World, path: str):
    """A's record at `path` (`"lead"`, `"extra.activity"`)."""
    obj = world.a
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def attr_pk(world: World, path: str):
    return attr_of(world, path).pk


# --- POST bodies -----------------------------------------------------------------------------------------------


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def lead_create_data(world: World) -> dict:
    """A complete new lead given to A's rep: a rep may keep a lead, not give it to another rep."""
    form = LeadForm(user=world.a.manager)
    return form_data(form, first_name="Grid", last_name="Created", campaign="grid", lead_owner=world.a.owner.pk)


def lead_edit_data(world: World) -> dict:
    return form_data(LeadForm(instance=fresh(world.a.lead), user=world.a.manager), notes="edited by the grid")


def account_create_data(world: World) -> dict:
    form = AccountForm(user=world.a.manager)
    return form_data(form, name="Grid Created Account", account_owner=world.a.owner.pk, annual_revenue="1000")


def account_edit_data(world: World) -> dict:
    return form_data(AccountForm(instance=fresh(world.a.account), user=world.a.manager), description="edited")


def contact_create_data(world: World) -> dict:
    form = ContactForm(user=world.a.manager)
    return form_data(
        form,
        first_name="Grid",
        last_name="Contact",
        email="grid.contact@example.org",
        account=world.a.account.pk,
        owner=world.a.owner.pk,
    )


def contact_edit_data(world: World) -> dict:
    return form_data(ContactForm(instance=fresh(world.a.contact), user=world.a.manager), notes="edited")


def deal_create_data(world: World) -> dict:
    """A deal on A's account for A's rep: reps create deals for themselves only."""
    form = DealForm(user=world.a.manager)
    return form_data(
        form,
        name="Grid deal",
        account=world.a.account.pk,
        primary_contact="",
        owner=world.a.owner.pk,
        amount="1000",
        currency="USD",
    )


def deal_edit_data(world: World) -> dict:
    return form_data(DealForm(instance=fresh(world.a.deal), user=world.a.manager), description="edited")


def web_lead_data(world: World) -> dict:
    from leads.capture import STARTED_SALT

    started = signing.dumps({"company": world.a.company.pk, "at": time.time() - 30}, salt=STARTED_SALT)
    return {
        "first_name": "Web",
        "last_name": "Visitor",
        "email": "web.visitor@example.org",
        "company_name": "Visitor Ltd",
        "consent": "on",
        "website": "",
        "started": started,
    }


def import_upload_data(world: World) -> dict:
    return {"file": SimpleUploadedFile("grid.csv", b"last_name,email,campaign\nGrid,grid@example.org,spring\n")}


def import_run_data(world: World) -> dict:
    lead_import = fresh(world.a.lead_import)
    data = {"mode": "skip", "default_campaign": "grid", "action": "dry_run"}
    data.update({f"column_{index}": name for index, name in enumerate(lead_import.mapping)})
    return data


ADMIN_FORMS: dict[str, dict] = {}


def admin_form_data(url: Callable[[World], str], **changes) -> Callable[[World], dict]:
    """What A's company admin's browser posts back for an admin page (fetched as them), with `changes`."""

    def data(world: World) -> dict:
        path = url(world)
        if path not in ADMIN_FORMS:  # the same page for every role (the world is rolled back): fetched once
            client = Client()
            client.force_login(world.a.admin)
            response = client.get(path)
            assert response.status_code == 200, f"{path} as A's admin: {response.status_code}"
            ADMIN_FORMS[path] = browser_data(main_post_form(response.content.decode(), path=path))
        return {**ADMIN_FORMS[path], **changes}

    return data


# --- The grid --------------------------------------------------------------------------------------------------


def crud_rows(app: str, record: str, *, detail, edit, edit_post, create_data, edit_data) -> list[Row]:
    return [
        Row(f"{app}:list", on(f"{app}:list"), get=EVERYONE, post=NOT_ALLOWED),
        Row(
            f"{app}:create",
            on(f"{app}:create"),
            get=EVERYONE,
            post=create_data[0],
            data=create_data[1],
        ),
        Row(f"{app}:detail", on(f"{app}:detail", pk=record), get=detail, post=NOT_ALLOWED),
        Row(f"{app}:update", on(f"{app}:update", pk=record), get=edit, post=edit_post, data=edit_data),
    ]


def action(name: str, *, pk: str, post: dict, data=lambda world: {}, variant="") -> Row:
    """A POST-only action: GET is a 405 for every signed-in user."""
    return Row(name, on(name, pk=pk), get=NOT_ALLOWED, post=post, data=data, variant=variant)


def export(name: str) -> Row:
    return Row(name, on(name), get=EVERYONE, post=NOT_ALLOWED)


FORM_AGAIN = expect(LOGIN, admin=200, outsider=200)
FORBIDDEN_IN_ADMIN = expect(LOGIN, admin=403, outsider=403)  # not the company admin's to do, on any record


def admin_rows(
    app_model: str, record: str, *, may_add=True, may_change=True, may_delete=True, list_post=None
) -> list[Row]:
    """The admin pages of one of our models, pointed at A's `record` (a path on World.a). `may_*`: whether a
    company admin may add, change and delete records of the model at all (when not, it is a 403 for anyone,
    whether the record exists or not: nothing is disclosed). `list_post`: what the changelist answers to Django's
    delete action, when not the default."""

    def object_url(view):
        def url(world: World) -> str:
            return reverse(f"admin:{app_model}_{view}", kwargs={"object_id": attr_pk(world, record)})

        return url

    change_url = object_url("change")
    return [
        Row(
            f"admin:{app_model}_changelist",
            on(f"admin:{app_model}_changelist"),
            get=ADMIN_LIST,
            # Django's delete action on A's record: the outsider's changelist does not hold it, nothing happens.
            # Without the delete permission the action is not offered: the list is shown again.
            post=list_post or (expect(LOGIN, admin=REDIRECT, outsider=REDIRECT) if may_delete else FORM_AGAIN),
            data=lambda world: {
                "action": "delete_selected",
                "_selected_action": [attr_pk(world, record)],
                "post": "yes",
            },
        ),
        Row(
            f"admin:{app_model}_add",
            on(f"admin:{app_model}_add"),
            get=ADMIN_LIST if may_add else FORBIDDEN_IN_ADMIN,
            # An incomplete form naming A's users: shown again, nothing saved.
            post=expect(LOGIN, admin=200, outsider=200) if may_add else FORBIDDEN_IN_ADMIN,
            data=lambda world: {"lead_owner": world.a.owner.pk, "account_owner": world.a.owner.pk},
        ),
        Row(
            f"admin:{app_model}_change",
            change_url,
            get=ADMIN_OBJECT,
            post=expect(LOGIN, admin=REDIRECT, outsider=ADMIN_GONE) if may_change else FORBIDDEN_IN_ADMIN,
            data=admin_form_data(change_url),
        ),
        Row(f"admin:{app_model}_history", object_url("history"), get=ADMIN_OBJECT, post=ADMIN_OBJECT),
        Row(
            f"admin:{app_model}_delete",
            object_url("delete"),
            get=ADMIN_OBJECT if may_delete else FORBIDDEN_IN_ADMIN,
            post=expect(LOGIN, admin=REDIRECT, outsider=ADMIN_GONE) if may_delete else FORBIDDEN_IN_ADMIN,
            data=lambda world: {"post": "yes"},
        ),
    ]


def simple_history_row(app_model: str, record: str) -> Row:
    """simple-history's page of one old version: read-only here (a POST would revert around the services)."""

    def url(world: World) -> str:
        obj = fresh(attr_of(world, record))
        version = obj.history.order_by("history_id").first().history_id
        return reverse(f"admin:{app_model}_simple_history", args=[obj.pk, version])

    return Row(
        f"admin:{app_model}_simple_history",
        url,
        get=ADMIN_OBJECT,
        post=expect(LOGIN, admin=403, outsider=ADMIN_GONE),
    )


def view_on_site(world: World, *, prefix="") -> str:
    content_type = ContentType.objects.get_for_model(Lead)
    return f"/admin/r/{prefix}{content_type.pk}/{world.a.lead.pk}/"


ROWS: list[Row] = [
    # crm: the dashboard and signing in and out
    Row("dashboard", on("dashboard"), get=EVERYONE, post=NOT_ALLOWED),
    Row(
        "login",
        on("login"),
        get=expect(REDIRECT, anonymous=200),  # a signed-in user is sent on to the dashboard
        post=expect(REDIRECT, anonymous=200),  # a wrong password: the form again
        data=lambda world: {"username": world.a.owner.username, "password": "not-the-password"},
    ),
    Row("logout", on("logout"), get=NOT_ALLOWED, post=expect(LOGIN)),  # signed out: back to the login page
    # leads
    *crud_rows(
        "leads",
        "lead",
        detail=OWNED,
        edit=OWNED,
        edit_post=OWNED_POST,
        create_data=(expect(REDIRECT, other_rep=200, outsider=200), lead_create_data),
        edit_data=lead_edit_data,
    ),
    Row("leads:detail", on("leads:detail", pk="queue_lead"), get=SHARED, post=NOT_ALLOWED, variant="queue"),
    Row(
        "leads:update",
        on("leads:update", pk="converted_lead"),
        get=expect(REDIRECT, other_rep=404, outsider=404),  # converted: read-only, back to its page
        post=expect(REDIRECT, other_rep=404, outsider=404),
        data=lead_edit_data,
        variant="converted",
    ),
    Row(
        "leads:convert",
        on("leads:convert", pk="lead"),
        get=OWNED,
        post=OWNED_POST,
        data=lambda world: {"account": "new", "create_deal": "on", "confirm": "on"},
    ),
    Row(
        "leads:convert",
        on("leads:convert", pk="queue_lead"),
        get=MANAGERS,  # a queue lead is claimed before a rep converts it
        post=expect(REDIRECT, owner=403, other_rep=403, outsider=404),
        data=lambda world: {"account": "new", "create_deal": "on", "confirm": "on"},
        variant="queue",
    ),
    Row(
        "leads:bulk_assign",
        on("leads:bulk_assign"),
        get=NOT_ALLOWED,
        # The outsider's form only accepts their own leads: A's ids are refused (a message), nothing changes.
        post=expect(REDIRECT, owner=403, other_rep=403),
        data=lambda world: {
            "leads": [world.a.lead.pk, world.a.queue_lead.pk],
            "lead_owner": world.a.other_rep.pk,
        },
    ),
    action(
        "leads:assign",
        pk="lead",
        post=expect(REDIRECT, owner=403, other_rep=404, outsider=404),
        data=lambda world: {"lead_owner": world.a.other_rep.pk},
    ),
    action("leads:take", pk="queue_lead", post=expect(REDIRECT, outsider=404)),
    action("leads:status", pk="lead", post=OWNED_POST, data=lambda world: {"status": "qualified"}),
    action("leads:stage", pk="lead", post=OWNED_POST, data=lambda world: {"stage": "decision"}),
    Row(
        "leads:merge",
        on("leads:merge", pk="lead", other_pk="queue_lead"),
        get=expect(200, owner=403, other_rep=404, outsider=404),
        post=expect(REDIRECT, owner=403, other_rep=404, outsider=404),
        data=lambda world: {"survivor": "first"},
    ),
    # leads: CSV import and export
    Row(
        "leads:import",
        on("leads:import"),
        get=EVERYONE,
        post=expect(REDIRECT),  # each user's upload becomes an import of their own Company
        data=import_upload_data,
    ),
    Row(
        "leads:import_detail",
        on("leads:import_detail", pk="lead_import"),
        get=OWNED,
        post=OWNED_POST,
        data=import_run_data,
    ),
    action("leads:import_undo", pk="lead_import", post=OWNED_POST),
    Row(
        "leads:import_errors",
        on("leads:import_errors", pk="lead_import"),
        get=OWNED,
        post=NOT_ALLOWED,
    ),
    export("leads:export"),
    # leads and contacts: GDPR
    Row(
        "leads:personal_data",
        on("leads:personal_data", pk="lead"),
        get=OWNED,
        post=NOT_ALLOWED,
    ),
    Row(
        "leads:erase",
        on("leads:erase", pk="lead"),
        get=expect(200, owner=403, other_rep=404, outsider=404),
        post=expect(REDIRECT, owner=403, other_rep=404, outsider=404),
        data=lambda world: {"confirm": "on"},
    ),
    Row("contacts:personal_data", on("contacts:personal_data", pk="contact"), get=SHARED, post=NOT_ALLOWED),
    Row(
        "contacts:erase",
        on("contacts:erase", pk="contact"),
        get=MANAGERS,
        post=expect(REDIRECT, owner=403, other_rep=403, outsider=404),
        data=lambda world: {"confirm": "on"},
    ),
    # accounts
    *crud_rows(
        "accounts",
        "account",
        detail=SHARED,
        edit=SHARED_EDIT,
        edit_post=SHARED_EDIT_POST,
        create_data=(expect(REDIRECT, outsider=200), account_create_data),
        edit_data=account_edit_data,
    ),
    action("accounts:deactivate", pk="account", post=SHARED_EDIT_POST),
    action("accounts:reactivate", pk="inactive_account", post=SHARED_EDIT_POST),
    export("accounts:export"),
    # contacts
    *crud_rows(
        "contacts",
        "contact",
        detail=SHARED,
        edit=SHARED_EDIT,
        edit_post=SHARED_EDIT_POST,
        create_data=(expect(REDIRECT, outsider=200), contact_create_data),
        edit_data=contact_edit_data,
    ),
    action("contacts:make_primary", pk="contact", post=SHARED_EDIT_POST),
    export("contacts:export"),
    # deals
    *crud_rows(
        "deals",
        "deal",
        detail=OWNED,
        edit=OWNED,
        edit_post=OWNED_POST,
        create_data=(expect(REDIRECT, other_rep=200, outsider=200), deal_create_data),
        edit_data=deal_edit_data,
    ),
    action("deals:stage", pk="deal", post=OWNED_POST, data=lambda world: {"stage": "proposal"}),
    action("deals:close_won", pk="deal", post=OWNED_POST),
    action("deals:close_lost", pk="deal", post=OWNED_POST, data=lambda world: {"lost_reason": "Price"}),
    Row("deals:pipeline", on("deals:pipeline"), get=EVERYONE, post=NOT_ALLOWED),
    action("deals:pipeline_move", pk="deal", post=OWNED_POST, data=lambda world: {"stage": "qualification"}),
    Row("deals:forecast", on("deals:forecast"), get=EVERYONE, post=NOT_ALLOWED),
    export("deals:forecast_export"),
    export("deals:export"),
    # activities: seen and changed as the record they are on (A's task is on the rep's deal, for the rep)
    Row("activities:list", on("activities:list"), get=EVERYONE, post=NOT_ALLOWED),
    Row(
        "activities:create",
        lambda world: reverse("activities:create") + f"?deal={world.a.deal.pk}&kind=note",
        get=OWNED,
        post=OWNED_POST,
        data=lambda world: {"body": "Spoke to procurement"},
    ),
    Row("activities:detail", on("activities:detail", pk="extra.activity"), get=OWNED, post=NOT_ALLOWED),
    Row(
        "activities:update",
        on("activities:update", pk="extra.activity"),
        get=OWNED,
        post=OWNED_POST,
        data=lambda world: {"subject": "Send the proposal", "due_at": "2026-12-10T09:00", "owner": world.a.owner.pk},
    ),
    action("activities:done", pk="extra.activity", post=OWNED_POST),
    # the public web-to-lead form: anyone, signed in or not; the lead lands in the form's Company
    Row(
        "web_to_lead",
        lambda world: reverse("web_to_lead", kwargs={"slug": world.a.company.slug}),
        get=expect(200, anonymous=200),
        post=expect(REDIRECT, anonymous=REDIRECT),
        data=web_lead_data,
        public=True,
    ),
    Row(
        "web_to_lead",
        lambda world: reverse("web_to_lead", kwargs={"slug": world.a.company.slug}),
        get=expect(200, anonymous=200),
        post=expect(400, anonymous=400),  # no (or a forged) start token: refused, nothing written
        data=lambda world: {**web_lead_data(world), "started": "forged"},
        public=True,
        variant="forged",
    ),
    # the admin: "view on site", scoped (another Company's record is a 404, like a missing one)
    Row(
        "admin_view_on_site",
        view_on_site,
        get=expect(404, anonymous=LOGIN, admin=REDIRECT),
        post=expect(404, anonymous=LOGIN, admin=REDIRECT),
    ),
    # Django's own "view on site" pattern: shadowed by ours for any text, so "+12" (which int() would read) is a
    # 404 for everyone signed in, never Django's unscoped redirect (it used to leak other Companies' records).
    Row(
        "admin:view_on_site",
        lambda world: view_on_site(world, prefix="+"),
        get=expect(404, anonymous=LOGIN),
        post=expect(404, anonymous=LOGIN),
    ),
    Row(
        "admin:autocomplete",
        lambda world: reverse("admin:autocomplete") + "?app_label=deals&model_name=deal&field_name=account&term=A",
        get=ADMIN_LIST,
        post=expect(LOGIN, admin=405, outsider=405),
    ),
    # the admin pages of our models
    *admin_rows("leads_lead", "lead"),
    simple_history_row("leads_lead", "lead"),
    # Accounts are deactivated, never deleted (the delete action is removed: "no action selected", back to the list).
    *admin_rows(
        "accounts_account", "account", may_delete=False, list_post=expect(LOGIN, admin=REDIRECT, outsider=REDIRECT)
    ),
    simple_history_row("accounts_account", "account"),
    *admin_rows("contacts_contact", "contact"),
    simple_history_row("contacts_contact", "contact"),
    *admin_rows("deals_deal", "deal"),
    simple_history_row("deals_deal", "deal"),
    *admin_rows("activities_activity", "extra.activity"),
    simple_history_row("activities_activity", "extra.activity"),
    *admin_rows("leads_leadimport", "lead_import", may_add=False, may_change=False, may_delete=False),  # a record
    *admin_rows("leads_leadscoremodel", "extra.score_model", may_add=False, may_change=False, may_delete=False),
    *admin_rows("crm_company", "company", may_add=False, may_delete=False),
    *admin_rows("crm_membership", "extra.other_rep_membership", may_add=False, may_delete=False),
    # The log of GDPR erasures: read-only (seen by the company admin, changed by nobody).
    *admin_rows("crm_erasurelog", "extra.erasure_log", may_add=False, may_change=False, may_delete=False),
    *admin_rows("auth_user", "other_rep", may_delete=False),  # users own records: deactivated, not deleted
    Row(
        "admin:auth_user_password_change",
        lambda world: reverse("admin:auth_user_password_change", args=[world.a.other_rep.pk]),
        get=expect(LOGIN, admin=200, outsider=404),
        post=expect(LOGIN, admin=REDIRECT, outsider=404),
        data=lambda world: {"password1": "A-new-pass-word-42", "password2": "A-new-pass-word-42"},
    ),
]


# --- The resolver walk -----------------------------------------------------------------------------------------

# Our apps, whose admin pages are in the grid (with the user admin, which is ours too: crm.admin.CrmUserAdmin).
OUR_ADMIN = re.compile(
    r"^admin:((crm|accounts|contacts|deals|leads|activities)_\w+|auth_user_\w+|autocomplete|view_on_site)$"
)


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """Every URL pattern: (name with its namespaces, or the route when unnamed; the full route)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or route}", route


def routes_needing_a_row() -> dict[str, str]:
    """Every route of the project, less the Django admin's own pages (index, login, password change, jsi18n,
    the pages of Django's and django-axes' models); the admin pages of our models stay in."""
    needed = {}
    for name, route in walk():
        if route.startswith("admin/") and name.startswith("admin:") and not OUR_ADMIN.match(name):
            continue
        needed[name] = route
    return needed


CASES = [pytest.param(row, method, id=f"{row.id}-{method}") for row in ROWS for method in ("GET", "POST")]
GRID_SIZE = {
    "routes": len({row.name for row in ROWS}),
    "rows": len(ROWS),
    "cases": len(CASES) * len(ROLES),  # one case per row, method and role
}


class TestRouteCoverage:
    def test_every_route_has_a_row(self):
        names_in_grid = {row.name for row in ROWS}

        missing = {name: route for name, route in routes_needing_a_row().items() if name not in names_in_grid}

        assert not missing, f"routes without a row in the access grid (add one to ROWS): {missing}"

    def test_every_row_names_a_route_that_exists(self):
        routes = routes_needing_a_row()

        stale = sorted({row.name for row in ROWS} - set(routes))

        assert not stale, f"rows of the access grid for routes that do not exist (renamed? removed?): {stale}"

    def test_the_grid_covers_the_admin_pages_of_every_model_of_ours(self):
        admin_names = {name for name in routes_needing_a_row() if name.startswith("admin:")}

        assert {"admin:leads_lead_changelist", "admin:leads_lead_change", "admin:auth_user_change"} <= admin_names
        assert "admin:index" not in admin_names

    def test_grid_size_is_reported(self):
        print(f"\naccess grid: {GRID_SIZE}")

        assert GRID_SIZE["cases"] == GRID_SIZE["rows"] * 2 * len(ROLES)
        assert GRID_SIZE["routes"] >= 40


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_setup, django_db_blocker)


@pytest.fixture(scope="module")
def browser():
    return Client(raise_request_exception=False)


def outcome(response) -> object:
    """The response as the grid names it."""
    if response.status_code in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        if path in (reverse("login"), reverse("admin:login")):
            return LOGIN
        if path == reverse("admin:index"):
            return ADMIN_GONE
        return REDIRECT
    return response.status_code


def check(client: Client, row: Row, method: str, role: str, world: World, before: dict) -> list[str]:
    """Request `row` as `role` and return what differs from the grid (status, or rows written where not allowed)."""
    cache.clear()  # rate limits (the web-to-lead form) count per test, not per module
    sign_in(client, world, role)
    url = row.url(world)

    with RequestErrors() as errors:
        response = client.get(url) if method == "GET" else client.post(url, row.data(world))
        if response.streaming:  # read the whole download (a CSV export), as a browser would
            b"".join(response.streaming_content)

    expected = (row.get if method == "GET" else row.post)[role]
    got = outcome(response)
    problems = []
    if got != expected:
        where = f" -> {response['Location']}" if response.has_header("Location") else ""
        problems.append(f"{method} {url} as {role}: expected {expected}, got {response.status_code}{where} {errors}")
    # Who may write: an accepted POST (a redirect), into the actor's own Company (the form's, for the public form).
    writable = set()
    if method == "POST" and got == REDIRECT:
        own = world.a if row.public else world.side_of(role)
        writable = {own.company.pk} if own is not None else set()
    after = snapshot(world.a.company, world.b.company)
    for side in (world.a, world.b):
        pk = side.company.pk
        if pk not in writable and before[pk] != after[pk]:
            problems.append(
                f"{method} {url} as {role} ({got}) changed {side.company}: {changed_tables(before[pk], after[pk])}"
            )
    return problems


class TestAccessGrid:
    @pytest.mark.parametrize(("row", "method"), CASES)
    def test_route_answers_each_role_as_the_grid_says_and_writes_only_where_allowed(self, world, browser, row, method):
        before = snapshot(world.a.company, world.b.company)
        problems = []

        for role in ROLES:
            with transaction.atomic():  # each role meets the world as built
                problems += check(browser, row, method, role, world, before)
                transaction.set_rollback(True)

        assert not problems, "\n".join(problems)
