import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, AccountType
from accounts.services import account_create, account_deactivate, account_reactivate


@pytest.mark.django_db
class TestAccountDeactivate:
    def test_it_deactivates_and_stamps_the_time(self, account, manager):
        result = account_deactivate(account=account, by=manager)

        account.refresh_from_db()
        assert not account.is_active
        assert account.deactivated_at is not None
        assert result.pk == account.pk

    def test_an_inactive_account_is_a_validation_error(self, inactive_account, manager):
        with pytest.raises(ValidationError, match="already inactive"):
            account_deactivate(account=inactive_account, by=manager)

    def test_it_reads_the_current_state_not_a_stale_copy(self, account, manager):
        stale_copy = type(account).objects.get(pk=account.pk)
        account_deactivate(account=account, by=manager)

        with pytest.raises(ValidationError):
            account_deactivate(account=stale_copy, by=manager)


@pytest.mark.django_db
class TestAccountReactivate:
    def test_it_reactivates_and_clears_the_time(self, inactive_account, manager):
        account_reactivate(account=inactive_account, by=manager)

        inactive_account.refresh_from_db()
        assert inactive_account.is_active
        assert inactive_account.deactivated_at is None

    def test_an_active_account_is_a_validation_error(self, account, manager):
        with pytest.raises(ValidationError, match="already active"):
            account_reactivate(account=account, by=manager)


@pytest.mark.django_db
class TestAccountCreate:
    def test_it_creates_an_account_of_the_company_with_the_gstin_normalised(self, company, manager, rep):
        account = account_create(
            company=company,
            by=manager,
            name="Globex",
            website="https://globex.example",
            gstin=" 27aapfu0939f1zv ",
            account_type=AccountType.CUSTOMER,
            owner=rep,
        )

        account.refresh_from_db()
        assert (account.company, account.name, account.gstin) == (company, "Globex", "27AAPFU0939F1ZV")
        assert (account.account_type, account.account_owner, account.created_by) == (AccountType.CUSTOMER, rep, manager)

    def test_a_refused_field_is_a_validation_error_and_nothing_is_saved(self, company, manager):
        with pytest.raises(ValidationError) as raised:
            account_create(company=company, by=manager, name="Globex", gstin="27AAPFU0939F1ZX")

        assert "gstin" in raised.value.message_dict
        assert not Account.objects.filter(name="Globex").exists()
