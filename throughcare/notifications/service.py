"""Sending a message to a person: choose a channel they said is safe, claim the message once, send, record.

`notify_person` is the only way a message leaves Throughcare. Its Notification row is inserted with a
unique `key` before anything is sent, so the same message is never sent twice, however many processes
try at once; a row is also written when nothing could be sent, saying why.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.notifications.messages import render
from throughcare.notifications.models import Channel, Notification, NotificationStatus
from throughcare.notifications.senders import Message, SendFailed, get_sender

logger = logging.getLogger("throughcare.notifications")

_UK_MOBILE = re.compile(r"^(?:\+44|0044|44|0)(7\d{9})$")
_INTERNATIONAL = re.compile(r"^\+(?!44)\d{8,15}$")


def mobile_number(phone: str) -> str:
    """The number in a form Notify accepts if it is a mobile (UK 07..., or international +...), else ''."""
    compact = re.sub(r"[\s\-().]", "", phone or "")
    match = _UK_MOBILE.match(compact)
    if match:
        return "07" + match.group(1)[1:]
    return compact if _INTERNATIONAL.match(compact) else ""


def choose_channel(person) -> tuple[str, str, str]:
    """(channel, address, '') for the first safe channel with details, or ('', '', why not).

    A text is preferred to an email; only channels ticked in `safe_to_contact` are ever used.
    """
    safe = person.safe_to_contact or {}
    why: list[str] = []
    if safe.get("text"):
        number = mobile_number(person.phone)
        if number:
            return Channel.SMS, number, ""
        why.append("safe to text but no mobile number is recorded" if not person.phone
                   else "safe to text but the phone number is not a mobile")
    if safe.get("email"):
        if person.email:
            return Channel.EMAIL, person.email, ""
        why.append("safe to email but no email address is recorded")
    if not why:
        return "", "", "not recorded as safe to contact by text or email"
    return "", "", "; ".join(why)


def notify_person(*, person, template: str, key: str, personalisation: dict[str, str], appointment=None,
                  claim=None, address: tuple[str, str] | None = None,
                  secret: dict[str, str] | None = None) -> Notification | None:
    """Send `template` to `person` once per `key`. None if another process already claimed the key.

    `claim`, if given, runs inside the claiming transaction and returns False to give up (e.g. the
    appointment changed since it was listed). `address` (channel, to) is where the person asked their
    sign-in codes to go (throughcare/myrecord), instead of the first safe channel. `secret` is filled into
    the message but never stored on the Notification row (a sign-in code).
    """
    if address:
        (channel, to), why = address, ""
    else:
        channel, to, why = choose_channel(person)
    now = timezone.now()
    try:
        with transaction.atomic():
            if claim is not None and not claim():
                return None
            notification = Notification.objects.create(
                key=key[:200], person=person, appointment=appointment, template=template, channel=channel, to=to,
                personalisation=personalisation, created_at=now,
                status=NotificationStatus.SENDING if channel else NotificationStatus.SKIPPED, error=why)
    except IntegrityError:
        return None
    if not channel:
        return notification
    text = render(template, {**personalisation, **(secret or {})})
    sender = get_sender()
    message = Message(reference=str(notification.pk), channel=channel, to=to, template=template,
                      subject=text.subject, body=text.body, personalisation=personalisation)
    notification.sender = sender.name
    try:
        notification.provider_reference = sender.send(message)[:100]
    except SendFailed as exc:
        notification.status, notification.error = NotificationStatus.FAILED, exc.reason[:500]
        logger.warning("notification %s failed: %s", notification.pk, exc.reason)
    else:
        notification.status, notification.sent_at = NotificationStatus.SENT, timezone.now()
    notification.save(update_fields=["sender", "provider_reference", "status", "error", "sent_at"])
    return notification
