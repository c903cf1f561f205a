"""Streaming CSV export shared by every list: a million rows never sit in memory.

- `stream_queryset(queryset, columns, filename=...)` streams a queryset as CSV through `StreamingHttpResponse`,
  reading it with `iterator(chunk_size=2000)` (a server-side cursor on PostgreSQL), so memory stays flat.
- UTF-8 with a byte-order mark, so Excel opens accents correctly.
- Formula injection (CSV injection) is neutralised: a text cell beginning with `=`, `+`, `-`, `@`, tab or
  carriage return gets a leading `'`, so a spreadsheet shows it as text instead of running it. Numbers, dates
  and booleans are ours and are written as they are. The lead importer strips that quote again.
- `list_queryset(request, ListView)` gives exactly the rows a FilterView list shows for this request (its
  visibility, filters, search and ordering; every page), so an export link only needs the list's query string.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from django.core.exceptions import FieldError
from django.db.models import Model, QuerySet
from django.db.models.expressions import BaseExpression
from django.db.models.manager import BaseManager
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
LINES_PER_WRITE = 500

Accessor = str | Callable[[Model], object] | BaseExpression
Column = tuple[str, Accessor]


def neutralise(text: str) -> str:
    """`=HYPERLINK(...)` -> `'=HYPERLINK(...)`; other text unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value) -> str:
    """One value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def resolve(obj, accessor: Accessor):
    """`accessor` of `obj`: a callable, or a `__`-separated attribute path (methods are called)."""
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, Model | BaseManager):
            value = value()
    return value


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer then hands us each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The BOM and header, then the rows, a few hundred lines per chunk."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([neutralise(str(title)) for title in header])
    lines = []
    for row in rows:
        lines.append(writer.writerow([cell(value) for value in row]))
        if len(lines) >= LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def stream_csv(header: list[str], rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stream_queryset(queryset: QuerySet, columns: list[Column], *, filename: str) -> StreamingHttpResponse:
    """Stream `queryset` as CSV. When every accessor is a field path (`"account__name"`) or a query expression,
    the rows are read as tuples (`values_list`), several times faster than model instances; otherwise each row
    is a model instance and accessors may be callables or methods."""
    header = [title for title, _accessor in columns]
    rows = queryset_rows(queryset, [accessor for _title, accessor in columns])
    # Run the query now, in the view: a query that fails is an error page, not a download cut off halfway.
    first = next(rows, None)
    return stream_csv(header, rows if first is None else chain([first], rows), filename=filename)


def queryset_rows(queryset: QuerySet, accessors: list) -> Iterator[list]:
    if not any(callable(accessor) for accessor in accessors):
        names, expressions = [], {}
        for index, accessor in enumerate(accessors):
            if isinstance(accessor, str):
                names.append(accessor)
            else:
                names.append(f"export_column_{index}")
                expressions[names[-1]] = accessor
        try:
            tuples = queryset.annotate(**expressions).values_list(*names)
        except FieldError:
            pass  # a method or property: read model instances
        else:
            return (list(row) for row in tuples.iterator(chunk_size=CHUNK_SIZE))
    return ([resolve(obj, accessor) for accessor in accessors] for obj in queryset.iterator(chunk_size=CHUNK_SIZE))


def list_queryset(request, view_class, **kwargs) -> QuerySet:
    """Every row the list view `view_class` shows for `request` (all pages), as `FilterView.get` computes them."""
    view = view_class()
    view.setup(request, **kwargs)
    filterset_class = view.get_filterset_class() if hasattr(view, "get_filterset_class") else None
    if filterset_class is None:
        return view.get_queryset()
    filterset = view.get_filterset(filterset_class)
    if not filterset.is_bound or filterset.is_valid() or not view.get_strict():
        return filterset.qs
    return filterset.queryset.none()


def export_filename(prefix: str, company) -> str:
    slug = getattr(company, "slug", "") or "export"
    return f"{prefix}-{slug}-{timezone.localdate():%Y-%m-%d}.csv"
