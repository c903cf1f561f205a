"""Writing an import batch's new leads, their "created" history rows and the import's row records, fast.

On PostgreSQL the rows go in with `COPY ... FROM STDIN` (psycopg 3 `cursor.copy`): the batch's primary keys are
taken from the table's sequence first (one query), so a lead that duplicates an earlier lead of the same batch
points at it straight away and the history rows can be written next to the leads, without Django preparing
fifty columns per row for an INSERT. Everything runs inside the caller's transaction, so a failed batch rolls
back whole, as with `bulk_create`.

Elsewhere (SQLite) the same happens through `Lead.objects.bulk_create` (which records the history rows itself),
in rounds: a lead that duplicates an earlier lead of the batch needs that lead's primary key first.

While PostgreSQL takes a batch in (tens of milliseconds for a thousand leads, most of it maintaining the search
index), the import has other work that needs no database: reading and validating the next batch. So the rows are
formatted as COPY data here, then sent by a second thread through the same connection while this thread runs the
caller's `meanwhile`; the two never use the connection at the same time (the caller's next query waits for the
send to finish), and the rows stay inside the caller's transaction.

Both paths write the same rows: `tests/leads_import/test_writer.py` compares them column by column.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from typing import TypeVar

import psycopg
from django.db import connection, models
from django.utils import timezone
from django_countries.fields import CountryField

from crm.history import current_reason
from leads.importing.models import LeadImportRow
from leads.models import Lead

T = TypeVar("T")

# Refresh the planner's statistics of the lead table when an import has added this many leads, then twice as many...
ANALYZE_FIRST = 2000
ANALYZE_GROWTH = 2
# ...for the columns the pipeline's queries filter on (a full ANALYZE also samples the search index's expression,
# ten times slower).
ANALYZE_COLUMNS = ("company_id", "email", "phone", "name_key", "created_at", "status")


class Analyzer:
    """Keeps PostgreSQL's statistics of the lead table fresh while an import grows a Company from few leads to many.

    Without it the planner still believes the Company has the handful of leads it had before the import, and
    answers each batch's duplicate and velocity queries by reading every lead of the Company: each batch gets
    slower than the one before. ANALYZE of a few columns takes a fraction of a second and runs after 2,000,
    4,000, 8,000, ... new leads (so about log2(rows) times). It takes no lock that blocks reads or writes.
    """

    def __init__(self):
        self.next_at = ANALYZE_FIRST

    def after_batch(self, created: int) -> None:
        if created < self.next_at or not uses_copy():
            return
        while self.next_at <= created:
            self.next_at *= ANALYZE_GROWTH
        quote = connection.ops.quote_name
        columns = ", ".join(quote(Lead._meta.get_field(name).column) for name in ANALYZE_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(Lead._meta.db_table)} ({columns})")


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


def create_leads(leads: Sequence[Lead], *, copy: bool | None = None, meanwhile: Callable[[], T] = lambda: None) -> T:
    """Insert `leads` (unsaved, in file order) and one "created" history row each; sets their primary keys.

    Runs `meanwhile()` (which must not use the database) while the database takes the rows in, and returns what it
    returns: with COPY the two overlap; elsewhere it runs after the insert.
    """
    if leads and (copy if copy is not None else uses_copy()):
        return _copy_leads(leads, meanwhile)
    if leads:
        _bulk_create_leads(leads)
    return meanwhile()


def create_import_rows(lead_import, records: Sequence[tuple], *, copy: bool | None = None) -> None:
    """Insert the import's per-row records, given as (lead_id, row_number, action, lead_updated_at) tuples."""
    if not records:
        return
    if copy if copy is not None else uses_copy():
        table = _Table.of(LeadImportRow, with_pk=False)
        # (lead_import_id, *record) in the order of the table's columns (the model's, without the primary key).
        position = {"lead_import_id": 0, "lead_id": 1, "row_number": 2, "action": 3, "lead_updated_at": 4}
        pick = itemgetter(*(position[attname] for attname in table.attnames))
        with connection.cursor() as cursor:
            table.copy(cursor, [pick((lead_import.pk, *record)) for record in records])
    else:
        LeadImportRow.objects.bulk_create(
            [
                LeadImportRow(
                    lead_import=lead_import,
                    lead_id=lead_id,
                    row_number=row_number,
                    action=action,
                    lead_updated_at=updated_at,
                )
                for lead_id, row_number, action, updated_at in records
            ],
            batch_size=1000,
        )


def _bulk_create_leads(leads: Sequence[Lead]) -> None:
    pending = list(leads)
    while pending:
        ready, waiting = [], []
        for lead in pending:
            original = _cached_original(lead)
            (waiting if original is not None and original.pk is None else ready).append(lead)
        if not ready:
            raise RuntimeError("Circular duplicates within a batch.")
        Lead.objects.bulk_create(ready, batch_size=1000)
        pending = waiting


def _cached_original(lead: Lead) -> Lead | None:
    return Lead._meta.get_field("duplicate_of").get_cached_value(lead, default=None)


def _copy_leads(leads: Sequence[Lead], meanwhile: Callable[[], T]) -> T:
    table = _Table.of(Lead, with_pk=True)
    history = _HistoryTable.of(Lead)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(Lead._meta.db_table), Lead._meta.pk.column, len(leads)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for lead, pk in zip(leads, ids, strict=True):
        lead.pk = pk
    _resolve_related(leads)
    now = timezone.now()
    shared: dict[int, str] = {}
    rows = [table.row(lead, now, shared) for lead in leads]
    copies = [table.formatted(rows), history.formatted(history.rows(leads, now, update=False, rows=rows, table=table))]
    result = _send_while(copies, meanwhile)
    for lead in leads:
        lead._state.adding = False
        lead._state.db = connection.alias
    return result


class _Collect(psycopg.copy.Writer):
    """A COPY writer that keeps the formatted data (psycopg's "stream data into a file for later use")."""

    def __init__(self):
        self.parts: list = []

    def write(self, data) -> None:
        self.parts.append(data)


def _send_while(copies: list[tuple[str, list]], meanwhile: Callable[[], T]) -> T:
    """Send the formatted `copies` from a second thread while this one runs `meanwhile()`; return its result.

    An error of the COPY (a constraint, a lost connection) is raised here, after both are done, so it fails the
    caller's transaction as if the COPY had run in this thread.
    """
    raw = connection.connection  # psycopg's connection: thread-safe, and this thread leaves it alone meanwhile
    failure: list[BaseException] = []

    def send() -> None:
        try:
            with raw.cursor() as cursor:
                for statement, parts in copies:
                    with cursor.copy(statement) as copy:
                        for part in parts:
                            copy.write(part)
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    sender = threading.Thread(target=send, name="lead-import-copy")
    sender.start()
    try:
        return meanwhile()
    finally:
        sender.join()
        if failure:
            raise failure[0]


def _resolve_related(objs: Sequence[models.Model]) -> None:
    """What `Model.save()` does for a related object assigned before it had a primary key."""
    model = type(objs[0])
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        cache = obj._state.fields_cache
        if not cache:
            continue
        for fld in relations:
            related = cache.get(fld.name)
            if related is None:
                continue
            if related.pk is None:
                raise ValueError(f"save() prohibited to prevent data loss due to unsaved related object '{fld.name}'.")
            if getattr(obj, fld.attname) in fld.empty_values:
                setattr(obj, fld.attname, related.pk)


def _converter(fld: models.Field) -> Callable[[object], object] | None:
    """How a value of `fld` goes into a COPY row: None when the attribute's value goes as it is."""
    if isinstance(fld, models.JSONField):
        return _JsonText(fld.encoder)
    if isinstance(fld, CountryField):
        return lambda value: str(getattr(value, "code", value) or "")
    if isinstance(fld, models.GenericIPAddressField):
        return lambda value: fld.get_prep_value(value) or None
    if isinstance(
        fld,
        models.CharField
        | models.TextField
        | models.IntegerField
        | models.BooleanField
        | models.DateField  # DateTimeField too
        | models.FloatField
        | models.DecimalField
        | models.ForeignKey
        | models.UUIDField,
    ):
        return None
    return lambda value, fld=fld: fld.get_db_prep_save(value, connection)


class _JsonText:
    """A JSON field's value as text, as `json.dumps(value, cls=encoder)` writes it.

    With `shared` (a dict the caller keeps for one batch of rows), a value that several objects hold (the same
    object: leads with the same features share their score factors) is encoded once.
    """

    def __init__(self, encoder):
        self.encode = (encoder or json.JSONEncoder)().encode

    def __call__(self, value, shared: dict[int, str] | None = None):
        if value is None:
            return None
        if value == []:
            return "[]"
        if shared is None:
            return self.encode(value)
        text = shared.get(id(value))  # the objects are alive for as long as `shared` is used: ids are unique
        if text is None:
            text = shared[id(value)] = self.encode(value)
        return text


class _Table:
    """A model's concrete columns, read from instances in one C call and fixed up where the type needs it."""

    _cache: dict[tuple[type[models.Model], bool], _Table] = {}

    def __init__(self, model: type[models.Model], *, with_pk: bool):
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.db_table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.attnames = [f.attname for f in fields]
        self._read(fields)
        self.auto_now = [
            f.attname
            for f in fields
            if isinstance(f, models.DateField) and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]

    def _read(self, fields) -> None:
        # A field whose descriptor builds an object on every read (django-countries' Country) is read raw.
        raw = {f.attname for f in fields if isinstance(f, CountryField)}
        self.get = attrgetter(*("_state" if f.attname in raw else f.attname for f in fields))
        self.raw = [(i, f.attname) for i, f in enumerate(fields) if f.attname in raw]
        converters = [(i, conv) for i, f in enumerate(fields) if (conv := _converter(f)) is not None]
        self.fixes = [(i, conv) for i, conv in converters if not isinstance(conv, _JsonText)]
        self.json = [(i, conv) for i, conv in converters if isinstance(conv, _JsonText)]

    @classmethod
    def of(cls, model, *, with_pk: bool) -> _Table:
        key = (model, with_pk)
        if key not in cls._cache:
            cls._cache[key] = cls(model, with_pk=with_pk)
        return cls._cache[key]

    def row(self, obj, now, shared: dict[int, str] | None = None) -> list:
        """The object's COPY row; `shared` as for `_JsonText`."""
        for attname in self.auto_now:
            setattr(obj, attname, now)
        values = list(self.get(obj))
        attributes = obj.__dict__
        for index, attname in self.raw:
            values[index] = attributes.get(attname) if attname in attributes else getattr(obj, attname)
        for index, convert in self.fixes:
            values[index] = convert(values[index])
        for index, to_json in self.json:
            values[index] = to_json(values[index], shared)
        return values

    @property
    def statement(self) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        return f"COPY {quote(self.db_table)} ({columns}) FROM STDIN"

    def copy(self, cursor, rows: list[list]) -> None:
        with cursor.copy(self.statement) as copy:
            for row in rows:
                copy.write_row(row)

    def formatted(self, rows: list[list]) -> tuple[str, list]:
        """(statement, data): the COPY's rows formatted by psycopg (with the connection's adapters), to send later."""
        collect = _Collect()
        with connection.connection.cursor() as cursor:  # a fresh cursor: no result yet, so a COPY IN formatter
            formatter = psycopg.Copy(cursor, writer=collect)
            for row in rows:
                formatter.write_row(row)
            formatter.finish(None)
        return self.statement, collect.parts


class _HistoryTable(_Table):
    """The historical table of a tracked model: its tracked columns plus who, when, why and what kind."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = False):
        self.history_model = model.history.model
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        tracked = [by_attname[f.attname] for f in self.history_model.tracked_fields]
        self.db_table = self.history_model._meta.db_table
        extra = ["history_date", "history_user_id", "history_change_reason", "history_type"]
        opts = self.history_model._meta
        self.columns = [opts.get_field(f.name).column for f in tracked] + [
            opts.get_field(name.removesuffix("_id")).column for name in extra
        ]
        self.attnames = [f.attname for f in tracked]
        self._read(tracked)
        self.auto_now = []
        self._pickers: dict[int, Callable[[list], tuple]] = {}

    @classmethod
    def of(cls, model, *, with_pk: bool = False) -> _HistoryTable:
        key = (model, "history")
        if key not in cls._cache:
            cls._cache[key] = cls(model)
        return cls._cache[key]

    def rows(self, objs, now, *, update: bool, rows=None, table: _Table | None = None) -> list[list]:
        """One history row per object, attributed as `crm.history.record_bulk_history` attributes them.

        `rows` (with the `table` that read them) are the objects' own COPY rows: the tracked columns are taken from
        them instead of being read and converted a second time.
        """
        history_type = "~" if update else "+"
        default_reason = current_reason()
        default_user = None
        pick = self._picker(table) if rows is not None else None
        history_rows = []
        for position, obj in enumerate(objs):
            values = list(pick(rows[position])) if pick is not None else self.row(obj, now)
            user = obj.__dict__.get("_history_user")
            if user is None:
                if default_user is None:
                    default_user = (self.history_model.get_default_history_user(obj),)
                user = default_user[0]
            reason = obj.__dict__.get("_change_reason") or default_reason
            values += [obj.__dict__.get("_history_date", now), getattr(user, "pk", None), reason, history_type]
            history_rows.append(values)
        return history_rows

    def _picker(self, table: _Table) -> Callable[[list], tuple]:
        if id(table) not in self._pickers:
            positions = {attname: index for index, attname in enumerate(table.attnames)}
            indexes = [positions[attname] for attname in self.attnames]
            self._pickers[id(table)] = itemgetter(*indexes) if len(indexes) > 1 else lambda row: (row[indexes[0]],)
        return self._pickers[id(table)]
