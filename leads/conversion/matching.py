"""Matching a lead to what the Company already has: the accounts and contacts a conversion proposes.

Existing accounts are *proposed* (never picked silently) by GSTIN, then website / corporate email domain, then
normalised company name; free email domains (gmail.com, ...) never match. Contacts of the chosen account are
proposed by email (reused automatically), phone or name.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, domain_of_website, normalise_company_name
from accounts.validators import normalise_gstin
from contacts.models import Contact
from crm.permissions import visible

from ..models import Lead
from ..quality.free_email import is_free_email_domain


class AccountProposal(NamedTuple):
    account: Account
    reason: str
    kind: str  # "gstin", "domain" or "name": the strongest thing the account matched on


class ContactProposal(NamedTuple):
    contact: Contact
    reason: str
    kind: str  # "email" (reused automatically), "phone" or "name"


# --- Reading the lead ---------------------------------------------------------------------------------------


def email_domain(email: str) -> str:
    """`Jane@Mail.Acme.com` -> `mail.acme.com`; '' without an @."""
    email = (email or "").strip()
    if "@" not in email:
        return ""
    return domain_of_website(email.rsplit("@", 1)[1])


def corporate_domain(email: str) -> str:
    """The employer's domain from an email address, or '' for free mailbox providers."""
    domain = email_domain(email)
    if not domain or "." not in domain or is_free_email_domain(domain):
        return ""
    return domain


def accounts_for_conversion(lead: Lead, user=None):
    """The accounts a conversion of `lead` by `user` may link to: of the lead's Company and visible to the user."""
    if user is None:
        return Account.objects.for_company(lead.company)
    return visible(user, Account).filter(company_id=lead.company_id)


# --- Matching -------------------------------------------------------------------------------------------------


def propose_accounts(lead: Lead, *, user=None, gstin: str = "") -> list[AccountProposal]:
    """Existing accounts of the lead's Company that may be the lead's company, strongest match first.

    Order: GSTIN (when one is given: leads carry none, the convert page asks for it), then the website domain
    equal to the lead's corporate email domain, then the normalised company name ("Acme Pvt. Ltd." == "ACME").
    Within each kind, active accounts come before deactivated ones. Each account appears once, with the
    strongest reason it matched. Free email domains never match.
    """
    accounts = accounts_for_conversion(lead, user)
    gstin = normalise_gstin(gstin)
    domain = corporate_domain(lead.email)
    name_key = normalise_company_name(lead.company_name)
    searches = (
        ("gstin", {"gstin": gstin}, gstin, _("Same GSTIN (%(value)s)")),
        ("domain", {"domain": domain}, domain, _("Website domain matches the lead's email domain (%(value)s)")),
        ("name", {"name_key": name_key}, lead.company_name.strip(), _("Same company name (“%(value)s”)")),
    )
    proposals: list[AccountProposal] = []
    seen: set[int] = set()
    for kind, lookup, shown, reason in searches:
        if not next(iter(lookup.values())):
            continue
        for account in accounts.filter(**lookup).select_related("account_owner").order_by("-is_active", "name", "pk"):
            if account.pk not in seen:
                seen.add(account.pk)
                proposals.append(AccountProposal(account, str(reason) % {"value": shown}, kind))
    return proposals


def search_accounts(lead: Lead, *, user=None, query: str = "", exclude=(), limit: int = 10) -> list[AccountProposal]:
    """Accounts whose name contains `query`: for when matching found nothing and the rep knows better."""
    query = (query or "").strip()
    if not query:
        return []
    accounts = (
        accounts_for_conversion(lead, user)
        .filter(name__icontains=query)
        .exclude(pk__in=list(exclude))
        .select_related("account_owner")
        .order_by("-is_active", "name", "pk")[:limit]
    )
    reason = str(_("Found by your search “%(value)s”")) % {"value": query}
    return [AccountProposal(account, reason, "search") for account in accounts]


def default_account(proposals: list[AccountProposal]) -> Account | None:
    """What the convert page preselects (and the admin action uses): the strongest active match, else new."""
    return next((proposal.account for proposal in proposals if proposal.account.is_active), None)


def propose_contacts(lead: Lead, account: Account | None) -> list[ContactProposal]:
    """Contacts of `account` that may be the lead's person: same email (reused automatically), phone or name.

    One query (only the candidates are loaded, never the whole account), then each candidate is labelled with
    the strongest thing it matched on.
    """
    if account is None or account.pk is None:
        return []
    email = (lead.email or "").strip().lower()
    first, last = lead.first_name.strip().lower(), lead.last_name.strip().lower()
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email)
    if lead.phone:
        condition |= Q(phone=lead.phone)
    if last:
        condition |= Q(first_name__iexact=first, last_name__iexact=last)
    candidates = Contact.objects.filter(condition, company_id=lead.company_id, account=account).order_by("pk")
    kinds = (
        ("email", lambda c: email and c.email.lower() == email, _("Same email (%(value)s)") % {"value": email}),
        ("phone", lambda c: lead.phone and c.phone == lead.phone, _("Same phone (%(value)s)") % {"value": lead.phone}),
        ("name", lambda c: last and (c.first_name.lower(), c.last_name.lower()) == (first, last), _("Same name")),
    )
    proposals = []
    for contact in candidates:
        kind, reason = next(
            ((kind, reason) for kind, matches, reason in kinds if matches(contact)), ("name", _("Similar details"))
        )
        proposals.append(ContactProposal(contact, str(reason), kind))
    rank = {kind: index for index, (kind, _matches, _reason) in enumerate(kinds)}
    return sorted(proposals, key=lambda proposal: (rank[proposal.kind], proposal.contact.pk))


def contact_by_email(lead: Lead, account: Account) -> Contact | None:
    if not lead.email:
        return None
    return (
        Contact.objects.filter(company_id=lead.company_id, account=account, email__iexact=lead.email.strip())
        .order_by("pk")
        .first()
    )
