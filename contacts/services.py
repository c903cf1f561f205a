"""Contact workflows: saving a contact from the form and making a contact the account's primary one."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Contact


def contact_make_primary(*, contact: Contact, by) -> Contact | None:
    """Make `contact` its account's primary contact; return the contact that was primary before (or None).

    The previous primary contact stops being primary in the same transaction (the account row is locked, and a
    database constraint allows one primary per account).
    """
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("account").get(pk=contact.pk)
        if contact.is_primary_contact:
            raise ValidationError(f"{contact} is already the primary contact of {contact.account}.")
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
