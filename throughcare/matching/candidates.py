"""Possible matches for a person about to be registered, as the caller may see them.

Candidates come from the blocking keys (one indexed query) and are scored in Python with the model in
use. Candidates the caller may see (consent.policy.visible_people, the same rule as every list) are shown
with their probability and which fields agreed or disagreed. Candidates they may not see are never
revealed: the caller learns only that a possible match is held elsewhere, and can confirm it by a shared
identifier (actions.join_existing_record) or ask the holding agencies for access through the consent rules
(matching.access.request_access).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from throughcare.agencies.models import require_recorder
from throughcare.audit.recorder import record_access
from throughcare.consent.policy import visible_people
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import Conflict, ValidationFailed
from throughcare.matching import index, records, spec, trained
from throughcare.matching.scoring import FieldResult, Score
from throughcare.people.inputs import PersonDetails, clean
from throughcare.people.models import Person

#: The most candidates shown.
SHOWN = 10
#: The details a match needs; the other fields' errors wait for the registration itself.
NEEDED = ("given_names", "family_name", "date_of_birth")


@dataclass
class Candidate:
    person: Person
    probability: float
    fields: tuple[FieldResult, ...]


@dataclass
class Candidates:
    model_version: int
    shown: list[Candidate] = field(default_factory=list)
    #: A possible match the caller may not see exists. Nothing else about it is revealed.
    held_elsewhere: bool = False
    #: Person ids of the hidden possible matches: never shown or returned to the caller.
    _hidden: list[str] = field(default_factory=list, repr=False)

    @property
    def any(self) -> bool:
        return bool(self.shown) or self.held_elsewhere


def checked(details: PersonDetails) -> PersonDetails:
    """The details normalised as registration normalises them; names and date of birth are required."""
    details, errors = clean(copy.deepcopy(details))
    needed = {name: message for name, message in errors.items() if name in NEEDED}
    if needed:
        raise ValidationFailed(needed)
    for name in errors:  # a malformed optional field is left out of the comparison, not guessed at
        if hasattr(details, name) and name not in NEEDED:
            setattr(details, name, "" if isinstance(getattr(details, name), str) else getattr(details, name))
    return details


def scored(details: PersonDetails, *, threshold: float = spec.CANDIDATE_THRESHOLD) -> tuple[int, list[tuple[str, Score]]]:
    """(model version, [(person id, score)]) of every candidate at or above `threshold`, best first."""
    version, scorer = trained.scorer()
    wanted = [records.from_details(details)]
    wanted += [records.record(record_id="new", given_name=o.given_names, surname=o.family_name,
                              date_of_birth=details.date_of_birth, sex_=details.sex, postcode_=details.postcode,
                              nhs_number=details.nhs_number, prison_number=details.prison_number,
                              probation_reference=details.probation_reference) for o in details.other_names]
    found: dict[str, dict] = {}
    for record in wanted:
        for person_id, data in index.candidates(record):
            found[person_id] = data
    results = []
    for person_id, data in found.items():
        variants = index.variants(data, person_id)
        best = max((scorer.best(record, variants) for record in wanted), key=lambda s: s.weight)
        if best.probability >= threshold:
            results.append((person_id, best))
    results.sort(key=lambda item: -item[1].weight)
    return version, results


def _require_registrar(user) -> None:
    """Only those who may register people look for matches (anyone else would learn who is held)."""
    require_recorder(user)


def find_candidates(user, details: PersonDetails) -> Candidates:
    """Possible matches for `details`, as `user` may see them. One audit entry names those shown."""
    _require_registrar(user)
    details = checked(details)
    version, results = scored(details)
    ids = [person_id for person_id, _score in results]
    visible = {str(pk) for pk in visible_people(user).filter(pk__in=ids).values_list("pk", flat=True)}
    people = {str(p.pk): p for p in Person.objects.filter(pk__in=visible).select_related("registered_by_agency")}
    found = Candidates(model_version=version)
    for person_id, score in results:
        if person_id in people:
            if len(found.shown) < SHOWN:
                found.shown.append(Candidate(people[person_id], round(score.probability, 4), score.fields))
        else:
            found.held_elsewhere = True
            found._hidden.append(person_id)
    record_access(actor=user, action="person.match", categories=[IDENTITY_CATEGORY],
                  subjects=[c.person.pk for c in found.shown],
                  reason=f"{len(found.shown)} possible match(es) shown"
                         + ("; a possible match held elsewhere was not shown" if found.held_elsewhere else ""))
    return found


class PossibleMatch(Conflict):
    code = "possible_match"


def refuse_possible_match(user, details: PersonDetails) -> None:
    """Before the API registers a person: refuse (409) while possible matches exist that the caller has not
    looked at. Details that cannot be compared are left for the registration to name."""
    try:
        found = find_candidates(user, details)
    except ValidationFailed:
        return
    if found.any:
        raise PossibleMatch(
            "This person may already have a record. Look at POST /api/v1/people/candidates; then join that record "
            "(POST /api/v1/people/join) or send confirm_no_match: true to register a new one.",
            fields={"confirm_no_match": "Check the possible matches first"})
