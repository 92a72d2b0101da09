from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from throughcare.audit.recorder import record_access
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.etags import if_match, set_etag
from throughcare.core.paging import Page
from throughcare.matching.candidates import refuse_possible_match
from throughcare.people.access import get_person
from throughcare.people.actions import register_person, update_person
from throughcare.people.inputs import OtherName, PersonDetails
from throughcare.people.schemas import PersonIn, PersonOut, PersonPage, PersonUpdateIn
from throughcare.people.search import search_people
from throughcare.people.summary import person_summary

router = Router(tags=["people"])


class PersonQuery(Schema):
    q: str = Field("", description="Name, date of birth (dd/mm/yyyy or yyyy-mm-dd) or any identifier")
    page: Page = 1
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
    confirmed = data.pop("confirm_no_match")
    data["other_names"] = [OtherName(**n) for n in data["other_names"]]
    details = PersonDetails(**data)
    if not confirmed:
        refuse_possible_match(request.user, details)
    person = register_person(actor=request.user, details=details)
    person, grant = get_person(request.user, person.pk, audit=False)
    return Status(201, person_summary(person, grant))



@router.get("/people/{person_id}", response=PersonOut, summary="A person's record, as you may see it")
def read_person(request, person_id: str, response: HttpResponse):
    person, grant = get_person(request.user, person_id, categories=[IDENTITY_CATEGORY], details=True)
    set_etag(response, person.version)
    # The hottest read: rendered straight from the summary, as django-ninja would render it through
    # PersonOut (tests/test_person_read.py checks the bytes are the same), without validating it again.
    summary = person_summary(person, grant)
    agency = summary["registered_by_agency"]
    summary["registered_by_agency"] = {"id": agency.pk, "name": agency.name, "kind": agency.kind}
    response.content = json.dumps(summary, cls=NinjaJSONEncoder)
    return response


@router.patch("/people/{person_id}", response=PersonOut,
              summary="Change a person's details; send If-Match with the ETag to avoid overwriting others")
def patch_person(request, person_id: str, payload: PersonUpdateIn, response: HttpResponse):
    changes = payload.dict(exclude_unset=True)
    person = update_person(actor=request.user, person_id=person_id, changes=changes,
                           expected_version=if_match(request))
    person, grant = get_person(request.user, person.pk, audit=False)
    set_etag(response, person.version)
    return person_summary(person, grant)


