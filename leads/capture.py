"""The public web-to-lead form: `/f/<company-slug>/`, no login.

GET shows the form, POST creates a lead in the Company's unassigned queue through the quality pipeline (so a
web lead is validated, spam-scored, matched and scored like any other). Attribution comes from the page's query
string (`utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`; the form posts back to the same
URL): without `utm_campaign` the Company's default campaign is used and the lead records it
(`campaign_defaulted`).

Abuse: no CSRF check (customers embed the form in their own pages' iframes, where the browser sends no cookie of
ours; the view has no session to protect - see `web_to_lead`), a honeypot field hidden by CSS (a filled one sends
the lead to the spam filter and the visitor to the usual thank-you page, so robots learn nothing), a minimum fill
time (a signed timestamp in a hidden field: too fast is refused; a little slow still earns spam points), and rate
limits per client address and per email, each per Company, in Django's cache. The client address is
`crm.security.client_ip`'s: behind a proxy (BEHIND_PROXY, TRUSTED_PROXY_COUNT) the one the proxy forwarded, so
visitors do not share the proxy's bucket and `submitted_ip` (which the `ip_velocity` spam rule counts) is theirs.
Everything refused gets a plain page with a 400 or 429, never a 500.
"""

from __future__ import annotations

import hashlib
import time

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.models import Company, Source
from crm.security import client_ip, embeddable

from .models import Lead
from .quality.validation import parse_phone
from .services import process_lead

MIN_FILL_SECONDS = 2.0  # faster than this is refused outright
MAX_FORM_AGE = 60 * 60 * 24  # a form left open longer must be reloaded
IP_LIMIT, IP_WINDOW = 5, 10 * 60  # 5 leads per 10 minutes per IP
EMAIL_LIMIT, EMAIL_WINDOW = 3, 60 * 60  # 3 leads per hour per email
STARTED_SALT = "leads.capture.started"
FALLBACK_CAMPAIGN = "website"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

# utm_medium first (it says how), then utm_source (it says where); anything else is a plain web lead.
MEDIUM_SOURCES = {
    "cpc": Source.ADVERTISEMENT,
    "ppc": Source.ADVERTISEMENT,
    "paid": Source.ADVERTISEMENT,
    "paidsearch": Source.ADVERTISEMENT,
    "paid_search": Source.ADVERTISEMENT,
    "paid-social": Source.ADVERTISEMENT,
    "paid_social": Source.ADVERTISEMENT,
    "paidsocial": Source.ADVERTISEMENT,
    "display": Source.ADVERTISEMENT,
    "banner": Source.ADVERTISEMENT,
    "email": Source.EMAIL,
    "newsletter": Source.EMAIL,
    "social": Source.SOCIAL,
    "referral": Source.REFERRAL,
    "partner": Source.PARTNER,
    "affiliate": Source.PARTNER,
    "event": Source.EVENT,
    "webinar": Source.EVENT,
}
SOURCE_SOURCES = {
    "facebook": Source.SOCIAL,
    "instagram": Source.SOCIAL,
    "linkedin": Source.SOCIAL,
    "twitter": Source.SOCIAL,
    "x": Source.SOCIAL,
    "youtube": Source.SOCIAL,
    "tiktok": Source.SOCIAL,
    "reddit": Source.SOCIAL,
    "newsletter": Source.EMAIL,
    "email": Source.EMAIL,
    "mailchimp": Source.EMAIL,
    "hubspot": Source.EMAIL,
    "referral": Source.REFERRAL,
    "partner": Source.PARTNER,
    "event": Source.EVENT,
    "webinar": Source.EVENT,
    "conference": Source.EVENT,
    "tradeshow": Source.EVENT,
    "adwords": Source.ADVERTISEMENT,
    "googleads": Source.ADVERTISEMENT,
}


def source_from_utm(utm_source: str, utm_medium: str) -> str:
    """Map the UTM values to a `Source` where they fit ("linkedin" -> social, medium "cpc" -> advertisement)."""
    medium, source = (utm_medium or "").strip().lower(), (utm_source or "").strip().lower()
    return MEDIUM_SOURCES.get(medium) or SOURCE_SOURCES.get(source) or Source.WEB


def _cache_key(kind: str, company: Company, value: str) -> str:
    """The cache key of one rate limit: a Company's form counts its own visitors (one address or email sending
    another Company's form does not use up this one's allowance)."""
    return f"web-to-lead:{kind}:{company.pk}:{hashlib.sha256(value.encode()).hexdigest()}"


def _over_limit(key: str, limit: int) -> bool:
    return (cache.get(key) or 0) >= limit


def _record_hit(key: str, window: int) -> None:
    if not cache.add(key, 1, window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, window)


def start_token(company: Company) -> str:
    return signing.dumps({"company": company.pk, "at": time.time()}, salt=STARTED_SALT)


def fill_seconds(token: str, company: Company) -> float | None:
    """Seconds since the form was shown, or None when the token is missing, forged, stale or another form's."""
    try:
        data = signing.loads(token or "", salt=STARTED_SALT, max_age=MAX_FORM_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("company") != company.pk:
        return None
    try:
        seconds = time.time() - float(data["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return max(0.0, seconds) if seconds <= MAX_FORM_AGE else None


class WebLeadForm(forms.ModelForm):
    message = forms.CharField(
        label=_("Message"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    consent = forms.BooleanField(
        label=_("Yes, you may contact me about your products and send me marketing email."), required=False
    )
    # The honeypot: hidden from people by CSS (class "w2l-hp"), filled in by robots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "email", "phone", "company_name", "country", "interest_product"]
        labels = {"company_name": _("Company"), "interest_product": _("What are you interested in?")}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "company_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_name"].required = True
        self.fields["email"].required = True

    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("phone")
        if phone:
            country = str(cleaned.get("country") or "")
            result = parse_phone(phone, country)
            if result.error:
                self.add_error("phone", result.error)
            else:
                cleaned["phone"] = result.e164
        return cleaned


def _refuse(request, company, message: str, status: int):
    return render(request, "leads/capture/refused.html", {"company": company, "message": message}, status=status)


# Customers embed this form in an iframe on their own sites: @embeddable drops X-Frame-Options and sends CSP
# `frame-ancestors *` for it. @csrf_exempt because inside a third-party iframe the browser does not send our
# SameSite=Lax csrftoken cookie, so every embedded POST would be a 403. CSRF protects a signed-in session from
# forged requests; this view has none to protect (no login, it only creates a lead in the unassigned queue), and
# forged or scripted posts still meet the signed fill-time token, the honeypot and the per-IP/per-email limits.
@login_not_required
@csrf_exempt
@embeddable
@never_cache
@require_http_methods(["GET", "POST"])
def web_to_lead(request, slug):
    company = get_object_or_404(Company, slug=slug, is_active=True)
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "leads/capture/thanks.html", {"company": company})

    utm = {name: request.GET.get(name, "").strip()[:120] for name in UTM_FIELDS}
    campaign = utm["utm_campaign"] or company.default_campaign or FALLBACK_CAMPAIGN
    lead = Lead(
        company=company,
        source=source_from_utm(utm["utm_source"], utm["utm_medium"]),
        source_detail=utm["utm_source"],
        campaign=campaign,
        campaign_defaulted=not utm["utm_campaign"],
        medium=utm["utm_medium"],
        term=utm["utm_term"],
        content=utm["utm_content"],
    )
    if request.method == "GET":
        form = WebLeadForm(instance=lead, initial={"started": start_token(company)})
        return render(request, "leads/capture/form.html", {"company": company, "form": form})

    ip = client_ip(request)
    ip_key = _cache_key("ip", company, ip or "unknown")
    if _over_limit(ip_key, IP_LIMIT):
        return _refuse(request, company, _("Too many forms were sent from your network. Try again later."), 429)
    seconds = fill_seconds(request.POST.get("started", ""), company)
    if seconds is None:
        return _refuse(request, company, _("This form has expired. Reload the page and send it again."), 400)
    if seconds < MIN_FILL_SECONDS:
        return _refuse(request, company, _("That was too fast. Go back, check the form and send it again."), 400)

    form = WebLeadForm(request.POST, instance=lead)
    if not form.is_valid():
        return render(request, "leads/capture/form.html", {"company": company, "form": form})
    email_key = _cache_key("email", company, form.cleaned_data["email"].strip().lower())
    if _over_limit(email_key, EMAIL_LIMIT):
        return _refuse(request, company, _("We already have several requests from this email. Thank you!"), 429)

    lead = form.instance
    lead.notes = form.cleaned_data["message"].strip()
    lead.submitted_ip = ip
    if form.cleaned_data["consent"]:
        lead.gdpr_consent, lead.opt_in_date, lead.dnd_status = True, timezone.localdate(), False
    else:
        lead.gdpr_consent, lead.opt_in_date, lead.dnd_status = False, None, True
    process_lead(
        lead=lead,
        by=None,
        source="web",
        context={"honeypot": form.cleaned_data["website"], "fill_seconds": seconds},
    )
    _record_hit(ip_key, IP_WINDOW)
    _record_hit(email_key, EMAIL_WINDOW)
    return redirect(f"{request.path}?sent=1")
