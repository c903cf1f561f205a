"""Spam score 0-100: a transparent, weighted rule set (`RULES`), every hit recorded with its points.

Each rule that fires adds its points and a reason `{"rule", "points", "detail"}` to `lead.spam_reasons`;
the score is the sum, capped at 100. A lead at or above its Company's `spam_threshold` (default 70) is
flagged as spam (`Lead.objects.spam()`), so one weak signal alone never hides a lead:

| rule                   | points | fires when |
| ---------------------- | -----: | ---------- |
| honeypot               |     80 | the web form's hidden honeypot field was filled (context `honeypot`) |
| disposable_email       |     40 | the email's domain (or its parent) is on the `disposable-email-domains` list |
| link_in_name           |     40 | a name, company or job title holds a URL or HTML |
| too_fast               |     40 | the web form was sent under `SUSPICIOUS_FILL_SECONDS` after it was shown |
| gibberish_name         |     30 | a first or last name looks like keyboard mash or random letters (see below) |
| ip_velocity            |     30 | `IP_VELOCITY_LIMIT`+ other leads of the Company from the same IP in the last hour |
| email_velocity         |     30 | `EMAIL_VELOCITY_LIMIT`+ other leads with the same email in the last hour |
| phone_country_mismatch |     15 | the phone's country calling code is not the lead's country's |
| all_caps               |     10 | the person's name is written in capitals only |

Gibberish: a run of five keys from one keyboard row (or a four-key word such as "asdf"), six consonants in a
row, the same letter three times in a row, no vowels (or under 1 in 8 letters in a longer word), digits. A name
holding a link counts for `link_in_name` only.

The velocity window ends at the lead's `created_at` (now for a new lead), so rescoring an old lead later gives
the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import phonenumbers
from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from leads.models import Lead

from .lookups import in_values
from .text import fold
from .validation import PhoneResult, parse_phone, raw_country


@dataclass(frozen=True)
class Rule:
    code: str
    points: int
    description: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("honeypot", 80, gettext_lazy("The hidden field that only robots fill in was filled in.")),
        Rule(
            "disposable_email", 40, gettext_lazy("The email address is at a disposable (throw-away) mailbox provider.")
        ),
        Rule("link_in_name", 40, gettext_lazy("A name field holds a link or HTML.")),
        Rule("too_fast", 40, gettext_lazy("The form was sent faster than a person can fill it in.")),
        Rule("gibberish_name", 30, gettext_lazy("A name looks like keyboard mashing or random letters.")),
        Rule("ip_velocity", 30, gettext_lazy("Many leads came from the same IP address within an hour.")),
        Rule("email_velocity", 30, gettext_lazy("Many leads came with the same email address within an hour.")),
        Rule(
            "phone_country_mismatch", 15, gettext_lazy("The phone number belongs to another country than the lead's.")
        ),
        Rule("all_caps", 10, gettext_lazy("The name is written in capitals only.")),
    )
}

VELOCITY_WINDOW = timedelta(hours=1)
IP_VELOCITY_LIMIT = 3  # other leads from the same IP in the window
EMAIL_VELOCITY_LIMIT = 2  # other leads with the same email in the window
SUSPICIOUS_FILL_SECONDS = 5.0

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qazwsxedcrfvtgbyhnujmikolp")
_KEYBOARD_RUNS_5 = frozenset(
    row[i : i + 5] for base in _KEYBOARD_ROWS for row in (base, base[::-1]) for i in range(len(row) - 4)
)
# Four-key words that are typed as filler ("asdf"), not the ones that are also names ("Wert", "Tyui").
_KEYBOARD_WORDS_4 = frozenset(
    {"qwer", "asdf", "sdfg", "dfgh", "fghj", "ghjk", "hjkl", "zxcv", "xcvb", "cvbn", "vbnm", "rewq", "fdsa", "lkjh"}
)
_VOWELS = frozenset("aeiouy")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}")
_REPEATED = re.compile(r"([a-z])\1\1")
_LINK_OR_HTML = re.compile(r"(?i)(?:https?://|www\.|<\s*/?\s*[a-z!]|&lt;|\[url)")
_DOMAIN_LIKE = re.compile(r"(?i)\b[a-z0-9-]+\.(?:com|net|org|ru|cn|info|biz|xyz|top|io|co|online|site|click|link)\b")
_DIGIT = re.compile(r"\d")


def _reason(code: str, detail: str) -> dict:
    return {"rule": code, "points": RULES[code].points, "detail": detail}


def is_disposable_domain(domain: str) -> bool:
    """`mailinator.com` and `x.mailinator.com` are disposable."""
    parts = (domain or "").lower().strip(".").split(".")
    return any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))


@lru_cache(maxsize=16384)  # first and last names repeat: an import judges each word once
def gibberish_problem(word: str) -> str:
    """Why one folded word looks like gibberish, or ''."""
    if len(word) < 3:
        return ""
    if _REPEATED.search(word):
        return gettext("the same letter three times in a row")
    if len(word) < 4:
        return ""
    if word in _KEYBOARD_WORDS_4 or any(word[i : i + 5] in _KEYBOARD_RUNS_5 for i in range(len(word) - 4)):
        return gettext("a run of keys from one keyboard row")
    if _CONSONANT_RUN.search(word):
        return gettext("six or more consonants in a row")
    vowels = sum(char in _VOWELS for char in word)
    if vowels == 0 or (len(word) >= 8 and vowels / len(word) < 0.125):
        return gettext("almost no vowels")
    return ""


# The fields the rules read, by a key the rules test, with the name a reason shows.
FIELD_NAMES = {
    "first name": gettext_lazy("first name"),
    "last name": gettext_lazy("last name"),
    "company": gettext_lazy("company"),
    "job title": gettext_lazy("job title"),
}


def _name_fields(lead) -> dict[str, str]:
    return {"first name": lead.first_name or "", "last name": lead.last_name or ""}


def _gibberish(lead) -> str:
    problems = []
    for label, value in _name_fields(lead).items():
        if _LINK_OR_HTML.search(value) or _DOMAIN_LIKE.search(value):
            continue
        if _DIGIT.search(value):
            problems.append(gettext("%(field)s “%(value)s” has digits") % {"field": FIELD_NAMES[label], "value": value})
            continue
        for word in fold(value).split():
            if problem := gibberish_problem(word):
                values = {"field": FIELD_NAMES[label], "value": value, "problem": problem}
                problems.append(gettext("%(field)s “%(value)s”: %(problem)s") % values)
                break
    return "; ".join(problems)


def _links(lead) -> str:
    fields = {**_name_fields(lead), "company": lead.company_name or "", "job title": lead.job_title or ""}
    found = []
    for label, value in fields.items():
        if _LINK_OR_HTML.search(value) or (label.endswith("name") and _DOMAIN_LIKE.search(value)):
            found.append(str(FIELD_NAMES[label]))
    return ", ".join(found)


def _all_caps(lead) -> bool:
    name = f"{lead.first_name or ''}{lead.last_name or ''}"
    letters = [char for char in name if char.isalpha()]
    return len(letters) >= 5 and all(char.isupper() for char in letters)


def velocity_window_end(lead) -> datetime:
    return lead.created_at or timezone.now()


def velocity_counts(lead) -> tuple[int, int]:
    """(other leads from the lead's IP, other leads with its email) in the hour before it: one query."""
    ip, email = lead.submitted_ip, lead.email
    if not (ip or email) or not lead.company_id:
        return 0, 0
    end = velocity_window_end(lead)
    matches = Q()
    if ip:
        matches |= Q(submitted_ip=ip)
    if email:
        matches |= Q(email=email)
    aggregates = {}
    if ip:
        aggregates["by_ip"] = Count("pk", filter=Q(submitted_ip=ip))
    if email:
        aggregates["by_email"] = Count("pk", filter=Q(email=email))
    counts = (
        Lead.objects.filter(company_id=lead.company_id, created_at__gte=end - VELOCITY_WINDOW, created_at__lte=end)
        .filter(matches)
        .exclude(pk=lead.pk)
        .aggregate(**aggregates)
    )
    return counts.get("by_ip") or 0, counts.get("by_email") or 0


def _count_in_window(index: dict, pending: dict, key, window) -> int:
    if not key:
        return 0
    own_pk, start, end = window
    saved = sum(1 for pk, at in index.get(key, ()) if pk != own_pk and start <= at <= end)
    return saved + pending.get(key, 0)


def velocity_counts_batch(leads: list) -> list[tuple[int, int]]:
    """`velocity_counts` for leads of one Company, with one query for the batch.

    Unsaved leads earlier in the list count as submissions made now, as they would if the leads had been
    saved one by one.
    """
    if not leads:
        return []
    ips = {lead.submitted_ip for lead in leads if lead.submitted_ip}
    emails = {lead.email for lead in leads if lead.email}
    ends = [velocity_window_end(lead) for lead in leads]
    rows: list[tuple[int | None, str | None, str, datetime]] = []
    if ips or emails:
        matches = Q()
        if ips:
            matches |= Q(submitted_ip__in=ips)
        if emails:
            matches |= in_values("email", emails)
        rows = list(
            Lead.objects.filter(
                company_id=leads[0].company_id, created_at__gte=min(ends) - VELOCITY_WINDOW, created_at__lte=max(ends)
            )
            .filter(matches)
            .values_list("pk", "submitted_ip", "email", "created_at")
        )
    by_ip: dict[str, list[tuple[int, datetime]]] = {}
    by_email: dict[str, list[tuple[int, datetime]]] = {}
    for pk, ip, email, created_at in rows:
        if ip in ips:
            by_ip.setdefault(ip, []).append((pk, created_at))
        if email in emails:
            by_email.setdefault(email, []).append((pk, created_at))
    results = []
    pending_ip: dict[str, int] = {}
    pending_email: dict[str, int] = {}
    for lead, end in zip(leads, ends, strict=True):
        window = (lead.pk, end - VELOCITY_WINDOW, end)
        results.append(
            (
                _count_in_window(by_ip, pending_ip, lead.submitted_ip, window),
                _count_in_window(by_email, pending_email, lead.email, window),
            )
        )
        if lead.pk is None:
            if lead.submitted_ip:
                pending_ip[lead.submitted_ip] = pending_ip.get(lead.submitted_ip, 0) + 1
            if lead.email:
                pending_email[lead.email] = pending_email.get(lead.email, 0) + 1
    return results


def _phone_mismatch(lead, phone: PhoneResult | None) -> str:
    """Compare calling codes, not regions: +44 serves GB, GG, JE and IM, +1 the US, Canada and the Caribbean."""
    country = raw_country(lead)
    if not country or not lead.phone:
        return ""
    if phone is None:
        phone = parse_phone(lead.phone, country)
    expected = phonenumbers.country_code_for_region(country)
    if not phone.calling_code or not expected or phone.calling_code == expected:
        return ""
    number = f"+{phone.calling_code} ({phone.region})"
    return gettext("The phone number is a %(number)s number, the country is %(country)s (+%(expected)s).") % {
        "number": number,
        "country": country,
        "expected": expected,
    }


def content_reasons(lead, *, context: dict | None = None, phone: PhoneResult | None = None) -> tuple[list, list]:
    """The rules that read only the lead and the entry point's context, no database: (the reasons listed before the
    velocity rules', the reasons listed after). Run after validation; `phone` as for `score`."""
    context = context or {}
    before, after = [], []

    if context.get("honeypot"):
        before.append(_reason("honeypot", gettext("The hidden honeypot field was filled in.")))

    domain = lead.email.rsplit("@", 1)[1] if "@" in (lead.email or "") else ""
    if domain and is_disposable_domain(domain):
        before.append(
            _reason("disposable_email", gettext("%(domain)s is a disposable mailbox provider.") % {"domain": domain})
        )

    if fields := _links(lead):
        before.append(_reason("link_in_name", gettext("Link or HTML in: %(fields)s.") % {"fields": fields}))

    fill_seconds = context.get("fill_seconds")
    if fill_seconds is not None and fill_seconds < SUSPICIOUS_FILL_SECONDS:
        before.append(
            _reason(
                "too_fast", gettext("Sent %(seconds)s s after the form was shown.") % {"seconds": f"{fill_seconds:.1f}"}
            )
        )

    if detail := _gibberish(lead):
        before.append(_reason("gibberish_name", detail[0].upper() + detail[1:] + "."))

    if detail := _phone_mismatch(lead, phone):
        after.append(_reason("phone_country_mismatch", detail))

    if _all_caps(lead):
        after.append(_reason("all_caps", gettext("The name is written in capitals only.")))

    return before, after


def score(
    lead,
    *,
    context: dict | None = None,
    phone: PhoneResult | None = None,
    velocity: tuple[int, int] | None = None,
    content: tuple[list, list] | None = None,
):
    """Set `lead.spam_score` and `lead.spam_reasons`. Run after validation (email and phone normalised).

    `context` carries what only the entry point knows: `honeypot` (what the hidden field held) and
    `fill_seconds` (how long the web form was open). `phone` (the parsed number) comes from validation,
    `velocity` from the batch path and `content` (what `content_reasons` returned) from an import that ran those
    rules ahead; each is computed here when not given.
    """
    before, after = content if content is not None else content_reasons(lead, context=context, phone=phone)
    reasons = list(before)

    by_ip, by_email = velocity if velocity is not None else velocity_counts(lead)
    if by_ip >= IP_VELOCITY_LIMIT:
        reasons.append(
            _reason(
                "ip_velocity",
                gettext("%(count)s other leads from %(ip)s within an hour.")
                % {"count": by_ip, "ip": lead.submitted_ip},
            )
        )
    if by_email >= EMAIL_VELOCITY_LIMIT:
        reasons.append(
            _reason(
                "email_velocity",
                gettext("%(count)s other leads with %(email)s within an hour.")
                % {"count": by_email, "email": lead.email},
            )
        )

    reasons.extend(after)
    lead.spam_reasons = reasons
    lead.spam_score = min(100, sum(reason["points"] for reason in reasons))
    return reasons
