"""Shared pieces for every list's FilterSet: Company-scoped choices and the `q` search."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q

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
        kwargs.setdefault("label", "Search")
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def filter(self, qs, value):
        for term in search_terms(value):
            qs = qs.filter(reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields)))
        return qs
