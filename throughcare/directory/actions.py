"""Writes to the service directory. Each is one transaction with its audit entry; no person data is involved.

Who may write: administrators, anything; staff in the owning agency's recording roles (`EDITOR_ROLES`),
their own organisation's locations and services. Only administrators add organisations or link one to
an agency. `actor=None` is the command line (the ORUK import), run by whoever operates the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import Agency, staff_of
from throughcare.agencies.roles import RECORDING_ROLES, Role
from throughcare.audit.recorder import record_action
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.directory.hours import Session, zone
from throughcare.directory.models import (
    Contact,
    Location,
    OpeningHours,
    Organisation,
    Service,
    ServiceLocation,
)
from throughcare.directory.vocab import (
    Exclusion,
    GenderGroup,
    LifeDomain,
    ReferralRoute,
    ServiceStatus,
    ServiceType,
    Substance,
    Tier,
    normalise_area,
)

#: Roles at the owning agency that keep its directory entries.
EDITOR_ROLES = RECORDING_ROLES
SERVICE_NOT_FOUND = "Service not found"
#: Kinds of service with a treatment tier (Models of Care: tier 2 is open access and harm reduction).
TIERED = (ServiceType.TREATMENT, ServiceType.HARM_REDUCTION)
MAX_TEXT = 5_000


def may_edit(actor, organisation: Organisation | None) -> bool:
    if actor is None:
        return True
    staff = staff_of(actor)
    if staff is None:
        return False
    if staff.role == Role.ADMINISTRATOR:
        return True
    return (organisation is not None and organisation.agency_id is not None
            and organisation.agency_id == staff.agency_id and staff.role in EDITOR_ROLES)


def _require_edit(actor, organisation: Organisation | None) -> None:
    if not may_edit(actor, organisation):
        raise Forbidden("Only an administrator, or staff of the agency that runs it, can change this directory entry")


def _require_admin(actor) -> None:
    staff = staff_of(actor) if actor is not None else None
    if actor is not None and (staff is None or staff.role != Role.ADMINISTRATOR):
        raise Forbidden("Only an administrator can add organisations to the directory or link them to an agency")


def _check_version(thing, expected_version: int | None, noun: str) -> None:
    if expected_version is not None and expected_version != thing.version:
        raise PreconditionFailed(f"The {noun} has changed since version {expected_version}: it is now version "
                                 f"{thing.version}. Reload it and try again.")


def _text(errors: dict, name: str, value, *, label: str, required: bool = False, limit: int = 200) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        errors[name] = f"Enter the {label}"
    elif len(value) > limit:
        errors[name] = f"The {label} must be {limit:,} characters or fewer"
    return value


def _email(errors: dict, name: str, value) -> str:
    value = (value or "").strip()
    if value:
        try:
            EmailValidator()(value)
        except ValidationError:
            errors[name] = "Enter an email address in the correct format, like name@example.com"
    return value


def _url(errors: dict, name: str, value) -> str:
    value = (value or "").strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            errors[name] = "Enter a web address starting with https://"
    return value


def _codes(errors: dict, name: str, values, choices, *, noun: str) -> list[str]:
    values = list(dict.fromkeys(v for v in (values or []) if v))
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        errors[name] = f"Choose {noun} from the list (not {', '.join(map(str, unknown[:3]))})"
    return values


# --- organisations and locations -------------------------------------------------------------------------


def _organisation_fields(errors: dict, fields: dict) -> dict:
    return {
        "name": _text(errors, "name", fields.get("name"), label="organisation's name", required=True),
        "description": _text(errors, "description", fields.get("description"), label="description", limit=MAX_TEXT),
        "email": _email(errors, "email", fields.get("email")),
        "website": _url(errors, "website", fields.get("website")),
    }


def _agency(errors: dict, ref) -> Agency | None:
    if not ref:
        return None
    agency = Agency.objects.filter(pk=parse_uuid(ref)).first()
    if agency is None:
        errors["agency"] = "Choose an agency from the list"
    return agency


def create_organisation(*, actor, organisation_id=None, agency=None, **fields) -> Organisation:
    _require_admin(actor)
    errors: dict[str, str] = {}
    clean = _organisation_fields(errors, fields)
    with transaction.atomic():
        linked = _agency(errors, agency)
        if clean["name"] and Organisation.objects.filter(name__iexact=clean["name"]).exists():
            errors["name"] = "An organisation with that name is already in the directory"
        if linked is not None and Organisation.objects.filter(agency=linked).exists():
            errors["agency"] = "That agency is already linked to another organisation"
        if errors:
            raise ValidationFailed(errors)
        extra = {"id": parse_uuid(organisation_id)} if parse_uuid(organisation_id) else {}
        organisation = Organisation.objects.create(**extra, **clean, agency=linked, updated_at=timezone.now())
        record_action(actor=actor, action="directory_organisation.create", resource="directory_organisation",
                      resource_id=str(organisation.pk))
    return organisation


def update_organisation(*, actor, organisation_id, expected_version: int | None = None, agency="", **fields) \
        -> Organisation:
    errors: dict[str, str] = {}
    clean = _organisation_fields(errors, fields)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().filter(pk=parse_uuid(organisation_id)).first()
        if organisation is None:
            raise NotFound("Organisation not found")
        _require_edit(actor, organisation)
        if agency != "" and str(agency or "") != str(organisation.agency_id or ""):
            _require_admin(actor)
            linked = _agency(errors, agency)
            if linked is not None and Organisation.objects.filter(agency=linked).exclude(pk=organisation.pk).exists():
                errors["agency"] = "That agency is already linked to another organisation"
            clean["agency"] = linked
        if clean["name"] and Organisation.objects.filter(name__iexact=clean["name"]).exclude(
                pk=organisation.pk).exists():
            errors["name"] = "An organisation with that name is already in the directory"
        if errors:
            raise ValidationFailed(errors)
        _check_version(organisation, expected_version, "organisation")
        for name, value in clean.items():
            setattr(organisation, name, value)
        organisation.version += 1
        organisation.updated_at = timezone.now()
        organisation.save()
        record_action(actor=actor, action="directory_organisation.update", resource="directory_organisation",
                      resource_id=str(organisation.pk))
    return organisation


def _location_fields(errors: dict, fields: dict) -> dict:
    clean = {
        "name": _text(errors, "name", fields.get("name"), label="name of the place", required=True),
        "description": _text(errors, "description", fields.get("description"), label="description", limit=MAX_TEXT),
        "address_1": _text(errors, "address_1", fields.get("address_1"), label="address"),
        "city": _text(errors, "city", fields.get("city"), label="town or city", limit=100),
        "postcode": " ".join((fields.get("postcode") or "").upper().split()),
        "accessibility": _text(errors, "accessibility", fields.get("accessibility"), label="accessibility details",
                               limit=MAX_TEXT),
        "latitude": fields.get("latitude"),
        "longitude": fields.get("longitude"),
    }
    if clean["postcode"] and (normalise_area(clean["postcode"].split(" ")[0]) is None or " " not in clean["postcode"]
                              or len(clean["postcode"]) > 8):
        errors["postcode"] = "Enter a real postcode, like SA1 1AA"
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = clean[name]
        if value in ("", None):
            clean[name] = None
            continue
        try:
            number = round(float(value), 6)
        except (TypeError, ValueError):
            number = None
        if number is None or not -limit <= number <= limit:
            errors[name] = f"Enter the {name} in decimal degrees, between -{limit} and {limit}"
        clean[name] = number
    return clean


def save_location(*, actor, organisation_id, location_id=None, expected_version: int | None = None,
                  create_with_id: bool = False, **fields) -> Location:
    """Create a location for the organisation (or update `location_id`)."""
    errors: dict[str, str] = {}
    clean = _location_fields(errors, fields)
    with transaction.atomic():
        organisation = Organisation.objects.filter(pk=parse_uuid(organisation_id)).first()
        if organisation is None:
            raise NotFound("Organisation not found")
        _require_edit(actor, organisation)
        location = None
        if location_id is not None and not create_with_id:
            location = Location.objects.select_for_update().filter(
                pk=parse_uuid(location_id), organisation=organisation).first()
            if location is None:
                raise NotFound("Location not found")
        if errors:
            raise ValidationFailed(errors)
        if location is None:
            extra = {"id": parse_uuid(location_id)} if create_with_id and parse_uuid(location_id) else {}
            location = Location.objects.create(**extra, organisation=organisation, **clean)
            record_action(actor=actor, action="directory_location.create", resource="directory_location",
                          resource_id=str(location.pk))
            return location
        _check_version(location, expected_version, "location")
        for name, value in clean.items():
            setattr(location, name, value)
        location.version += 1
        location.save()
        record_action(actor=actor, action="directory_location.update", resource="directory_location",
                      resource_id=str(location.pk))
    return location


# --- services ----------------------------------------------------------------------------------------------


def _clean_service(errors: dict, fields: dict) -> dict:
    clean = {
        "name": _text(errors, "name", fields.get("name"), label="service's name", required=True),
        "description": _text(errors, "description", fields.get("description"), label="description", limit=MAX_TEXT),
        "service_type": fields.get("service_type") or "",
        "tier": str(fields.get("tier") or ""),
        "status": fields.get("status") or ServiceStatus.ACTIVE,
        "listed_publicly": bool(fields.get("listed_publicly", True)),
        "url": _url(errors, "url", fields.get("url")),
        "email": _email(errors, "email", fields.get("email")),
        "phone": _text(errors, "phone", fields.get("phone"), label="phone number", limit=30),
        "how_to_access": _text(errors, "how_to_access", fields.get("how_to_access"), label="how to get a place",
                               limit=MAX_TEXT),
        "eligibility_note": _text(errors, "eligibility_note", fields.get("eligibility_note"),
                                  label="note on who the service is for", limit=MAX_TEXT),
        "alert": _text(errors, "alert", fields.get("alert"), label="alert", limit=500),
        "exclusions_note": _text(errors, "exclusions_note", fields.get("exclusions_note"), label="exclusions note",
                                 limit=500),
        "interpretation_services": _text(errors, "interpretation_services", fields.get("interpretation_services"),
                                         label="interpreting details", limit=300),
        "time_zone": (fields.get("time_zone") or "").strip() or None,
        "assured_on": fields.get("assured_on") or None,
    }
    if clean["service_type"] not in ServiceType.values:
        errors["service_type"] = "Choose the kind of service from the list"
    if clean["tier"] and clean["tier"] not in Tier.values:
        errors["tier"] = "Choose a tier from 1 to 4"
    elif clean["tier"] and clean["service_type"] not in TIERED:
        errors["tier"] = "Only drug and alcohol treatment and harm reduction services have a tier"
    if clean["status"] not in ServiceStatus.values:
        errors["status"] = "Choose active, temporarily closed, inactive or defunct"
    clean["life_domains"] = _codes(errors, "life_domains", fields.get("life_domains"), LifeDomain, noun="needs")
    if not clean["life_domains"] and "life_domains" not in errors:
        errors["life_domains"] = "Choose at least one need the service meets"
    clean["genders"] = _codes(errors, "genders", fields.get("genders"), GenderGroup, noun="genders")
    clean["substances"] = _codes(errors, "substances", fields.get("substances"), Substance, noun="substances")
    clean["referral_routes"] = _codes(errors, "referral_routes", fields.get("referral_routes"), ReferralRoute,
                                      noun="referral routes")
    if not clean["referral_routes"] and "referral_routes" not in errors:
        errors["referral_routes"] = "Choose how people get a place, for example self-referral"
    clean["exclusions"] = _codes(errors, "exclusions", fields.get("exclusions"), Exclusion, noun="exclusions")
    if Exclusion.OTHER in clean["exclusions"] and not clean["exclusions_note"]:
        errors["exclusions_note"] = "Describe the other exclusion"
    for name in ("minimum_age", "maximum_age", "published_wait_days"):
        value = fields.get(name)
        if value in (None, ""):
            clean[name] = None
            continue
        limit = 365 if name == "published_wait_days" else 120
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit() \
                or int(value) > limit:
            errors[name] = (f"Enter the waiting time as a whole number of days, up to {limit}"
                            if name == "published_wait_days" else f"Enter an age as a whole number up to {limit}")
            clean[name] = None
        else:
            clean[name] = int(value)
    if clean["minimum_age"] is not None and clean["maximum_age"] is not None \
            and clean["minimum_age"] > clean["maximum_age"]:
        errors["maximum_age"] = "The maximum age must be the same as or more than the minimum age"
    areas = []
    for raw in fields.get("areas") or []:
        area = normalise_area(raw)
        if area is None:
            errors["areas"] = f"Enter each area as a postcode district like SA1 or an area like SA (not {raw!r})"
            break
        areas.append(area)
    clean["areas"] = list(dict.fromkeys(areas))
    languages = [" ".join(str(x).split()) for x in fields.get("languages") or [] if str(x).strip()]
    if any(len(x) > 60 for x in languages):
        errors["languages"] = "Each language must be 60 characters or fewer"
    clean["languages"] = list(dict.fromkeys(languages))
    if clean["time_zone"] is not None and zone(clean["time_zone"]) is None:
        errors["time_zone"] = "Choose a time zone like Europe/London"
    if isinstance(clean["assured_on"], str):
        try:
            clean["assured_on"] = dt.date.fromisoformat(clean["assured_on"])
        except ValueError:
            errors["assured_on"] = "Enter a real date in the format YYYY-MM-DD"
    return clean


def _clean_hours(errors: dict, hours: Iterable) -> list[dict]:
    clean = []
    for index, item in enumerate(hours or [], start=1):
        item = item if isinstance(item, dict) else {"weekday": item.weekday, "opens_at": item.opens_at,
                                                    "closes_at": item.closes_at}
        try:
            weekday = int(item.get("weekday"))
            opens, closes = (value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
                             for value in (item.get("opens_at"), item.get("closes_at")))
            if not 0 <= weekday <= 6:
                raise ValueError
        except (TypeError, ValueError):
            errors["hours"] = f"Session {index}: give a day (0 Monday to 6 Sunday) and times like 09:00"
            break
        clean.append({"id": parse_uuid(item.get("id")), "weekday": weekday, "opens_at": opens.replace(second=0),
                      "closes_at": closes.replace(second=0)})
    return clean


def _clean_contacts(errors: dict, contacts: Iterable) -> list[dict]:
    clean = []
    for index, item in enumerate(contacts or [], start=1):
        item_errors: dict[str, str] = {}
        row = {
            "id": parse_uuid(item.get("id")),
            "name": _text(item_errors, "name", item.get("name"), label="contact's name", required=True),
            "title": _text(item_errors, "title", item.get("title"), label="job title"),
            "phone": _text(item_errors, "phone", item.get("phone"), label="phone number", limit=30),
            "email": _email(item_errors, "email", item.get("email")),
            "staff_only": bool(item.get("staff_only")),
        }
        if item_errors:
            errors["contacts"] = f"Contact {index}: " + next(iter(item_errors.values()))
            break
        clean.append(row)
    return clean


def _locations(errors: dict, organisation: Organisation, location_ids) -> list[Location]:
    ids = [parse_uuid(x) for x in location_ids or []]
    found = {loc.pk: loc for loc in Location.objects.filter(pk__in=[x for x in ids if x], organisation=organisation)}
    if any(x not in found for x in ids):
        errors["locations"] = "Choose places that belong to the organisation that runs the service"
    return [found[x] for x in dict.fromkeys(ids) if x in found]


def _write_children(service: Service, hours: list[dict], contacts: list[dict], locations: list[Location],
                    service_location_ids: dict | None = None) -> None:
    service.hours.all().delete()
    service.contacts.all().delete()
    service.service_locations.all().delete()
    OpeningHours.objects.bulk_create([OpeningHours(**{k: v for k, v in h.items() if k != "id" or v},
                                                   service=service) for h in hours])
    Contact.objects.bulk_create([Contact(**{k: v for k, v in c.items() if k != "id" or v}, service=service,
                                         position=i) for i, c in enumerate(contacts)])
    keep = service_location_ids or {}
    ServiceLocation.objects.bulk_create([ServiceLocation(**({"id": keep[loc.pk]} if keep.get(loc.pk) else {}),
                                                         service=service, location=loc) for loc in locations])


def create_service(*, actor, organisation_id, hours=(), contacts=(), location_ids=(), service_id=None,
                   service_location_ids: dict | None = None, **fields) -> Service:
    """Add a service to an organisation's entry. `service_id` and `service_location_ids`: for the ORUK import."""
    errors: dict[str, str] = {}
    clean = _clean_service(errors, fields)
    clean_hours, clean_contacts = _clean_hours(errors, hours), _clean_contacts(errors, contacts)
    with transaction.atomic():
        organisation = Organisation.objects.filter(pk=parse_uuid(organisation_id)).first()
        if organisation is None:
            errors["organisation"] = "Choose the organisation that runs the service"
        else:
            _require_edit(actor, organisation)
            if clean["name"] and Service.objects.filter(organisation=organisation, name__iexact=clean["name"]).exists():
                errors["name"] = "This organisation already has a service with that name"
        places = _locations(errors, organisation, location_ids) if organisation else []
        if errors:
            raise ValidationFailed(errors)
        if clean["time_zone"] is None:
            clean.pop("time_zone")
        extra = {"id": parse_uuid(service_id)} if parse_uuid(service_id) else {}
        service = Service.objects.create(**extra, organisation=organisation, updated_at=timezone.now(), **clean)
        _write_children(service, clean_hours, clean_contacts, places, service_location_ids)
        record_action(actor=actor, action="directory_service.create", resource="directory_service",
                      resource_id=str(service.pk), recipient_agency=organisation.name)
    return service


def update_service(*, actor, service_id, expected_version: int | None = None, organisation_id=None, hours=(),
                   contacts=(), location_ids=(), service_location_ids: dict | None = None, **fields) -> Service:
    """Replace a service's entry as a whole (what the form and the API send). `expected_version`: If-Match."""
    errors: dict[str, str] = {}
    clean = _clean_service(errors, fields)
    clean_hours, clean_contacts = _clean_hours(errors, hours), _clean_contacts(errors, contacts)
    with transaction.atomic():
        service = (Service.objects.select_for_update(of=("self",)).select_related("organisation")
                   .filter(pk=parse_uuid(service_id)).first())
        if service is None:
            raise NotFound(SERVICE_NOT_FOUND)
        _require_edit(actor, service.organisation)
        organisation = service.organisation
        if organisation_id and parse_uuid(organisation_id) != organisation.pk:
            organisation = Organisation.objects.filter(pk=parse_uuid(organisation_id)).first()
            if organisation is None:
                errors["organisation"] = "Choose the organisation that runs the service"
            else:
                _require_edit(actor, organisation)
        if organisation and clean["name"] and Service.objects.filter(
                organisation=organisation, name__iexact=clean["name"]).exclude(pk=service.pk).exists():
            errors["name"] = "This organisation already has a service with that name"
        places = _locations(errors, organisation, location_ids) if organisation else []
        if errors:
            raise ValidationFailed(errors)
        _check_version(service, expected_version, "service")
        if clean["time_zone"] is None:
            clean.pop("time_zone")
        for name, value in clean.items():
            setattr(service, name, value)
        service.organisation = organisation
        service.version += 1
        service.updated_at = timezone.now()
        service.save()
        _write_children(service, clean_hours, clean_contacts, places, service_location_ids)
        record_action(actor=actor, action="directory_service.update", resource="directory_service",
                      resource_id=str(service.pk), recipient_agency=organisation.name)
    return service


def sessions_of(service: Service) -> list[Session]:
    return [Session(h.weekday, h.opens_at, h.closes_at) for h in service.hours.all()]
