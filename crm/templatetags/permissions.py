"""What a page may name, link or offer, asked of `crm.permissions` (the same answers the views and services use).

`{% load permissions %}`, then `{% if request.user|can_view:lead.converted_deal %}<a ...>{{ lead.converted_deal }}</a>
{% else %}a deal{% endif %}`: a related record's name or link only when the viewer may open it.
"""

from django import template

from crm import permissions

register = template.Library()


@register.filter
def can_view(user, obj) -> bool:
    return permissions.can_view(user, obj)


@register.filter
def can_edit(user, obj) -> bool:
    return permissions.can_edit(user, obj)


@register.filter
def can_merge(user, obj) -> bool:
    return permissions.can_merge(user, obj)


@register.filter
def can_erase(user, obj) -> bool:
    return permissions.can_erase(user, obj)


@register.filter
def can_make_primary(user, contact) -> bool:
    return permissions.can_make_primary(user, contact)
