"""The directory as Open Referral UK (HSDS 3.0) JSON: export, schema validation, and import in one transaction.

The file is one ORUK `/services` page (`total_items`, ..., `contents`: full service objects with their
organisation, places, schedules, contacts and attributes). Each service must validate against both the
ORUK 3.0 profile and HSDS 3.0 (schemas vendored in `schemas/`, see schemas/SOURCE.md): fields the UK profile
dropped but HSDS keeps (phones, contact email, language names, application process, eligibility
description, wait time, attribute values) carry what would otherwise be lost. Throughcare's own
vocabularies (kind of service, life domain, tier, genders, substances, referral routes, exclusions, time
zone, public listing, published waiting time) travel as `attributes` whose taxonomy terms come from
taxonomies named `throughcare:<vocabulary>`, with stable ids (uuid5), so an export imported again gives
the same directory, ids included.

A file that does not validate, or whose contents Throughcare cannot take, is refused as a whole with the
JSON path of each bad field (`$.contents[2].schedules[0].opens_at`); nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from django.db import transaction

from throughcare.agencies.models import Agency, staff_of
from throughcare.agencies.roles import Role
from throughcare.audit.recorder import record_action
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.directory import actions
from throughcare.directory.hours import Session
from throughcare.directory.models import Location, Organisation, Service
from throughcare.directory.vocab import (
    ICAL_DAYS,
    Exclusion,
    GenderGroup,
    LifeDomain,
    ReferralRoute,
    ServiceType,
    Substance,
    Tier,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_BASE = "https://schemas.throughcare.invalid/"
PAGE_SCHEMA = "throughcare-directory-page.json"
#: Stable ids for things ORUK wants an id for and Throughcare does not keep a row for.
NAMESPACE = uuid.UUID("5b0f3c55-4b1e-4c61-9a52-6f3a1d1f0c11")
AGENCY_SCHEME = "throughcare-agency"
MAX_ERRORS = 20

#: taxonomy name -> (vocabulary, Service field, many?)
VOCABULARIES = {
    "throughcare:service_type": (ServiceType, "service_type", False),
    "throughcare:life_domain": (LifeDomain, "life_domains", True),
    "throughcare:tier": (Tier, "tier", False),
    "throughcare:gender": (GenderGroup, "genders", True),
    "throughcare:substance": (Substance, "substances", True),
    "throughcare:referral_route": (ReferralRoute, "referral_routes", True),
    "throughcare:exclusion": (Exclusion, "exclusions", True),
}
TIME_ZONE = "throughcare:time_zone"
LISTING = "throughcare:listing"
PUBLISHED_WAIT = "throughcare:published_wait"
VISIBILITY = "throughcare:visibility"


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _term(taxonomy: str, code: str, name: str, description: str = "") -> dict:
    term_id = _id("term", taxonomy, code)
    return {"id": term_id, "name": name, "description": description or name, "taxonomy": taxonomy, "term": code,
            "code": code}


def _attribute(link_id, link_type: str, taxonomy: str, code: str, name: str, value: str | None = None) -> dict:
    term = _term(taxonomy, code, name)
    attribute = {"id": _id("attribute", link_id, taxonomy, code), "link_id": str(link_id), "link_type": link_type,
                 "link_entity": link_type, "taxonomy_term_id": term["id"], "taxonomy_term": term}
    if value is not None:
        attribute["value"] = value
    return attribute


def _compact(mapping: dict) -> dict:
    """Leave out empty optional values: absent and empty mean the same to the importer."""
    return {k: v for k, v in mapping.items() if v not in ("", None, [])}


# --- export ------------------------------------------------------------------------------------------------


def _hm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _location(location: Location) -> dict:
    addresses = []
    if location.address_1 or location.postcode:
        addresses.append({"id": _id("address", location.pk), "location_id": str(location.pk),
                          "address_1": location.address_1, "city": location.city, "state_province": "",
                          "postal_code": location.postcode, "country": location.country, "address_type": "physical"})
    accessibility = [{"id": _id("accessibility", location.pk), "location_id": str(location.pk),
                      "description": location.accessibility}] if location.accessibility else []
    return _compact({
        "id": str(location.pk), "location_type": "physical", "name": location.name,
        "description": location.description,
        "latitude": float(location.latitude) if location.latitude is not None else None,
        "longitude": float(location.longitude) if location.longitude is not None else None,
        "addresses": addresses, "accessibility": accessibility,
    })


def _organisation(organisation: Organisation) -> dict:
    identifiers = [{"id": _id("agency", organisation.pk), "organization_id": str(organisation.pk),
                    "identifier_scheme": AGENCY_SCHEME, "identifier_type": "Throughcare agency",
                    "identifier": str(organisation.agency_id)}] if organisation.agency_id else []
    return {"id": str(organisation.pk), "name": organisation.name, "description": organisation.description,
            **_compact({"email": organisation.email, "website": organisation.website,
                        "organization_identifiers": identifiers})}


def _attributes(service: Service) -> list[dict]:
    attributes = []
    for taxonomy, (vocabulary, field, many) in VOCABULARIES.items():
        codes = getattr(service, field) if many else ([getattr(service, field)] if getattr(service, field) else [])
        for code in codes:
            value = service.exclusions_note if field == "exclusions" and code == Exclusion.OTHER else None
            attributes.append(_attribute(service.pk, "service", taxonomy, code, vocabulary(code).label, value))
    attributes.append(_attribute(service.pk, "service", TIME_ZONE, service.time_zone, service.time_zone))
    if not service.listed_publicly:
        attributes.append(_attribute(service.pk, "service", LISTING, "unlisted", "Not on the public directory"))
    if service.published_wait_days is not None:
        attributes.append(_attribute(service.pk, "service", PUBLISHED_WAIT, "days", "Published waiting time in days",
                                     str(service.published_wait_days)))
    return attributes


def service_json(service: Service) -> dict:
    sid = str(service.pk)
    contacts = []
    for contact in service.contacts.all():
        phones = [{"id": _id("phone", contact.pk), "contact_id": str(contact.pk), "number": contact.phone}] \
            if contact.phone else []
        attributes = [_attribute(contact.pk, "contact", VISIBILITY, "staff_only", "Professionals only")] \
            if contact.staff_only else []
        contacts.append(_compact({"id": str(contact.pk), "service_id": sid, "name": contact.name,
                                  "title": contact.title, "email": contact.email, "phones": phones,
                                  "attributes": attributes}))
    return _compact({
        "id": sid, "organization_id": str(service.organisation_id), "name": service.name,
        "description": service.description, "url": service.url, "email": service.email, "status": service.status,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": service.assured_on.isoformat() if service.assured_on else None, "alert": service.alert,
        "last_modified": service.updated_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "application_process": service.how_to_access, "eligibility_description": service.eligibility_note,
        "interpretation_services": service.interpretation_services,
        "wait_time": f"{service.published_wait_days} days" if service.published_wait_days is not None else None,
        "phones": [{"id": _id("phone", service.pk), "service_id": sid, "number": service.phone}]
        if service.phone else [],
        "schedules": [{"id": str(h.pk), "service_id": sid, "freq": "WEEKLY", "interval": 1,
                       "byday": ICAL_DAYS[h.weekday], "opens_at": _hm(h.opens_at), "closes_at": _hm(h.closes_at),
                       "description": Session(h.weekday, h.opens_at, h.closes_at).label()}
                      for h in service.hours.all()],
        "service_areas": [{"id": _id("area", service.pk, area), "service_id": sid, "name": area, "service_area": area}
                          for area in service.areas],
        "service_at_locations": [{"id": str(link.pk), "service_id": sid, "location_id": str(link.location_id),
                                  "location": _location(link.location)}
                                 for link in sorted(service.service_locations.all(), key=lambda x: str(x.pk))],
        "languages": [{"id": _id("language", service.pk, name), "service_id": sid, "name": name}
                      for name in service.languages],
        "organization": _organisation(service.organisation),
        "contacts": contacts,
        "attributes": _attributes(service),
    })


def export_directory(services: Iterable[Service] | None = None) -> dict:
    """Every service (all statuses) as one ORUK page, in a stable order."""
    if services is None:
        services = (Service.objects.select_related("organisation")
                    .prefetch_related("hours", "contacts", "service_locations__location")
                    .order_by("organisation__name", "name", "id"))
    contents = [service_json(service) for service in services]
    return {"total_items": len(contents), "total_pages": 1, "page_number": 1, "size": len(contents),
            "first_page": True, "last_page": True, "empty": not contents, "contents": contents}


# --- validation --------------------------------------------------------------------------------------------


@cache
def _validator():
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((SCHEMA_BASE + path.relative_to(SCHEMA_DIR).as_posix(),
                          Resource.from_contents(contents, default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)
    page = json.loads((SCHEMA_DIR / PAGE_SCHEMA).read_text(encoding="utf-8"))
    return Draft202012Validator(page, registry=registry, format_checker=FormatChecker())


def json_path(parts: Iterable) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


_TYPES = {"string": "text", "number": "a number", "integer": "a whole number", "array": "a list",
          "object": "an object", "boolean": "true or false"}


def _message(error) -> tuple[str, str]:
    """(JSON path, plain message) for one jsonschema error."""
    path = json_path(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)'", error.message)
        name = missing.group(1) if missing else "a field"
        return f"{path}.{name}", "This field is required"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        return path, f"Must be {_TYPES.get(expected, expected)}"
    if error.validator == "enum":
        return path, "Must be one of: " + ", ".join(map(str, error.validator_value))
    if error.validator == "format":
        return path, f"Must be a valid {error.validator_value}"
    return path, error.message


def validate(data) -> None:
    """Raise ValidationFailed({json path: message}) if `data` is not a valid ORUK page."""
    errors: dict[str, str] = {}
    for error in sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path, message = _message(error)
        errors.setdefault(path, message)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ValidationFailed(errors, "The file does not match the Open Referral UK schema")


def load(text: str | bytes):
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise ValidationFailed({"$": f"The file is not valid JSON{where}"}, "The file is not valid JSON") from None


# --- import ------------------------------------------------------------------------------------------------

#: The action's field name -> where it comes from in a service object, for error paths.
FIELD_PATHS = {"organisation": "organization", "how_to_access": "application_process",
               "eligibility_note": "eligibility_description", "hours": "schedules", "areas": "service_areas",
               "location_ids": "service_at_locations", "locations": "service_at_locations",
               "assured_on": "assured_date", "phone": "phones", "published_wait_days": "attributes",
               "service_type": "attributes", "life_domains": "attributes", "tier": "attributes",
               "genders": "attributes", "substances": "attributes", "referral_routes": "attributes",
               "exclusions": "attributes", "exclusions_note": "attributes", "time_zone": "attributes",
               "listed_publicly": "attributes"}


def _time(value: str) -> dt.time:
    if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value or ""):
        raise ValueError
    return dt.time.fromisoformat(value if len(value.split(":")[0]) == 2 else f"0{value}")


class _Reader:
    """Turns one service object into action arguments, collecting errors with their JSON paths."""

    def __init__(self, errors: dict, warnings: list):
        self.errors, self.warnings = errors, warnings

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def service(self, item: dict, at: str) -> dict:
        fields: dict = {
            "name": item.get("name"), "description": item.get("description") or "", "status": item.get("status"),
            "url": item.get("url") or "", "email": item.get("email") or "", "alert": item.get("alert") or "",
            "how_to_access": item.get("application_process") or "",
            "eligibility_note": item.get("eligibility_description") or "",
            "interpretation_services": item.get("interpretation_services") or "",
            "assured_on": item.get("assured_date") or None, "listed_publicly": True,
            "tier": "", "service_type": "", "life_domains": [], "genders": [], "substances": [],
            "referral_routes": [], "exclusions": [], "exclusions_note": "", "published_wait_days": None,
        }
        for name in ("minimum_age", "maximum_age"):
            value = item.get(name)
            if value is not None and (not float(value).is_integer() or value < 0):
                self.fail(f"{at}.{name}", "Must be a whole number of years")
            fields[name] = int(value) if value is not None and float(value).is_integer() else None
        phones = item.get("phones") or []
        fields["phone"] = phones[0]["number"] if phones else ""
        fields["languages"] = [lang.get("name") for lang in item.get("languages") or [] if lang.get("name")]
        fields["areas"] = [a.get("name") or a.get("service_area") or "" for a in item.get("service_areas") or []]
        for n, area in enumerate(fields["areas"]):
            from throughcare.directory.vocab import normalise_area

            if normalise_area(area) is None:
                self.fail(f"{at}.service_areas[{n}].name", "Give a postcode district like SA1 or an area like SA")
        fields["hours"] = self.schedules(item.get("schedules") or [], f"{at}.schedules")
        fields["contacts"] = self.contacts(item.get("contacts") or [], f"{at}.contacts")
        self.attributes(item.get("attributes") or [], f"{at}.attributes", fields)
        if fields["published_wait_days"] is None and item.get("wait_time"):
            match = re.fullmatch(r"\s*(\d+)\s*days?\s*", item["wait_time"])
            fields["published_wait_days"] = int(match.group(1)) if match else None
        if not fields["service_type"]:
            fields["service_type"] = ServiceType.OTHER
            self.warnings.append(f"{at}: no throughcare:service_type attribute, imported as other support")
        if not fields["life_domains"]:
            fields["life_domains"] = [LifeDomain.WELLBEING]
            self.warnings.append(f"{at}: no throughcare:life_domain attribute, imported as wellbeing and social")
        if not fields["referral_routes"]:
            fields["referral_routes"] = [ReferralRoute.PROFESSIONAL]
            self.warnings.append(f"{at}: no throughcare:referral_route attribute, imported as any professional")
        return fields

    def schedules(self, schedules: list, at: str) -> list[dict]:
        hours = []
        for n, schedule in enumerate(schedules):
            where = f"{at}[{n}]"
            if (schedule.get("freq") or "WEEKLY") != "WEEKLY":
                self.fail(f"{where}.freq", "Only weekly schedules can be imported")
                continue
            days = [d.strip() for d in (schedule.get("byday") or "").split(",") if d.strip()]
            if not days or any(d not in ICAL_DAYS for d in days):
                self.fail(f"{where}.byday", "Give the days as MO, TU, WE, TH, FR, SA or SU, separated by commas")
                continue
            times = {}
            for name in ("opens_at", "closes_at"):
                try:
                    times[name] = _time(schedule.get(name) or "")
                except ValueError:
                    self.fail(f"{where}.{name}", "Give a time on a 24-hour clock, like 09:00")
            if len(times) < 2:
                continue
            for k, day in enumerate(days):
                # One Throughcare session per day: the first keeps the schedule's id, so a round trip keeps it.
                hours.append({"id": schedule["id"] if k == 0 else _id("schedule", schedule["id"], day),
                              "weekday": ICAL_DAYS.index(day), **times})
        return hours

    def contacts(self, contacts: list, at: str) -> list[dict]:
        rows = []
        for contact in contacts:
            phones = contact.get("phones") or []
            staff_only = any(((a.get("taxonomy_term") or {}).get("taxonomy"), (a.get("taxonomy_term") or {}).get(
                "term")) == (VISIBILITY, "staff_only") for a in contact.get("attributes") or [])
            rows.append({"id": contact["id"], "name": contact.get("name") or "", "title": contact.get("title") or "",
                         "email": contact.get("email") or "", "phone": phones[0]["number"] if phones else "",
                         "staff_only": staff_only})
        return rows

    def attributes(self, attributes: list, at: str, fields: dict) -> None:
        for n, attribute in enumerate(attributes):
            term = attribute.get("taxonomy_term") or {}
            taxonomy, code = term.get("taxonomy") or "", term.get("term") or term.get("code") or ""
            where = f"{at}[{n}].taxonomy_term.term"
            if taxonomy in VOCABULARIES:
                vocabulary, field, many = VOCABULARIES[taxonomy]
                if code not in vocabulary.values:
                    self.fail(where, f"Unknown code {code!r} in {taxonomy}: use one of {', '.join(vocabulary.values)}")
                elif many:
                    fields[field].append(code)
                    if field == "exclusions" and code == Exclusion.OTHER:
                        fields["exclusions_note"] = attribute.get("value") or ""
                else:
                    fields[field] = code
            elif taxonomy == TIME_ZONE:
                fields["time_zone"] = code
            elif taxonomy == LISTING:
                fields["listed_publicly"] = code != "unlisted"
            elif taxonomy == PUBLISHED_WAIT:
                value = attribute.get("value") or ""
                if not value.isdigit():
                    self.fail(f"{at}[{n}].value", "Give the published waiting time as a whole number of days")
                else:
                    fields["published_wait_days"] = int(value)
            # Other publishers' taxonomies are not Throughcare's to interpret: they are left out.


def _organisation_from(item: dict, at: str, errors: dict, warnings: list, seen: dict) -> dict | None:
    organisation = item.get("organization")
    if organisation is None:
        errors.setdefault(f"{at}.organization", "Each service needs its organization")
        return None
    oid = organisation["id"]
    if oid in seen:
        return seen[oid]
    agency_id = None
    for n, identifier in enumerate(organisation.get("organization_identifiers") or []):
        if identifier.get("identifier_scheme") == AGENCY_SCHEME:
            agency = Agency.objects.filter(pk=parse_uuid(identifier.get("identifier"))).first()
            if agency is None:
                warnings.append(f"{at}.organization.organization_identifiers[{n}]: no such Throughcare agency here, "
                                "so the organisation is not linked to one")
            else:
                agency_id = agency.pk
    seen[oid] = {"id": oid, "name": organisation.get("name"), "description": organisation.get("description") or "",
                 "email": organisation.get("email") or "", "website": organisation.get("website") or "",
                 "agency": agency_id, "at": f"{at}.organization"}
    return seen[oid]


def _prefixed(failure: ValidationFailed, at: str, mapping: dict | None = None) -> dict:
    return {f"{at}.{(mapping or {}).get(name, name)}": message for name, message in failure.fields.items()}


def _last_modified(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def import_directory(*, actor, data) -> dict:
    """Import an ORUK page: organisations, places and services created or replaced by id, all or nothing.

    Returns {"organisations", "locations", "services", "warnings"}. Administrators only (or the command line).
    """
    staff = staff_of(actor) if actor is not None else None
    if actor is not None and (staff is None or staff.role != Role.ADMINISTRATOR):
        raise Forbidden("Only an administrator can import the directory")
    validate(data)
    errors: dict[str, str] = {}
    warnings: list[str] = []
    reader = _Reader(errors, warnings)
    organisations: dict = {}
    places: dict = {}
    services = []
    for i, item in enumerate(data["contents"]):
        at = f"$.contents[{i}]"
        organisation = _organisation_from(item, at, errors, warnings, organisations)
        fields = reader.service(item, at)
        links = {}
        for n, link in enumerate(item.get("service_at_locations") or []):
            location = link.get("location")
            if location is None or location.get("id") != link.get("location_id", location.get("id")):
                errors.setdefault(f"{at}.service_at_locations[{n}].location", "Give the location itself, with its id")
                continue
            places.setdefault(location["id"], (location, organisation["id"] if organisation else None,
                                               f"{at}.service_at_locations[{n}].location"))
            links[location["id"]] = link["id"]
        services.append((item, at, organisation, fields, links))
    if errors:
        raise ValidationFailed(errors, "The file cannot be imported")
    counts = {"organisations": 0, "locations": 0, "services": 0}
    with transaction.atomic():
        for organisation in organisations.values():
            _save_organisation(actor, organisation)
            counts["organisations"] += 1
        for location, organisation_id, at in places.values():
            _save_location(actor, location, organisation_id, at)
            counts["locations"] += 1
        for item, at, organisation, fields, links in services:
            _save_service(actor, item, at, organisation, fields, links)
            counts["services"] += 1
        record_action(actor=actor, action="directory.import", resource="directory",
                      reason=f"{counts['services']} services, {counts['organisations']} organisations, "
                             f"{counts['locations']} places")
    return {**counts, "warnings": warnings}


def _save_organisation(actor, organisation: dict) -> None:
    at = organisation["at"]
    existing = Organisation.objects.filter(pk=parse_uuid(organisation["id"])).first()
    fields = {k: organisation[k] for k in ("name", "description", "email", "website")}
    try:
        if existing is None:
            actions.create_organisation(actor=actor, organisation_id=organisation["id"],
                                        agency=organisation["agency"], **fields)
        else:
            agency = organisation["agency"] if organisation["agency"] and not existing.agency_id else ""
            actions.update_organisation(actor=actor, organisation_id=existing.pk, agency=agency, **fields)
    except ValidationFailed as failure:
        raise ValidationFailed(_prefixed(failure, at, {"agency": "organization_identifiers"}),
                               "The file cannot be imported") from None


def _save_location(actor, location: dict, organisation_id, at: str) -> None:
    address = (location.get("addresses") or [{}])[0]
    accessibility = (location.get("accessibility") or [{}])[0]
    fields = {"name": location.get("name") or "Unnamed place", "description": location.get("description") or "",
              "address_1": address.get("address_1") or "", "city": address.get("city") or "",
              "postcode": address.get("postal_code") or "",
              "accessibility": accessibility.get("description") or accessibility.get("accessibility") or "",
              "latitude": location.get("latitude"), "longitude": location.get("longitude")}
    existing = Location.objects.filter(pk=parse_uuid(location["id"])).first()
    try:
        if existing is not None and str(existing.organisation_id) != str(organisation_id):
            raise ValidationFailed({"id": "This place belongs to another organisation in Throughcare"})
        actions.save_location(actor=actor, organisation_id=organisation_id, location_id=location["id"],
                              create_with_id=existing is None, **fields)
    except ValidationFailed as failure:
        raise ValidationFailed(_prefixed(failure, at, {"postcode": "addresses[0].postal_code",
                                                       "address_1": "addresses[0].address_1",
                                                       "city": "addresses[0].city"}),
                               "The file cannot be imported") from None


def _save_service(actor, item: dict, at: str, organisation: dict, fields: dict, links: dict) -> None:
    existing = Service.objects.filter(pk=parse_uuid(item["id"])).first()
    arguments = {**fields, "organisation_id": organisation["id"], "location_ids": list(links),
                 "service_location_ids": {parse_uuid(k): parse_uuid(v) for k, v in links.items()}}
    try:
        if existing is None:
            service = actions.create_service(actor=actor, service_id=item["id"], **arguments)
        else:
            service = actions.update_service(actor=actor, service_id=existing.pk, **arguments)
    except ValidationFailed as failure:
        raise ValidationFailed(_prefixed(failure, at, FIELD_PATHS), "The file cannot be imported") from None
    modified = _last_modified(item.get("last_modified"))
    if modified is not None:
        Service.objects.filter(pk=service.pk).update(updated_at=modified)
