"""Contact workflows: creating a contact for another workflow (lead conversion), saving a contact from the form
and making a contact the account's primary one."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Account

from .models import Channel, Contact


def contact_create(
    *,
    account: Account,
    by: AbstractBaseUser | None,
    last_name: str,
    first_name: str = "",
    email: str = "",
    phone: str = "",
    job_title: str = "",
    role: str = "",
    preferred_channel: str = Channel.EMAIL,
    gdpr_consent: bool = False,
    opt_in_date: date | None = None,
    dnd_status: bool = False,
    is_primary_contact: bool = False,
    owner: AbstractBaseUser | None = None,
) -> Contact:
    """Create a contact of `account` (in the account's Company). The caller decides whether it is the primary
    contact (and holds the account's row lock when it is). Raises the model's ValidationError (with its
    `message_dict`) when a field is refused; nothing is saved then."""
    contact = Contact(
        company_id=account.company_id,
        created_by=by if by and by.is_authenticated else None,
        account=account,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        job_title=job_title,
        role=role,
        preferred_channel=preferred_channel,
        gdpr_consent=gdpr_consent,
        opt_in_date=opt_in_date,
        dnd_status=dnd_status,
        is_primary_contact=is_primary_contact,
        owner=owner,
    )
    contact.full_clean()
    contact.save()
    return contact


def contact_make_primary(*, contact: Contact, by) -> Contact | None:
    """Make `contact` its account's primary contact; return the contact that was primary before (or None).

    The previous primary contact stops being primary in the same transaction (the account row is locked, and a
    database constraint allows one primary per account).
    """
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("account").get(pk=contact.pk)
        if contact.is_primary_contact:
            raise ValidationError(
                _("%(contact)s is already the primary contact of %(account)s.")
                % {"contact": contact, "account": contact.account}
            )
        primaries = Contact.objects.filter(account_id=contact.account_id, is_primary_contact=True)
        previous = primaries.exclude(pk=contact.pk).first()
        contact.make_primary(by=by)
    return previous


def contact_save(*, contact: Contact, by, primary: bool) -> Contact | None:
    """Save a contact from the form. `primary` ticked switches the account's primary contact to it, atomically.

    Returns the contact that stopped being primary because of it (or None).
    """
    with transaction.atomic():
        contact.save()
        if primary and not contact.is_primary_contact:
            previous = contact_make_primary(contact=contact, by=by)
            contact.is_primary_contact = True
            return previous
    return None
