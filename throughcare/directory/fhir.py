"""Directory services as FHIR R4 HealthcareService resources (the shape UK Core profiles), in a Bundle.

Each resource is built as plain JSON and then parsed by the `fhir.resources` R4B models and, strictly, by
fhirclient's FHIR R4 (4.0.1) models (HealthcareService and Location are the same in R4 and R4B: decision
0010), so anything that is not valid FHIR fails here rather than in a partner's system.
Places are contained Location resources; Throughcare's vocabularies are codings in `urn:throughcare:*`
systems with their labels as display text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from throughcare.directory.eligibility import age_range
from throughcare.directory.models import Service
from throughcare.directory.vocab import (
    Exclusion,
    GenderGroup,
    LifeDomain,
    ReferralRoute,
    ServiceType,
    Substance,
)

FHIR_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SYSTEM = "urn:throughcare:"


def _coding(kind: str, vocabulary, code: str) -> dict:
    return {"coding": [{"system": f"{SYSTEM}{kind}", "code": code, "display": vocabulary(code).label}],
            "text": vocabulary(code).label}


def _times(service: Service) -> list[dict]:
    times = []
    for h in service.hours.all():
        day, opens, closes = FHIR_DAYS[h.weekday], h.opens_at.strftime("%H:%M:%S"), h.closes_at.strftime("%H:%M:%S")
        if h.opens_at == h.closes_at and h.opens_at.hour == h.opens_at.minute == 0:
            times.append({"daysOfWeek": [day], "allDay": True})
        elif h.closes_at <= h.opens_at:  # past midnight: two spans
            times.append({"daysOfWeek": [day], "availableStartTime": opens, "availableEndTime": "23:59:59"})
            times.append({"daysOfWeek": [FHIR_DAYS[(h.weekday + 1) % 7]], "availableStartTime": "00:00:00",
                          "availableEndTime": closes})
        else:
            times.append({"daysOfWeek": [day], "availableStartTime": opens, "availableEndTime": closes})
    return times


def _eligibility(service: Service) -> list[dict]:
    rules = []
    if service.minimum_age is not None or service.maximum_age is not None:
        rules.append({"code": {"text": "Age"}, "comment": f"People {age_range(service.minimum_age, service.maximum_age)}"})
    if service.genders:
        rules.append({"code": {"text": "Gender"},
                      "comment": "Only for " + ", ".join(GenderGroup(g).label.lower() for g in service.genders)})
    if service.substances:
        rules.append({"code": {"text": "Substances"},
                      "comment": ", ".join(Substance(s).label for s in service.substances)})
    if service.areas:
        rules.append({"code": {"text": "Area"}, "comment": "People living in " + ", ".join(service.areas)})
    for code in service.exclusions:
        comment = service.exclusions_note if code == Exclusion.OTHER else Exclusion(code).label
        rules.append({"code": _coding("exclusion", Exclusion, code), "comment": comment or Exclusion(code).label})
    if service.eligibility_note:
        rules.append({"code": {"text": "Other"}, "comment": service.eligibility_note})
    return rules


def _location(location) -> dict:
    resource = {"resourceType": "Location", "id": f"loc-{location.pk}", "status": "active", "name": location.name,
                "mode": "instance"}
    if location.address_1 or location.postcode:
        resource["address"] = {"use": "work", "type": "physical", "line": [location.address_1] if location.address_1
                               else [], "city": location.city or None, "postalCode": location.postcode or None,
                               "country": location.country}
        resource["address"] = {k: v for k, v in resource["address"].items() if v not in (None, [])}
    if location.latitude is not None and location.longitude is not None:
        resource["position"] = {"latitude": float(location.latitude), "longitude": float(location.longitude)}
    if location.accessibility or location.description:
        resource["description"] = " ".join(filter(None, [location.description,
                                                          f"Accessibility: {location.accessibility}"
                                                          if location.accessibility else ""]))
    return resource


def healthcare_service(service: Service) -> dict:
    telecom = [{"system": system, "value": value, "use": "work"} for system, value in
               (("phone", service.phone), ("email", service.email), ("url", service.url)) if value]
    telecom += [{"system": "phone", "value": c.phone, "use": "work"} for c in service.contacts.all()
                if c.phone and not c.staff_only]
    locations = list(service.locations.all())
    exceptions = " ".join(filter(None, [service.alert, f"Times are {service.time_zone} time."
                                        if service.hours.all() else ""]))
    resource = {
        "resourceType": "HealthcareService", "id": str(service.pk), "active": service.status == "active",
        "providedBy": {"display": service.organisation.name},
        "category": [_coding("service-type", ServiceType, service.service_type)],
        "type": [_coding("life-domain", LifeDomain, code) for code in service.life_domains],
        "specialty": [{"coding": [{"system": f"{SYSTEM}tier", "code": service.tier,
                                   "display": f"Tier {service.tier}"}], "text": f"Tier {service.tier}"}]
        if service.tier else [],
        "name": service.name, "comment": service.description or None,
        "extraDetails": service.how_to_access or None, "telecom": telecom,
        "eligibility": _eligibility(service),
        "referralMethod": [{"text": ReferralRoute(code).label} for code in service.referral_routes],
        "communication": [{"text": language} for language in service.languages],
        "availableTime": _times(service), "availabilityExceptions": exceptions or None,
        "contained": [_location(loc) for loc in locations],
        "location": [{"reference": f"#loc-{loc.pk}", "display": loc.name} for loc in locations],
    }
    return {k: v for k, v in resource.items() if v not in (None, [])}


def export_bundle(services: Iterable[Service] | None = None) -> dict:
    """A collection Bundle of every active or temporarily closed service, checked as R4B and as R4."""
    from fhir.resources.R4B.bundle import Bundle

    from throughcare.assessments.fhir import r4_checked

    if services is None:
        services = (Service.objects.exclude(status__in=["inactive", "defunct"]).select_related("organisation")
                    .prefetch_related("hours", "contacts", "locations").order_by("organisation__name", "name", "id"))
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": timezone.now().isoformat(),
              "entry": [{"fullUrl": f"urn:uuid:{s.pk}", "resource": healthcare_service(s)} for s in services]}
    Bundle.model_validate(bundle)  # raises if anything is not valid FHIR R4B
    return r4_checked(bundle)  # ... or R4
