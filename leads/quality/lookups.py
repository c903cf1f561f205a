"""`field__any_of=[...]`: `field = ANY(%s)` with the values as one array parameter, for the batch queries.

An import batch looks a thousand emails, phones and name keys up at once. `__in` builds and binds one placeholder
per value (Django prepares each, psycopg splits and quotes the query text around each), which costs more than
PostgreSQL takes to answer; one array parameter costs almost nothing. `in_values(name, values)` picks it on
PostgreSQL and `__in` elsewhere. `register_lookups()` adds it to the fields the quality queries filter on; the
leads app calls it in `LeadsConfig.ready`, once every model is loaded.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Lookup, Q

from contacts.models import Contact
from leads.models import Lead

# The fields `in_values` is asked about, per model.
ANY_OF_FIELDS = ((Lead, ("email", "phone", "name_key")), (Contact, ("email", "phone")))


def array_literal(values) -> str:
    """PostgreSQL's text form of a text array: `{"a","b \\"c\\""}`. Written here, in one join, because psycopg adapts a
    Python list item by item, which costs more than the query takes for a thousand values."""
    quoted = (str(value).replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::text[])", (*lhs_params, array_literal(self.rhs))


def in_values(name: str, values) -> Q:
    """Q(name__in=values), as `= ANY(array)` on PostgreSQL."""
    if connection.vendor == "postgresql":
        return Q(**{f"{name}__any_of": list(values)})
    return Q(**{f"{name}__in": values})


def register_lookups() -> None:
    for model, names in ANY_OF_FIELDS:
        for name in names:
            model._meta.get_field(name).register_lookup(AnyOf)
