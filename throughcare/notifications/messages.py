"""The words of each message. Only the date, time, place and agency: never health or service-type information
(docs/decisions/0009-appointments-and-notifications.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

TEMPLATES = {
    "appointment_booked": (
        "Your appointment with {agency}",
        "{agency} has booked an appointment for you on {date} at {time}, {place}. "
        "If you cannot make it, please contact {agency}.",
    ),
    "appointment_rescheduled": (
        "Your appointment with {agency} has moved",
        "Your appointment with {agency} has moved to {date} at {time}, {place}. "
        "If you cannot make it, please contact {agency}.",
    ),
    "appointment_cancelled": (
        "Your appointment with {agency} is cancelled",
        "Your appointment with {agency} on {date} at {time} is cancelled. {agency} will be in touch.",
    ),
    # The person-held record (throughcare/myrecord): nothing about their care, only how to sign in.
    "record_invitation": (
        "You can now see your own record",
        "{agency} has set up your own Throughcare record. Sign in at {url} with this number or email address: "
        "we will send you a code each time.",
    ),
    "sign_in_code": (
        "Your sign-in code",
        "Your Throughcare sign-in code is {code}. It works once, for {minutes} minutes. Or open {link} "
        "Do not share this code with anyone.",
    ),
    "appointment_reminder": (
        "Reminder: your appointment with {agency}",
        "Reminder: you have an appointment with {agency} on {date} at {time}, {place}. "
        "If you cannot make it, please contact {agency}.",
    ),
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def appointment_personalisation(appointment) -> dict[str, str]:
    """What a message about `appointment` may say: the agency, the local date and time, and the place."""
    local = timezone.localtime(appointment.starts_at)
    hour = local.strftime("%I").lstrip("0")
    time = f"{hour}{local:%p}".lower() if local.minute == 0 else f"{hour}:{local:%M}{local:%p}".lower()
    if appointment.mode == "in_person":
        place = f"at {appointment.location}" if appointment.location else "in person"
    else:
        place = appointment.place
    return {"agency": appointment.agency.name, "date": f"{local:%A} {local.day} {local:%B %Y}", "time": time,
            "place": place}


def render(template: str, personalisation: dict[str, str]) -> Text:
    subject, body = TEMPLATES[template]
    return Text(subject.format(**personalisation), body.format(**personalisation))
