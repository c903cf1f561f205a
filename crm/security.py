"""Login and response hardening: who may stay signed in, where a login attempt comes from, what a locked-out
login sees, and the one way a page may be framed by another site.

- `ActiveMembershipBackend`: Django's ModelBackend (inactive users are refused, at login and on every request, so
  a deactivated user is signed out on their next click) that also refuses the users of a deactivated Company, and
  loads the user's membership and Company with the user (the pages need them anyway).
- `client_ip`: the client's address, proxy-aware: django-axes keys login throttling on it (with the username),
  the web-to-lead form its rate limits and `submitted_ip`. The one copy: every caller asks this function.
- `lockout_response`: the page a locked-out login gets: 429, the same words whoever the username names.
- `embeddable`: lets a public view be shown in a customer's iframe (X-Frame-Options off, CSP frame-ancestors).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from functools import wraps

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.shortcuts import render

from .models import membership_of

# The response attribute (a dict: directive -> sources) that replaces CSP directives for that response only;
# crm.middleware reads it.
CSP_OVERRIDE_ATTRIBUTE = "csp_override"


class ActiveMembershipBackend(ModelBackend):
    """ModelBackend that refuses inactive users and users whose Company is inactive (users without a Company,
    such as a superuser, are judged by `is_active` alone)."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        membership = membership_of(user)
        return membership is None or membership.company.is_active

    @staticmethod
    def _users():
        return get_user_model()._default_manager.select_related("membership__company")

    def get_user(self, user_id):
        try:
            user = self._users().get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        try:
            user = await self._users().aget(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. Without a proxy it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies (BEHIND_PROXY)
    REMOTE_ADDR is the last proxy, so take the X-Forwarded-For entry that the first trusted proxy appended: the
    `count`-th from the right. Entries further left are whatever the client sent and are never trusted."""
    remote_addr = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote_addr
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote_addr
    return _valid_ip(forwarded[-count]) or remote_addr


AXES_USERNAME_LENGTH = 255  # django-axes' username columns are varchar(255); PostgreSQL refuses a longer value


def client_username(request, credentials=None) -> str | None:
    """django-axes' AXES_USERNAME_CALLABLE: the username tried (from the credentials, else the form), cut to the
    length axes can store. Real usernames are at most 150 characters, so the cut never joins two accounts."""
    username = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: a friendly 429 page. It never names or echoes the username, so an
    unknown username and a real one locked out look the same."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    context = {"cool_off_minutes": max(1, round(seconds / 60)) if seconds else None}
    response = render(request, "registration/locked_out.html", context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


FrameAncestors = Sequence[str] | Callable[..., Sequence[str]]


def embeddable(view=None, *, frame_ancestors: FrameAncestors = ("*",)):
    """Allow a public view to be framed by other sites (the web-to-lead form in a customer's page).

    Drops X-Frame-Options for the view's responses and replaces the CSP `frame-ancestors` directive with
    `frame_ancestors`: a list of sources (default `*`, any site) or a callable `(request, *args, **kwargs)`
    returning one (e.g. the origins a Company allowed). Every other directive stays as strict as elsewhere.

        @embeddable
        def web_to_lead(request, slug): ...

        @embeddable(frame_ancestors=lambda request, slug: allowed_origins(slug))
        def web_to_lead(request, slug): ...
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            response = view_func(request, *args, **kwargs)
            sources = frame_ancestors(request, *args, **kwargs) if callable(frame_ancestors) else frame_ancestors
            response.xframe_options_exempt = True
            overrides = dict(getattr(response, CSP_OVERRIDE_ATTRIBUTE, None) or {})
            overrides["frame-ancestors"] = list(sources) or ["'none'"]
            setattr(response, CSP_OVERRIDE_ATTRIBUTE, overrides)
            return response

        return wrapped

    return decorator(view) if view is not None else decorator
