"""'Who can see what about this person', in plain English, for the consent page and the person's own view."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from throughcare.consent.actions import describe_consent
from throughcare.consent.models import BreakGlass, Consent, ConsentKind, LawfulBasis
from throughcare.consent.policy import related_agencies
from throughcare.core.categories import Category


@dataclass
class SharingSummary:
    working_with: list[str]
    sharing: list[tuple[Consent, str]]
    other_consents: list[tuple[Consent, str]]
    past: list[tuple[Consent, str]]
    bases: list[str]
    emergency: list[str]


def sharing_summary(person) -> SharingSummary:
    today = timezone.localdate()
    # The agencies rule 3 of the access policy relates to the person: the policy's own facts, not a copy.
    agencies = list(related_agencies(person).values_list("name", flat=True))
    consents = list(Consent.objects.filter(person=person).select_related("recipient_agency"))
    sharing, other, past = [], [], []
    for consent in consents:
        line = (consent, describe_consent(consent))
        if not consent.is_active(today):
            past.append(line)
        elif consent.kind == ConsentKind.SHARE:
            sharing.append(line)
        else:
            other.append(line)
    bases = [
        f"{b.recipient_agency.name} can see {', '.join(Category(c).label.lower() for c in b.categories)} "
        f"({b.get_basis_display().lower()}, approved by the Caldicott guardian"
        f"{f', until {b.valid_until:%-d %B %Y}' if b.valid_until else ''})."
        for b in LawfulBasis.objects.filter(person=person, approved=True, revoked_at__isnull=True)
        .select_related("recipient_agency")
        if b.valid_until is None or b.valid_until >= today
    ]
    emergency = [
        f"{g.user.get_full_name() or g.user.username} ({g.agency.name}) has emergency access until "
        f"{timezone.localtime(g.expires_at):%H:%M on %-d %B %Y}."
        for g in BreakGlass.objects.filter(person=person, expires_at__gt=timezone.now()).select_related("user", "agency")
    ]
    return SharingSummary(working_with=agencies, sharing=sharing, other_consents=other, past=past,
                          bases=bases, emergency=emergency)
