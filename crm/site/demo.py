"""Deterministic demo data for `manage.py seed_demo`: the "Demo Corp" Company, its users and a realistic
sales data set (about 500 leads, 60 accounts with their contacts, 80 deals).

It lives on the roof (`crm.site`): it builds records of every app and imports them openly. Choice values are the
stable slugs of the contract; the database's check constraints refuse a typo.

Everything is drawn from `random.Random(seed)` and fixed word lists, so the same seed gives the same data
(dates are relative to the day the command runs). Seeding is idempotent: users are matched by username
and the data set is only built for a demo Company that has no accounts, contacts, deals or leads yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, domain_of_website, normalise_company_name
from accounts.validators import gstin_check_character
from contacts.models import Contact
from crm.models import Company, Membership, Role
from deals.models import Deal
from leads.models import Lead

DEMO_COMPANY_SLUG = "demo"
DEMO_COMPANY_NAME = "Demo Corp"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo login, printed by the command
DEMO_SEED = 2026

DEMO_LEAD_COUNT = 500
DEMO_ACCOUNT_COUNT = 60
DEMO_DEAL_COUNT = 80
CONVERTED_LEAD_COUNT = 30
DUPLICATE_LEAD_COUNT = 12
SPAM_LEAD_COUNT = 14

BATCH_SIZE = 200


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False


DEMO_USERS = (
    DemoUser("admin", "Alex", "Fernandes", Role.ADMIN, is_staff=True),
    DemoUser("manager", "Priya", "Sharma", Role.MANAGER),
    DemoUser("rep1", "Arjun", "Mehta", Role.REP),
    DemoUser("rep2", "Sara", "Lopez", Role.REP),
)


class DemoConflictError(Exception):
    """A demo username is taken by a user outside the demo Company; nothing was created."""


@dataclass
class SeedResult:
    company: Company
    users: list  # [(user, membership)] in DEMO_USERS order
    created: dict[type, int] = field(default_factory=dict)  # model -> rows created
    existing: dict[type, int] = field(default_factory=dict)  # model -> rows already there (skipped)


DATA_MODELS = (Account, Contact, Deal, Lead)


def seed_demo(*, seed: int = DEMO_SEED, now: datetime | None = None) -> SeedResult:
    """Create the demo Company, its four users and (once) its data set, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        company, company_created = Company.objects.get_or_create(
            slug=DEMO_COMPANY_SLUG,
            defaults={"name": DEMO_COMPANY_NAME, "currency": "USD", "default_campaign": "website"},
        )
        created = {Company: int(company_created)}
        users, created[get_user_model()], created[Membership] = _ensure_users(company)
        existing = {model: model.objects.for_company(company).count() for model in DATA_MODELS}
        if any(existing.values()):
            return SeedResult(company=company, users=users, created=created, existing=existing)
        by_username = {user.username: user for user, _membership in users}
        builder = _DemoBuilder(company=company, users=by_username, rng=random.Random(seed), now=now)  # noqa: S311 - demo data, not security
        created.update(builder.build())
    return SeedResult(company=company, users=users, created=created)


def _ensure_users(company) -> tuple[list, int, int]:
    """get_or_create the demo users by username; the password is set only when it does not match."""
    user_model = get_user_model()
    users, users_created, memberships_created = [], 0, 0
    for spec in DEMO_USERS:
        user, user_created = user_model.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@demo.example.com",
                "is_staff": spec.is_staff,
            },
        )
        membership = Membership.objects.filter(user=user).select_related("company").first()
        if membership is not None and membership.company_id != company.pk:
            raise DemoConflictError(
                f"The user {spec.username!r} already belongs to the company {membership.company.name!r}; "
                "rename that user before seeding the demo."
            )
        if membership is None:
            if not user_created:
                raise DemoConflictError(
                    f"A user named {spec.username!r} already exists outside the demo company; "
                    "rename that user before seeding the demo."
                )
            membership = Membership.objects.create(user=user, company=company, role=spec.role)
            memberships_created += 1
        if user_created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users.append((user, membership))
        users_created += int(user_created)
    return users, users_created, memberships_created


# --- word lists -----------------------------------------------------------------------------------------

# fmt: off

FIRST_NAMES = (
    "Aarav", "Aditi", "Ananya", "Deepak", "Divya", "Farhan", "Ishaan", "Kavya", "Meera", "Nikhil",
    "Pooja", "Rahul", "Rohan", "Sanjay", "Sneha", "Tanvi", "Vikram", "Zara", "Emma", "Liam",
    "Olivia", "Noah", "Sophia", "James", "Mia", "Lucas", "Hannah", "Jonas", "Lena", "Felix",
    "Chloe", "Daniel", "Grace", "Ethan", "Amelia", "Omar", "Layla", "Wei", "Mei", "Kenji",
)
LAST_NAMES = (
    "Agarwal", "Bose", "Chopra", "Desai", "Gupta", "Iyer", "Joshi", "Kapoor", "Khan", "Menon",
    "Nair", "Patel", "Rao", "Reddy", "Singh", "Verma", "Smith", "Johnson", "Brown", "Taylor",
    "Wilson", "Clarke", "Evans", "Müller", "Schmidt", "Weber", "Fischer", "Tan", "Lim", "Wong",
    "Haddad", "Rahman", "O'Brien", "Walsh", "Martin", "Garcia", "Nguyen", "Cohen", "Silva", "Kim",
)
NAME_PREFIXES = (
    "Bright", "Blue", "Northwind", "Summit", "Crescent", "Lotus", "Redwood", "Silverline", "Harbor",
    "Evergreen", "Saffron", "Granite", "Pioneer", "Nimbus", "Orchid", "Falcon", "Meridian", "Vertex",
    "Indigo", "Cobalt", "Monsoon", "Banyan", "Coral", "Apex",
)
LEAD_JOB_TITLES = (
    "CEO", "Founder", "COO", "VP Sales", "Head of Sales", "Sales Manager", "Marketing Manager", "IT Manager",
    "Operations Manager", "Business Analyst", "Procurement Lead", "Consultant",
)
# fmt: on
NAME_NOUNS = {  # word in the name -> industry
    "Logistics": "Logistics",
    "Foods": "Food & Beverage",
    "Textiles": "Textiles",
    "Pharma": "Pharmaceuticals",
    "Analytics": "Software",
    "Motors": "Automotive",
    "Retail": "Retail",
    "Finserv": "Financial Services",
    "Health": "Healthcare",
    "Energy": "Energy",
    "Steel": "Manufacturing",
    "Systems": "Software",
    "Hotels": "Hospitality",
    "Agritech": "Agriculture",
    "Media": "Media",
    "Builders": "Construction",
}
# country -> (weight, legal suffix)
COUNTRIES = {
    "IN": (50, "Pvt Ltd"),
    "US": (20, "Inc"),
    "GB": (10, "Ltd"),
    "DE": (7, "GmbH"),
    "SG": (5, "Pte Ltd"),
    "AE": (4, "LLC"),
    "AU": (4, "Pty Ltd"),
}
GST_STATE_CODES = ("27", "29", "07", "33", "24", "36", "09", "19", "32", "06")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+")
REVENUE_BY_SIZE = {  # size -> annual revenue range (USD)
    "1-10": (200_000, 2_000_000),
    "11-50": (1_000_000, 10_000_000),
    "51-200": (5_000_000, 40_000_000),
    "201-500": (20_000_000, 120_000_000),
    "501-1000": (60_000_000, 300_000_000),
    "1001-5000": (150_000_000, 900_000_000),
    "5001+": (500_000_000, 5_000_000_000),
}
JOB_TITLES = {  # contact role -> titles
    "decision_maker": ("CEO", "Managing Director", "VP Sales", "Head of Operations", "CFO", "Founder"),
    "champion": ("Sales Operations Manager", "Head of Growth", "RevOps Lead"),
    "influencer": ("IT Manager", "Marketing Manager", "Business Analyst", "Procurement Manager"),
    "user": ("Account Executive", "Inside Sales Rep", "Customer Success Manager"),
    "gatekeeper": ("Executive Assistant", "Office Manager"),
}
PRODUCTS = ("CRM Starter", "CRM Professional", "CRM Enterprise", "Analytics add-on", "WhatsApp connector")
DEAL_NAME_SUFFIXES = ("seats", "annual licence", "rollout", "renewal", "expansion", "pilot")
# campaign -> (weight, source, medium, terms)
CAMPAIGNS = {
    "website": (18, "web", "organic", ()),
    "google-ads-crm": (14, "advertisement", "cpc", ("crm software", "sales crm india", "lead management tool")),
    "linkedin-abm-q3": (10, "social", "paid-social", ()),
    "spring-launch-2026": (10, "email", "email", ()),
    "webinar-pipeline-hygiene": (9, "event", "webinar", ()),
    "trade-show-mumbai": (8, "event", "booth", ()),
    "partner-referrals": (8, "partner", "referral", ()),
    "customer-referrals": (7, "referral", "word-of-mouth", ()),
    "outbound-q4": (9, "cold_call", "phone", ()),
    "legacy-import": (7, "import", "", ()),
}
LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "Project cancelled",
    "No decision maker engaged",
)
DISQUALIFIED_REASONS = (
    "No budget",
    "Student or job seeker",
    "Competitor researching us",
    "Too small for our product",
    "Outside our sales regions",
    "Unreachable after five attempts",
)
LEAD_NOTES = (
    "",
    "",
    "",
    "Asked for a demo next week.",
    "Currently on spreadsheets; wants pipeline reports.",
    "Evaluating two other vendors.",
    "Needs WhatsApp integration for the field team.",
    "Call back after the quarter closes.",
)
DISPOSABLE_DOMAINS = ("mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com")


class _DemoBuilder:
    """Builds the data set in memory and writes it with bulk_create, backdating created_at/updated_at."""

    def __init__(self, *, company, users: dict, rng: random.Random, now: datetime):
        self.company = company
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.manager = users["manager"]
        self.reps = [users["rep1"], users["rep2"]]

    def build(self) -> dict[type, int]:
        accounts = self._accounts()
        contacts = self._contacts(accounts)
        deals = self._deals(accounts, contacts)
        leads = self._leads(deals)
        return {
            Account: len(accounts),
            Contact: len(contacts),
            Deal: len(deals),
            Lead: len(leads),
        }

    # --- helpers ----------------------------------------------------------------------------------------

    def _weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _country(self) -> str:
        return self.rng.choices(list(COUNTRIES), weights=[weight for weight, _suffix in COUNTRIES.values()])[0]

    def _ago(self, min_days: int, max_days: int) -> datetime:
        """A moment between `min_days` and `max_days` days before now, in working hours of its day."""
        moment = self.now - timedelta(days=self.rng.randint(min_days, max_days))
        return moment.replace(hour=self.rng.randint(3, 14), minute=self.rng.randint(0, 59), second=0, microsecond=0)

    def _phone(self, country: str) -> str:
        def digits(count: int) -> str:
            return "".join(self.rng.choice("0123456789") for _ in range(count))

        return {
            "IN": lambda: "+91" + self.rng.choice("6789") + digits(9),
            "US": lambda: "+1" + self.rng.choice(("212", "312", "415", "617", "206", "512")) + "55501" + digits(2),
            "GB": lambda: "+44207946" + "0" + digits(3),
            "DE": lambda: "+4930" + digits(8),
            "SG": lambda: "+659" + digits(7),
            "AE": lambda: "+97150" + digits(7),
            "AU": lambda: "+6140" + digits(7),
        }[country]()

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    @staticmethod
    def _email(first: str, last: str, domain: str) -> str:
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
        return f"{local}@{domain}"

    def _company_names(self, count: int, *, exclude=()) -> list[tuple[str, str, str]]:
        """`count` distinct (prefix, noun, country) triples."""
        pairs = [(prefix, noun) for prefix in NAME_PREFIXES for noun in NAME_NOUNS if (prefix, noun) not in exclude]
        return [(prefix, noun, self._country()) for prefix, noun in self.rng.sample(pairs, count)]

    def _gstin(self, state: str, name: str, used: set) -> str:
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        while True:
            # PAN: three letters, the holder type (C = company), the name's initial, four digits, a letter.
            pan = (
                "".join(self.rng.choice(letters) for _ in range(3))
                + "C"
                + name[0].upper()
                + f"{self.rng.randint(1000, 9999)}"
                + self.rng.choice(letters)
            )
            first14 = f"{state}{pan}1Z"
            gstin = first14 + gstin_check_character(first14)
            if gstin not in used:
                used.add(gstin)
                return gstin

    def _bulk_create(self, model, objs) -> None:
        """bulk_create, then give back the backdated created_at/updated_at that auto_now(_add) overwrote.

        One parametrised UPDATE run with executemany: bulk_update's CASE expressions take seconds for 500 rows.
        """
        stamps = [(obj.created_at, obj.updated_at) for obj in objs]
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        for obj, (created_at, updated_at) in zip(objs, stamps, strict=True):
            obj.created_at, obj.updated_at = created_at, updated_at
        ops = connection.ops
        table, created, updated, pk = (
            ops.quote_name(name)
            for name in (
                model._meta.db_table,
                model._meta.get_field("created_at").column,
                model._meta.get_field("updated_at").column,
                model._meta.pk.column,
            )
        )
        sql = f"UPDATE {table} SET {created} = %s, {updated} = %s WHERE {pk} = %s"  # noqa: S608 - quoted model names
        rows = [
            (ops.adapt_datetimefield_value(obj.created_at), ops.adapt_datetimefield_value(obj.updated_at), obj.pk)
            for obj in objs
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _owner(self, *, manager_share: float = 0.15):
        return self.manager if self.rng.random() < manager_share else self.rng.choice(self.reps)

    # --- accounts -------------------------------------------------------------------------------------------

    def _accounts(self) -> list:
        used_gstins: set[str] = set()
        accounts = []
        self.account_names = set()
        for index, (prefix, noun, country) in enumerate(self._company_names(DEMO_ACCOUNT_COUNT)):
            self.account_names.add((prefix, noun))
            name = f"{prefix} {noun} {COUNTRIES[country][1]}"
            website = f"https://www.{prefix}{noun}.example.com".lower()
            size = self.rng.choice(COMPANY_SIZES)
            low, high = REVENUE_BY_SIZE[size]
            created_at = self._ago(120, 540)
            gstin = ""
            if country == "IN" and self.rng.random() < 0.8:
                gstin = self._gstin(self.rng.choice(GST_STATE_CODES), prefix, used_gstins)
            account = Account(
                company=self.company,
                created_by=self.manager,
                name=name,
                website=website,
                industry=NAME_NOUNS[noun],
                phone=self._phone(country),
                country=country,
                account_type="prospect",
                company_size=size,
                annual_revenue=Decimal(self.rng.randrange(low, high, 10_000)),
                gstin=gstin,
                health_score="green",
                lifecycle_stage="mqa",
                is_active=True,
                # Three accounts wait for an owner; the rest are split between the reps and the manager.
                account_owner=None if index % 20 == 19 else self._owner(),
                description=f"{NAME_NOUNS[noun]} company, {size} employees.",
                domain=domain_of_website(website),
                name_key=normalise_company_name(name),
            )
            account.created_at = account.updated_at = created_at
            accounts.append(account)
        self._bulk_create(Account, accounts)
        return accounts

    def _classify_accounts(self, accounts, deals) -> None:
        """Type, lifecycle and health follow the deals: a won deal makes a customer."""
        won = {deal.account_id for deal in deals if deal.stage == "closed_won"}
        open_ = {deal.account_id for deal in deals if deal.stage not in ("closed_won", "closed_lost")}
        for account in accounts:
            if account.pk in won:
                account.account_type = "customer"
                account.lifecycle_stage = "customer"
                account.health_score = self._weighted({"green": 6, "yellow": 3, "red": 1})
            elif account.pk in open_:
                account.account_type = "prospect"
                account.lifecycle_stage = "sqa"
                account.health_score = self._weighted({"green": 5, "yellow": 2})
            else:
                account.account_type = self._weighted(
                    {"prospect": 10, "partner": 3, "reseller": 2, "competitor": 1, "customer": 2}
                )
                if account.account_type == "customer":  # a former customer who left
                    account.lifecycle_stage, account.health_score = "churned", "black"
                else:
                    account.lifecycle_stage = "mqa"
                    account.health_score = self._weighted({"green": 4, "yellow": 2, "red": 1})
            if account.account_type == "customer" and account.lifecycle_stage == "churned":
                account.is_active = self.rng.random() < 0.5
                if not account.is_active:
                    account.deactivated_at = self.now - timedelta(days=self.rng.randint(5, 60))
        Account.objects.bulk_update(
            accounts,
            ["account_type", "lifecycle_stage", "health_score", "is_active", "deactivated_at"],
            batch_size=BATCH_SIZE,
        )

    # --- contacts -------------------------------------------------------------------------------------------

    def _contacts(self, accounts) -> list:
        contacts = []
        for account in accounts:
            domain = account.domain
            emails = set()
            for position in range(self.rng.randint(1, 4)):
                first, last = self._person()
                email = self._email(first, last, domain)
                if email in emails:
                    email = email.replace("@", f"{position}@")
                emails.add(email)
                primary = position == 0
                role = (
                    self.rng.choice(("decision_maker", "champion"))
                    if primary
                    else self._weighted({"influencer": 4, "user": 3, "gatekeeper": 1, "champion": 1, "": 1})
                )
                consent = self.rng.random() < 0.7
                created_at = account.created_at + timedelta(days=self.rng.randint(0, 60))
                contact = Contact(
                    company=self.company,
                    created_by=account.account_owner or self.manager,
                    account=account,
                    first_name=first,
                    last_name=last,
                    email=email,
                    phone=self._phone(account.country.code) if self.rng.random() < 0.85 else "",
                    job_title=self.rng.choice(JOB_TITLES[role or "user"]),
                    role=role,
                    preferred_channel=self._weighted(
                        {
                            "email": 5,
                            "whatsapp": 4 if account.country == "IN" else 1,
                            "phone": 3,
                            "sms": 1,
                            "in_person": 1,
                        }
                    ),
                    influence_score="high" if primary else self._weighted({"high": 1, "medium": 3, "low": 2}),
                    is_primary_contact=primary,
                    owner=account.account_owner,
                    gdpr_consent=consent,
                    opt_in_date=timezone.localdate(created_at) if consent else None,
                    dnd_status=self.rng.random() < 0.05,
                )
                contact.created_at = contact.updated_at = min(created_at, self.now)
                contacts.append(contact)
        self._bulk_create(Contact, contacts)
        return contacts

    # --- deals ----------------------------------------------------------------------------------------------

    def _deals(self, accounts, contacts) -> list:
        contacts_by_account: dict[int, list] = {}
        for contact in contacts:
            contacts_by_account.setdefault(contact.account_id, []).append(contact)
        # About three accounts in four have deals; some have several.
        with_deals = self.rng.sample(accounts, 45)
        stage_weights = {
            "prospecting": 16,
            "qualification": 14,
            "proposal": 12,
            "negotiation": 10,
            "closed_won": 16,
            "closed_lost": 12,
        }
        deals = []
        for index in range(DEMO_DEAL_COUNT):
            account = with_deals[index] if index < len(with_deals) else self.rng.choice(with_deals)
            stage = self._weighted(stage_weights)
            account_contacts = contacts_by_account[account.pk]
            roll = self.rng.random()
            primary_contact = account_contacts[0] if roll < 0.8 else self.rng.choice(account_contacts)
            if roll > 0.95:
                primary_contact = None
            owner = account.account_owner if account.account_owner in self.reps else self.rng.choice(self.reps)
            product = self.rng.choice(PRODUCTS)
            deal = Deal(
                company=self.company,
                created_by=owner,
                name=f"{' '.join(account.name.split()[:2])} - {product} {self.rng.choice(DEAL_NAME_SUFFIXES)}",
                account=account,
                primary_contact=primary_contact,
                owner=owner,
                stage=stage,
                amount=Decimal(self.rng.randrange(2_000, 150_000, 500)),
                currency=self.company.currency,
                description=f"{product} for {account.industry.lower()}.",
            )
            if stage in ("closed_won", "closed_lost"):
                deal.closed_at = self._ago(1, 85)
                deal.expected_close_date = timezone.localdate(deal.closed_at) + timedelta(days=self.rng.randint(-5, 5))
                deal.created_at = deal.closed_at - timedelta(days=self.rng.randint(20, 120))
            else:
                # Mostly in the next six months; a few have slipped past their date.
                deal.expected_close_date = self.today + timedelta(days=self.rng.randint(-20, 180))
                deal.created_at = self._ago(5, 120)
            deal.created_at = max(deal.created_at, account.created_at)
            deal.updated_at = deal.closed_at or deal.created_at
            if stage in ("prospecting", "qualification", "proposal", "negotiation") and self.rng.random() < 0.15:
                deal.probability_is_manual = True
            deal.apply_stage_defaults()
            if deal.probability_is_manual:
                deal.probability = max(5, min(95, deal.probability + self.rng.choice((-15, -10, -5, 5, 10, 15))))
            if stage == "closed_lost":
                deal.lost_reason = self.rng.choice(LOST_REASONS)
            deals.append(deal)
        self._bulk_create(Deal, deals)
        self._classify_accounts(accounts, deals)
        return deals

    # --- leads ----------------------------------------------------------------------------------------------

    def _campaign_fields(self) -> dict:
        campaign = self.rng.choices(list(CAMPAIGNS), weights=[spec[0] for spec in CAMPAIGNS.values()])[0]
        _weight, source, medium, terms = CAMPAIGNS[campaign]
        fields = {"campaign": campaign, "source": source, "medium": medium, "term": ""}
        if terms:
            fields["term"] = self.rng.choice(terms)
            fields["content"] = self.rng.choice(("text-ad-a", "text-ad-b"))
        if source == "web":
            fields["submitted_ip"] = f"203.0.113.{self.rng.randint(1, 254)}"
        return fields

    def _score(self, lead) -> int:
        """A plausible rule-based score: BANT fit, completeness, source, plus noise."""
        score = 15
        score += {"decision_maker": 25, "influencer": 12, "end_user": 5, "gatekeeper": 2}.get(lead.authority_level, 0)
        score += {"gt_500k": 20, "100k_500k": 16, "50k_100k": 12, "10k_50k": 8, "lt_10k": 2}.get(lead.budget_range, 0)
        score += {"immediate": 15, "1_3_months": 12, "3_6_months": 7, "6_12_months": 3}.get(lead.timeline, 0)
        score += 5 if lead.phone else 0
        score += 8 if lead.source in ("referral", "partner") else 0
        score += self.rng.randint(-8, 8)
        return max(0, min(100, score))

    def _lead(self, *, status: str, created_at: datetime, **fields):
        lead = Lead(company=self.company, status=status, **fields)
        lead.sync_names()
        lead.created_at = created_at
        lead.updated_at = min(created_at + timedelta(days=self.rng.randint(0, 10)), self.now)
        return lead

    def _leads(self, deals) -> list:
        leads = self._converted_leads(deals)
        lead_companies = self._company_names(150, exclude=self.account_names)
        normal_count = DEMO_LEAD_COUNT - len(leads) - DUPLICATE_LEAD_COUNT - SPAM_LEAD_COUNT
        statuses = {"new": 35, "contacted": 30, "qualified": 20, "disqualified": 15}
        for _ in range(normal_count):
            leads.append(self._open_or_closed_lead(self._weighted(statuses), self.rng.choice(lead_companies)))
        leads.extend(self._spam_lead() for _ in range(SPAM_LEAD_COUNT))
        self._bulk_create(Lead, leads)
        candidates = [lead for lead in leads if lead.status in ("new", "contacted") and lead.email]
        duplicates = [self._duplicate_lead(original) for original in self.rng.sample(candidates, DUPLICATE_LEAD_COUNT)]
        self._bulk_create(Lead, duplicates)
        return leads + duplicates

    def _converted_leads(self, deals) -> list:
        """Leads that became deals: the lead links to the account, contact and deal; the deal has its attribution."""
        sources = [deal for deal in deals if deal.primary_contact is not None]
        converted = []
        for deal in self.rng.sample(sources, CONVERTED_LEAD_COUNT):
            contact = deal.primary_contact
            attribution = self._campaign_fields()
            converted_at = deal.created_at
            lead = self._lead(
                status="converted",
                created_at=converted_at - timedelta(days=self.rng.randint(3, 40)),
                first_name=contact.first_name,
                last_name=contact.last_name,
                email=contact.email,
                phone=contact.phone,
                company_name=deal.account.name,
                job_title=contact.job_title,
                country=deal.account.country,
                stage="decision",
                lead_owner=deal.owner,
                created_by=deal.owner,
                interest_product=self.rng.choice(PRODUCTS),
                budget_range=self.rng.choice(("10k_50k", "50k_100k", "100k_500k")),
                authority_level=self.rng.choice(("decision_maker", "influencer")),
                timeline=self.rng.choice(("immediate", "1_3_months")),
                gdpr_consent=contact.gdpr_consent,
                opt_in_date=contact.opt_in_date,
                validation_status="valid",
                spam_score=self.rng.randint(0, 15),
                converted_to_account=deal.account,
                converted_contact=contact,
                converted_deal=deal,
                converted_at=converted_at,
                **attribution,
            )
            lead.lead_score = max(60, self._score(lead))
            converted.append(lead)
            deal.source, deal.campaign = attribution["source"], attribution["campaign"]
            deal.medium, deal.term = attribution["medium"], attribution["term"]
        Deal.objects.bulk_update(
            [lead.converted_deal for lead in converted], ["source", "campaign", "medium", "term"], batch_size=BATCH_SIZE
        )
        return converted

    def _open_or_closed_lead(self, status: str, company: tuple[str, str, str]):
        prefix, noun, country = company
        first, last = self._person()
        domain = f"{prefix}{noun}.example.com".lower()
        attribution = self._campaign_fields()
        created_at = self._ago(0, 30) if status == "new" else self._ago(7, 180)
        if status == "new":
            owner = None if self.rng.random() < 0.6 else self._owner(manager_share=0.05)
        else:
            owner = self._owner(manager_share=0.1)
        stage = {
            "new": {"awareness": 9, "consideration": 1},
            "contacted": {"awareness": 5, "consideration": 4, "decision": 1},
            "qualified": {"consideration": 5, "decision": 5},
            "disqualified": {"awareness": 6, "consideration": 3, "decision": 1},
        }[status]
        has_bant = status in ("qualified", "contacted") or self.rng.random() < 0.3
        budgets = {"lt_10k": 2, "10k_50k": 4, "50k_100k": 3, "100k_500k": 2, "gt_500k": 1}
        authorities = {"decision_maker": 3, "influencer": 4, "end_user": 2, "gatekeeper": 1}
        timelines = {"immediate": 1, "1_3_months": 3, "3_6_months": 3, "6_12_months": 2, "12_plus_months": 1}
        phone = self._phone(country) if self.rng.random() < 0.8 else ""
        email = self._email(first, last, domain) if self.rng.random() < 0.95 or not phone else ""
        invalid = self.rng.random() < 0.04 and phone
        if invalid:
            phone = phone[:7]  # a truncated number: cleaning marks the lead invalid
        consent = self.rng.random() < 0.65
        # The legacy full name only: what an old import or a web form with one "name" box leaves.
        only_full_name = attribution["source"] == "import" or self.rng.random() < 0.1
        lead = self._lead(
            status=status,
            created_at=created_at,
            first_name="" if only_full_name else first,
            last_name="" if only_full_name else last,
            lead_name=f"{first} {last}" if only_full_name else "",
            email=email,
            phone=phone,
            company_name=f"{prefix} {noun} {COUNTRIES[country][1]}",
            job_title=self.rng.choice(LEAD_JOB_TITLES),
            country=country,
            stage=self._weighted(stage),
            lead_owner=owner,
            created_by=None if attribution["source"] == "web" else (owner or self.manager),
            interest_product=self.rng.choice(PRODUCTS) if has_bant or self.rng.random() < 0.5 else "",
            budget_range=self._weighted(budgets) if has_bant else "",
            authority_level=self._weighted(authorities) if has_bant else "unknown",
            timeline=self._weighted(timelines) if has_bant else "unknown",
            disqualified_reason=self.rng.choice(DISQUALIFIED_REASONS) if status == "disqualified" else "",
            gdpr_consent=consent,
            opt_in_date=timezone.localdate(created_at) if consent else None,
            dnd_status=self.rng.random() < 0.06,
            validation_status="invalid" if invalid else "valid",
            spam_score=self.rng.randint(0, 30),
            notes=self.rng.choice(LEAD_NOTES),
            **attribution,
        )
        lead.lead_score = self._score(lead)
        return lead

    def _spam_lead(self):
        junk = "".join(self.rng.choice("qwrtzpsdfghjklxcvbnm") for _ in range(self.rng.randint(6, 10)))
        return self._lead(
            status="new",
            created_at=self._ago(0, 20),
            lead_name=f"{junk.title()} {junk[::-1]}",
            email=f"{junk}@{self.rng.choice(DISPOSABLE_DOMAINS)}",
            company_name=junk.upper(),
            source="web",
            campaign="website",
            medium="organic",
            submitted_ip=f"198.51.100.{self.rng.randint(1, 254)}",
            validation_status="valid",
            spam_score=self.rng.randint(72, 98),
            lead_score=self.rng.randint(0, 10),
            notes=f"Cheap followers and backlinks!!! http://{junk}.example.net/offer",
        )

    def _duplicate_lead(self, original):
        """The same person again, from another campaign: flagged as a duplicate of the first lead."""
        attribution = self._campaign_fields()
        created_at = original.created_at + (self.now - original.created_at) * self.rng.uniform(0.2, 0.9)
        lead = self._lead(
            status="new",
            created_at=created_at,
            first_name=original.first_name.upper() if original.first_name else "",
            last_name=original.last_name,
            lead_name=original.lead_name if not original.first_name else "",
            email=original.email,
            phone=original.phone,
            company_name=original.company_name,
            job_title=original.job_title,
            country=original.country,
            lead_owner=original.lead_owner,
            created_by=None if attribution["source"] == "web" else self.manager,
            gdpr_consent=original.gdpr_consent,
            opt_in_date=original.opt_in_date,
            validation_status="valid",
            spam_score=self.rng.randint(0, 20),
            is_duplicate=True,
            duplicate_of=original,
            **attribution,
        )
        lead.lead_score = self._score(lead)
        return lead
