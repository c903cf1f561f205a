"""Account workflows. Accounts are never deleted: they are deactivated and can be reactivated."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Account


def account_deactivate(*, account: Account, by) -> Account:
    """Take the account out of the default list (its contacts, deals and history stay)."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if not account.is_active:
            raise ValidationError(f"“{account}” is already inactive.")
        account.deactivate(by=by)
    return account


def account_reactivate(*, account: Account, by) -> Account:
    """Bring a deactivated account back."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.is_active:
            raise ValidationError(f"“{account}” is already active.")
        account.reactivate(by=by)
    return account
