"""Lead conversion: one transaction from an open lead to an account, a contact and (optionally) a deal.

The rules (issue 4, DESIGN.md "Convert"):

- Only an open lead (new, contacted, qualified) converts. The lead row is locked (`select_for_update`) and
  re-read inside the transaction, so of two simultaneous conversions one wins and the other gets a
  `ConversionError` saying the lead is already converted. Any failure at any step rolls everything back.
- Account: the one the user chose (of the lead's Company, visible to the user), else a new one built from the
  lead. Existing accounts are *proposed* (never picked silently) by GSTIN, then website / corporate email
  domain, then normalised company name; free email domains (gmail.com, ...) never match.
- Contact: the one the user chose (a contact of that account), else the account's contact with the same email
  (case-insensitive), else a new one. With no primary contact on the account, this one becomes primary.
- Deal (optional): "<account> - <product of interest>", the Company's currency, a close date from the lead's
  timeline (`TIMELINE_CLOSE_DAYS`), stage Prospecting with its probability and forecast category, and the
  lead's attribution (source, campaign, medium, term).
- Linking to existing records only fills their empty fields; what a user typed there is never overwritten.
- The lead keeps living: status converted, links to the account, contact and deal, `converted_at`; it is
  read-only afterwards (`Lead.is_read_only`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, AccountType, Lifecycle
from accounts.services import account_create
from contacts.models import Channel, Contact, ContactRole
from contacts.services import contact_create
from crm.models import membership_of
from crm.permissions import can_convert, require
from deals.models import STAGE_FORECAST_CATEGORY, Deal, DealStage

from ..models import AuthorityLevel, Lead, LeadStatus, Timeline
from .matching import (
    accounts_for_conversion,
    contact_by_email,
    corporate_domain,
)

# Expected close date of the deal, in days from the conversion, by the lead's timeline: about the middle of each
# range (1-3 months -> 2 months, 3-6 months -> 4.5 months, 6-12 months -> 9 months), two weeks for "immediately",
# a little over a year for "12+ months" and a quarter when the timeline is unknown.
TIMELINE_CLOSE_DAYS = {
    Timeline.IMMEDIATE: 14,
    Timeline.WITHIN_3_MONTHS: 60,
    Timeline.WITHIN_6_MONTHS: 135,
    Timeline.WITHIN_12_MONTHS: 270,
    Timeline.LATER: 400,
    Timeline.UNKNOWN: 90,
}

AUTHORITY_CONTACT_ROLE = {
    AuthorityLevel.DECISION_MAKER: ContactRole.DECISION_MAKER,
    AuthorityLevel.INFLUENCER: ContactRole.INFLUENCER,
    AuthorityLevel.END_USER: ContactRole.USER,
    AuthorityLevel.GATEKEEPER: ContactRole.GATEKEEPER,
    AuthorityLevel.UNKNOWN: "",
}

# What `deal_values` may set; anything else is a programming error.
DEAL_VALUE_FIELDS = frozenset({"name", "amount", "expected_close_date", "forecast_category"})

# The keys of `ConversionError.message_dict` are the convert form's field names: a deal's `name` error
# becomes `deal_name`, every other account or contact field error lands on `account` / `contact`.
DEAL_ERROR_FIELDS = {
    "name": "deal_name",
    "amount": "amount",
    "expected_close_date": "expected_close_date",
    "forecast_category": "forecast_category",
}


# What the conversion writes on the lead.
CONVERSION_FIELDS = ("status", "converted_to_account", "converted_contact", "converted_deal", "converted_at")


class ConversionError(ValidationError):
    """The conversion is refused; nothing was written. `message_dict` keys are the convert form's fields."""


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    account: Account
    contact: Contact
    deal: Deal | None
    account_created: bool
    contact_created: bool


# --- Reading the lead -----------------------------------------------------------------------------------------


def expected_close_date_for(lead: Lead, *, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return today + timedelta(days=TIMELINE_CLOSE_DAYS.get(lead.timeline, TIMELINE_CLOSE_DAYS[Timeline.UNKNOWN]))


def person_name(lead: Lead) -> str:
    return " ".join(part for part in (lead.first_name, lead.last_name) if part) or lead.lead_name


def new_account_name(lead: Lead) -> str:
    """The company name, else the person's name (a sole trader), else the email."""
    return (lead.company_name.strip() or person_name(lead) or lead.email or lead.phone)[:200]


def default_deal_name(lead: Lead, account_name: str) -> str:
    product = lead.interest_product.strip()
    return (f"{account_name} - {product}" if product else account_name)[:200]


def not_open_message(lead: Lead) -> str:
    """Why a lead cannot be converted, or '' when it can."""
    if lead.status == LeadStatus.CONVERTED:
        when = timezone.localtime(lead.converted_at).strftime("%Y-%m-%d %H:%M") if lead.converted_at else ""
        return str(_("This lead has already been converted%(when)s; nothing was changed.")) % {
            "when": f" ({when})" if when else ""
        }
    if lead.status == LeadStatus.MERGED:
        return str(_("This lead was merged into another lead; convert that lead instead."))
    if lead.status == LeadStatus.DISQUALIFIED:
        return str(_("This lead is disqualified. Reopen it (set it back to contacted or qualified) to convert it."))
    if not lead.is_open:
        return str(_("Only an open lead can be converted."))
    return ""


# --- The service ----------------------------------------------------------------------------------------------


def lead_convert(
    *,
    lead: Lead,
    by,
    account: Account | None = None,
    contact: Contact | None = None,
    create_deal: bool = True,
    deal_values: dict | None = None,
    gstin: str = "",
) -> Conversion:
    """Convert `lead` in one transaction; raise `ConversionError` (nothing written) or `PermissionDenied`.

    `account` / `contact`: existing records to link to (None: match by email or create). `deal_values` may set
    the deal's name, amount, expected_close_date and forecast_category (blank values keep the defaults).
    `gstin`: the new account's GSTIN (ignored when linking to an existing account).
    """
    deal_values = {key: value for key, value in (deal_values or {}).items() if value not in (None, "")}
    unknown = set(deal_values) - DEAL_VALUE_FIELDS
    if unknown:
        raise ValueError(f"deal_values may not set {sorted(unknown)}")
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).select_related("company").get(pk=lead.pk)
        require(can_convert(by, locked), _("You can convert only the leads you own."))
        message = not_open_message(locked)
        if message:
            raise ConversionError(message, code="not_open")
        now = timezone.now()

        account, account_created = _resolve_account(locked, by=by, account=account, gstin=gstin)
        contact, contact_created = _resolve_contact(locked, by=by, account=account, contact=contact)
        deal = (
            _create_deal(locked, by=by, account=account, contact=contact, values=deal_values) if create_deal else None
        )

        locked.status = LeadStatus.CONVERTED
        locked.converted_to_account = account
        locked.converted_contact = contact
        locked.converted_deal = deal
        locked.converted_at = now
        locked.save(update_fields=CONVERSION_FIELDS)
    # The caller's object reflects what happened (views render it, tests read it).
    for field in (
        "status",
        "converted_to_account",
        "converted_contact",
        "converted_deal",
        "converted_at",
        "updated_at",
    ):
        setattr(lead, field, getattr(locked, field))
    return Conversion(
        lead=lead,
        account=account,
        contact=contact,
        deal=deal,
        account_created=account_created,
        contact_created=contact_created,
    )


def _refuse(field: str, error: ValidationError, label: str):
    """Re-raise a model's ValidationError as a ConversionError on the convert form's `field`."""
    messages = []
    for model_field, field_messages in getattr(error, "message_dict", {NON_FIELD_ERRORS: error.messages}).items():
        prefix = "" if model_field == NON_FIELD_ERRORS else f"{model_field.replace('_', ' ')}: "
        messages += [f"{label}: {prefix}{message}" for message in field_messages]
    raise ConversionError({field: messages}) from error


def _fill_empty(obj, values: dict) -> list[str]:
    """Set each field of `obj` that is empty (blank, None) to its value; return the names of those changed."""
    changed = []
    for field, value in values.items():
        if value in (None, "") or getattr(obj, field) not in (None, ""):
            continue
        setattr(obj, field, value)
        changed.append(field)
    return changed


def _save_filled(obj, changed: list[str], *, field: str, label: str) -> None:
    if not changed:
        return
    others = [f.name for f in obj._meta.concrete_fields if f.name not in changed]
    try:
        obj.clean_fields(exclude=others)
    except ValidationError as error:
        _refuse(field, error, label)
    obj.save(update_fields=[*changed, "updated_at"])


def _owner_for(lead: Lead, by):
    """The lead's owner, else the converting user when they belong to the lead's Company."""
    if lead.lead_owner_id:
        return lead.lead_owner
    membership = membership_of(by)
    return by if membership and membership.company_id == lead.company_id else None


def _resolve_account(lead: Lead, *, by, account: Account | None, gstin: str) -> tuple[Account, bool]:
    website_domain = corporate_domain(lead.email)
    if account is not None:
        account = accounts_for_conversion(lead, by).select_for_update().filter(pk=account.pk).first()
        if account is None:
            raise ConversionError({"account": [_("Choose an account of your company.")]}, code="foreign_account")
        changed = _fill_empty(
            account,
            {
                "website": f"https://{website_domain}" if website_domain else "",
                "country": lead.country,
                "account_owner": _owner_for(lead, by),
            },
        )
        _save_filled(account, changed, field="account", label=_("Account"))
        return account, False

    try:
        account = account_create(
            company=lead.company,
            by=by,
            name=new_account_name(lead),
            website=f"https://{website_domain}" if website_domain else "",
            country=lead.country,
            gstin=gstin,
            account_type=AccountType.PROSPECT,
            lifecycle_stage=Lifecycle.SQA,
            owner=_owner_for(lead, by),
        )
    except ValidationError as error:
        if "gstin" in getattr(error, "message_dict", {}):
            raise ConversionError({"gstin": error.message_dict["gstin"]}) from error
        _refuse("account", error, _("New account"))
    return account, True


def _contact_names(lead: Lead) -> tuple[str, str]:
    """A contact needs a last name: a single name is the last name; without any, the email's local part."""
    first, last = lead.first_name.strip(), lead.last_name.strip()
    if not last:
        first, last = "", first
    if not last:
        last = (lead.email.split("@", 1)[0] if lead.email else "") or lead.phone or str(_("Unknown"))
    return first, last


def _resolve_contact(lead: Lead, *, by, account: Account, contact: Contact | None) -> tuple[Contact, bool]:
    # The account row is locked: two conversions into one account cannot both make their contact primary.
    list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True))
    needs_primary = not Contact.objects.filter(account=account, is_primary_contact=True).exists()
    owner = account.account_owner or _owner_for(lead, by)

    if contact is not None:
        contact = (
            Contact.objects.select_for_update()
            .filter(pk=contact.pk, company_id=lead.company_id, account_id=account.pk)
            .first()
        )
        if contact is None:
            raise ConversionError({"contact": [_("Choose a contact of the chosen account.")]}, code="foreign_contact")
    else:
        contact = contact_by_email(lead, account)

    if contact is not None:
        first, last = _contact_names(lead)
        changed = _fill_empty(
            contact,
            {
                "first_name": first,
                "email": lead.email,
                "phone": lead.phone,
                "job_title": lead.job_title,
                "role": AUTHORITY_CONTACT_ROLE.get(lead.authority_level, ""),
                "opt_in_date": lead.opt_in_date if contact.gdpr_consent else None,
                "owner": owner,
            },
        )
        # Do-not-disturb is a restriction the person asked for: it always carries over. Consent is never granted
        # to an existing contact implicitly (it may have been withdrawn there).
        if lead.dnd_status and not contact.dnd_status:
            contact.dnd_status = True
            changed.append("dnd_status")
        if needs_primary:
            contact.is_primary_contact = True
            changed.append("is_primary_contact")
        _save_filled(contact, changed, field="contact", label=_("Contact"))
        return contact, False

    first, last = _contact_names(lead)
    try:
        contact = contact_create(
            account=account,
            by=by,
            first_name=first,
            last_name=last,
            email=lead.email,
            phone=lead.phone,
            job_title=lead.job_title,
            role=AUTHORITY_CONTACT_ROLE.get(lead.authority_level, ""),
            preferred_channel=Channel.EMAIL if lead.email or not lead.phone else Channel.PHONE,
            gdpr_consent=lead.gdpr_consent,
            opt_in_date=lead.opt_in_date,
            dnd_status=lead.dnd_status,
            is_primary_contact=needs_primary,
            owner=owner,
        )
    except ValidationError as error:
        _refuse("contact", error, _("New contact"))
    return contact, True


def _create_deal(lead: Lead, *, by, account: Account, contact: Contact, values: dict) -> Deal:
    deal = Deal(
        company=lead.company,
        created_by=by if by and by.is_authenticated else None,
        name=default_deal_name(lead, account.name),
        account=account,
        primary_contact=contact,
        owner=_owner_for(lead, by),
        stage=DealStage.PROSPECTING,
        amount=Decimal("0"),
        currency=lead.company.currency,
        expected_close_date=expected_close_date_for(lead),
        source=lead.source,
        campaign=lead.campaign,
        medium=lead.medium,
        term=lead.term,
    )
    deal.apply_stage_defaults()
    for field, value in values.items():
        setattr(deal, field, value)
    if deal.forecast_category != STAGE_FORECAST_CATEGORY[deal.stage]:
        deal.forecast_category_is_manual = True
    try:
        deal.full_clean()
    except ValidationError as error:
        errors: dict[str, list] = {}
        for model_field, messages in getattr(error, "message_dict", {NON_FIELD_ERRORS: error.messages}).items():
            form_field = DEAL_ERROR_FIELDS.get(model_field, NON_FIELD_ERRORS)
            prefix = "" if form_field != NON_FIELD_ERRORS or model_field == NON_FIELD_ERRORS else f"{model_field}: "
            errors.setdefault(form_field, []).extend(f"{_('Deal')}: {prefix}{message}" for message in messages)
        raise ConversionError(errors) from error
    deal.save()
    return deal
