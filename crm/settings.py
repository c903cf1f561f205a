"""Settings for the CRM. Everything comes from the environment (django-environ).

The defaults are safe for a laptop: SQLite in the project folder, DEBUG off unless asked for.
Production differs only by environment variables; see `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from crm.environment import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent

# The environment wins over `.env` (which `make run` writes from .env.example when there is none). A boolean or
# number that does not parse stops start-up with a message naming the variable (crm.environment).
env = StrictEnv()
StrictEnv.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development-only switch: with DEBUG off it is refused, so a production server can never run on the
# well-known development key below.
if env.bool("CRM_INSECURE_DEV_KEY", default=False) and not DEBUG:
    raise ImproperlyConfigured("CRM_INSECURE_DEV_KEY is refused when DEBUG is off: set SECRET_KEY instead.")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env (`make run` writes a .env for local "
            "development with DEBUG=true and a generated key)."
        )
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "crm",
    "accounts",
    "contacts",
    "deals",
    "leads",
    "activities",
    "crm.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.middleware.ContentSecurityPolicyMiddleware",
    # PostgreSQL text refuses NUL characters: such a request is a 400, not a 500.
    "crm.middleware.RejectNulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who made each change, for the field history (simple_history reads the request's user).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.tenant",
            ],
        },
    },
]

WSGI_APPLICATION = "crm.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait on a locked database instead of failing at once (concurrent requests on a laptop).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction begins, so that the web server and the job worker wait for each
    # other (up to the timeout) instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out login before any password is checked. The second backend is Django's
# ModelBackend that also refuses users of a deactivated Company (so their sessions end on the next request).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.security.ActiveMembershipBackend",
]

LOGIN_URL = "login"

# Background jobs (crm/jobs/, docs/jobs.md): django-tasks with its database backend. A job is a row in the
# database, enqueued in the same transaction as the data it works on; `manage.py worker` runs them (`make run`
# starts one beside the web server), `manage.py run_jobs` runs what is queued and exits. Queues: "default" (short
# jobs: web-form submissions, reminders, email) and "imports" (long ones), so a big import never holds up a lead.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports"],
    }
}
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-us")
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
# Translations of the project's strings (docs/i18n.md): locale/<language>/LC_MESSAGES/django.po and .mo.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Numbers are grouped only where a template asks (intcomma, money): ids in URLs and form values stay plain.
USE_THOUSAND_SEPARATOR = False

# The currency a new Company starts with (ISO 4217); each Company may set its own.
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD")

# The lead import page's upload limit in bytes (2 MB, about 20,000 rows, imports inside a 30 s request timeout).
# Raise it together with the server's timeout; `manage.py import_leads` has no limit.
LEAD_IMPORT_MAX_UPLOAD_BYTES = env.int("LEAD_IMPORT_MAX_UPLOAD_BYTES", default=2 * 1024 * 1024)

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# static/ holds the app's own CSS and JS and, under static/vendor/, the pinned third-party assets
# (Bootstrap: scripts/refresh-vendor.sh fetches it from the npm registry and checks static/vendor/*/SHA256SUMS).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files once `collectstatic` has run (production); plain files from the finders before.
        "BACKEND": env.str("STATICFILES_STORAGE", default="crm.storage.StaticFilesStorage"),
    },
}
# Serve static files from the finders when collectstatic has not run (local runs and tests).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://crm")}

# Security: on by default where it costs nothing; production turns on HTTPS-only settings (see .env.example).
# The HTTPS settings stay off by default because tests and `make run` speak plain http on 127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a load balancer that terminates TLS: trust its X-Forwarded-Proto, and take the client address for login
# throttling from the X-Forwarded-For entry that the last TRUSTED_PROXY_COUNT proxies appended (crm.security).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_PROXY else 0)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy, sent by crm.middleware (the format of Django 6.0's SECURE_CSP: directive -> sources).
# No inline scripts, styles or event handlers anywhere: every page loads its JS and CSS from /static/.
# A public page that customers embed in an iframe relaxes frame-ancestors with @crm.security.embeddable.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # Bootstrap draws its icons (select arrows, toggler) as data: SVGs
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only instead (to trial a change).
if env.bool("CSP_REPORT_ONLY", default=False):
    SECURE_CSP_REPORT_ONLY, SECURE_CSP = SECURE_CSP, {}

# Login throttling (django-axes): 5 failures for one username from one address lock that pair out for 15 minutes
# (each further failure restarts the wait); a success resets the count. The admin login goes through the same
# authenticate() and is covered too. Attempts live in axes' tables; `manage.py axes_reset` unlocks everyone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"
AXES_USERNAME_CALLABLE = "crm.security.client_username"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
