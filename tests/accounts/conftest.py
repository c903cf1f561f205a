import pytest

from tests.factories import AccountFactory


@pytest.fixture
def account(company, rep):
    """An active account of Acme Sales owned by `rep`."""
    return AccountFactory(company=company, account_owner=rep, name="Initech", gstin="")


@pytest.fixture
def inactive_account(company, rep):
    account = AccountFactory(company=company, account_owner=rep, name="Vandelay Industries", gstin="")
    account.deactivate()
    return account


@pytest.fixture
def as_user(client, request):
    """`as_user("manager")`: the test client signed in as the user of that fixture."""

    def sign_in(fixture_name):
        user = request.getfixturevalue(fixture_name)
        client.force_login(user)
        return client

    return sign_in
