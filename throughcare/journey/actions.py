from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import disclose, record_action
from throughcare.core.categories import ALL_CATEGORIES
from throughcare.core.errors import Forbidden, NotFound, ValidationFailed
from throughcare.core.ids import parse_int
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person, get_record_about

MAX_NOTE_LENGTH = 10_000
NOTE_NOT_FOUND = "Note not found"


def add_note(*, actor, person_id, text: str, category: str) -> Event:
    """A worker's note on a person's journey, in one information category."""
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = "Enter the note"
    elif len(text) > MAX_NOTE_LENGTH:
        errors["text"] = f"The note must be {MAX_NOTE_LENGTH:,} characters or fewer"
    if category not in ALL_CATEGORIES:
        errors["category"] = "Choose a category from the list"
    # Look the person up before reporting input errors, so an unseen person is always 404.
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="note.add", write=True, categories=[])
        if errors:
            raise ValidationFailed(errors)
        staff = staff_of(actor)
        if not grant.allows(category, staff.agency_id):
            raise Forbidden("You cannot add notes in a category you cannot see")
        now = timezone.now()
        first_line = text.splitlines()[0]
        event = Event.objects.create(
            person=person, occurred_at=now, recorded_at=now, kind=EventKind.NOTE, category=category,
            agency_id=staff.agency_id, author=actor, title=first_line[:120] if len(first_line) <= 120 else first_line[:117] + "...",
            body=text,
        )
        record_action(actor=actor, action="note.add", person_id=person.pk, resource="event", resource_id=str(event.pk),
                      categories=[category], lawful_basis=grant.basis, purpose=grant.purpose)
    return event


def get_note(user, event_id) -> Event:
    """A note by its id, as `user` may see it (its person, and its category from its agency), or NotFound: a note
    the caller may not see answers as a note that does not exist (decision 0003). The read is audited."""
    row, grant = get_record_about(user, Event.objects.filter(kind=EventKind.NOTE).select_related("author"), event_id,
                                  resource="event", not_found=NOTE_NOT_FOUND, action="note.read", categories=[],
                                  id_of=parse_int)
    if not grant.allows(row.category, row.agency_id):
        raise NotFound(NOTE_NOT_FOUND)
    disclose([row.category])
    return row
