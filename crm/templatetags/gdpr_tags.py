"""GDPR on the record pages: `{{ contact|outreach_blocked_reason }}` and the privacy card's state."""

from django import template
from django.urls import reverse

from crm import gdpr, permissions

register = template.Library()


@register.filter
def outreach_blocked_reason(obj) -> str:
    """Why outreach must not reach this lead or contact ("do not disturb", no consent), or ''."""
    return gdpr.outreach_blocked_reason(obj)


@register.simple_tag(takes_context=True)
def privacy_state(context, obj) -> dict:
    """`{% privacy_state object as privacy %}`: the download and erase links the user gets, and the last erasure.

    No query, except for a record that looks erased (one, the erasure log); the record itself came from
    `visible_to(user)` in the page's view.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    app, kwargs = obj._meta.app_label, {"pk": obj.pk}
    can_erase = permissions.can_erase(user, obj)
    return {
        "kind": obj._meta.model_name,
        "export_url": reverse(f"{app}:personal_data", kwargs=kwargs),
        "erase_url": reverse(f"{app}:erase", kwargs=kwargs) if can_erase else "",
        "can_erase": can_erase,
        "erasure": gdpr.last_erasure(obj) if gdpr.may_be_erased(obj) else None,
    }
