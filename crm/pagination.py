"""A paginator for lists of any size: no full COUNT(*) of a million rows, no slow deep pages.

`EstimatedCountPaginator` counts exactly up to `exact_limit` rows and reads no more rows than that: on
PostgreSQL one EXPLAIN (ANALYZE) of `SELECT id ... LIMIT exact_limit + 1` gives both the rows found (exact below
the limit) and the planner's estimate of all of them, which is the count above it (`is_estimate` is True, the
page says "about"). That is one query, as many as Django's own paginator makes, at any size of the list.
Other databases (SQLite) always count exactly: they are not where a million leads live.

The limit is 1,000 rows: the bounded count reads up to that many matching rows, and a filter or search that
matches one lead in ten (or a rep's own leads and the queue, one in five) makes the index walk ten times as
far. Counting to 10,000 cost 10-25 ms of SQL at a million leads (the filtered page, a search, a rep's first
page), to 1,000 about 1-5 ms. Above it the page says "about" and shows the planner's estimate, which the
statistics of `leads.0005_lead_search_indexes` keep close (a filtered page: 3,182 for 3,363).

An estimate can be off either way, so pages are not refused on its word: a page is fetched with one row more
than it shows, and what comes back settles it. A short page is the real end (the count becomes exact); a full
page with a row after it keeps a "next" link; a page past the real end (the "last page" link of an estimate
that was high) costs one exact count and shows the real last page.

Deep pages (from `deferred_join_from` rows on) read the keys of the page first, in a subquery, and only then
the 25 rows: `WHERE id IN (SELECT id ... ORDER BY ... LIMIT 25 OFFSET 49975)`. Skipping 50,000 rows costs an
index-only scan instead of 50,000 row fetches (`leads.0005_lead_search_indexes` adds the covering index).

Use it as `paginator_class = EstimatedCountPaginator` on a ListView.
"""

from __future__ import annotations

import json
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet


def bounded_count(queryset: QuerySet, limit: int) -> tuple[int, int]:
    """Count the rows of `queryset`, reading at most `limit` of them; PostgreSQL only. One statement.

    Returns (rows found, at most `limit`; the planner's estimate of all the rows). Both come from
    EXPLAIN (ANALYZE) of `SELECT id ... LIMIT limit`: the Limit node's actual rows are the bounded count, the
    node under it is the plan for every row, and its estimate is the planner's count of them.
    """
    try:
        explained = queryset.order_by().values("pk")[:limit].explain(format="json", analyze=True, timing=False)
    except EmptyResultSet:
        explained = ""
    if not explained:  # a queryset that cannot match anything (`.none()`, `pk__in=[]`) is not sent at all
        return 0, 0
    top = json.loads(explained)[0]["Plan"]
    counted = int(top["Actual Rows"])
    children = top.get("Plans") or [top]
    return counted, max(counted, int(children[0]["Plan Rows"]))


class EstimatedCountPaginator(Paginator):
    exact_limit = 1_000
    deferred_join_from = 1_000

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, error_messages=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, error_messages)
        self._estimated = False

    @property
    def is_estimate(self) -> bool:
        """Whether `count` is the planner's estimate (the template says "about") rather than a count."""
        self.count  # noqa: B018 - counting decides it
        return self._estimated

    @property
    def _is_queryset(self) -> bool:
        return isinstance(self.object_list, QuerySet)

    @property
    def _can_estimate(self) -> bool:
        return self._is_queryset and connections[self.object_list.db].vendor == "postgresql"

    @cached_property
    def count(self) -> int:
        if not self._can_estimate:
            return super().count
        counted, estimate = bounded_count(self.object_list, self.exact_limit + 1)
        if counted <= self.exact_limit:
            return counted
        self._estimated = True
        return estimate

    def validate_number(self, number):
        if not self.is_estimate:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number  # not checked against the estimate: fetching the page tells

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.is_estimate:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        rows = list(self._rows(bottom, bottom + self.per_page + 1))
        if not rows and number > 1:
            # Past the real end (the estimate was high, e.g. the "last page" link): count once, show the last page.
            self._settle_count(self.object_list.count(), exact=True)
            return self.page(min(number, self.num_pages))
        if len(rows) <= self.per_page:  # the real end: the count is known now
            self._settle_count(bottom + len(rows), exact=True)
        elif bottom + self.per_page >= self.count:  # more rows than the estimate said: keep a next page
            self._settle_count(bottom + self.per_page + 1, exact=False)
        return self._get_page(rows[: self.per_page], number, self)

    def _settle_count(self, count: int, *, exact: bool) -> None:
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)
        self._estimated = not exact

    def _rows(self, bottom: int, top: int):
        """The rows bottom..top (lazily); deep in a plain queryset, through a subquery of their keys."""
        queryset = self.object_list
        if (
            self.deferred_join_from is not None
            and bottom >= self.deferred_join_from
            and self._is_queryset
            and queryset.ordered
            and not queryset.query.distinct
            and not queryset.query.combinator
            and queryset.query.group_by is None
        ):
            return queryset.filter(pk__in=queryset.values("pk")[bottom:top])
        return queryset[bottom:top]
