"""Finding services: by need (life domain), area, open now, self-referral, kind and words.

The directory holds no person data, so these reads need no scoped look-up: the public pages use
`public=True` (active services listed publicly, never staff-only contacts). A directory is hundreds of
services, not millions: one query loads them with their hours, places and contacts, and the criteria
stored as lists are matched in Python the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.directory import clock
from throughcare.directory.hours import is_open
from throughcare.directory.models import Contact, Service
from throughcare.directory.vocab import (
    CO_OCCURRING,
    LifeDomain,
    ReferralRoute,
    ServiceStatus,
    ServiceType,
    normalise_area,
    postcode_parts,
)

#: Staff see services that are running or only closed for now; the public sees running ones.
STAFF_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)


@dataclass(frozen=True)
class Filters:
    need: str = ""
    area: str = ""
    open_now: bool = False
    self_referral: bool = False
    service_type: str = ""
    q: str = ""
    co_occurring: bool = False  # only services with an exclusion that turns away a co-occurring need


def clean_filters(*, need: str = "", area: str = "", open_now=False, self_referral=False, service_type: str = "",
                  q: str = "", co_occurring=False) -> Filters:
    errors = {}
    need, service_type, area, q = (need or "").strip(), (service_type or "").strip(), (area or "").strip(), \
        " ".join((q or "").split())[:100]
    if need and need not in LifeDomain.values:
        errors["need"] = "Choose a need from the list"
    if service_type and service_type not in ServiceType.values:
        errors["service_type"] = "Choose a kind of service from the list"
    if area and normalise_area(area) is None and postcode_parts(area) is None:
        errors["area"] = "Enter a postcode, a postcode district like SA1 or an area like SA"
    if errors:
        raise ValidationFailed(errors)
    return Filters(need=need, area=area, open_now=bool(open_now), self_referral=bool(self_referral),
                   service_type=service_type, q=q, co_occurring=bool(co_occurring))


def _queryset(public: bool):
    contacts = Contact.objects.filter(staff_only=False) if public else Contact.objects.all()
    queryset = (Service.objects.select_related("organisation")
                .prefetch_related("hours", "locations", Prefetch("contacts", queryset=contacts)))
    if public:
        return queryset.filter(status=ServiceStatus.ACTIVE, listed_publicly=True)
    return queryset.filter(status__in=STAFF_STATUSES)


def covers(service, area: str) -> bool:
    """Does the service cover `area` (a postcode, district or area)? No areas: it covers everywhere."""
    if not service.areas:
        return True
    parts = postcode_parts(area)
    district, letters = parts if parts else (None, normalise_area(area))
    if district is not None:
        return district in service.areas or letters in service.areas
    # A whole area asked for: any district of it, or the area itself.
    return any(a == letters or (a.startswith(letters) and a[len(letters):][:1].isdigit()) for a in service.areas)


def search_services(filters: Filters, *, public: bool = False, now: dt.datetime | None = None) -> list[Service]:
    now = now or clock.now()
    queryset = _queryset(public)
    if filters.service_type:
        queryset = queryset.filter(service_type=filters.service_type)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(description__icontains=filters.q)
                                   | Q(organisation__name__icontains=filters.q))
    found = []
    for service in queryset.order_by("name", "id"):
        if filters.need and filters.need not in service.life_domains:
            continue
        if filters.area and not covers(service, filters.area):
            continue
        if filters.self_referral and ReferralRoute.SELF not in service.referral_routes:
            continue
        if filters.open_now and not is_open(service.hours.all(), now, service.time_zone):
            continue
        if filters.co_occurring and not co_occurring_exclusions(service):
            continue
        found.append(service)
    return found


def co_occurring_exclusions(service) -> list[str]:
    return [code for code in service.exclusions if code in CO_OCCURRING]


def get_service(service_id, *, public: bool = False) -> Service:
    """One service as the caller may see it: the public never sees an unlisted or closed one."""
    pk = parse_uuid(service_id)
    service = _queryset(public).filter(pk=pk).first() if pk else None
    if service is None and pk and not public:
        service = (Service.objects.select_related("organisation")
                   .prefetch_related("hours", "locations", "contacts").filter(pk=pk).first())
    if service is None:
        raise NotFound("Service not found")
    return service
