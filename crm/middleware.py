"""Project middleware.

`ContentSecurityPolicyMiddleware` sends the Content Security Policy of `SECURE_CSP` (and `SECURE_CSP_REPORT_ONLY`)
on every response. Django 5.2 has no CSP support of its own; these settings have the shape of Django 6.0's
(`{"directive": ["source", ...]}`), so upgrading means swapping this class for
`django.middleware.csp.ContentSecurityPolicyMiddleware` (and `embeddable` for `csp_override`).
A response may replace directives for itself through the `csp_override` attribute (see `crm.security.embeddable`).
A header already set by the view is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _

from .security import CSP_OVERRIDE_ATTRIBUTE

CSP_HEADER = "Content-Security-Policy"
CSP_REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"


def build_policy(policy: Mapping[str, Sequence[str] | str | bool]) -> str:
    """`{"default-src": ["'self'"], "upgrade-insecure-requests": True}` -> "default-src 'self'; upgrade-insecure-
    requests". A directive whose value is False, None or empty is left out."""
    parts = []
    for directive, sources in policy.items():
        if sources is True:
            parts.append(directive)
        elif sources:
            values = [sources] if isinstance(sources, str) else list(sources)
            parts.append(" ".join([directive, *values]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        override = getattr(response, CSP_OVERRIDE_ATTRIBUTE, None) or {}
        for header, setting in ((CSP_HEADER, "SECURE_CSP"), (CSP_REPORT_ONLY_HEADER, "SECURE_CSP_REPORT_ONLY")):
            policy = getattr(settings, setting, None)
            if policy and header not in response:
                response[header] = build_policy({**policy, **override})
        return response


NUL_MESSAGE = _("Bad request: the request contains a NUL character.")


def _has_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class RejectNulCharacterMiddleware:
    """Answers 400 when a GET or POST key or value holds a NUL character: PostgreSQL text columns refuse it.
    Multipart bodies (file uploads) are not parsed here: a view may still need to install its own upload handlers
    (the CSV import caps the upload size that way); their text fields go through forms, whose CharFields refuse
    NUL characters themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        urlencoded_post = request.method == "POST" and not request.content_type.startswith("multipart/")
        if "\x00" in request.path or _has_nul(request.GET) or (urlencoded_post and _has_nul(request.POST)):
            return HttpResponseBadRequest(str(NUL_MESSAGE), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
