"""What a person's record says, as the caller may see it: shared by the page and the API."""

from __future__ import annotations

from throughcare.consent.policy import Grant
from throughcare.core import refdata
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND
from throughcare.episodes.models import Episode
from throughcare.people.models import Person


def coded(name: str, entry_id: str):
    entry = refdata.by_id(name, entry_id) if entry_id else None
    return {"id": entry.id, "code": entry.code, "label": entry.label} if entry else None


def visible_episodes(person: Person, grant: Grant) -> list[Episode]:
    """Episodes whose agency's category the caller may see (one query)."""
    episodes = Episode.objects.filter(person_id=person.pk).select_related("agency").order_by("-started_on")
    return [e for e in episodes if grant.allows(CATEGORY_BY_AGENCY_KIND[e.agency.kind], e.agency_id)]


def person_summary(person: Person, grant: Grant) -> dict:
    """The person's details. Names and identifiers are prefetched by the caller or fetched here (two queries)."""
    return {
        "id": person.pk,
        "display_name": person.display_name,
        "names": [{"kind": n.kind, "given_names": n.given_names, "family_name": n.family_name}
                  for n in person.names.all()],
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "gender": person.gender,
        "ethnicity": coded("ethnicity", person.ethnicity),
        "postcode": person.postcode,
        "preferred_language": person.preferred_language,
        "interpreter_needed": person.interpreter_needed,
        "disabilities": [c for c in (coded("disabilities", d) for d in person.disabilities) if c],
        "learning_disability": person.learning_disability,
        "phone": person.phone,
        "email": person.email,
        "safe_to_contact": person.safe_to_contact,
        "safe_to_contact_note": person.safe_to_contact_note,
        "identifiers": [{"scheme": i.scheme, "value": i.value} for i in person.identifiers.all()],
        "registered_by_agency": person.registered_by_agency,
        "registered_at": person.registered_at,
        "episodes": [
            {"id": e.id, "agency": e.agency, "setting": e.setting, "service": e.service, "started_on": e.started_on,
             "ended_on": e.ended_on, "discharge_reason": coded("discharge_reasons", e.discharge_reason)}
            for e in visible_episodes(person, grant)
        ],
        "version": person.version,
    }
