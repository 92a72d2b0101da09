"""Who is involved with the person, and how to reach them, in the person's own words.

`agencies_working_with(person)`: the agencies the access policy relates to the person (rule 3, asked of the
policy itself through `consent.policy.related_agencies`, never a rule of our own), with what kind of agency
each is, why it may know who the person is, and how to reach it. `agency_contacts` reads an agency's public
contact details from the service directory (its organisation's services, contacts and places): never a
staff-only contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from throughcare.consent.policy import related_agencies
from throughcare.myrecord.words import kind_words, say, why_words


@dataclass
class AgencyContact:
    phone: str = ""
    email: str = ""
    address: str = ""
    website: str = ""

    def __bool__(self) -> bool:
        return bool(self.phone or self.email or self.address or self.website)


@dataclass
class WorkingWith:
    agency: object
    kind: str
    why: list[str]
    contact: AgencyContact = field(default_factory=AgencyContact)


def agency_contacts(agency_ids) -> dict:
    """{agency id: AgencyContact} from the service directory, where the agency has an entry (three queries)."""
    from django.db.models import Prefetch

    from throughcare.directory.models import Contact, Organisation, Service
    from throughcare.directory.vocab import ServiceStatus

    services = (Service.objects.filter(status=ServiceStatus.ACTIVE, listed_publicly=True)
                .prefetch_related(Prefetch("contacts", queryset=Contact.objects.filter(staff_only=False)))
                .order_by("name", "id"))
    organisations = (Organisation.objects.filter(agency_id__in=list(agency_ids))
                     .prefetch_related(Prefetch("services", queryset=services), "locations"))
    found = {}
    for organisation in organisations:
        listed = list(organisation.services.all())
        phones = [s.phone for s in listed if s.phone] + [c.phone for s in listed for c in s.contacts.all() if c.phone]
        emails = [organisation.email] + [s.email for s in listed] + [c.email for s in listed for c in s.contacts.all()]
        places = [loc.address for loc in organisation.locations.all() if loc.address]
        found[organisation.agency_id] = AgencyContact(
            phone=next(iter(phones), ""), email=next((e for e in emails if e), ""),
            address=next(iter(places), ""), website=organisation.website)
    return found


def agencies_working_with(person) -> list[WorkingWith]:
    """Every agency the access policy relates to the person, with its kind, why, and how to reach it."""
    agencies = list(related_agencies(person))
    contacts = agency_contacts(a.pk for a in agencies)
    rows = []
    for agency in agencies:
        reasons = [name for name in ("registered", "current_episode", "care_team", "open_referral",
                                     "merged_registered") if getattr(agency, f"tc_{name}", False)]
        why = list(dict.fromkeys(why_words(reason) for reason in reasons))
        rows.append(WorkingWith(agency=agency, kind=kind_words(agency.kind), why=why,
                                contact=contacts.get(agency.pk, AgencyContact())))
    return rows


def describe_recipient(consent) -> str:
    """Who a consent shares with, in the person's words: the agency, or every agency of one kind."""
    from throughcare.myrecord.words import every_kind

    if consent.recipient_agency_id:
        return consent.recipient_agency.name
    return every_kind(consent.recipient_kind) if consent.recipient_kind else say("every agency of one kind")


def with_whom(consent) -> str:
    """"with Riverside Recovery", or "with every housing provider", in the person's words."""
    from django.utils.translation import gettext

    from throughcare.myrecord.words import WITH_AGENCY, with_kind

    if consent.recipient_agency_id:
        return gettext(WITH_AGENCY) % {"agency": consent.recipient_agency.name}
    return with_kind(consent.recipient_kind)
