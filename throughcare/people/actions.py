"""Writes to the person record. Views, the API and commands call these; nothing else saves people."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import require_recorder, staff_of
from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.core.errors import ValidationFailed
from throughcare.journey.models import Event, EventKind
from throughcare.matching.index import index_person
from throughcare.people.inputs import IDENTIFIER_FIELDS, PersonDetails, clean
from throughcare.people.models import Identifier, NameKind, Person, PersonName


def register_person(*, actor, details: PersonDetails) -> Person:
    """Register a new person at the actor's agency. Validates everything first; saves all or nothing."""
    staff = require_recorder(actor)
    details, errors = clean(details)
    taken = {
        field_name: getattr(details, field_name)
        for field_name in IDENTIFIER_FIELDS
        if getattr(details, field_name) and field_name not in errors
    }
    if taken:
        existing = set(
            Identifier.objects.filter(
                scheme__in=[IDENTIFIER_FIELDS[f] for f in taken], value__in=list(taken.values())
            ).values_list("scheme", "value")
        )
        for field_name, value in taken.items():
            if (IDENTIFIER_FIELDS[field_name], value) in existing:
                errors[field_name] = "This identifier is already on a record: search for the person instead"
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            person = Person.objects.create(
                date_of_birth=details.date_of_birth, sex=details.sex, gender=details.gender.strip(),
                ethnicity=details.ethnicity, postcode=details.postcode,
                preferred_language=details.preferred_language.strip() or "English",
                interpreter_needed=details.interpreter_needed, disabilities=list(details.disabilities),
                learning_disability=details.learning_disability, phone=details.phone.strip(),
                email=details.email.strip(), safe_to_contact=dict(details.safe_to_contact),
                safe_to_contact_note=details.safe_to_contact_note.strip(),
                display_name=f"{details.given_names} {details.family_name}",
                registered_by_agency_id=staff.agency_id, registered_at=now, updated_at=now,
            )
            PersonName.objects.create(person=person, kind=NameKind.USUAL, given_names=details.given_names,
                                      family_name=details.family_name)
            for other in details.other_names:
                PersonName.objects.create(person=person, kind=other.kind, given_names=other.given_names.strip(),
                                          family_name=other.family_name.strip())
            for field_name, scheme in IDENTIFIER_FIELDS.items():
                if getattr(details, field_name):
                    Identifier.objects.create(person=person, scheme=scheme, value=getattr(details, field_name))
            index_person(person)  # the blocking keys that find this person as a possible match (matching)
            Event.objects.create(
                person=person, occurred_at=now, recorded_at=now, kind=EventKind.REGISTRATION,
                category=Category.CONTACT_ADMIN, agency_id=staff.agency_id, author=actor,
                title=f"Registered by {staff.agency.name}",
            )
            record_action(actor=actor, action="person.register", person_id=person.pk, resource="person",
                          resource_id=str(person.pk), categories=[Category.CONTACT_ADMIN],
                          lawful_basis="relationship:registered", purpose="direct_care")
    except IntegrityError as exc:
        # Two workers registering the same identifier at the same moment: the second is told plainly.
        raise ValidationFailed({"nhs_number": "This identifier is already on a record: search for the person instead"}) from exc
    return person


#: The details a worker may change. Who registered the person, and their id, never change.
UPDATABLE = ("given_names", "family_name", "date_of_birth", "sex", "gender", "ethnicity", "postcode",
             "preferred_language", "interpreter_needed", "disabilities", "learning_disability", "phone", "email",
             "safe_to_contact", "safe_to_contact_note")


def update_person(*, actor, person_id, changes: dict, expected_version: int | None = None) -> Person:
    """Change a person's details. Stale versions are refused (PreconditionFailed), nothing half-saved."""
    from dataclasses import asdict

    from throughcare.core.errors import PreconditionFailed
    from throughcare.people.access import get_person

    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed({name: "This field cannot be changed" for name in sorted(unknown)})
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="person.update", write=True, categories=[])
        person = Person.objects.select_for_update().get(pk=person.pk)
        if expected_version is not None and expected_version != person.version:
            raise PreconditionFailed(f"The record has changed since version {expected_version}: "
                                     f"it is now version {person.version}. Reload it and try again.")
        usual = person.names.filter(kind=NameKind.USUAL).first()
        current = PersonDetails(
            given_names=usual.given_names if usual else "", family_name=usual.family_name if usual else "",
            date_of_birth=person.date_of_birth, sex=person.sex, gender=person.gender, ethnicity=person.ethnicity,
            postcode=person.postcode, preferred_language=person.preferred_language,
            interpreter_needed=person.interpreter_needed, disabilities=list(person.disabilities),
            learning_disability=person.learning_disability, phone=person.phone, email=person.email,
            safe_to_contact=dict(person.safe_to_contact), safe_to_contact_note=person.safe_to_contact_note,
        )
        details, errors = clean(PersonDetails(**{**asdict(current), **changes, "other_names": []}))
        errors = {k: v for k, v in errors.items() if k in changes or k in ("given_names", "family_name")}
        if errors:
            raise ValidationFailed(errors)
        for name in UPDATABLE:
            if name not in ("given_names", "family_name"):
                setattr(person, name, getattr(details, name))
        if "given_names" in changes or "family_name" in changes:
            if usual and (usual.given_names, usual.family_name) != (details.given_names, details.family_name):
                # The old usual name becomes a previous name: search still finds the person by it.
                usual.kind = NameKind.PREVIOUS
                usual.save(update_fields=["kind"])
                PersonName.objects.create(person=person, kind=NameKind.USUAL, given_names=details.given_names,
                                          family_name=details.family_name)
            person.display_name = f"{details.given_names} {details.family_name}"
        person.version += 1
        person.updated_at = timezone.now()
        person.save()
        index_person(person)
        staff = staff_of(actor)
        Event.objects.create(person=person, occurred_at=person.updated_at, recorded_at=person.updated_at,
                             kind=EventKind.DETAILS_UPDATED, category=Category.CONTACT_ADMIN, agency_id=staff.agency_id,
                             author=actor, title="Details updated", body=", ".join(sorted(changes)).replace("_", " "))
        record_action(actor=actor, action="person.update", person_id=person.pk, resource="person",
                      resource_id=str(person.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis,
                      reason=", ".join(sorted(changes)))
    return person
