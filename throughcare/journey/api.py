from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from throughcare.audit.recorder import disclose
from throughcare.core import idempotency
from throughcare.core.paging import Page
from throughcare.journey.actions import add_note, get_note
from throughcare.journey.timeline import timeline_page
from throughcare.people.access import get_person

router = Router(tags=["journey"])


class AgencyName(Schema):
    id: uuid.UUID
    name: str


class EventOut(Schema):
    id: int
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    kind: str
    category: str
    title: str
    body: str
    agency: AgencyName | None
    author: str | None = None
    subject_type: str
    subject_id: str

    @staticmethod
    def resolve_author(obj) -> str | None:
        return (obj.author.get_full_name() or obj.author.username) if obj.author_id else None


class TimelineOut(Schema):
    items: list[EventOut]
    total: int
    page: int
    page_size: int
    categories: list[str] = Field(description="The categories shown: those you may see, narrowed by your filter")


class TimelineQuery(Schema):
    page: Page = 1
    page_size: int = Field(settings.TIMELINE_PAGE_SIZE, ge=1, le=settings.TIMELINE_MAX_PAGE_SIZE)
    category: list[str] = Field([], description="Only these categories")
    kind: list[str] = Field([], description="Only these kinds of event")


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")
    text: str
    category: str


@router.get("/people/{person_id}/timeline", response=TimelineOut, summary="The person's journey, newest first")
def timeline(request, person_id: str, filters: Query[TimelineQuery]):
    person, grant = get_person(request.user, person_id, action="timeline.read", categories=[])
    result = timeline_page(person, grant, page=filters.page, page_size=filters.page_size,
                           categories=filters.category or None, kinds=filters.kind or None)
    disclose(result.categories)
    return {"items": result.events, "total": result.total, "page": result.page, "page_size": result.page_size,
            "categories": result.categories}


@router.post("/people/{person_id}/notes", response={200: EventOut, 201: EventOut},
             summary="Add a note to the journey; send Idempotency-Key to retry safely")
def create_note(request, person_id: str, payload: NoteIn, response: HttpResponse,
                idempotency_key: str | None = idempotency.KEY_HEADER):
    """A retry with the same Idempotency-Key and note answers 200 with the note the first request added
    (`Idempotent-Replayed: true`), and adds nothing (decision 0023)."""
    return idempotency.respond_once(
        request, response, idempotency_key,
        request_hash=idempotency.request_hash(payload.dict(), scope="note.add", person_id=person_id),
        make=lambda: add_note(actor=request.user, person_id=person_id, text=payload.text, category=payload.category),
        made=lambda note: note, replayed=lambda note_id: get_note(request.user, note_id))
