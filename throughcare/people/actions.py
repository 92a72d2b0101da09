"""Writes to the person record. Views, the API and commands call these; nothing else saves people."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import RECORDING_ROLES
from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.journey.models import Event, EventKind
from throughcare.people.inputs import IDENTIFIER_FIELDS, PersonDetails, clean
from throughcare.people.models import Identifier, NameKind, Person, PersonName


def register_person(*, actor, details: PersonDetails) -> Person:
    """Register a new person at the actor's agency. Validates everything first; saves all or nothing."""
    staff = staff_of(actor)
    if staff is None or staff.role not in RECORDING_ROLES:
        raise Forbidden("Your role cannot register people")
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
