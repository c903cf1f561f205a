import pytest

from tests.factories import AccountFactory, ContactFactory, DealFactory


@pytest.fixture
def account(company):
    return AccountFactory(company=company, name="Initech")


@pytest.fixture
def contact(account):
    return ContactFactory(company=account.company, account=account, first_name="Peter", last_name="Gibbons")


@pytest.fixture
def deal(company, account, contact, rep):
    """A Prospecting deal owned by `rep`."""
    return DealFactory(company=company, account=account, primary_contact=contact, owner=rep, name="Initech renewal")


@pytest.fixture
def other_company_deal(other_company, outsider):
    return DealFactory(company=other_company, owner=outsider, name="Globex expansion")
