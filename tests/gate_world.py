"""Helpers for the through-the-gate tests: a second prison, receiving Jo into custody, consents."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_agency, create_staff
from throughcare.consent.actions import record_consent


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def second_prison(world) -> dict:
    """HMP Eastwood and Erin, on its prison team."""
    eastwood = create_agency(actor=None, name="HMP Eastwood", kind="prison")
    erin = create_staff(actor=None, username="erin", agency=eastwood, role="prison_team", password=PASSWORD)
    world["agencies"]["eastwood"] = eastwood
    world["staff"]["erin"] = erin
    return world


def receive(api, world, persona="grace", **overrides):
    body = {"prison_number": "A1234BC", "date_of_birth": "1985-03-27", "received_on": days(-30).isoformat(),
            "reception_type": "sentenced"}
    return api(persona).post("/custody/receptions", {**body, **overrides})


def received(api, world, **overrides) -> dict:
    response = receive(api, world, **overrides)
    assert response.status_code == 201, response.content
    return response.json()


def share(world, categories, *, agency="riverside", by="amara"):
    """Jo agrees to share `categories` with an agency, for direct care (recorded by a worker who works with Jo)."""
    return record_consent(actor=world["staff"][by].user, person_id=world["jo"].pk,
                          recipient_agency=str(world["agencies"][agency].pk), purposes=["direct_care"],
                          categories=list(categories), valid_from=timezone.localdate(), how_given="verbal")
