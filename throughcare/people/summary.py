"""What a person's record says, as the caller may see it: shared by the page and the API."""

from __future__ import annotations

import datetime as dt
import uuid

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


def _episodes(person: Person, grant: Grant) -> list[dict]:
    details = getattr(person, "tc_details", None)
    if details is None:
        return [{"id": e.id, "agency": e.agency, "setting": e.setting, "service": e.service,
                 "started_on": e.started_on, "ended_on": e.ended_on,
                 "discharge_reason": coded("discharge_reasons", e.discharge_reason)}
                for e in visible_episodes(person, grant)]
    # Loaded with the person (people.access.get_person(details=True)): the same filter on the same rows.
    episodes = []
    for episode_id, setting, service, started_on, ended_on, reason, agency_id, agency_name, kind in details["episodes"]:
        agency_id = uuid.UUID(str(agency_id))
        if grant.allows(CATEGORY_BY_AGENCY_KIND[kind], agency_id):
            episodes.append({"id": uuid.UUID(str(episode_id)), "agency": {"id": agency_id, "name": agency_name,
                                                                          "kind": kind},
                             "setting": setting, "service": service, "started_on": _date(started_on),
                             "ended_on": _date(ended_on), "discharge_reason": coded("discharge_reasons", reason)})
    return episodes


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def person_summary(person: Person, grant: Grant) -> dict:
    """The person's details: from the rows get_person(details=True) loaded, or in three more queries."""
    details = getattr(person, "tc_details", None)
    names = details["names"] if details else [(n.kind, n.given_names, n.family_name) for n in person.names.all()]
    identifiers = details["identifiers"] if details else [(i.scheme, i.value) for i in person.identifiers.all()]
    return {
        "id": person.pk,
        "display_name": person.display_name,
        "names": [{"kind": kind, "given_names": given, "family_name": family} for kind, given, family in names],
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
        "identifiers": [{"scheme": scheme, "value": value} for scheme, value in identifiers],
        "registered_by_agency": person.registered_by_agency,
        "registered_at": person.registered_at,
        "episodes": _episodes(person, grant),
        "version": person.version,
    }
