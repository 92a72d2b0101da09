"""System checks: a misconfigured sender fails at start-up, not when the first reminder is due."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from throughcare.notifications.senders import SENDERS


@checks.register()
def notification_sender(app_configs=None, **kwargs):
    errors = []
    if settings.NOTIFY_SENDER not in SENDERS:
        errors.append(checks.Error(f"THROUGHCARE_NOTIFY_SENDER is {settings.NOTIFY_SENDER!r}",
                                   hint=f"Choose one of {', '.join(SENDERS)}", id="throughcare.N001"))
    elif settings.NOTIFY_SENDER == "govuk_notify":
        missing = [name for name, value in (
            ("THROUGHCARE_NOTIFY_API_KEY (or _FILE)", settings.NOTIFY_API_KEY),
            ("THROUGHCARE_NOTIFY_SMS_TEMPLATE_ID", settings.NOTIFY_SMS_TEMPLATE_ID),
            ("THROUGHCARE_NOTIFY_EMAIL_TEMPLATE_ID", settings.NOTIFY_EMAIL_TEMPLATE_ID)) if not value]
        if missing:
            errors.append(checks.Error("GOV.UK Notify is chosen but not set up",
                                       hint="Set " + ", ".join(missing), id="throughcare.N002"))
    elif settings.NOTIFY_SENDER == "console" and getattr(settings, "PRODUCTION", False):
        errors.append(checks.Warning("Messages to people are only logged (THROUGHCARE_NOTIFY_SENDER=console)",
                                     hint="Use govuk_notify in production", id="throughcare.N003"))
    return errors
