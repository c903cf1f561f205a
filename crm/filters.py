"""The list-page kit's filters: Company-scoped choices, the `q` search, text filters, the stable `?o=` sorting
and `TenantFilterSet`, the base of every list's FilterSet (main and "more" filters for the filter bar)."""

from functools import cached_property, reduce
from operator import or_

import django_filters
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from .models import company_of, company_users


def company_user_choices(request):
    """Owner filter choices: the users of the request user's Company."""
    if request is None:
        return company_users(None).none()
    return company_users(company_of(request.user))


def visible_choices(model):
    """A callable for ModelChoiceFilter(queryset=...): the records of `model` the user can see."""

    def choices(request):
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return choices


MAX_SEARCH_TERMS = 8
MAX_TERM_LENGTH = 100


def search_terms(value) -> list[str]:
    """The words of a `?q=` search: at most 8, each cut to 100 characters (a pasted essay must not become a
    LIKE pattern too complex for the database)."""
    return [term[:MAX_TERM_LENGTH] for term in (value or "").split()[:MAX_SEARCH_TERMS]]


class TextFilter(django_filters.CharFilter):
    """A free-text filter (icontains by default) whose value is cut to 100 characters: a pasted essay in
    `?campaign=` must not become a LIKE pattern too complex for the database."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "icontains")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value[:MAX_TERM_LENGTH] if value else value)


class SearchFilter(django_filters.CharFilter):
    """`?q=` matched with icontains against several fields (OR). Fields come from the FilterSet's Meta."""

    def __init__(self, *args, search_fields=(), **kwargs):
        kwargs.setdefault("label", _("Search"))
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def filter(self, qs, value):
        for term in search_terms(value):
            qs = qs.filter(reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields)))
        return qs


def _nullable(model, path: str) -> bool:
    """Whether `path` (a field, or a__b across relations) can be NULL: a nullable column, a nullable relation on
    the way (its LEFT JOIN gives NULL), or not a field at all (an annotation, such as a count)."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.null:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class StableOrderingFilter(django_filters.OrderingFilter):
    """`?o=column` / `?o=-column`: sort by a whitelisted column, the pk breaking ties, so pages never repeat or
    skip a row.

    `columns` is a tuple of field names (the URL parameter is the field) or a dict {parameter: fields}: a name can
    sort by last and first name. A column that can be empty (a nullable field, or one across a nullable relation)
    sorts its empty values last either way; the others get a plain ASC/DESC, which an index serves. A choice field
    listed in `ranks` sorts in the order of its values (a pipeline's stages, health green to black), not
    alphabetically. The tie-breaking pk runs in the direction of the first column.
    """

    def __init__(
        self,
        *args,
        columns: tuple[str, ...] | dict[str, tuple[str, ...]],
        labels: dict[str, str] | None = None,
        ranks: dict[str, list[str]] | None = None,
        **kwargs,
    ):
        if not isinstance(columns, dict):
            columns = {name: (name,) for name in columns}
        self.columns = columns
        self.ranks = ranks or {}
        labels = labels or {}
        choices = []
        for param in columns:
            label = labels.get(param, param.replace("_", " ").capitalize())
            choices += [(param, label), (f"-{param}", format_lazy("{} ({})", label, _("descending")))]
        kwargs["choices"] = choices
        kwargs.setdefault("label", _("Sort by"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        params = [param for param in value or () if param not in EMPTY_VALUES]
        if not params:
            return qs
        ordering = []
        for param in params:
            descending = param.startswith("-")
            for field in self.columns[param.removeprefix("-")]:
                key = field
                if field in self.ranks:
                    key = f"{field}_rank"
                    qs = qs.alias(**{key: self.rank(field)})
                nulls_last = True if _nullable(qs.model, field) else None
                ordering.append(F(key).desc(nulls_last=nulls_last) if descending else F(key).asc(nulls_last=nulls_last))
        return qs.order_by(*ordering, "-pk" if params[0].startswith("-") else "pk")

    def rank(self, field):
        values = self.ranks[field]
        whens = [When(**{field: value}, then=Value(position)) for position, value in enumerate(values)]
        return Case(*whens, default=Value(len(values)), output_field=IntegerField())


def _is_set(value) -> bool:
    if isinstance(value, list | tuple):
        return any(_is_set(part) for part in value)
    return value not in (None, "")


class TenantFilterSet(django_filters.FilterSet):
    """A list's filters, as the filter bar (`partials/_filter_bar.html`) shows them.

    A list declares its filters and which of them are `main_filters` (the bar's first row, search first); the
    others fold under "More filters", which opens when one of them is set. `hidden_filters` are set elsewhere on
    the page (the deal list's status pills) and kept by the bar as hidden inputs, as are the sorting (`o`, set by
    the column headers) and the page size. Choice querysets are callables of the request (`company_user_choices`,
    `visible_choices(Model)`): the view passes the request, so they are scoped to the user's Company.
    """

    main_filters: tuple[str, ...] = ("q",)
    hidden_filters: tuple[str, ...] = ()
    kept_params: tuple[str, ...] = ("o", "per_page")

    @cached_property
    def main_fields(self) -> list:
        fields = self.form.fields
        return [self.form[name] for name in self.main_filters if name in fields]

    @cached_property
    def more_fields(self) -> list:
        shown_apart = {*self.main_filters, *self.hidden_filters, *self.kept_params}
        return [self.form[name] for name in self.form.fields if name not in shown_apart]

    @cached_property
    def more_filters_set(self) -> int:
        """How many of the "More filters" have a value (the fold opens and says so)."""
        return sum(1 for field in self.more_fields if _is_set(field.value()))

    @cached_property
    def hidden_inputs(self) -> list[tuple[str, str]]:
        """(name, value) of what the bar keeps without showing it: the hidden filters, sorting, page size."""
        data = self.data or {}
        return [(name, data[name]) for name in (*self.hidden_filters, *self.kept_params) if data.get(name)]
