"""Shared by the trust tests (issue 8): a world of two Companies, the roles that look at it, snapshots of what a
Company holds, and what a browser would post back for a form.

The world: Company A is the one every route is pointed at; Company B is "the other Company", with the same set of
records. Each side has one record of each kind a route can take (a lead owned by the rep, a queue lead, a
converted lead, an active and an inactive account, a contact, a deal, a lead import...). The roles:

- anonymous: not signed in;
- owner: the rep of A who owns A's lead, deal, account, contact and import;
- other_rep: another rep of A (owns nothing of the above);
- manager: A's sales manager;
- admin: A's company admin (role admin, staff: may use the Django admin);
- outsider: the company admin of B (staff): the most a user of another Company can be.

`world_fixture()` builds the world once per test module inside a transaction that is rolled back at the end;
each test runs in a savepoint of its own (pytest-django's `db`), so a test that converts, deletes or edits leaves
the next one the world as built.
"""

from __future__ import annotations

import html.parser
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Account
from activities.models import Activity
from contacts.models import Contact
from crm.models import Company, Membership, Role
from deals.models import Deal, DealStage
from leads.conversion.service import lead_convert
from leads.importing.models import LeadImport
from leads.importing.service import import_upload
from leads.models import Lead, LeadScoreModel, LeadStatus
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    member,
)

User = get_user_model()

ROLES = ("anonymous", "owner", "other_rep", "manager", "admin", "outsider")
COMPANY_A_ROLES = ("owner", "other_rep", "manager", "admin")


def _optional_model(label: str):
    """A model another part of issue 8 adds (None until it exists): the world and the snapshots include it."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


ErasureLog = _optional_model("crm.ErasureLog")

# Every model whose rows belong to a Company: what a snapshot compares.
TENANT_MODELS = tuple(
    model for model in (Lead, Account, Contact, Deal, Activity, LeadImport, ErasureLog) if model is not None
)


@dataclass
class Side:
    """One Company and one record of each kind (the owner's, unless said otherwise)."""

    company: Company
    owner: User
    other_rep: User
    manager: User
    admin: User
    lead: Lead  # open (contacted), owned by the rep
    queue_lead: Lead  # open, unowned: the queue
    converted_lead: Lead  # converted onto `account` (read-only), with its contact and deal
    account: Account  # active, owned by the rep
    inactive_account: Account
    contact: Contact  # on `account`, owned by the rep, not primary
    deal: Deal  # open (prospecting), on `account`, owned by the rep
    lead_import: LeadImport  # pending (uploaded, not run), by the rep
    extra: dict = field(default_factory=dict)

    @property
    def users(self):
        return (self.owner, self.other_rep, self.manager, self.admin)


@dataclass
class World:
    a: Side
    b: Side
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key

    def user(self, role: str):
        """The user of `role` (None for anonymous). The outsider is B's company admin."""
        if role == "anonymous":
            return None
        if role == "outsider":
            return self.b.admin
        return getattr(self.a, role)

    def side_of(self, role: str) -> Side | None:
        if role == "anonymous":
            return None
        return self.b if role == "outsider" else self.a

    def other_side(self, role: str) -> Side | None:
        """The Company `role` does not belong to (None for anonymous, who belongs to none)."""
        if role == "anonymous":
            return None
        return self.a if role == "outsider" else self.b


IMPORT_CSV = b"first_name,last_name,email,campaign\nImported,Person,imported.person@example.org,spring\n"


def build_side(key: str, **text) -> Side:
    """One Company with its users and records. `text` overrides text fields of every record (marker tests)."""
    company = CompanyFactory(name=f"Company {key.upper()}", slug=f"grid-{key}")
    users = {
        role: member(
            company,
            membership_role,
            username=f"{key}-{role}",
            first_name=f"{key.upper()} {role.replace('_', ' ')}",
            last_name="Tester",
            password=None,  # an unusable password: no hashing cost; the tests sign in with force_login
            is_staff=role == "admin",
        )
        for role, membership_role in (
            ("owner", Role.REP),
            ("other_rep", Role.REP),
            ("manager", Role.MANAGER),
            ("admin", Role.ADMIN),
        )
    }
    owner = users["owner"]
    account = AccountFactory(company=company, account_owner=owner, created_by=owner, name=f"{key.upper()} Account")
    inactive_account = AccountFactory(
        company=company, account_owner=owner, name=f"{key.upper()} Old Account", is_active=False
    )
    contact = ContactFactory(company=company, account=account, owner=owner, created_by=owner)
    deal = DealFactory(
        company=company, account=account, primary_contact=contact, owner=owner, created_by=owner, name=f"{key} deal"
    )
    lead = LeadFactory(company=company, lead_owner=owner, created_by=owner, status=LeadStatus.CONTACTED)
    queue_lead = LeadFactory(company=company, lead_owner=None, status=LeadStatus.NEW)
    to_convert = LeadFactory(company=company, lead_owner=owner, status=LeadStatus.QUALIFIED)
    lead_convert(lead=to_convert, by=users["manager"], account=account)
    to_convert.refresh_from_db()
    lead_import = import_upload(
        company=company,
        user=owner,
        uploaded_file=SimpleUploadedFile("leads.csv", IMPORT_CSV, content_type="text/csv"),
        file_name="leads.csv",
    )
    extra = {
        "score_model": LeadScoreModel.objects.create(company=company, version=1, n_samples=40, n_positive=12),
        "other_rep_membership": Membership.objects.get(user=users["other_rep"]),
        # A task on the rep's deal, for the rep: seen and changed as the deal is.
        "activity": ActivityFactory(
            company=company, lead=None, deal=deal, kind="task", owner=owner, subject=f"{key} task"
        ),
    }
    if ErasureLog is not None:
        extra["erasure_log"] = ErasureLog.objects.create(
            company=company,
            content_type=ContentType.objects.get_for_model(Lead),
            object_id=queue_lead.pk,
            fields=["email", "phone"],
            erased_by=users["manager"],
        )
    return Side(
        company=company,
        owner=owner,
        other_rep=users["other_rep"],
        manager=users["manager"],
        admin=users["admin"],
        lead=lead,
        queue_lead=queue_lead,
        converted_lead=to_convert,
        account=account,
        inactive_account=inactive_account,
        contact=contact,
        deal=deal,
        lead_import=lead_import,
        extra=extra,
    )


def build_world() -> World:
    return World(a=build_side("a"), b=build_side("b"))


def world_fixture(django_db_setup, django_db_blocker, builder=build_world):
    """A generator for a module-scoped fixture: the world, built once with a signed-in session per role, rolled
    back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = builder()
        for role in ROLES:
            user = world.user(role)
            if user is not None:
                client = Client()
                client.force_login(user)
                world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield world
        transaction.set_rollback(True)


def sign_in(client: Client, world: World, role: str) -> Client:
    """Make `client` the browser of `role`: the role's session (opened with the world), or none at all.
    One client per module: creating a client loads the middleware, and WhiteNoise then indexes every static file."""
    client.cookies = SimpleCookie()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (web-to-lead form) and throttles live in the cache: each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


class RequestErrors:
    """Collects the exceptions raised inside views (the test client, told not to raise them, answers 500)."""

    def __init__(self):
        self.tracebacks: list[str] = []

    def __enter__(self):
        got_request_exception.connect(self.receive)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self.receive)

    def receive(self, sender, request=None, **kwargs):
        where = request.get_full_path()
        where = where if len(where) <= 200 else f"{where[:200]}...({len(where)} characters)"
        self.tracebacks.append(f"{request.method} {where}:\n{traceback.format_exc()}")

    def __str__(self):
        return "\n".join(self.tracebacks)


# --- Snapshots ---------------------------------------------------------------------------------------------------


def _snapshot_queries() -> list[tuple[str, str, str]]:
    """(table label, SQL, the column naming the Company) for every table a snapshot reads: plain SQL, since a
    snapshot runs before and after every request of the grid and the ORM's query building would dominate."""
    quote = connection.ops.quote_name
    queries = []
    for model in (*TENANT_MODELS, Membership):
        table = quote(model._meta.db_table)
        queries.append((model._meta.label, f"SELECT * FROM {table} WHERE company_id IN %s ORDER BY id", "company_id"))  # noqa: S608
    company_table = quote(Company._meta.db_table)
    queries.append(("crm.Company", f"SELECT * FROM {company_table} WHERE id IN %s ORDER BY id", "id"))  # noqa: S608
    user_columns = ", ".join(f"u.{quote(name)}" for name in USER_FIELDS_COMPARED)
    queries.append(
        (
            "auth.User",
            f"SELECT {user_columns}, m.company_id AS company_of_user FROM {quote(User._meta.db_table)} u "  # noqa: S608
            f"JOIN {quote(Membership._meta.db_table)} m ON m.user_id = u.id WHERE m.company_id IN %s ORDER BY u.id",
            "company_of_user",
        )
    )
    return queries


def snapshot(*companies: Company) -> dict[int, dict]:
    """Every stored value of what each Company holds: its records (leads, accounts, contacts, deals, imports),
    its memberships and users, its own row. {company pk: {table: [row dicts]}}; one query per table."""
    ids = tuple(company.pk for company in companies)
    state = {pk: {} for pk in ids}
    with connection.cursor() as cursor:
        for label, sql, company_column in _snapshot_queries():
            for pk in ids:
                state[pk][label] = []
            cursor.execute(sql.replace("IN %s", "IN (" + ", ".join(["%s"] * len(ids)) + ")"), ids)
            columns = [column[0] for column in cursor.description]
            for values in cursor.fetchall():
                row = {
                    column: bytes(value) if isinstance(value, memoryview) else value
                    for column, value in zip(columns, values, strict=True)
                }
                state[row[company_column]][label].append(row)
    return state


# last_login moves when a test signs a user in: everything else about a user must stay put.
USER_FIELDS_COMPARED = (
    "id",
    "username",
    "password",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
)


def changed_tables(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ, with the first differing row: a readable assertion message."""
    changes = []
    for table in before:
        if before[table] != after[table]:
            old = {row.get("id"): row for row in before[table]}
            new = {row.get("id"): row for row in after[table]}
            added = sorted(set(new) - set(old))
            removed = sorted(set(old) - set(new))
            edited = {
                pk: {k: (old[pk][k], new[pk][k]) for k in old[pk] if old[pk][k] != new[pk][k]}
                for pk in set(old) & set(new)
                if old[pk] != new[pk]
            }
            changes.append(f"{table}: added {added}, removed {removed}, changed {edited}")
    return changes


# --- Forms as a browser posts them ---------------------------------------------------------------------------


def form_data(form, **changes) -> dict:
    """What a browser posts back for `form` as rendered (its initial values, hidden fields included), with
    `changes` on top."""
    data = {}
    for name, form_field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(form_field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        elif isinstance(value, date):
            data[key] = value.isoformat()
        else:
            data[key] = str(value)
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


class FormFields(html.parser.HTMLParser):
    """The forms of an HTML page: for each, its method, action and the names (and values) of its fields.

    `forms` is a list of dicts {"method", "action", "fields": {name: [values]}, "names": [names in order],
    "choices": {name: [option values]}}.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "fields": {},
                "names": [],
                "choices": {},
                "types": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            self._add_name(name, kind)
            if kind in ("submit", "image"):
                self._form["choices"].setdefault(name, []).append(attrs.get("value") or "")
            elif kind in ("checkbox", "radio"):
                self._form["choices"].setdefault(name, []).append(attrs.get("value") or "on")
                if "checked" in attrs:
                    self._form["fields"].setdefault(name, []).append(attrs.get("value") or "on")
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self._form["fields"].setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "button" and name:  # sent only when it is the button clicked: an option, not a value
            self._add_name(name, "submit")
            self._form["choices"].setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._add_name(name, "select-multiple" if "multiple" in attrs else "select")
            self._select = name
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self._form["choices"].setdefault(self._select, []).append(value)
            if "selected" in attrs:
                self._form["fields"].setdefault(self._select, []).append(value)
        elif tag == "textarea" and name:
            self._add_name(name, "textarea")
            self._textarea = name
            self._form["fields"].setdefault(name, []).append("")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _add_name(self, name, kind):
        if name not in self._form["types"]:
            self._form["names"].append(name)
            self._form["types"][name] = kind


def page_forms(html_text: str) -> list[dict]:
    parser = FormFields()
    parser.feed(html_text)
    return parser.forms


def main_post_form(html_text: str, *, path: str) -> dict:
    """The page's own POST form: posted to the page itself (no action, or the page's path), the one with most
    fields (not the logout form of the navigation)."""
    candidates = [
        form
        for form in page_forms(html_text)
        if form["method"] == "post" and form["action"].split("?")[0] in ("", path, ".")
    ]
    assert candidates, f"no POST form on {path}"
    return max(candidates, key=lambda form: len(form["names"]))


def browser_data(form: dict) -> dict:
    """What a browser sends for a parsed form as it is (a select without a selected option sends its first)."""
    data = {}
    for name in form["names"]:
        if form["types"][name] == "submit":
            continue
        values = form["fields"].get(name)
        if values is None and form["types"][name] == "select" and form["choices"].get(name):
            values = form["choices"][name][:1]
        if values:
            data[name] = values if len(values) > 1 else values[0]
    return data


# --- Small helpers for records -------------------------------------------------------------------------------


def future(days: int = 30) -> date:
    return timezone.localdate() + timedelta(days=days)


def money(value: str) -> Decimal:
    return Decimal(value)


__all__ = [
    "COMPANY_A_ROLES",
    "ROLES",
    "DealStage",
    "Side",
    "World",
    "browser_data",
    "build_world",
    "changed_tables",
    "form_data",
    "main_post_form",
    "money",
    "page_forms",
    "snapshot",
    "world_fixture",
]
