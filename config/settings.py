"""Upstream settings: one file, every deployment difference read from the environment.

See `.env.example` for the variables and the README's configuration table for what each does.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets the type-checked generics (ModelAdmin[Team], QuerySet[Case]) be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """A string from the environment, or from the file named by NAME_FILE (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE, a file holding it) to a "
            "long random value, or set DEBUG=1 to use the development key on your own machine."
        )
    # Only ever used with DEBUG on, i.e. on a developer's machine with synthetic data.
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "casework.admin_site.UpstreamAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "csp",
    "axes",
    # Multi-factor authentication: TOTP devices and recovery codes (casework.mfa).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "casework",
    "assessments",
    "safetyplans",
    "reviews",
    "referrals",
    "reports",
    "security",
    "synthetic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files carry neither: every page and API answer carries the
    # Content-Security-Policy (see "Content-Security-Policy") and `Cache-Control: no-store`.
    "csp.middleware.CSPMiddleware",
    "casework.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casework.audit.AuditContextMiddleware",
    # Every page needs a signed-in user unless its view says otherwise (login, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "casework.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, so that a session ended for idleness can say so on the login page.
    "casework.sessions.SessionTimeoutMiddleware",
    # Marks the signed-in user verified or not (django-otp), then sends one who owes a code
    # to the verification or enrolment page before anything else (casework.mfa).
    "django_otp.middleware.OTPMiddleware",
    "casework.mfa.MFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a sign-in refused by the lockout into its own page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in production and CI; an SQLite file under var/ when nothing is configured, so
# `make run` works on a machine with nothing installed.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'upstream.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks rather than fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked (see "Sign-in lockout").
    "axes.backends.AxesStandaloneBackend",
    "casework.auth.UpstreamBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# New and changed passwords are hashed with Argon2; a PBKDF2 hash (every password set before
# Argon2 came in) still verifies and is re-hashed with Argon2 at its owner's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
# The audit trail is django-auditlog's log entry with a case, a reason and the user agent.
AUDITLOG_LOGENTRY_MODEL = "casework.AuditEvent"
# django-auditlog's own migrations would create its default log table even though the model is
# swapped for ours; an unused table with a foreign key to content types also blocks TRUNCATE.
MIGRATION_MODULES = {"auditlog": None}
ANONYMOUS_USER_NAME = "AnonymousUser"

# --- Sign-in lockout (django-axes) ----------------------------------------------------------
# After LOGIN_FAILURE_LIMIT failed sign-ins with one username, or from one address, signing in
# with that name or from that address is refused for LOGIN_COOLOFF_MINUTES, counted from the
# failure that locked it (attempts while locked do not extend it). The sign-in page and the API
# token endpoint answer alike, whether or not the name is an account's (casework.lockout). A
# successful sign-in clears that username's failures; `manage.py axes_reset_username <name>` (or
# deleting the row under "Access attempts" in /setup/) unlocks sooner.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# Two separate counters, so that either one locks. The address is the one the audit trail
# records (casework.client_ip): the connection's (REMOTE_ADDR), unless the connection comes from
# one of TRUSTED_PROXIES (IP addresses or networks such as 10.0.0.0/8, comma-separated; none by
# default). Then it is the client's, read from the right of X-Forwarded-For past our own proxies;
# from anyone else that header is ignored, since a client can write anything in it. Behind a
# proxy that is not listed, every request seems to come from the proxy and the address counter
# would lock everybody out at once: list it, or switch the counter off there (README).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_LOCKOUT_PARAMETERS: list[str] = ["username"]
if env_bool("LOGIN_LOCKOUT_BY_ADDRESS", True):
    AXES_LOCKOUT_PARAMETERS.append("ip_address")
AXES_CLIENT_IP_CALLABLE = "casework.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "casework.lockout.locked_out_response"
AXES_HTTP_RESPONSE_CODE = 429
# The database handler, except that a sign-in clears only its own username's failures, not
# everyone else's from the same address (casework.lockout).
AXES_HANDLER = "casework.lockout.UpstreamAxesHandler"
# Successful sign-ins are in the audit trail already; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True

# --- Sessions and API tokens ---------------------------------------------------------------
# A session ends after this long without a request its user made (background polls do not
# count; the page warns a minute before and can extend), and this long after signing in
# whatever happens (casework.sessions).
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_ABSOLUTE_LIFETIME_SECONDS = env_int("SESSION_ABSOLUTE_LIFETIME_SECONDS", 12 * 60 * 60)
# How long before the end the page shows the "stay signed in" dialog.
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 60)
# An API token is refused (and deleted) this long after it was issued; asking for a token
# again then gives a new one (casework.api.authentication).
API_TOKEN_LIFETIME_HOURS = env_int("API_TOKEN_LIFETIME_HOURS", 12)

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("km", _("Khmer"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True  # stored in UTC; shown in the organisation's zone (casework.middleware)
TIME_ZONE = env_str("TIME_ZONE", "Asia/Phnom_Penh")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# In production `collectstatic` gathers hashed, compressed copies that WhiteNoise serves; on a
# developer's machine and in tests the files are served straight from static/.
STATIC_COLLECTED = env_bool("STATIC_COLLECTED", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = not STATIC_COLLECTED
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files (photos of children's drawings) are never served from MEDIA_ROOT directly:
# only through a view behind the door. This is the largest photo accepted.
DRAWING_MAX_BYTES = env_int("DRAWING_MAX_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Upstream <upstream@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if not REDIS_URL:
    # No server needed: messages are files under var/ (kombu's filesystem transport). The same
    # folder is used for in and out so that every local process sees every message.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Beat must run exactly once per installation (README, Production): it only enqueues; the
# reminders themselves are claimed under a unique constraint, so a second beat sends nothing
# twice, but it does double the work.
# PDFs render on their own queue, so a long case file never holds up a reminder; the `pdf`
# worker takes one task at a time and is restarted before its memory grows (docker-compose.yml).
EXPORT_QUEUE = env_str("EXPORT_QUEUE", "pdf")
CELERY_TASK_ROUTES = {"reports.tasks.render_export": {"queue": EXPORT_QUEUE}}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "export-cleanup": {
        "task": "reports.tasks.purge_exports",
        "schedule": env_int("EXPORT_PURGE_EVERY_SECONDS", 600),
        "options": {"expires": env_int("EXPORT_PURGE_EVERY_SECONDS", 600) - 10},
    },
    "review-reminders": {
        "task": "reviews.tasks.send_review_reminders",
        "schedule": env_int("REVIEW_REMINDER_EVERY_SECONDS", 300),
        # A sweep nobody picked up within the interval is replaced by the next one.
        "options": {"expires": env_int("REVIEW_REMINDER_EVERY_SECONDS", 300) - 10},
    },
    "emergency-access": {
        "task": "security.tasks.end_emergency_accesses",
        "schedule": env_int("EMERGENCY_ACCESS_SWEEP_SECONDS", 60),
        "options": {"expires": max(env_int("EMERGENCY_ACCESS_SWEEP_SECONDS", 60) - 5, 5)},
    },
    "clear-sessions": {
        # Ended sessions are refused at once; this only deletes their rows.
        "task": "security.tasks.clear_expired_sessions",
        "schedule": 3600,
        "options": {"expires": 3000},
    },
    "audit-seal": {
        "task": "security.tasks.seal_audit_events",
        "schedule": env_int("AUDIT_SEAL_EVERY_SECONDS", 300),
        "options": {"expires": env_int("AUDIT_SEAL_EVERY_SECONDS", 300) - 10},
    },
}

# --- Reviews -----------------------------------------------------------------------------------
# Where links in e-mails point (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# A reminder leased by a sweep that died is taken again after this long.
REVIEW_REMINDER_LEASE_SECONDS = env_int("REVIEW_REMINDER_LEASE_SECONDS", 300)
# How many worker processes share a large sweep's sending (the sweep itself and SENDERS - 1
# helper tasks on the same queue; they split the reminders with SKIP LOCKED). Set it to the
# number of worker processes that may spare the time.
REVIEW_REMINDER_SENDERS = env_int("REVIEW_REMINDER_SENDERS", 1)
# The right-hand side of reminder e-mails' Message-ID (the same message keeps the same id).
REVIEW_REMINDER_MESSAGE_DOMAIN = env_str("REVIEW_REMINDER_MESSAGE_DOMAIN", "upstream.invalid")

# --- PDF exports ------------------------------------------------------------------------------
# Exported PDFs are written here (never under MEDIA_ROOT or STATIC_ROOT), served only through
# the export's own download view, and deleted this long after they were asked for.
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(VAR_DIR / "exports")))
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# A case-file rendering is stopped after the soft limit (the exporter is told to tick fewer
# sections) and killed after the hard one; a worker that died holds its export for the lease.
EXPORT_SOFT_TIME_LIMIT = env_int("EXPORT_SOFT_TIME_LIMIT", 240)
EXPORT_HARD_TIME_LIMIT = env_int("EXPORT_HARD_TIME_LIMIT", 300)
EXPORT_LEASE_SECONDS = env_int("EXPORT_LEASE_SECONDS", 330)
EXPORT_MAX_ATTEMPTS = env_int("EXPORT_MAX_ATTEMPTS", 3)
# How many case files one person may have waiting at once.
EXPORT_MAX_PENDING = env_int("EXPORT_MAX_PENDING", 3)

# --- Audit integrity ------------------------------------------------------------------------
# Beat seals the audit events written since the last seal into a hash chain every
# AUDIT_SEAL_EVERY_SECONDS (see CELERY_BEAT_SCHEDULE); `manage.py audit_verify` checks it.
# Only events older than the delay (and older than every transaction still open) are sealed, so
# an event committed late is never left out (security/seals.py); at most this many per seal.
AUDIT_SEAL_EVERY_SECONDS = env_int("AUDIT_SEAL_EVERY_SECONDS", 300)
AUDIT_SEAL_DELAY_SECONDS = env_int("AUDIT_SEAL_DELAY_SECONDS", 60)
AUDIT_SEAL_BATCH_SIZE = env_int("AUDIT_SEAL_BATCH_SIZE", 50_000)

# --- Emergency access ("break the glass", security/emergency.py) ------------------------------
# How long an emergency access lasts; the beat sweep (EMERGENCY_ACCESS_SWEEP_SECONDS, see
# CELERY_BEAT_SCHEDULE) removes the grant at most that long after it ends.
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 8)

# --- Multi-factor authentication ----------------------------------------------------------
# The name authenticator apps show next to the code (casework.mfa).
OTP_TOTP_ISSUER = "Upstream"
# Platform superusers (no organisation; they reach /setup/) give a code too. Off only for a
# throwaway local setup.
MFA_FOR_PLATFORM_SUPERUSERS = env_bool("MFA_FOR_PLATFORM_SUPERUSERS", True)

# --- API ------------------------------------------------------------------------------------
# Widgets render through the project's templates, so our own widget templates are found too.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "casework.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Upstream API",
    "DESCRIPTION": "Case management for child protection social work.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs page's assets come from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security -------------------------------------------------------------------------------
# With DEBUG off we assume HTTPS (behind a proxy that sets X-Forwarded-Proto); each of these can
# be relaxed from the environment for an unusual deployment, never silently.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", True) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the compose network speak HTTP
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts, styles, fonts and pictures come from this site only, and never inline: no <script>
# without src, no <style>, no style="" or on...="" attributes in any template a browser is
# served (tests/test_security_headers.py reads them all). `data:` pictures are the vendored CSS
# framework's icons. The API docs (/api/docs/, Swagger UI) live with the same policy: their
# set-up script and styles are files too (config/urls.py, templates/drf_spectacular/).
# CSP_REPORT_URI, when set, is where browsers report what the policy blocked.
# (Not a setting named CSP_*: django-csp takes those for its old, 3.x settings.)
_csp_report_uri = env_str("CSP_REPORT_URI")
CONTENT_SECURITY_POLICY: dict[str, dict[str, list[str]]] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if _csp_report_uri:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]

# --- Error reports --------------------------------------------------------------------------
# A report of a crash (Django's e-mail to ADMINS, or any handler that uses Django's reporter)
# never carries what was typed or asked for: GET and POST values, uploaded file names, cookies,
# the query string and referring address, and the traceback's local variables (the request and
# its body among them) are all replaced by stars (casework/privacy.py). With DEBUG on (a
# developer's machine, synthetic data) Django's debug page shows them as usual.
DEFAULT_EXCEPTION_REPORTER = "casework.privacy.PrivateExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "casework.privacy.PrivateExceptionReporterFilter"

SILENCED_SYSTEM_CHECKS: list[str] = []
if not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way commitment for a whole domain: an operator's choice, not ours.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Log lines name paths, never query strings: a search may carry a child's name. Django's own
    # warnings ("Not Found: /cases/7/") already give the path alone; the development server's
    # access log (django.server) gives the whole address, so its query string is cut here.
    # Production's access log is gunicorn's (gunicorn.conf.py), which leaves it out too.
    "filters": {"path_only": {"()": "casework.privacy.PathOnlyFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["path_only"],
        },
        # A line per page of every PDF ("Step 5 - Creating layout - Page N") otherwise.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
