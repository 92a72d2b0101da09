from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.core.etags import if_match, set_etag
from throughcare.custody import actions
from throughcare.custody.models import Custody
from throughcare.custody.reads import (
    SCREEN_FIELDS,
    get_custody,
    person_custody,
    screen_fields,
    visible_screens,
)

router = Router(tags=["custody"])


class ReceptionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    person: str | None = Field(None, description="The person's id, if you may already see them; otherwise "
                                                 "give prison_number and date_of_birth, both exactly")
    prison_number: str = ""
    date_of_birth: dt.date | None = None
    received_on: dt.date
    reception_type: str = Field(description="remand, sentenced or recall")
    release_on: dt.date | None = Field(None, description="The expected release date, if known")
    service: str = "Substance misuse service"


class ScreenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="first_night or full")
    held_on: dt.date
    substances: str = ""
    on_script: bool = False
    script: str = ""
    withdrawal_risk: str = Field("", description="none, low, medium or high (required on the first night)")
    risk_to_self: bool = False
    immediate_needs: str = ""
    mental_health: str = ""
    physical_health: str = ""
    housing: str = ""
    employment_benefits: str = ""
    family: str = ""
    goals: str = ""


class ReleaseDateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    release_on: dt.date
    release_type: str = ""


class TransferIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to_prison: str = Field(description="The receiving prison's agency id")
    transferred_on: dt.date


class ReleaseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    released_on: dt.date
    release_type: str = Field(description="conditional_release, home_detention_curfew, parole, end_of_sentence, "
                                          "from_remand or other")
    destination_area: str


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class ScreenOut(Schema):
    id: uuid.UUID
    kind: str
    held_on: dt.date
    agency: AgencyRef
    on_script: bool | None
    substances: str | None = Field(description="Each field is null unless its own category is shared with you")
    script: str | None
    withdrawal_risk: str | None
    risk_to_self: bool | None
    immediate_needs: str | None
    mental_health: str | None
    physical_health: str | None
    housing: str | None
    employment_benefits: str | None
    family: str | None
    goals: str | None


class CustodyOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    prison: AgencyRef
    reception_type: str
    received_on: dt.date
    status: str
    release_on: dt.date | None
    release_type: str
    destination_area: str
    released_on: dt.date | None
    transferred_on: dt.date | None
    transferred_from: uuid.UUID | None
    transferred_to: uuid.UUID | None
    recalled_after: uuid.UUID | None
    version: int
    screens: list[ScreenOut] = Field(description="Only those whose substance use information you may see")


def _screen(screen, grant=None) -> dict:
    """grant None: the prison that just recorded it (the action audited it) sees it all."""
    values = ({name: getattr(screen, name) for name, _l, _c in SCREEN_FIELDS} if grant is None
              else screen_fields(grant, screen))
    return {"id": screen.pk, "kind": screen.kind, "held_on": screen.held_on,
            "agency": {"id": screen.agency_id, "name": screen.agency.name},
            "on_script": screen.on_script if values["script"] is not None else None, **values}


def _out(custody: Custody, grant=None) -> dict:
    screens = (list(custody.screens.select_related("agency")) if grant is None
               else visible_screens(grant, custody))
    following = Custody.objects.filter(transferred_from=custody).values_list("pk", flat=True).first()
    return {
        "id": custody.pk, "person": custody.person_id,
        "prison": {"id": custody.prison_id, "name": custody.prison.name},
        "reception_type": custody.reception_type, "received_on": custody.received_on, "status": custody.status,
        "release_on": custody.release_on, "release_type": custody.release_type,
        "destination_area": custody.destination_area, "released_on": custody.released_on,
        "transferred_on": custody.transferred_on, "transferred_from": custody.transferred_from_id,
        "transferred_to": following, "recalled_after": custody.recalled_after_id, "version": custody.version,
        "screens": [_screen(s, grant) for s in screens],
    }



def _written(response: HttpResponse, custody: Custody) -> dict:
    custody = Custody.objects.select_related("prison").get(pk=custody.pk)
    set_etag(response, custody.version)
    return _out(custody)


@router.post("/custody/receptions", response={201: CustodyOut},
             summary="Receive a person into custody at your prison (remand, sentenced or recall)")
def receive(request, payload: ReceptionIn, response: HttpResponse):
    data = payload.dict()
    custody = actions.receive_into_custody(actor=request.user, person_id=data.pop("person"), **data)
    return Status(201, _written(response, custody))


@router.get("/people/{person_id}/custody", response=list[CustodyOut],
            summary="The person's custody records you may see, newest first")
def list_custody(request, person_id: str):
    _person, grant, records = person_custody(request.user, person_id)
    return [_out(c, grant) for c in records]


@router.get("/custody/{custody_id}", response=CustodyOut, summary="One custody record; the ETag is its version")
def read(request, custody_id: str, response: HttpResponse):
    custody, grant = get_custody(request.user, custody_id)
    set_etag(response, custody.version)
    return _out(custody, grant)


@router.post("/custody/{custody_id}/screens", response={201: ScreenOut},
             summary="Record the first-night screen or the fuller assessment")
def screen(request, custody_id: str, payload: ScreenIn):
    recorded = actions.record_screen(actor=request.user, custody_id=custody_id, **payload.dict())
    return Status(201, _screen(recorded))


@router.post("/custody/{custody_id}/release-date", response=CustodyOut,
             summary="Set or move the expected release date; If-Match is checked")
def release_date(request, custody_id: str, payload: ReleaseDateIn, response: HttpResponse):
    custody = actions.set_release_date(actor=request.user, custody_id=custody_id, expected_version=if_match(request),
                                       **payload.dict())
    return _written(response, custody)


@router.post("/custody/{custody_id}/transfer", response=CustodyOut,
             summary="Transfer to another prison: answers with the new custody record; If-Match is checked")
def transfer(request, custody_id: str, payload: TransferIn, response: HttpResponse):
    custody = actions.transfer_custody(actor=request.user, custody_id=custody_id, expected_version=if_match(request),
                                       **payload.dict())
    return _written(response, custody)


@router.post("/custody/{custody_id}/release", response=CustodyOut,
             summary="Record the release; If-Match is checked")
def release(request, custody_id: str, payload: ReleaseIn, response: HttpResponse):
    custody = actions.release_from_custody(actor=request.user, custody_id=custody_id,
                                           expected_version=if_match(request), **payload.dict())
    return _written(response, custody)
