"""A hand-computed fixture for the pipeline board, the forecast and the dashboard.

"Today" is pinned to Monday 16 November 2026: the quarter is Q4 2026 (1 Oct - 31 Dec), the month November.
The company's currency is USD. Every expected figure in the tests below is worked out by hand from this table:

| deal | owner     | stage         | amount    | prob | category    | close date | closed at  |
| D1   | rep       | prospecting   | 10000.00  | 10   | worst_case  | 2026-11-20 |            |
| D2   | rep       | qualification | 20000.30  | 25   | most_likely | 2026-12-15 |            |
| D3   | rep       | negotiation   | 40000.00  | 75   | commit      | 2026-11-20 |            |
| D4   | other_rep | proposal      | 30000.00  | 50   | best_case   | 2026-12-15 |            |
| D5   | other_rep | negotiation   | 50000.00  | 80*  | best_case*  | 2027-01-10 |            |  (* set by hand)
| D6   | other_rep | proposal      | 15000.50  | 50   | best_case   | 2026-09-20 |            |  (overdue)
| D7   | rep       | closed_won    | 25000.00  | 100  | closed      | 2026-11-10 | 2026-11-10 |
| D8   | other_rep | closed_lost   | 12000.00  | 0    | closed      | 2026-11-12 | 2026-11-12 |
| D9   | rep       | closed_won    |  9000.00  | 100  | closed      | 2026-09-15 | 2026-09-15 |  (last quarter)
| D10  | rep       | prospecting   |  7000 EUR | 10   | worst_case  | 2026-11-20 |            |  (other currency)

Weighted amounts: D1 1000, D2 5000.075, D3 30000, D4 15000, D5 40000, D6 7500.25.

Leads (all captured 2026-11-02; L11 is merged and left out of the funnel):

| lead | owner     | status       | source   | campaign     | medium | converted to |
| L1   | rep       | new          | web      | spring       | cpc    |              |
| L2   | rep       | new          | web      | spring       | cpc    |              |
| L3   | rep       | contacted    | referral | partner-week | email  |              |
| L4   | other_rep | contacted    | web      | spring       | cpc    |              |
| L5   | rep       | qualified    | referral | partner-week | email  |              |
| L6   | -         | disqualified | event    | expo         |        |              |
| L7   | rep       | converted    | web      | spring       | cpc    | D7 (won)     |
| L8   | rep       | converted    | referral | partner-week | email  | D3 (open)    |
| L9   | other_rep | converted    | event    | expo         |        | D8 (lost)    |
| L10  | rep       | converted    | web      | retarget     | cpc    | D9 (won)     |
| L11  | -         | merged       | web      | spring       | cpc    |              |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import AccountType, Lifecycle
from deals.models import DealStage, ForecastCategory
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, DealFactory, LeadFactory

TODAY = date(2026, 11, 16)
CAPTURED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MARKER = "GLOBEX-PLANTED-MARKER-7431"


def pin_today(monkeypatch, today: date = TODAY) -> None:
    """Make `timezone.localdate()` (no argument) return `today`; calls with a value keep working."""
    original = timezone.localdate

    def localdate(value=None, timezone=None):
        if value is None:
            return today
        return original(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@dataclass
class Scenario:
    deals: dict
    leads: dict
    account: object
    other_company_deal: object


def build(*, company, rep, other_rep, outsider) -> Scenario:
    account = AccountFactory(
        company=company, name="Initech", account_type=AccountType.PROSPECT, lifecycle_stage=Lifecycle.SQA
    )
    other_account = AccountFactory(company=company, name="Hooli")

    def deal(name, owner, stage, amount, probability, category, close, closed=None, currency="USD", **extra):
        return DealFactory(
            company=company,
            account=account if owner == rep else other_account,
            name=name,
            owner=owner,
            stage=stage,
            amount=Decimal(amount),
            currency=currency,
            probability=probability,
            forecast_category=category,
            expected_close_date=close,
            closed_at=_at(closed) if closed else None,
            **extra,
        )

    # fmt: off
    deals = {
        "D1": deal("D1 Initech pilot", rep, DealStage.PROSPECTING, "10000.00", 10, ForecastCategory.WORST_CASE,
                   date(2026, 11, 20)),
        "D2": deal("D2 Initech upgrade", rep, DealStage.QUALIFICATION, "20000.30", 25, ForecastCategory.MOST_LIKELY,
                   date(2026, 12, 15)),
        "D3": deal("D3 Initech renewal", rep, DealStage.NEGOTIATION, "40000.00", 75, ForecastCategory.COMMIT,
                   date(2026, 11, 20)),
        "D4": deal("D4 Hooli platform", other_rep, DealStage.PROPOSAL, "30000.00", 50, ForecastCategory.BEST_CASE,
                   date(2026, 12, 15)),
        "D5": deal("D5 Hooli expansion", other_rep, DealStage.NEGOTIATION, "50000.00", 80, ForecastCategory.BEST_CASE,
                   date(2027, 1, 10), probability_is_manual=True, forecast_category_is_manual=True),
        "D6": deal("D6 Hooli support", other_rep, DealStage.PROPOSAL, "15000.50", 50, ForecastCategory.BEST_CASE,
                   date(2026, 9, 20)),
        "D7": deal("D7 Initech licences", rep, DealStage.CLOSED_WON, "25000.00", 100, ForecastCategory.CLOSED,
                   date(2026, 11, 10), closed=date(2026, 11, 10)),
        "D8": deal("D8 Hooli training", other_rep, DealStage.CLOSED_LOST, "12000.00", 0, ForecastCategory.CLOSED,
                   date(2026, 11, 12), closed=date(2026, 11, 12), lost_reason="Price"),
        "D9": deal("D9 Initech audit", rep, DealStage.CLOSED_WON, "9000.00", 100, ForecastCategory.CLOSED,
                   date(2026, 9, 15), closed=date(2026, 9, 15)),
        "D10": deal("D10 Initech Berlin", rep, DealStage.PROSPECTING, "7000.00", 10, ForecastCategory.WORST_CASE,
                    date(2026, 11, 20), currency="EUR"),
    }
    # fmt: on

    def lead(name, owner, status, source, campaign, medium, converted_deal=None, **extra):
        return LeadFactory(
            company=company,
            lead_name="",
            first_name=name,
            last_name="Lead",
            lead_owner=owner,
            status=status,
            source=source,
            campaign=campaign,
            medium=medium,
            converted_deal=converted_deal,
            converted_to_account=converted_deal.account if converted_deal else None,
            converted_at=CAPTURED_AT if converted_deal else None,
            **extra,
        )

    leads = {
        "L1": lead("L1", rep, LeadStatus.NEW, "web", "spring", "cpc"),
        "L2": lead("L2", rep, LeadStatus.NEW, "web", "spring", "cpc"),
        "L3": lead("L3", rep, LeadStatus.CONTACTED, "referral", "partner-week", "email"),
        "L4": lead("L4", other_rep, LeadStatus.CONTACTED, "web", "spring", "cpc"),
        "L5": lead("L5", rep, LeadStatus.QUALIFIED, "referral", "partner-week", "email"),
        "L6": lead("L6", None, LeadStatus.DISQUALIFIED, "event", "expo", "", disqualified_reason="No budget"),
        "L7": lead("L7", rep, LeadStatus.CONVERTED, "web", "spring", "cpc", deals["D7"]),
        "L8": lead("L8", rep, LeadStatus.CONVERTED, "referral", "partner-week", "email", deals["D3"]),
        "L9": lead("L9", other_rep, LeadStatus.CONVERTED, "event", "expo", "", deals["D8"]),
        "L10": lead("L10", rep, LeadStatus.CONVERTED, "web", "retarget", "cpc", deals["D9"]),
    }
    leads["L11"] = lead("L11", None, LeadStatus.MERGED, "web", "spring", "cpc", merged_into=leads["L1"])
    Lead.objects.filter(company=company).update(created_at=CAPTURED_AT)

    # Another Company's records, carrying a marker that must never show up on our pages.
    other_company = outsider.membership.company
    other_account = AccountFactory(company=other_company, name=f"{MARKER} account")
    other_company_deal = DealFactory(
        company=other_company,
        account=other_account,
        owner=outsider,
        name=f"{MARKER} deal",
        stage=DealStage.NEGOTIATION,
        amount=Decimal("999999.00"),
        currency="USD",
        probability=75,
        forecast_category=ForecastCategory.COMMIT,
        expected_close_date=date(2026, 11, 20),
    )
    other_lead = LeadFactory(
        company=other_company, lead_owner=outsider, first_name=MARKER, source="web", campaign=f"{MARKER}-campaign"
    )
    Lead.objects.filter(pk=other_lead.pk).update(created_at=CAPTURED_AT)
    return Scenario(deals=deals, leads=leads, account=account, other_company_deal=other_company_deal)
