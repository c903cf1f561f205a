"""Many leads, fast: bulk_create with the fields a list shows, spread over owners and the queue."""

import pytest

from leads.models import Lead, LeadStatus


def bulk_leads(company, count, *, owners=(None,), start=0, **fields):
    """`count` leads of `company` (numbered from `start`), owned in turn by each of `owners` (None: the queue)."""
    values = {"campaign": "webinar-2025", "status": LeadStatus.QUALIFIED, **fields}
    leads = [
        Lead(
            company=company,
            first_name="Grace",
            last_name=f"Hopper{number}",
            lead_name=f"Grace Hopper{number}",
            email=f"grace.hopper{number}@navy.example.com",
            phone=f"+1415555{number:04d}",
            company_name=f"Navy {number}",
            lead_owner=owners[number % len(owners)],
            **values,
        )
        for number in range(start, start + count)
    ]
    return Lead.objects.bulk_create(leads, batch_size=500)


@pytest.fixture
def make_leads():
    return bulk_leads
