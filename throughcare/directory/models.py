"""The local service directory, on Open Referral UK (HSDS 3.0) concepts.

Organisation → Service (with its access criteria, contacts and opening hours) → at Locations.
No person data lives here. Written only by directory.actions (or the ORUK import, which calls them).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from throughcare.directory.vocab import ServiceStatus, ServiceType, Tier, Weekday


def _default_time_zone() -> str:
    return settings.TIME_ZONE


class Organisation(models.Model):
    """An organisation delivering services (ORUK `organization`), optionally a Throughcare agency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    agency = models.OneToOneField("agencies.Agency", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="directory_organisation",
                                  help_text="The partnership agency this is, if it is one: its staff keep its services")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where services are delivered (ORUK `location` with one physical address)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    address_1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    country = models.CharField(max_length=2, default="GB")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility = models.TextField(blank=True, help_text="Step-free access, hearing loop, accessible toilet...")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.address_1, self.city, self.postcode) if part)


class Service(models.Model):
    """A service and its access criteria. Empty criteria mean "anyone": an empty area list covers everywhere."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service_type = models.CharField(max_length=30, choices=ServiceType.choices)
    life_domains = models.JSONField(default=list, help_text="plans.models.Domain codes: the needs it meets")
    tier = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    listed_publicly = models.BooleanField(default=True, help_text="Shown on the public directory pages")
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    how_to_access = models.TextField(blank=True, help_text="How to get a place: walk in, phone, referral form")
    eligibility_note = models.TextField(blank=True)
    alert = models.CharField(max_length=500, blank=True, help_text="A short-term notice, e.g. closed on Friday")
    # Access criteria.
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = models.JSONField(default=list, help_text="vocab.GenderGroup codes; empty: everyone")
    substances = models.JSONField(default=list, help_text="vocab.Substance codes it works with; empty: any")
    areas = models.JSONField(default=list, help_text="Postcode districts (SA1) or areas (SA); empty: anywhere")
    referral_routes = models.JSONField(default=list, help_text="vocab.ReferralRoute codes")
    exclusions = models.JSONField(default=list, help_text="vocab.Exclusion codes")
    exclusions_note = models.CharField(max_length=500, blank=True)
    languages = models.JSONField(default=list, help_text="Languages the service is delivered in")
    interpretation_services = models.CharField(max_length=300, blank=True)
    published_wait_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                           help_text="The waiting time the service publishes")
    time_zone = models.CharField(max_length=64, default=_default_time_zone,
                                 help_text="Opening hours are in this time zone")
    locations = models.ManyToManyField(Location, through="ServiceLocation", related_name="services", blank=True)
    version = models.PositiveIntegerField(default=1)
    assured_on = models.DateField(null=True, blank=True, help_text="When the entry was last checked")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="directory_service_name")]
        indexes = [models.Index(fields=["status", "service_type"], name="directory_service_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def agency_id(self):
        return self.organisation.agency_id


class ServiceLocation(models.Model):
    """ORUK `service_at_location`: its own id so an export and import keep it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_locations")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="directory_service_location")]


class OpeningHours(models.Model):
    """One weekly session (ORUK `schedule`, freq WEEKLY). closes_at <= opens_at runs past midnight;
    00:00 to 00:00 is open all day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]


class Contact(models.Model):
    """A named contact. Staff-only contacts (a professionals' line, a secure email) never reach the public pages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    staff_only = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
