"""Badges, money formatting and user labels for every page."""

from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

from crm.users import user_label

register = template.Library()

# One colour per stored choice value; anything unknown is grey.
BADGE_CLASSES = {
    # lead status
    "new": "text-bg-primary",
    "contacted": "text-bg-info",
    "qualified": "text-bg-success",
    "disqualified": "text-bg-secondary",
    "converted": "text-bg-dark",
    "merged": "text-bg-light border",
    # lead stage
    "awareness": "text-bg-light border",
    "consideration": "text-bg-info",
    "decision": "text-bg-primary",
    # validation
    "pending": "text-bg-light border",
    "valid": "text-bg-success",
    "invalid": "text-bg-danger",
    # account health
    "green": "text-bg-success",
    "yellow": "text-bg-warning",
    "red": "text-bg-danger",
    "black": "text-bg-dark",
    # deal stage
    "prospecting": "text-bg-light border",
    "qualification": "text-bg-info",
    "proposal": "text-bg-primary",
    "negotiation": "text-bg-warning",
    "closed_won": "text-bg-success",
    "closed_lost": "text-bg-secondary",
    # forecast category
    "worst_case": "text-bg-secondary",
    "most_likely": "text-bg-info",
    "best_case": "text-bg-primary",
    "commit": "text-bg-success",
    "closed": "text-bg-dark",
    # account type
    "prospect": "text-bg-info",
    "partner": "text-bg-primary",
    "competitor": "text-bg-danger",
    "reseller": "text-bg-warning",
    # contact influence
    "high": "text-bg-success",
    "medium": "text-bg-info",
    "low": "text-bg-secondary",
    # lifecycle
    "mqa": "text-bg-light border",
    "sqa": "text-bg-info",
    "customer": "text-bg-success",
    "churned": "text-bg-secondary",
}


@register.simple_tag
def badge(value, label=None):
    """`{% badge lead.status lead.get_status_display %}` -> a coloured Bootstrap badge."""
    if value in (None, ""):
        return ""
    css = BADGE_CLASSES.get(str(value), "text-bg-secondary")
    return format_html('<span class="badge {}" data-value="{}">{}</span>', css, value, label or value)


@register.simple_tag
def score_badge(score):
    """A 0-100 score as a badge: green from 70, yellow from 40, else grey."""
    if score is None:
        return ""
    css = "text-bg-success" if score >= 70 else "text-bg-warning" if score >= 40 else "text-bg-secondary"
    return format_html('<span class="badge {}" data-score="{}">{}</span>', css, score, score)


@register.filter(name="user_label")
def user_label_filter(user, default=""):
    """`{{ deal.owner|user_label:"Unassigned" }}`: the user's full name, else username; `default` for no user."""
    return user_label(user) or default


@register.filter
def money(amount, currency=""):
    """`{{ deal.amount|money:deal.currency }}` -> `USD 12,500.00`."""
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return amount
    text = intcomma(f"{value:.2f}", use_l10n=False)
    return f"{currency} {text}".strip()
