"""factory-boy factories for every model. Related records default to the same Company."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Account, AccountType, CompanySize, Health, Lifecycle
from activities.models import SCHEDULED_KINDS, Activity, ActivityKind
from contacts.models import Channel, Contact, ContactRole, Influence
from crm.models import Company, Membership, Role, Source
from deals.models import STAGE_FORECAST_CATEGORY, STAGE_PROBABILITY, Deal, DealStage
from leads.models import AuthorityLevel, BudgetRange, Lead, LeadStage, LeadStatus, Timeline


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    currency = "USD"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass-word-123")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Role.REP


def member(company, role=Role.REP, **user_fields):
    """A user who belongs to `company` with `role`."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, company=company, role=role)
    return user


class TenantFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    company = factory.SubFactory(CompanyFactory)


class AccountFactory(TenantFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    website = factory.LazyAttributeSequence(lambda o, n: f"https://www.account{n}.example.com")
    industry = factory.Faker("random_element", elements=["Software", "Manufacturing", "Retail", "Finance", "Health"])
    country = "US"
    account_type = AccountType.PROSPECT
    company_size = factory.Faker("random_element", elements=CompanySize.values)
    annual_revenue = factory.Faker("pydecimal", left_digits=8, right_digits=2, positive=True)
    health_score = Health.GREEN
    lifecycle_stage = Lifecycle.MQA


class ContactFactory(TenantFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory, company=factory.SelfAttribute("..company"))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttributeSequence(lambda o, n: f"contact{n}@example.com")
    job_title = factory.Faker("job")
    role = ContactRole.INFLUENCER
    preferred_channel = Channel.EMAIL
    influence_score = Influence.MEDIUM


class DealFactory(TenantFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    account = factory.SubFactory(AccountFactory, company=factory.SelfAttribute("..company"))
    stage = DealStage.PROSPECTING
    amount = Decimal("10000.00")
    currency = "USD"
    probability = factory.LazyAttribute(lambda o: STAGE_PROBABILITY[o.stage])
    forecast_category = factory.LazyAttribute(lambda o: STAGE_FORECAST_CATEGORY[o.stage])
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    closed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.stage in (DealStage.CLOSED_WON, DealStage.CLOSED_LOST) else None
    )
    lost_reason = factory.LazyAttribute(lambda o: "Price" if o.stage == DealStage.CLOSED_LOST else "")


class LeadFactory(TenantFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttributeSequence(lambda o, n: f"lead{n}@corp{n}.example.com")
    company_name = factory.Faker("company")
    job_title = factory.Faker("job")
    country = "US"
    source = Source.WEB
    campaign = "spring-launch"
    medium = "cpc"
    status = LeadStatus.NEW
    stage = LeadStage.AWARENESS
    authority_level = AuthorityLevel.UNKNOWN
    budget_range = BudgetRange.FROM_10K
    timeline = Timeline.WITHIN_3_MONTHS
    disqualified_reason = factory.LazyAttribute(lambda o: "No budget" if o.status == LeadStatus.DISQUALIFIED else "")


class ActivityFactory(TenantFactory):
    """A call logged on a lead by default; pass `lead=None, deal=...` (etc.) for another record."""

    class Meta:
        model = Activity

    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Activity {n}")
    lead = factory.SubFactory(LeadFactory, company=factory.SelfAttribute("..company"))
    done_at = factory.LazyAttribute(lambda o: None if o.kind in SCHEDULED_KINDS else timezone.now())
    due_at = factory.LazyAttribute(lambda o: timezone.now() + timedelta(days=1) if o.kind in SCHEDULED_KINDS else None)
