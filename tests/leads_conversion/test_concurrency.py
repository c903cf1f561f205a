"""Double conversion: two requests converting the same lead at the same moment give one result.

On PostgreSQL the two conversions run truly at the same time, in two threads with their own database
connections, released together by a barrier; the first holds the lead's row lock a little longer than usual
so the second is certain to arrive while it is held. SQLite has no row locks (it serialises writers), so there
the same calls run one after the other and the second must still be refused.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from accounts.models import Account
from contacts.models import Contact
from deals.models import Deal
from leads.conversion import service as conversion
from leads.conversion.service import ConversionError, lead_convert
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, LeadFactory

HOLD_THE_LOCK_SECONDS = 0.5


def run_together(calls):
    """Run each call in its own thread (own connection), all released at once; return (results, errors)."""
    results, errors = [], []
    if connection.vendor != "postgresql":
        for call in calls:
            try:
                results.append(call())
            except ConversionError as error:
                errors.append(error)
        return results, errors

    barrier = threading.Barrier(len(calls))
    original_create_deal = conversion._create_deal

    def slow_create_deal(*args, **kwargs):
        time.sleep(HOLD_THE_LOCK_SECONDS)
        return original_create_deal(*args, **kwargs)

    def worker(call):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results.append(call())
        except ConversionError as error:
            errors.append(error)
        except Exception as error:  # a deadlock or IntegrityError must fail the test, not vanish in a thread
            errors.append(error)
        finally:
            thread_connection.close()

    with mock.patch.object(conversion, "_create_deal", slow_create_deal):
        threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a conversion thread hung"
    return results, errors


@pytest.mark.django_db(transaction=True)
class TestDoubleConversion:
    def test_two_simultaneous_conversions_of_one_lead_give_one_account_contact_and_deal(self, company, rep):
        lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, email="ada@initech.io")
        # Each request loaded the lead before either converted it: both copies say "qualified".
        first_copy, second_copy = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)

        results, errors = run_together(
            [lambda: lead_convert(lead=first_copy, by=rep), lambda: lead_convert(lead=second_copy, by=rep)]
        )

        assert len(results) == 1, errors
        assert len(errors) == 1
        assert isinstance(errors[0], ConversionError)
        assert "already been converted" in errors[0].messages[0]
        assert (Account.objects.count(), Contact.objects.count(), Deal.objects.count()) == (1, 1, 1)
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONVERTED
        assert lead.converted_to_account == results[0].account
        assert lead.converted_deal == results[0].deal

    def test_two_leads_converted_into_one_account_at_once_give_it_one_primary_contact(self, company, rep):
        # Nothing on the account is empty, so linking writes nothing to its row (no implicit row lock).
        account = AccountFactory(company=company, account_owner=rep, country="US", website="https://initech.io")
        first_lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, email="a@initech.io")
        second_lead = LeadFactory(company=company, lead_owner=rep, status=LeadStatus.QUALIFIED, email="b@initech.io")

        results, errors = run_together(
            [
                lambda: lead_convert(lead=first_lead, by=rep, account=account),
                lambda: lead_convert(lead=second_lead, by=rep, account=account),
            ]
        )

        assert errors == []
        assert len(results) == 2
        assert Contact.objects.filter(account=account).count() == 2
        assert Contact.objects.filter(account=account, is_primary_contact=True).count() == 1
        assert Account.objects.count() == 1
