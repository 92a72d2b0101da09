"""Django settings. Every value comes through throughcare.config; see docs/configuration.md."""

from __future__ import annotations

import secrets as _secrets

from throughcare import config

BASE_DIR = config.PROJECT_ROOT
DATA_DIR = config.DATA_DIR
PRODUCTION = config.env_bool("THROUGHCARE_PRODUCTION", False)
DEBUG = config.env_bool("THROUGHCARE_DEBUG", False)


def _secret_key() -> str:
    key = config.secret("THROUGHCARE_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("THROUGHCARE_SECRET_KEY (or _FILE) must be set in production")
    # Development: a key kept in the data folder so sessions survive restarts.
    path = DATA_DIR / "secret.key"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(_secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
AUDIT_SIGNING_KEY = config.secret("THROUGHCARE_AUDIT_KEY") or ("audit:" + SECRET_KEY)
ALLOWED_HOSTS = config.env_list("THROUGHCARE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its API docs page then serves Swagger UI from its own static files, not a CDN
    "throughcare.core",
    "throughcare.agencies",
    "throughcare.accounts",
    "throughcare.people",
    "throughcare.episodes",
    "throughcare.journey",
    "throughcare.careteam",
    "throughcare.consent",
    "throughcare.referrals",
    "throughcare.plans",
    "throughcare.reviews",
    "throughcare.appointments",
    "throughcare.notifications",
    "throughcare.today",
    "throughcare.assessments",
    "throughcare.outcomes",
    "throughcare.directory",
    "throughcare.custody",
    "throughcare.releases",
    "throughcare.matching",
    "throughcare.myrecord",
    "throughcare.reporting",
    "throughcare.voice",
    "throughcare.audit",
]

# The Web* middleware are Django's own for pages, passed by for /api/ (Bearer tokens, JSON: no session,
# cookie, flash message or translation): throughcare/core/middleware.py, docs/benchmarks.md.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "throughcare.core.middleware.RequestContextMiddleware",
    "throughcare.core.middleware.WebSessionMiddleware",
    "throughcare.core.middleware.WebLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # as it is: `check --deploy` looks for it by name
    "throughcare.core.middleware.WebAuthenticationMiddleware",
    "throughcare.core.middleware.WebMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "throughcare.audit.middleware.AuditMiddleware",
]

ROOT_URLCONF = "throughcare.urls"
WSGI_APPLICATION = "throughcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "throughcare" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "throughcare.core.context_processors.service",
            ],
        },
    }
]

DATABASES = {"default": config.database_from_url(config.env_str("DATABASE_URL") or config.default_database_url())}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["throughcare.accounts.backends.StaffBackend"]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"  # each role lands where its work is (core.views.home)
LOGOUT_REDIRECT_URL = "accounts:sign-in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
TIME_ZONE = config.env_str("THROUGHCARE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "throughcare" / "locale"]

STATIC_URL = "/static/"
# collectstatic gathers files here for production; development serves them from their apps.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "throughcare" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (core.middleware): scripts only from this site's own files, never inline or
# eval'd, so injected markup cannot run. Styles allow inline attributes (the Vega charts and the consultation
# summary's bars set widths in style=""). Pages that draw Vega charts also allow eval: Vega compiles its
# expressions with Function() (core.csp.draws_charts marks those views).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CONTENT_SECURITY_POLICY_CHARTS = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": config.env_str("THROUGHCARE_LOG_LEVEL", "WARNING")},
}

# Pagination of the journey timeline.
TIMELINE_PAGE_SIZE = 25
TIMELINE_MAX_PAGE_SIZE = 200

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "throughcare@localhost"

# Messages to people (throughcare/notifications; docs/configuration.md).
NOTIFY_SENDER = config.env_str("THROUGHCARE_NOTIFY_SENDER", "console")
NOTIFY_OUTBOX = config.env_str("THROUGHCARE_NOTIFY_OUTBOX") or str(DATA_DIR / "notifications" / "outbox.jsonl")
NOTIFY_API_KEY = config.secret("THROUGHCARE_NOTIFY_API_KEY") or ""
NOTIFY_BASE_URL = config.env_str("THROUGHCARE_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = config.env_str("THROUGHCARE_NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_EMAIL_TEMPLATE_ID = config.env_str("THROUGHCARE_NOTIFY_EMAIL_TEMPLATE_ID", "")
APPOINTMENT_REMINDER_HOURS = config.env_int("THROUGHCARE_REMINDER_HOURS", 24)

# Through the gate (throughcare/releases; docs/configuration.md).
RELEASE_PLAN_WEEKS = config.env_int("THROUGHCARE_RELEASE_PLAN_WEEKS", 12)
RELEASE_REVIEW_DAYS = config.env_int("THROUGHCARE_RELEASE_REVIEW_DAYS", 28)
CONTINUITY_SUPPRESS_BELOW = config.env_int("THROUGHCARE_CONTINUITY_SUPPRESS_BELOW", 5)

# Staff two-step sign-in and the person-held record (throughcare/accounts, throughcare/myrecord;
# docs/configuration.md). TOTP_ROLES: roles that must give an authenticator code ("all", or role names).
#: A cache shared by every worker (sign-in rate limits must count across workers): Redis in deployment.
CACHE_URL = config.env_str("THROUGHCARE_CACHE_URL", "")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                      "KEY_PREFIX": "throughcare"}} if CACHE_URL else {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TOTP_ROLES = config.env_list("THROUGHCARE_TOTP_ROLES", ["all"] if PRODUCTION else [])
PERSON_CODE_MINUTES = config.env_int("THROUGHCARE_PERSON_CODE_MINUTES", 10)
PERSON_SIGN_IN_LIMIT = config.env_int("THROUGHCARE_PERSON_SIGN_IN_LIMIT", 5)
PERSON_SESSION_MINUTES = config.env_int("THROUGHCARE_PERSON_SESSION_MINUTES", 30)

# Reporting and commissioning (throughcare/reporting; docs/configuration.md, docs/reporting.md).
# REPORTING_KEY: the HMAC key that turns person ids into reporting keys (keep it secret and stable).
REPORTING_KEY = config.secret("THROUGHCARE_REPORTING_KEY") or ("reporting:" + SECRET_KEY)
REPORT_SUPPRESS_BELOW = config.env_int("THROUGHCARE_REPORT_SUPPRESS_BELOW", 5)

# Uploads and the public response form (throughcare/voice; docs/configuration.md). Django's own limits are set
# explicitly: form fields other than files may total 2.5 MB; a file larger than 2.5 MB is streamed to a temporary
# file instead of memory; a request may carry the files Voice accepts at once plus one (the form says too many).
UPLOAD_MAX_BYTES = config.env_int("THROUGHCARE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_FILES = config.env_int("THROUGHCARE_UPLOAD_MAX_FILES", 50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES + 1
VOICE_RESPONSES_PER_HOUR = config.env_int("THROUGHCARE_VOICE_RESPONSES_PER_HOUR", 20)
# A Voice analysis run left "running" this long by a worker that stopped goes back in the queue (voice/worker.py).
THROUGHCARE_VOICE_RUN_TIMEOUT = config.env_int("THROUGHCARE_VOICE_RUN_TIMEOUT", 3600)
