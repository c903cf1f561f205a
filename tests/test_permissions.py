"""crm.permissions: one grid per predicate, across the six roles of the trust grid (tests/trust/grid.py).

Each role looks at four records of each kind, named from the role's side:
- own: owned by the user (for anonymous: by company A's rep);
- colleague: owned by another user of the user's Company;
- unowned: no owner, in the user's Company;
- other: owned by a rep of the other Company.
The outsider is company B's admin: from where they stand, A is "the other Company".
An expected answer is four letters, one per record in that order: Y (allowed) or n (refused).
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.models import Role
from deals.models import Deal
from leads.importing.models import LeadImport
from leads.models import Lead, LeadStatus

from .factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, member

ROLES = ("anonymous", "owner", "other_rep", "manager", "admin", "outsider")
KINDS = ("own", "colleague", "unowned", "other")
MANAGERS = ("manager", "admin", "outsider")


@pytest.fixture
def people(company, other_company, rep, other_rep, manager, admin_user, outsider):
    return {
        "anonymous": AnonymousUser(),
        "owner": rep,
        "other_rep": other_rep,
        "manager": manager,
        "admin": admin_user,
        "outsider": outsider,
        "a_rep": rep,
        "b_rep": member(other_company, Role.REP, username="b-rep"),
    }


def owners_for(role: str, people) -> dict:
    """(company, owner) of each kind of record, seen from `role`."""
    a, b = people["owner"].membership.company, people["outsider"].membership.company
    if role == "outsider":
        home, other, colleague, other_owner = b, a, people["b_rep"], people["a_rep"]
    else:
        home, other, other_owner = a, b, people["b_rep"]
        colleague = people["other_rep"] if role == "owner" else people["owner"]
    own = people["a_rep"] if role == "anonymous" else people[role]
    return {"own": (home, own), "colleague": (home, colleague), "unowned": (home, None), "other": (other, other_owner)}


def make(model, company, owner):
    if model is Lead:
        return LeadFactory(company=company, lead_owner=owner, status=LeadStatus.QUALIFIED)
    if model is Deal:
        return DealFactory(company=company, owner=owner)
    if model is Account:
        return AccountFactory(company=company, account_owner=owner)
    if model is Contact:
        account = AccountFactory(company=company, account_owner=owner)
        return ContactFactory(company=company, account=account, owner=owner)
    raise AssertionError(model)


def answers(predicate, model, role, people) -> str:
    user = people[role]
    records = {kind: make(model, *owner) for kind, owner in owners_for(role, people).items()}
    return "".join("Y" if predicate(user, records[kind]) else "n" for kind in KINDS)


def grid(table: dict) -> list:
    """{model: {role: expected}} -> parametrize rows; a role left out answers like a manager ("YYYn")."""
    rows = []
    for model, expected in table.items():
        for role in ROLES:
            default = "nnnn" if role == "anonymous" else "YYYn"
            rows.append(pytest.param(model, role, expected.get(role, default), id=f"{model.__name__}-{role}"))
    return rows


class TestCanView:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid(
            {
                Lead: {"owner": "YnYn", "other_rep": "YnYn"},  # the queue, not a colleague's lead
                Deal: {"owner": "Ynnn", "other_rep": "Ynnn"},
                Account: {"owner": "YYYn", "other_rep": "YYYn"},  # reps see every account and contact
                Contact: {"owner": "YYYn", "other_rep": "YYYn"},
            }
        ),
    )
    def test_who_sees_which_record(self, people, model, role, expected):
        assert answers(permissions.can_view, model, role, people) == expected

    @pytest.mark.parametrize(
        ("model", "role"), [(model, role) for model in (Lead, Deal, Account, Contact) for role in ROLES]
    )
    def test_it_answers_like_visible_to(self, people, model, role):
        user = people[role]
        records = [make(model, *owner) for owner in owners_for(role, people).values()]
        visible = set(model.objects.visible_to(user).values_list("pk", flat=True))

        assert [permissions.can_view(user, record) for record in records] == [r.pk in visible for r in records]

    def test_no_record_is_never_viewable(self, manager):
        assert permissions.can_view(manager, None) is False


class TestCanEdit:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid(
            {
                Lead: {"owner": "YnYn", "other_rep": "YnYn"},
                Deal: {"owner": "Ynnn", "other_rep": "Ynnn"},
                Account: {"owner": "Ynnn", "other_rep": "Ynnn"},
                Contact: {"owner": "Ynnn", "other_rep": "Ynnn"},
            }
        ),
    )
    def test_who_changes_which_record(self, people, model, role, expected):
        assert answers(permissions.can_edit, model, role, people) == expected

    @pytest.mark.parametrize(
        ("model", "role"), [(model, role) for model in (Lead, Deal, Account, Contact) for role in ROLES]
    )
    def test_it_answers_like_editable_by(self, people, model, role):
        user = people[role]
        records = [make(model, *owner) for owner in owners_for(role, people).values()]
        editable = set(model.objects.editable_by(user).values_list("pk", flat=True))

        assert [permissions.can_edit(user, record) for record in records] == [r.pk in editable for r in records]


class TestCanAssign:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid(
            {
                Lead: {"owner": "nnnn", "other_rep": "nnnn"},  # managers assign leads
                Deal: {"owner": "nnnn", "other_rep": "nnnn"},
                Account: {"owner": "Ynnn", "other_rep": "Ynnn"},  # a rep hands their own account on
                Contact: {"owner": "Ynnn", "other_rep": "Ynnn"},
            }
        ),
    )
    def test_who_gives_which_record_to_another_owner(self, people, model, role, expected):
        assert answers(permissions.can_assign, model, role, people) == expected

    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        [
            pytest.param(model, role, role in MANAGERS or (model in (Account, Contact) and role != "anonymous"))
            for model in (Lead, Deal, Account, Contact)
            for role in ROLES
        ],
    )
    def test_who_assigns_records_of_a_kind(self, people, model, role, expected):
        assert permissions.can_assign(people[role], model) is expected


class TestCanTake:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid(
            {
                Lead: {"owner": "YYYn", "other_rep": "YYYn"},  # whether it is still unowned is the service's check
                Deal: {"owner": "nnnn", "other_rep": "nnnn"},
            }
        ),
    )
    def test_who_takes_a_record(self, people, model, role, expected):
        assert answers(permissions.can_take, model, role, people) == expected


class TestCanConvert:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid({Lead: {"owner": "Ynnn", "other_rep": "Ynnn"}}),  # a queue lead is taken before it is converted
    )
    def test_who_converts_which_lead(self, people, model, role, expected):
        assert answers(permissions.can_convert, model, role, people) == expected

    def test_a_superuser_without_a_company_does_not_convert(self, company, superuser, rep):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED)

        assert permissions.can_convert(superuser, lead) is False


class TestCanMerge:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid({Lead: {"owner": "nnnn", "other_rep": "nnnn"}}),
    )
    def test_who_merges_which_lead(self, people, model, role, expected):
        assert answers(permissions.can_merge, model, role, people) == expected

    def test_two_leads_of_different_companies_are_never_merged(self, company, other_company, manager):
        lead, other_company_lead = LeadFactory(company=company), LeadFactory(company=other_company)

        assert permissions.can_merge(manager, lead, LeadFactory(company=company))
        assert not permissions.can_merge(manager, lead, other_company_lead)


class TestCanErase:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid({Lead: {"owner": "nnnn", "other_rep": "nnnn"}, Contact: {"owner": "nnnn", "other_rep": "nnnn"}}),
    )
    def test_who_erases_personal_data(self, people, model, role, expected):
        assert answers(permissions.can_erase, model, role, people) == expected


class TestCanMakePrimary:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        grid({Contact: {"owner": "Ynnn", "other_rep": "Ynnn"}}),  # the contact and its account share the owner
    )
    def test_who_changes_an_accounts_primary_contact(self, people, model, role, expected):
        assert answers(permissions.can_make_primary, model, role, people) == expected

    def test_the_accounts_owner_may_too(self, company, rep, other_rep):
        contact = ContactFactory(company=company, owner=other_rep, account__account_owner=rep)

        assert permissions.can_make_primary(rep, contact)


class TestCanSeeAllOwners:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        [
            pytest.param(model, role, role in MANAGERS or (model in (Account, Contact) and role != "anonymous"))
            for model in (Lead, Deal, Account, Contact)
            for role in ROLES
        ],
    )
    def test_managers_see_every_owner_and_reps_only_where_they_see_everything(self, people, model, role, expected):
        assert permissions.can_see_all_owners(people[role], model) is expected


class TestOwnerChoices:
    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        [
            pytest.param(
                model,
                role,
                "nobody"
                if role == "anonymous"
                else "company"
                if role in MANAGERS or model in (Account, Contact)
                else "self",
            )
            for model in (Lead, Deal, Account, Contact)
            for role in ROLES
        ],
    )
    def test_assignable_owners(self, people, model, role, expected):
        user = people[role]

        owners = set(permissions.assignable_owners(user, model))

        if expected == "nobody":
            assert owners == set()
        elif expected == "self":
            assert owners == {user}
        else:
            company = user.membership.company
            assert owners == {p for p in people.values() if getattr(p, "pk", None) and p.membership.company == company}

    @pytest.mark.parametrize(
        ("model", "role", "expected"),
        [
            pytest.param(model, role, role in MANAGERS or (model is not Deal and role != "anonymous"))
            for model in (Lead, Deal, Account, Contact)
            for role in ROLES
        ],
    )
    def test_who_may_leave_a_record_unowned(self, people, model, role, expected):
        assert permissions.may_leave_unowned(people[role], model) is expected

    @pytest.mark.parametrize(
        ("role", "expected"),
        [("owner", "YnY"), ("other_rep", "YnY"), ("manager", "YYY"), ("admin", "YYY"), ("outsider", "YYY")],
    )
    def test_who_the_importer_lets_a_user_import_leads_for(self, people, role, expected):
        user = people[role]
        colleague = people["other_rep"] if role == "owner" else people["owner"]

        got = [permissions.can_own(user, owner_id, Lead) for owner_id in (user.pk, colleague.pk, None)]

        assert "".join("Y" if answer else "n" for answer in got) == expected


class TestImports:
    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("anonymous", "nnn"),
            ("owner", "Ynn"),
            ("other_rep", "Ynn"),
            ("manager", "YYn"),
            ("admin", "YYn"),
            ("outsider", "YYn"),
        ],
    )
    def test_who_undoes_which_import(self, people, role, expected):
        user = people[role]
        owners = owners_for(role, people)
        imports = [
            LeadImport.objects.create(company=company, created_by=owner, file_name="a.csv", header=["email"])
            for company, owner in (owners["own"], owners["colleague"], owners["other"])
        ]

        got = "".join("Y" if permissions.can_edit(user, lead_import) else "n" for lead_import in imports)

        assert got == expected


class TestRequire:
    def test_a_refusal_is_permission_denied_with_its_message(self):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied, match="Only managers"):
            permissions.require(False, "Only managers assign leads.")
        permissions.require(True, "never raised")
