"""Typed readers for settings that come from the environment.

Every setting Throughcare reads is documented in docs/configuration.md; a test
fails when the two drift apart. Readers fail loudly on a malformed value rather
than falling back silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("THROUGHCARE_DATA_DIR", PROJECT_ROOT / "data"))

#: Every environment variable read anywhere in Throughcare, with its meaning.
#: docs/configuration.md must describe each one (tests/test_docs.py checks).
KNOWN_SETTINGS = (
    "DATABASE_URL",
    "THROUGHCARE_MIGRATE_DATABASE_URL",
    "THROUGHCARE_DB_APP_ROLE",
    "THROUGHCARE_DATA_DIR",
    "THROUGHCARE_DEBUG",
    "THROUGHCARE_SECRET_KEY",
    "THROUGHCARE_SECRET_KEY_FILE",
    "THROUGHCARE_AUDIT_KEY",
    "THROUGHCARE_AUDIT_KEY_FILE",
    "THROUGHCARE_ALLOWED_HOSTS",
    "THROUGHCARE_PRODUCTION",
    "THROUGHCARE_DB_CONN_MAX_AGE",
    "THROUGHCARE_TIME_ZONE",
    "THROUGHCARE_LOG_LEVEL",
    "THROUGHCARE_NOTIFY_SENDER",
    "THROUGHCARE_NOTIFY_OUTBOX",
    "THROUGHCARE_NOTIFY_API_KEY",
    "THROUGHCARE_NOTIFY_API_KEY_FILE",
    "THROUGHCARE_NOTIFY_BASE_URL",
    "THROUGHCARE_NOTIFY_SMS_TEMPLATE_ID",
    "THROUGHCARE_NOTIFY_EMAIL_TEMPLATE_ID",
    "THROUGHCARE_REMINDER_HOURS",
    "THROUGHCARE_RELEASE_PLAN_WEEKS",
    "THROUGHCARE_RELEASE_REVIEW_DAYS",
    "THROUGHCARE_CONTINUITY_SUPPRESS_BELOW",
    "THROUGHCARE_TOTP_ROLES",
    "THROUGHCARE_CACHE_URL",
    "THROUGHCARE_PERSON_CODE_MINUTES",
    "THROUGHCARE_PERSON_SIGN_IN_LIMIT",
    "THROUGHCARE_PERSON_SESSION_MINUTES",
    "THROUGHCARE_REPORTING_KEY",
    "THROUGHCARE_REPORTING_KEY_FILE",
    "THROUGHCARE_REPORT_SUPPRESS_BELOW",
    "THROUGHCARE_UPLOAD_MAX_BYTES",
    "THROUGHCARE_UPLOAD_MAX_FILES",
    "THROUGHCARE_VOICE_RESPONSES_PER_HOUR",
    "THROUGHCARE_VOICE_RUN_TIMEOUT",
    "THROUGHCARE_VOICE_THREADS",
)


def env_str(name: str, default: str | None = None) -> str | None:
    if name not in KNOWN_SETTINGS:  # a programming error: every setting is documented in KNOWN_SETTINGS
        raise KeyError(f"{name} is not a documented setting")
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret(name: str, *, default: str | None = None) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE (preferred in deployment)."""
    file_name = env_str(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at {file_name!r}, which cannot be read") from exc
    return env_str(name, default)


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'throughcare.sqlite3'}"


def database_from_url(url: str) -> dict:
    """Turn sqlite:///path or postgresql://user:pass@host:port/name into a Django DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    if scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            path = path[1:] if path.startswith("//") else path
        if not path or path == "/":
            raise ImproperlyConfigured("DATABASE_URL sqlite:/// needs a file path, e.g. sqlite:///data/tc.sqlite3")
        if path != ":memory:":
            path = str(Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # Take the write lock when a transaction starts, so the audit hash chain
                # is always extended from the latest committed entry.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": options.get("test_name") or None},
        }
    if scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "throughcare",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("THROUGHCARE_DB_CONN_MAX_AGE", 60),
            # Checked at the start of each request by polling the socket (throughcare.core.dbhealth) instead
            # of Django's SELECT 1 round trip.
            "CONN_HEALTH_CHECKS": False,
            # psycopg prepares a statement only when asked (throughcare.core.prepared asks, for the few
            # statements of every API request); Django's own queries bind on the client and never are.
            # JIT off: the access rule's EXISTS subqueries make PostgreSQL estimate a worker's lists as big enough
            # to compile, which cost 300 to 650 ms a query at a million people for work that takes 130 ms without
            # (docs/benchmarks.md). `?options=` in DATABASE_URL replaces it (e.g. behind a pgbouncer that refuses
            # startup options: set jit = off on the database instead).
            "OPTIONS": {"prepare_threshold": 5, "options": "-c jit=off",
                        **{key: value for key, value in options.items() if key != "test_name"}},
            "TEST": {"NAME": options.get("test_name") or None},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme or 'nothing'}:"
    )
