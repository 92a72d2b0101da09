"""The directory API: find services, keep entries, a person's eligibility, ORUK and FHIR exchange."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.core.etags import if_match
from throughcare.directory import actions, clock
from throughcare.directory.eligibility import evaluate, profile_for
from throughcare.directory.hours import is_open
from throughcare.directory.models import Location, Organisation
from throughcare.directory.search import clean_filters, co_occurring_exclusions, get_service, search_services
from throughcare.directory.vocab import Weekday
from throughcare.directory.waiting import waiting_times

router = Router(tags=["directory"])


class HoursIn(Schema):
    model_config = ConfigDict(extra="forbid")
    weekday: int = Field(description="0 Monday to 6 Sunday")
    opens_at: dt.time
    closes_at: dt.time = Field(description="At or before opens_at: runs past midnight; 00:00-00:00 all day")


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""
    staff_only: bool = Field(False, description="Never shown on the public pages")


class ServiceIn(Schema):
    model_config = ConfigDict(extra="forbid")
    organisation: str = Field(description="The organisation's id")
    name: str
    description: str = ""
    service_type: str = Field(description="treatment, prison_team, mutual_aid, housing, mental_health, "
                                          "primary_care, employment, family, crisis_beds, harm_reduction or other")
    life_domains: list[str] = Field(description="The needs it meets: recovery plan life domains")
    tier: str = Field("", description="1 to 4, treatment and harm reduction services only")
    status: str = Field("active", description="active, temporarily closed, inactive or defunct")
    listed_publicly: bool = True
    url: str = ""
    email: str = ""
    phone: str = ""
    how_to_access: str = ""
    eligibility_note: str = ""
    alert: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    genders: list[str] = Field([], description="women, men, non_binary; empty: everyone")
    substances: list[str] = Field([], description="Substances it works with; empty: any")
    areas: list[str] = Field([], description="Postcode districts (SA1) or areas (SA); empty: anywhere")
    referral_routes: list[str] = Field(description="self_referral, professional, gp, criminal_justice, prison")
    exclusions: list[str] = Field([], description="current_substance_use, current_alcohol_use, "
                                                  "substitute_prescription, mental_health_need, arson, other")
    exclusions_note: str = ""
    languages: list[str] = []
    interpretation_services: str = ""
    published_wait_days: int | None = None
    time_zone: str = Field("", description="e.g. Europe/London; empty: the partnership's")
    hours: list[HoursIn] = []
    contacts: list[ContactIn] = []
    locations: list[str] = Field([], description="Ids of the organisation's locations")
    assured_on: dt.date | None = None


class OrganisationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    email: str = ""
    website: str = ""
    agency: str = Field("", description="A Throughcare agency's id (administrators only)")


class LocationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    address_1: str = ""
    city: str = ""
    postcode: str = ""
    accessibility: str = ""
    latitude: float | None = None
    longitude: float | None = None


class OrganisationOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    email: str
    website: str
    agency: uuid.UUID | None
    version: int


class LocationOut(Schema):
    id: uuid.UUID
    organisation: uuid.UUID
    name: str
    description: str
    address_1: str
    city: str
    postcode: str
    accessibility: str
    latitude: float | None
    longitude: float | None
    version: int


class HoursOut(Schema):
    weekday: int
    day: str
    opens_at: dt.time
    closes_at: dt.time


class ContactOut(Schema):
    name: str
    title: str
    phone: str
    email: str
    staff_only: bool


class WaitOut(Schema):
    days: int | None
    source: str = Field(description="referrals (Throughcare's own), published, or unknown")
    based_on: int
    window_days: int
    published_days: int | None
    description: str


class OrganisationRef(Schema):
    id: uuid.UUID
    name: str
    agency: uuid.UUID | None


class ServiceOut(Schema):
    id: uuid.UUID
    organisation: OrganisationRef
    name: str
    description: str
    service_type: str
    life_domains: list[str]
    tier: str
    status: str
    listed_publicly: bool
    url: str
    email: str
    phone: str
    how_to_access: str
    eligibility_note: str
    alert: str
    minimum_age: int | None
    maximum_age: int | None
    genders: list[str]
    substances: list[str]
    areas: list[str]
    referral_routes: list[str]
    exclusions: list[str]
    exclusions_note: str
    co_occurring_exclusions: list[str] = Field(description="Exclusions that turn people away for a co-occurring need")
    languages: list[str]
    interpretation_services: str
    published_wait_days: int | None
    waiting_time: WaitOut
    time_zone: str
    open_now: bool
    hours: list[HoursOut]
    contacts: list[ContactOut]
    locations: list[LocationOut]
    assured_on: dt.date | None
    version: int


class ServiceList(Schema):
    total: int
    items: list[ServiceOut]


class ReasonOut(Schema):
    criterion: str
    text: str
    co_occurring: bool


class VerdictOut(Schema):
    service: ServiceOut
    checks: list[str]


class NotShownOut(Schema):
    service: ServiceOut
    reasons: list[ReasonOut]


class EligibilityOut(Schema):
    person: uuid.UUID
    facts_used: dict[str, str] = Field(description="Each fact used, and how it is known")
    eligible: list[VerdictOut]
    not_shown: list[NotShownOut]


def _location(location: Location) -> dict:
    return {"id": location.pk, "organisation": location.organisation_id, "name": location.name,
            "description": location.description, "address_1": location.address_1, "city": location.city,
            "postcode": location.postcode, "accessibility": location.accessibility,
            "latitude": float(location.latitude) if location.latitude is not None else None,
            "longitude": float(location.longitude) if location.longitude is not None else None,
            "version": location.version}


def service_out(service, wait, now) -> dict:
    fields = ("name", "description", "service_type", "life_domains", "tier", "status", "listed_publicly", "url",
              "email", "phone", "how_to_access", "eligibility_note", "alert", "minimum_age", "maximum_age", "genders",
              "substances", "areas", "referral_routes", "exclusions", "exclusions_note", "languages",
              "interpretation_services", "published_wait_days", "time_zone", "assured_on", "version")
    return {
        "id": service.pk, **{name: getattr(service, name) for name in fields},
        "organisation": {"id": service.organisation_id, "name": service.organisation.name,
                         "agency": service.organisation.agency_id},
        "co_occurring_exclusions": co_occurring_exclusions(service),
        "waiting_time": {**wait.__dict__, "description": wait.describe()},
        "open_now": is_open(service.hours.all(), now, service.time_zone),
        "hours": [{"weekday": h.weekday, "day": Weekday(h.weekday).label, "opens_at": h.opens_at,
                   "closes_at": h.closes_at} for h in service.hours.all()],
        "contacts": [{"name": c.name, "title": c.title, "phone": c.phone, "email": c.email,
                      "staff_only": c.staff_only} for c in service.contacts.all()],
        "locations": [_location(loc) for loc in service.locations.all()],
    }


def _services_out(services, now=None) -> list[dict]:
    now = now or clock.now()
    waits = waiting_times(services, now)
    return [service_out(s, waits[s.pk], now) for s in services]


def _service_fields(payload: ServiceIn) -> dict:
    fields = payload.dict()
    fields["organisation_id"] = fields.pop("organisation")
    fields["location_ids"] = fields.pop("locations")
    return fields


@router.get("/directory/services", response=ServiceList,
            summary="Find services: need=, area=, open_now=, self_referral=, service_type=, q=, co_occurring=")
def list_services(request, need: str = "", area: str = "", open_now: bool = False, self_referral: bool = False,
                  service_type: str = "", q: str = "", co_occurring: bool = False):
    filters = clean_filters(need=need, area=area, open_now=open_now, self_referral=self_referral,
                            service_type=service_type, q=q, co_occurring=co_occurring)
    now = clock.now()
    items = _services_out(search_services(filters, now=now), now)
    return {"total": len(items), "items": items}


@router.get("/directory/services/{service_id}", response=ServiceOut, summary="One service, with its waiting time")
def read_service(request, service_id: str, response: HttpResponse):
    service = get_service(service_id)
    response["ETag"] = f'"{service.version}"'
    return _services_out([service])[0]


@router.post("/directory/services", response={201: ServiceOut}, summary="Add a service to the directory")
def make_service(request, payload: ServiceIn, response: HttpResponse):
    service = actions.create_service(actor=request.user, **_service_fields(payload))
    response["ETag"] = f'"{service.version}"'
    return Status(201, _services_out([get_service(service.pk)])[0])


@router.put("/directory/services/{service_id}", response=ServiceOut,
            summary="Replace a service's entry; If-Match with the ETag is checked")
def change_service(request, service_id: str, payload: ServiceIn, response: HttpResponse):
    service = actions.update_service(actor=request.user, service_id=service_id, expected_version=if_match(request),
                                     **_service_fields(payload))
    response["ETag"] = f'"{service.version}"'
    return _services_out([get_service(service.pk)])[0]


@router.get("/directory/organisations", response=list[OrganisationOut], summary="Organisations in the directory")
def list_organisations(request):
    return [{**o.__dict__, "agency": o.agency_id} for o in Organisation.objects.all()]


@router.post("/directory/organisations", response={201: OrganisationOut},
             summary="Add an organisation (administrators)")
def make_organisation(request, payload: OrganisationIn):
    organisation = actions.create_organisation(actor=request.user, **payload.dict())
    return Status(201, {**organisation.__dict__, "agency": organisation.agency_id})


@router.put("/directory/organisations/{organisation_id}", response=OrganisationOut,
            summary="Change an organisation; If-Match with its version is checked")
def change_organisation(request, organisation_id: str, payload: OrganisationIn):
    fields = payload.dict(exclude_unset=True)
    organisation = actions.update_organisation(actor=request.user, organisation_id=organisation_id,
                                               expected_version=if_match(request),
                                               **{"agency": "", **fields})
    return {**organisation.__dict__, "agency": organisation.agency_id}


@router.post("/directory/organisations/{organisation_id}/locations", response={201: LocationOut},
             summary="Add a place where the organisation delivers services")
def make_location(request, organisation_id: str, payload: LocationIn):
    location = actions.save_location(actor=request.user, organisation_id=organisation_id, **payload.dict())
    return Status(201, _location(location))


@router.put("/directory/locations/{location_id}", response=LocationOut,
            summary="Change a place; If-Match with its version is checked")
def change_location(request, location_id: str, payload: LocationIn):
    current = Location.objects.filter(pk=_uuid(location_id)).first()
    location = actions.save_location(actor=request.user, organisation_id=current.organisation_id if current else None,
                                     location_id=location_id, expected_version=if_match(request), **payload.dict())
    return _location(location)


def _uuid(value):
    from throughcare.core.ids import parse_uuid

    return parse_uuid(value)


def eligibility(user, person_id, filters: dict, told=None, now=None):
    """(person, profile, eligible verdicts, not-shown verdicts) among the services the filters find.

    The person is looked up first, so an unseen person is 404 before any filter error."""
    person, _grant, profile = profile_for(user, person_id, told=told)
    filters = clean_filters(**filters)
    verdicts = [evaluate(service, profile) for service in search_services(filters, now=now)]
    return person, profile, [v for v in verdicts if v.eligible], [v for v in verdicts if not v.eligible]


@router.get("/directory/people/{person_id}/eligibility", response=EligibilityOut,
            summary="The services this person is eligible for (from their record, within consent), and why "
                    "each other service is not shown. Filters as for /directory/services; substances=, "
                    "substance_use=, alcohol_use=, substitute_prescription=, mental_health_need= add what you "
                    "were told (never stored)")
def person_eligibility(request, person_id: str, need: str = "", area: str = "", open_now: bool = False,
                       self_referral: bool = False, service_type: str = "", q: str = "",
                       substances: str | None = None, substance_use: bool | None = None,
                       alcohol_use: bool | None = None, substitute_prescription: bool | None = None,
                       mental_health_need: bool | None = None):
    told = {"substance_use": substance_use, "alcohol_use": alcohol_use,
            "substitute_prescription": substitute_prescription, "mental_health_need": mental_health_need}
    if substances is not None:
        told["substances"] = [s for s in substances.split(",") if s.strip()]
    filters = {"need": need, "area": area, "open_now": open_now, "self_referral": self_referral,
               "service_type": service_type, "q": q}
    now = clock.now()
    person, profile, shown, hidden = eligibility(request.user, person_id, filters, told=told, now=now)
    outs = {o["id"]: o for o in _services_out([v.service for v in shown + hidden], now)}
    return {
        "person": person.pk,
        "facts_used": dict(profile.says),
        "eligible": [{"service": outs[v.service.pk], "checks": list(v.checks)} for v in shown],
        "not_shown": [{"service": outs[v.service.pk], "reasons": [r.__dict__ for r in v.reasons]} for v in hidden],
    }


class ImportOut(Schema):
    organisations: int
    locations: int
    services: int
    warnings: list[str]


@router.get("/directory/oruk", summary="The whole directory as one Open Referral UK (HSDS 3.0) services page, "
                                       "valid against both schemas")
def export_oruk(request):
    from throughcare.directory.oruk import export_directory, validate

    data = export_directory()
    validate(data)
    return data


@router.post("/directory/oruk", response=ImportOut,
             summary="Import an Open Referral UK services page (administrators): all or nothing; errors name the "
                     "JSON path of each bad field")
def import_oruk(request):
    from throughcare.directory.oruk import import_directory, load

    return import_directory(actor=request.user, data=load(request.body))


@router.get("/directory/fhir", summary="Active services as a FHIR R4 Bundle of HealthcareService resources")
def export_fhir(request):
    from throughcare.directory.fhir import export_bundle

    return export_bundle()
