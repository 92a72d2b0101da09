"""Pluggable senders, chosen by settings.NOTIFY_SENDER (THROUGHCARE_NOTIFY_SENDER).

- `console`: logs the message (development).
- `file`: appends one JSON line per message to settings.NOTIFY_OUTBOX (the demo and the tests).
- `govuk_notify`: GOV.UK Notify, through its Python client, with one generic template per channel whose
  content is `((message))` (and, for email, subject `((subject))`).

A sender returns the provider's reference for the message, or raises SendFailed with a reason that
holds no personal data.
"""

from __future__ import annotations

import fcntl
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("throughcare.notifications")

SENDERS = ("console", "file", "govuk_notify")


@dataclass(frozen=True)
class Message:
    reference: str  # our Notification id
    channel: str  # sms or email
    to: str
    template: str
    subject: str
    body: str
    personalisation: dict = field(default_factory=dict)


class SendFailed(Exception):
    """The message was not accepted; `reason` names why, without personal data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> str: ...


class ConsoleSender:
    name = "console"

    def send(self, message: Message) -> str:
        logger.warning("notification %s (%s, %s) to %s: %s", message.reference, message.template, message.channel,
                       message.to, message.body)
        return f"console-{message.reference}"


class FileSender:
    """One JSON line per message, appended under an exclusive lock so concurrent senders never interleave."""

    name = "file"

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or settings.NOTIFY_OUTBOX)

    def send(self, message: Message) -> str:
        line = json.dumps({**asdict(message), "sent_at": timezone.now().isoformat()}, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as outbox:
                fcntl.flock(outbox, fcntl.LOCK_EX)
                try:
                    outbox.write(line)
                    outbox.flush()
                finally:
                    fcntl.flock(outbox, fcntl.LOCK_UN)
        except OSError as exc:
            raise SendFailed(f"could not write to the outbox file: {exc.strerror}") from exc
        return f"file-{message.reference}"


class NotifySender:
    """GOV.UK Notify. The client signs each request with a JWT made from the API key (its own code)."""

    name = "govuk_notify"

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, sms_template_id: str | None = None,
                 email_template_id: str | None = None, client=None):
        self.sms_template_id = sms_template_id or settings.NOTIFY_SMS_TEMPLATE_ID
        self.email_template_id = email_template_id or settings.NOTIFY_EMAIL_TEMPLATE_ID
        if client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            client = NotificationsAPIClient(api_key or settings.NOTIFY_API_KEY,
                                            base_url=base_url or settings.NOTIFY_BASE_URL, timeout=15)
        self.client = client

    def send(self, message: Message) -> str:
        from notifications_python_client.errors import APIError

        personalisation = {"subject": message.subject, "message": message.body}
        try:
            if message.channel == "sms":
                response = self.client.send_sms_notification(
                    phone_number=message.to, template_id=self.sms_template_id, personalisation=personalisation,
                    reference=message.reference)
            else:
                response = self.client.send_email_notification(
                    email_address=message.to, template_id=self.email_template_id, personalisation=personalisation,
                    reference=message.reference)
        except APIError as exc:
            raise SendFailed(f"GOV.UK Notify answered {exc.status_code}: {_notify_reason(exc)}") from exc
        except Exception as exc:  # a network failure must not lose the record of the attempt  # noqa: BLE001
            raise SendFailed(f"GOV.UK Notify could not be reached: {type(exc).__name__}") from exc
        return str((response or {}).get("id", ""))


def _notify_reason(exc) -> str:
    messages = exc.message if isinstance(exc.message, list) else [exc.message]
    parts = [m.get("message", "") if isinstance(m, dict) else str(m) for m in messages]
    return "; ".join(p for p in parts if p)[:300] or "no reason given"


def get_sender() -> Sender:
    name = settings.NOTIFY_SENDER
    if name == "console":
        return ConsoleSender()
    if name == "file":
        return FileSender()
    if name == "govuk_notify":
        return NotifySender()
    raise ValueError(f"Unknown notification sender {name!r}: choose one of {', '.join(SENDERS)}")
