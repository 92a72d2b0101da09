"""The current waiting time of a service: from Throughcare's own referrals where there are enough, else as published.

For a service run by a partnership agency, the referrals counted are those started from its directory entry
(`Referral.directory_service`: counted whatever the service is called now), and those to that agency for a
service of the same name not linked to an entry (typed in by hand, or from the API), whose intervention started
in the last `WINDOW_DAYS` days. The waiting time is the median of their days from received to intervention
started, counted in the service's time zone as the referral clocks count them (referrals.clocks). With
fewer than `MIN_REFERRALS` of them the published figure is shown instead, so a handful of people can never
be picked out, and a waiting time is not claimed from too little data.

Counting only referrals whose intervention has started leaves out those still waiting; the figure says
how many referrals it rests on and over what window, so nobody reads it as more than it is.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from throughcare.directory import clock
from throughcare.directory.hours import zone
from throughcare.referrals.clocks import days_between

WINDOW_DAYS = 90
MIN_REFERRALS = 5


@dataclass(frozen=True)
class Wait:
    days: int | None
    source: str  # "referrals", "published" or "unknown"
    based_on: int = 0  # referrals the figure rests on (0 unless source is "referrals")
    window_days: int = WINDOW_DAYS
    published_days: int | None = None

    def describe(self) -> str:
        if self.source == "referrals":
            return (f"{_days(self.days)} (median from referral to the start of support, "
                    f"based on {self.based_on} referrals in the last {self.window_days} days)")
        if self.source == "published":
            return f"{_days(self.days)} (as published by the service)"
        return "Not known"


def _days(days: int | None) -> str:
    return "1 day" if days == 1 else f"{days} days"


def _key(agency_id, name: str) -> tuple:
    return agency_id, " ".join((name or "").lower().split())


def waiting_times(services: Iterable, now: dt.datetime | None = None) -> dict:
    """{service id: Wait} for every service, from one query over the referrals of their agencies."""
    from throughcare.referrals.models import Referral

    services = list(services)
    now = now or clock.now()
    agency_ids = {s.organisation.agency_id for s in services if s.organisation.agency_id}
    samples: dict[tuple, list] = defaultdict(list)
    if agency_ids:
        rows = Referral.objects.filter(
            to_agency_id__in=agency_ids, intervention_started_at__gte=now - dt.timedelta(days=WINDOW_DAYS),
            intervention_started_at__lte=now,
        ).values_list("to_agency_id", "service", "directory_service_id", "received_at", "intervention_started_at")
        for agency_id, name, listed_id, received_at, started_at in rows:
            # Started from the directory: the entry's, whatever it is called now; otherwise matched by name.
            samples[listed_id if listed_id else _key(agency_id, name)].append((received_at, started_at))
    waits = {}
    for service in services:
        found = (samples.get(service.pk, []) + samples.get(_key(service.organisation.agency_id, service.name), [])
                 if service.organisation.agency_id else [])
        if len(found) >= MIN_REFERRALS:
            tz = zone(service.time_zone)
            days = [days_between(received, started, tz) for received, started in found]
            waits[service.pk] = Wait(days=int(statistics.median(days) + 0.5), source="referrals",
                                     based_on=len(found), published_days=service.published_wait_days)
        elif service.published_wait_days is not None:
            waits[service.pk] = Wait(days=service.published_wait_days, source="published",
                                     published_days=service.published_wait_days)
        else:
            waits[service.pk] = Wait(days=None, source="unknown")
    return waits
