"""Production settings pass Django's deployment checks with no warnings, as the production-grade issue asks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _check_deploy(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHCARE_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "throughcare.settings", **env})
    return subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _check_deploy(
        THROUGHCARE_PRODUCTION="true", THROUGHCARE_SECRET_KEY=secrets.token_urlsafe(50),
        THROUGHCARE_DATA_DIR=str(tmp_path), THROUGHCARE_NOTIFY_SENDER="govuk_notify",
        THROUGHCARE_CACHE_URL="redis://127.0.0.1:6379/0",
        THROUGHCARE_NOTIFY_API_KEY="throughcare-test-" + "0" * 36 + "-" + "0" * 36,
        THROUGHCARE_NOTIFY_SMS_TEMPLATE_ID="00000000-0000-4000-8000-000000000001",
        THROUGHCARE_NOTIFY_EMAIL_TEMPLATE_ID="00000000-0000-4000-8000-000000000002")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_settings_are_flagged_by_the_deployment_checks(tmp_path):
    """The check can fail: development settings (no HTTPS, console messages) are not fit to deploy."""
    result = _check_deploy(THROUGHCARE_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout
