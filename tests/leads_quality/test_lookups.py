"""`in_values`: the batch queries' `field = ANY(array)` finds exactly what `__in` finds, whatever the values hold."""

import pytest
from django.apps import apps
from django.db import connection

from contacts.models import Contact
from leads.models import Lead
from leads.quality.lookups import ANY_OF_FIELDS, AnyOf, array_literal, in_values, register_lookups
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


class TestRegistration:
    def test_the_any_of_lookup_is_registered_on_each_field_once_the_apps_are_loaded(self):
        fields = [(Lead, "email"), (Lead, "phone"), (Lead, "name_key"), (Contact, "email"), (Contact, "phone")]

        registered = [model._meta.get_field(name).get_lookup("any_of") for model, name in fields]

        assert registered == [AnyOf] * len(fields)

    def test_the_leads_app_registers_it_when_ready(self):
        fields = [model._meta.get_field(name) for model, names in ANY_OF_FIELDS for name in names]
        for field in fields:
            field._unregister_lookup(AnyOf)
        assert [field.get_lookup("any_of") for field in fields] == [None] * len(fields)

        try:
            apps.get_app_config("leads").ready()
            registered = [field.get_lookup("any_of") for field in fields]
        finally:
            register_lookups()

        assert registered == [AnyOf] * len(fields)
