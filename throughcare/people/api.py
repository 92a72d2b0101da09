from __future__ import annotations

from ninja import Query, Router, Schema, Status
from pydantic import Field

from throughcare.audit.recorder import record_access
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.people.access import get_person
from throughcare.people.actions import register_person
from throughcare.people.inputs import OtherName, PersonDetails
from throughcare.people.schemas import PersonIn, PersonOut, PersonPage
from throughcare.people.search import search_people
from throughcare.people.summary import person_summary

router = Router(tags=["people"])


class PersonQuery(Schema):
    q: str = Field("", description="Name, date of birth (dd/mm/yyyy or yyyy-mm-dd) or any identifier")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


@router.get("/people", response=PersonPage, summary="Find people you may see")
def list_people(request, filters: Query[PersonQuery]):
    people = search_people(request.user, filters.q)
    total = people.count()
    start = (filters.page - 1) * filters.page_size
    items = list(people.only("id", "display_name", "date_of_birth", "postcode")[start:start + filters.page_size])
    record_access(actor=request.user, action="person.search", categories=[IDENTITY_CATEGORY],
                  subjects=[p.pk for p in items], reason=f"{total} found")
    return {"items": items, "total": total, "page": filters.page, "page_size": filters.page_size}


@router.post("/people", response={201: PersonOut}, summary="Register a new person at your agency")
def create_person(request, payload: PersonIn):
    data = payload.dict()
    data["other_names"] = [OtherName(**n) for n in data["other_names"]]
    person = register_person(actor=request.user, details=PersonDetails(**data))
    person, grant = get_person(request.user, person.pk, audit=False)
    return Status(201, person_summary(person, grant))


@router.get("/people/{person_id}", response=PersonOut, summary="A person's record, as you may see it")
def read_person(request, person_id: str):
    person, grant = get_person(request.user, person_id, categories=[IDENTITY_CATEGORY])
    return person_summary(person, grant)


