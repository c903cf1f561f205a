import pytest

from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def account(company, manager):
    """An active account of Acme Sales owned by the manager."""
    return AccountFactory(company=company, account_owner=manager, name="Initech", gstin="")


@pytest.fixture
def contact(company, account, rep):
    """A contact owned by `rep` on an account the rep does not own."""
    return ContactFactory(company=company, account=account, owner=rep, first_name="Peter", last_name="Gibbons")


@pytest.fixture
def primary_contact(company, account, other_rep):
    contact = ContactFactory(company=company, account=account, owner=other_rep, first_name="Bill", last_name="Lumbergh")
    contact.make_primary()
    return contact


@pytest.fixture
def as_user(client, request):
    """`as_user("manager")`: the test client signed in as the user of that fixture."""

    def sign_in(fixture_name):
        user = request.getfixturevalue(fixture_name)
        client.force_login(user)
        return client

    return sign_in
