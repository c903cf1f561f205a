"""Account workflows: creating an account for another workflow (lead conversion). Accounts are never deleted:
they are deactivated and can be reactivated."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Company

from .models import Account, AccountType, Lifecycle
from .validators import normalise_gstin


def account_create(
    *,
    company: Company,
    by: AbstractBaseUser | None,
    name: str,
    website: str = "",
    country: str = "",
    gstin: str = "",
    account_type: str = AccountType.PROSPECT,
    lifecycle_stage: str = Lifecycle.MQA,
    owner: AbstractBaseUser | None = None,
) -> Account:
    """Create an account of `company` (the GSTIN normalised). Raises the model's ValidationError (with its
    `message_dict`) when a field is refused; nothing is saved then."""
    account = Account(
        company=company,
        created_by=by if by and by.is_authenticated else None,
        name=name,
        website=website,
        country=country,
        gstin=normalise_gstin(gstin),
        account_type=account_type,
        lifecycle_stage=lifecycle_stage,
        account_owner=owner,
    )
    account.full_clean()
    account.save()
    return account


def account_deactivate(*, account: Account, by) -> Account:
    """Take the account out of the default list (its contacts, deals and history stay)."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if not account.is_active:
            raise ValidationError(_("“%(account)s” is already inactive.") % {"account": account})
        account.deactivate(by=by)
    return account


def account_reactivate(*, account: Account, by) -> Account:
    """Bring a deactivated account back."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.is_active:
            raise ValidationError(_("“%(account)s” is already active.") % {"account": account})
        account.reactivate(by=by)
    return account
