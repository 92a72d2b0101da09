"""System checks for sign-in: a misspelt role in THROUGHCARE_TOTP_ROLES fails at start-up, and production
without a second factor for anyone is warned about."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register()
def two_factor_roles(app_configs=None, **kwargs):
    from throughcare.agencies.roles import Role

    roles = list(getattr(settings, "TOTP_ROLES", []))
    unknown = sorted(set(roles) - set(Role.values) - {"all"})
    if unknown:
        return [checks.Error(f"THROUGHCARE_TOTP_ROLES names roles that do not exist: {', '.join(unknown)}",
                             hint=f"Use all, or some of: {', '.join(Role.values)}", id="throughcare.A001")]
    problems = []
    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "CACHE_URL", ""):
        problems.append(checks.Warning(
            "Sign-in rate limits are counted per worker process (no shared cache)",
            hint="Set THROUGHCARE_CACHE_URL=redis://host:6379/0 so every worker counts the same attempts",
            id="throughcare.A003"))
    if getattr(settings, "PRODUCTION", False) and not roles:
        problems.append(checks.Warning("No staff role needs a second factor to sign in (THROUGHCARE_TOTP_ROLES is "
                                       "empty)", hint="Set THROUGHCARE_TOTP_ROLES=all", id="throughcare.A002"))
    return problems
