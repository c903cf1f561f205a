"""`in_values`: the batch queries' `field = ANY(array)` finds exactly what `__in` finds, whatever the values hold."""

import pytest
from django.db import connection

from leads.models import Lead
from leads.quality.lookups import array_literal, in_values
from tests.factories import LeadFactory

NASTY = [
    'quote"inside',
    "back\\slash",
    "trailing\\",
    "comma,brace}{",
    "  spaces  ",
    "NULL",
    "",
    "ünïcødé ✓",
    "new\nline\ttab",
    "a'apostrophe",
]

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array literal")


@postgres_only
@pytest.mark.django_db
def test_the_array_literal_reads_back_as_the_same_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [array_literal(NASTY)])
        assert cursor.fetchone()[0] == NASTY


@pytest.mark.django_db
def test_in_values_finds_exactly_the_leads_with_those_values(company, other_company):
    wanted = [LeadFactory(company=company, email=f"{value}@example.com") for value in NASTY]
    LeadFactory(company=company, email="someone@example.com")
    LeadFactory(company=other_company, email=f"{NASTY[0]}@example.com")

    found = Lead.objects.filter(company=company).filter(in_values("email", [lead.email for lead in wanted]))

    assert sorted(found.values_list("pk", flat=True)) == sorted(lead.pk for lead in wanted)
