"""The role rules of DESIGN.md as a grid: who sees (`visible_to`) and who edits (`editable_by`, `can_edit`) what.

Each model gets four records: one owned by `rep`, one owned by `other_rep`, one without an owner, all in
`company`, and one in `other_company` (owned by that company's manager, `outsider`).
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Account
from contacts.models import Contact
from deals.models import Deal
from leads.models import Lead

from .factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, UserFactory

RECORDS = ("rep_owned", "other_rep_owned", "unowned", "other_company")
COMPANY_RECORDS = {"rep_owned", "other_rep_owned", "unowned"}

MODELS = {
    "lead": (Lead, LeadFactory, "lead_owner"),
    "deal": (Deal, DealFactory, "owner"),
    "account": (Account, AccountFactory, "account_owner"),
    "contact": (Contact, ContactFactory, "owner"),
}

NOTHING = (set(), set())
EVERYTHING_HERE = (COMPANY_RECORDS, COMPANY_RECORDS)
ONLY_THEIRS = ({"other_company"}, {"other_company"})

# viewer -> model -> (visible records, editable records)
GRID = {
    "rep": {
        "lead": ({"rep_owned", "unowned"}, {"rep_owned", "unowned"}),  # own leads and the queue
        "deal": ({"rep_owned"}, {"rep_owned"}),
        "account": (COMPANY_RECORDS, {"rep_owned"}),
        "contact": (COMPANY_RECORDS, {"rep_owned"}),
    },
    "other_rep": {
        "lead": ({"other_rep_owned", "unowned"}, {"other_rep_owned", "unowned"}),
        "deal": ({"other_rep_owned"}, {"other_rep_owned"}),
        "account": (COMPANY_RECORDS, {"other_rep_owned"}),
        "contact": (COMPANY_RECORDS, {"other_rep_owned"}),
    },
    "manager": dict.fromkeys(MODELS, EVERYTHING_HERE),
    "admin_user": dict.fromkeys(MODELS, EVERYTHING_HERE),
    "outsider": dict.fromkeys(MODELS, ONLY_THEIRS),  # a manager of the other company
    "anonymous": dict.fromkeys(MODELS, NOTHING),
    "user_without_membership": dict.fromkeys(MODELS, NOTHING),
    "superuser": dict.fromkeys(MODELS, NOTHING),  # the app's pages are per company; the admin is separate
}

GRID_CASES = [pytest.param(viewer, model_name, id=f"{viewer}-{model_name}") for viewer in GRID for model_name in MODELS]


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def user_without_membership(db):
    return UserFactory(username="drifter")


@pytest.fixture
def records(company, other_company, rep, other_rep, outsider):
    """model name -> record name -> record."""
    owners = {"rep_owned": (company, rep), "other_rep_owned": (company, other_rep), "unowned": (company, None)}
    owners["other_company"] = (other_company, outsider)
    return {
        model_name: {
            record: factory(company=record_company, **{owner_field: owner})
            for record, (record_company, owner) in owners.items()
        }
        for model_name, (_model, factory, owner_field) in MODELS.items()
    }


def _names(queryset, records_of_model) -> set[str]:
    """The grid names of the records in `queryset` (factories also make related records: those are ignored)."""
    by_pk = {record.pk: name for name, record in records_of_model.items()}
    return {by_pk[pk] for pk in queryset.filter(pk__in=by_pk).values_list("pk", flat=True)}


@pytest.mark.django_db
class TestAccessGrid:
    @pytest.mark.parametrize(("viewer", "model_name"), GRID_CASES)
    def test_visible_to_returns_what_the_role_may_see(self, request, records, viewer, model_name):
        user = request.getfixturevalue(viewer)
        model = MODELS[model_name][0]

        visible = _names(model.objects.visible_to(user), records[model_name])

        assert visible == GRID[viewer][model_name][0]

    @pytest.mark.parametrize(("viewer", "model_name"), GRID_CASES)
    def test_editable_by_returns_what_the_role_may_change(self, request, records, viewer, model_name):
        user = request.getfixturevalue(viewer)
        model = MODELS[model_name][0]

        editable = _names(model.objects.editable_by(user), records[model_name])

        assert editable == GRID[viewer][model_name][1]

    @pytest.mark.parametrize(("viewer", "model_name"), GRID_CASES)
    def test_can_edit_agrees_with_editable_by_for_every_record(self, request, records, viewer, model_name):
        user = request.getfixturevalue(viewer)
        model = MODELS[model_name][0]
        editable = _names(model.objects.editable_by(user), records[model_name])

        can_edit = {name: record.can_edit(user) for name, record in records[model_name].items()}

        assert can_edit == {name: name in editable for name in RECORDS}
        assert can_edit == {name: name in GRID[viewer][model_name][1] for name in RECORDS}

    @pytest.mark.parametrize(("viewer", "model_name"), GRID_CASES)
    def test_whatever_a_user_may_edit_they_may_also_see(self, request, records, viewer, model_name):
        user = request.getfixturevalue(viewer)
        model = MODELS[model_name][0]

        editable = _names(model.objects.editable_by(user), records[model_name])
        visible = _names(model.objects.visible_to(user), records[model_name])

        assert editable <= visible


@pytest.mark.django_db
class TestAccessEdgeCases:
    def test_the_rep_queue_excludes_unowned_leads_of_another_company(self, rep, other_company):
        LeadFactory(company=other_company, lead_owner=None)

        assert not Lead.objects.visible_to(rep).exists()

    def test_can_edit_is_decided_without_a_query(self, rep, company, django_assert_num_queries):
        lead = LeadFactory(company=company, lead_owner=rep)
        rep.membership  # noqa: B018 - load the membership once, as the request does

        with django_assert_num_queries(0):
            assert lead.can_edit(rep)

    def test_a_rep_promoted_to_manager_sees_everything_at_once(self, rep, other_rep, company):
        LeadFactory(company=company, lead_owner=other_rep)
        rep.membership.role = "manager"
        rep.membership.save()

        assert Lead.objects.visible_to(rep).count() == 1
