import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact
from contacts.services import contact_create, contact_make_primary, contact_save
from crm.permissions import can_make_primary
from tests.factories import AccountFactory, ContactFactory


@pytest.mark.django_db
class TestContactMakePrimary:
    def test_it_returns_the_contact_that_stepped_down(self, contact, primary_contact, rep):
        previous = contact_make_primary(contact=contact, by=rep)

        assert previous == primary_contact
        assert list(Contact.objects.filter(is_primary_contact=True)) == [contact]

    def test_an_account_without_a_primary_has_no_previous_one(self, contact, rep):
        previous = contact_make_primary(contact=contact, by=rep)

        contact.refresh_from_db()
        assert previous is None
        assert contact.is_primary_contact

    def test_the_primary_contact_is_a_validation_error(self, primary_contact, manager):
        with pytest.raises(ValidationError, match="already the primary contact"):
            contact_make_primary(contact=primary_contact, by=manager)


@pytest.mark.django_db
class TestContactSave:
    def test_a_new_primary_contact_takes_over_in_one_go(self, company, account, primary_contact, rep):
        new_contact = Contact(company=company, account=account, last_name="Waddams", created_by=rep)

        previous = contact_save(contact=new_contact, by=rep, primary=True)

        primary_contact.refresh_from_db()
        assert previous == primary_contact
        assert new_contact.pk is not None
        assert new_contact.is_primary_contact
        assert not primary_contact.is_primary_contact

    def test_without_the_flag_nothing_changes_for_the_primary(self, company, account, primary_contact, rep):
        new_contact = Contact(company=company, account=account, last_name="Waddams")

        previous = contact_save(contact=new_contact, by=rep, primary=False)

        primary_contact.refresh_from_db()
        assert previous is None
        assert primary_contact.is_primary_contact
        assert not new_contact.is_primary_contact


@pytest.mark.django_db
class TestCanMakePrimary:
    @pytest.mark.parametrize(
        ("who", "allowed"),
        [("rep", True), ("other_rep", True), ("manager", True), ("admin_user", True), ("outsider", False)],
    )
    def test_the_contact_owner_the_account_owner_and_managers_may(self, request, company, rep, other_rep, who, allowed):
        account = AccountFactory(company=company, account_owner=other_rep)
        contact = ContactFactory(company=company, account=account, owner=rep)

        assert can_make_primary(request.getfixturevalue(who), contact) is allowed

    def test_a_rep_owning_neither_may_not(self, company, rep, other_rep, manager):
        account = AccountFactory(company=company, account_owner=manager)
        contact = ContactFactory(company=company, account=account, owner=other_rep)

        assert not can_make_primary(rep, contact)


@pytest.mark.django_db
class TestContactCreate:
    def test_it_creates_a_contact_of_the_accounts_company(self, account, manager, rep):
        contact = contact_create(
            account=account, by=manager, first_name="Ada", last_name="Lovelace", email="ada@initech.example", owner=rep
        )

        contact.refresh_from_db()
        assert (contact.company_id, contact.account, contact.owner) == (account.company_id, account, rep)
        assert (contact.first_name, contact.last_name, contact.created_by) == ("Ada", "Lovelace", manager)
        assert not contact.is_primary_contact

    def test_a_refused_field_is_a_validation_error_and_nothing_is_saved(self, account, manager):
        with pytest.raises(ValidationError) as raised:
            contact_create(account=account, by=manager, last_name="", email="not an address")

        assert {"last_name", "email"} <= set(raised.value.message_dict)
        assert not Contact.objects.filter(account=account).exists()
