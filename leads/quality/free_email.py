"""Free mailbox providers (gmail.com, ...): an address there names no employer. Scoring reads it (a free address
scores as such) and conversion too (such a domain never becomes or matches an account's website)."""

# Mailbox providers: an address there says nothing about the person's employer, so these domains never
# become an account's website and never match an account. The one list of them in the project.
FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "rocketmail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "passport.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aim.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "fastmail.com",
        "hey.com",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        "email.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "t-online.de",
        "freenet.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "rambler.ru",
        "yandex.com",
        "yandex.ru",
        "ya.ru",
        "rediffmail.com",
        "rediff.com",
        "qq.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sohu.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "btinternet.com",
    }
)
# Providers with a domain per country (gmx.at, yandex.kz, yahoo.co.in, hotmail.co.uk, outlook.in, live.fr...):
# the first label of the domain is enough.
FREE_EMAIL_PROVIDER_LABELS = frozenset({"gmx", "yandex", "yahoo", "hotmail", "outlook", "live", "rediffmail"})


def is_free_email_domain(domain: str) -> bool:
    domain = (domain or "").strip().lower()
    return domain in FREE_EMAIL_DOMAINS or domain.split(".", 1)[0] in FREE_EMAIL_PROVIDER_LABELS
