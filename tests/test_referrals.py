"""Referrals between services: states, fast track, sharing, waiting-time clocks, idempotency, access, audit.

Some tests rely on the access policy's "open referral" relationship (the receiving agency sees the
person while a referral to it is open): see docs/decisions/0007-referrals-and-idempotency.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import Api
from tests.racing import race
from throughcare.accounts.actions import create_token
from throughcare.audit.models import AuditEntry
from throughcare.core.idempotency import request_hash
from throughcare.core.models import IdempotencyKey
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.referrals import clocks
from throughcare.referrals.actions import MOVES
from throughcare.referrals.models import Referral, Status

AUCKLAND = ZoneInfo("Pacific/Auckland")
NOWHERE = "00000000-0000-4000-8000-000000000000"

#: How to bring a new referral to each state: (status to move to, who moves it, details).
PATHS = {
    Status.SENT: [],
    Status.ACKNOWLEDGED: [("acknowledged", "xena", {})],
    Status.ACCEPTED: [("acknowledged", "xena", {}), ("accepted", "xena", {})],
    Status.DECLINED: [("acknowledged", "xena", {}), ("declined", "xena", {"decline_reason": "no_capacity"})],
    Status.FIRST_APPOINTMENT_OFFERED: [("acknowledged", "xena", {}), ("accepted", "xena", {}),
                                       ("first_appointment_offered", "xena",
                                        {"first_appointment_on": "2099-01-10"})],
    Status.INTERVENTION_STARTED: [("acknowledged", "xena", {}), ("accepted", "xena", {}),
                                  ("first_appointment_offered", "xena", {"first_appointment_on": "2099-01-10"}),
                                  ("intervention_started", "xena", {})],
    Status.WITHDRAWN: [("withdrawn", "amara", {})],
}
DETAILS = {"declined": {"decline_reason": "another_need_mental_health"},
           "first_appointment_offered": {"first_appointment_on": "2099-02-01"}}
ALLOWED = {(source, move.to) for move in MOVES.values() for source in move.sources}
REFUSED = [(a, b) for a in Status.values for b in Status.values if (a, b) not in ALLOWED]


def _body(world, **overrides) -> dict:
    body = {"to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group",
            "reason": "Wants mutual aid alongside prescribing", "shared_categories": ["substance_use"]}
    return {**body, **overrides}


def _canonical(world) -> dict:
    """The body as the API hashes it: validated, with its defaults filled in."""
    return {**_body(world), "priority": "routine", "fast_track_reason": "", "fast_track_note": ""}


def _refer(api, world, persona="amara", **overrides):
    return api(persona).post(f"/people/{world['jo'].pk}/referrals", _body(world, **overrides))


def _post(api_client: Api, path, body, **headers):
    import json

    return api_client.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                  headers={**api_client.headers, **headers})


def _move(api, persona, referral_id, to, **details):
    return api(persona).post(f"/referrals/{referral_id}/transition", {"to": to, **details})


def _open_door_works_with_jo(world):
    """Open Door has its own relationship with Jo (a current episode), whatever the referral's state."""
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["peer"], setting="community",
                           service="Peer support", started_on=dt.date(2026, 1, 5),
                           created_by=world["staff"]["xena"].user)


def _referral_in(api, world, status) -> str:
    referral = _refer(api, world).json()
    for to, persona, details in PATHS[status]:
        response = _move(api, persona, referral["id"], to, **details)
        assert response.status_code == 200, response.content
    assert Referral.objects.get(pk=referral["id"]).status == status
    return referral["id"]


# --- creating ---------------------------------------------------------------------------------------


def test_a_referral_is_sent_journeyed_audited_and_opens_the_record_to_the_receiving_agency(api, world):
    jo = world["jo"]
    assert api("xena").get(f"/people/{jo.pk}").status_code == 404
    response = _refer(api, world)
    assert response.status_code == 201, response.content
    referral = response.json()
    assert referral["status"] == "sent" and referral["version"] == 1
    assert referral["from_agency"]["name"] == "Riverside Recovery" and referral["from_user"] == "amara"
    assert referral["to_agency"]["name"] == "Open Door" and referral["shared_categories"] == ["substance_use"]
    assert referral["priority"] == "routine" and referral["fast_track_reason"] is None
    assert referral["clock"]["days_waiting"] == 0 and referral["clock"]["running"] is True
    event = Event.objects.get(kind="referral_sent")
    assert (event.category, event.agency_id, event.subject_type, event.subject_id) == (
        "contact_admin", world["agencies"]["riverside"].pk, "referral", referral["id"])
    assert "Wants mutual aid" not in event.body  # the reason is not contact-and-administration information
    entry = AuditEntry.objects.get(action="referral.create")
    assert entry.person_id == jo.pk and entry.resource_id == referral["id"] and entry.username == "amara"
    assert entry.recipient_agency == "Open Door" and "substance_use" in entry.categories
    # The open referral is a legitimate relationship: Open Door now knows who Jo is.
    assert api("xena").get(f"/people/{jo.pk}").status_code == 200
    assert [r["id"] for r in api("xena").get(f"/people/{jo.pk}/referrals").json()] == [referral["id"]]
    assert api("xena").get(f"/referrals/{referral['id']}").json()["reason"] == referral["reason"]
    incoming = api("xena").get("/referrals", direction="incoming").json()
    assert incoming["total"] == 1 and incoming["items"][0]["id"] == referral["id"]
    assert api("xena").get("/referrals", direction="outgoing").json()["total"] == 0
    assert api("amara").get("/referrals", direction="outgoing", status="sent").json()["total"] == 1
    assert api("amara").get("/referrals", direction="outgoing", status="accepted").json()["total"] == 0
    assert api("amara").get("/referrals", direction="incoming").json()["total"] == 0
    listed = AuditEntry.objects.filter(action="referral.list", username="amara")
    assert any(entry.subjects == [str(jo.pk)] for entry in listed)  # the outgoing list named Jo


def test_a_peer_mentor_at_the_receiving_agency_sees_the_referral_but_not_its_reason(api, world):
    referral = _refer(api, world, priority="fast_track", fast_track_reason="recent_overdose").json()
    seen = api("una").get(f"/referrals/{referral['id']}")
    assert seen.status_code == 200
    assert seen.json()["reason"] is None and seen.json()["fast_track_reason"] is None
    assert seen.json()["status"] == "sent"
    assert _move(api, "una", referral["id"], "acknowledged").status_code == 403


@pytest.mark.parametrize("overrides, field", [
    ({"reason": "  "}, "reason"),
    ({"service": ""}, "service"),
    ({"to_agency": NOWHERE}, "to_agency"),
    ({"to_agency": "not-an-id"}, "to_agency"),
    ({"priority": "urgent"}, "priority"),
    ({"priority": "fast_track"}, "fast_track_reason"),
    ({"priority": "fast_track", "fast_track_reason": "because"}, "fast_track_reason"),
    ({"priority": "fast_track", "fast_track_reason": "other"}, "fast_track_note"),
    ({"priority": "routine", "fast_track_reason": "pregnancy"}, "fast_track_reason"),
    ({"shared_categories": ["gossip"]}, "shared_categories"),
])
def test_bad_referrals_are_422_naming_the_field_and_save_nothing(api, world, overrides, field):
    response = _refer(api, world, **overrides)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert Referral.objects.count() == 0 and not Event.objects.filter(kind="referral_sent").exists()


def test_a_referral_to_your_own_agency_is_refused(api, world):
    response = _refer(api, world, to_agency=str(world["agencies"]["riverside"].pk))
    assert response.status_code == 422 and "to_agency" in response.json()["error"]["fields"]


@pytest.mark.parametrize("reason", ["released_from_custody_7_days", "recent_overdose", "pregnancy", "rough_sleeping",
                                    "children_at_risk"])
def test_every_fast_track_reason_is_accepted(api, world, reason):
    response = _refer(api, world, priority="fast_track", fast_track_reason=reason)
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == "fast_track" and response.json()["fast_track_reason"] == reason


def test_fast_track_other_needs_a_note(api, world):
    response = _refer(api, world, priority="fast_track", fast_track_reason="other",
                      fast_track_note="Eviction on Friday")
    assert response.status_code == 201
    assert response.json()["fast_track_note"] == "Eviction on Friday"


def test_shared_categories_must_be_ones_the_referrer_may_see(api, world):
    """Grace sees Jo only under a safeguarding basis covering family and safeguarding information."""
    from throughcare.consent.actions import decide_basis, request_basis

    staff = world["staff"]
    basis = request_basis(actor=staff["amara"].user, person_id=world["jo"].pk, basis="safeguarding_child",
                          recipient_agency=str(world["agencies"]["prison"].pk), categories=["family_safeguarding"],
                          reason="Strategy meeting agreed to share with the prison")
    decide_basis(actor=staff["alan"].user, basis_id=basis.pk, approve=True)
    refused = _refer(api, world, "grace", shared_categories=["family_safeguarding", "substance_use"])
    assert refused.status_code == 422
    assert "substance use" in refused.json()["error"]["fields"]["shared_categories"]
    allowed = _refer(api, world, "grace", shared_categories=["family_safeguarding", "contact_admin"])
    assert allowed.status_code == 201, allowed.content
    # Amara's agency works with Jo: she may share anything her agency recorded.
    assert _refer(api, world, shared_categories=["mental_health", "housing", "alcohol"]).status_code == 201


# --- moving on --------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, to", sorted(ALLOWED))
def test_every_allowed_move(api, world, source, to):
    _open_door_works_with_jo(world)
    referral_id = _referral_in(api, world, source)
    before = Referral.objects.get(pk=referral_id)
    persona = "amara" if to == "withdrawn" else "xena"
    response = _move(api, persona, referral_id, to, **DETAILS.get(to, {}))
    assert response.status_code == 200, response.content
    after = Referral.objects.get(pk=referral_id)
    assert after.status == to and after.version == before.version + 1
    assert getattr(after, MOVES[to].stamp) is not None
    event = Event.objects.filter(kind="referral_updated", subject_id=referral_id).order_by("-id").first()
    acting = world["agencies"]["riverside" if persona == "amara" else "peer"]
    assert event.agency_id == acting.pk and event.category == "contact_admin" and event.subject_type == "referral"
    assert AuditEntry.objects.filter(action=MOVES[to].action, resource_id=referral_id).count() == 1


@pytest.mark.parametrize("source, to", REFUSED)
def test_every_refused_move_names_from_and_to(api, world, source, to):
    _open_door_works_with_jo(world)
    referral_id = _referral_in(api, world, source)
    persona = "amara" if to == "withdrawn" else "xena"
    response = _move(api, persona, referral_id, to, **DETAILS.get(to, {}))
    assert response.status_code == 422, response.content
    message = response.json()["error"]["fields"]["status"]
    assert Status(source).label.lower() in message and Status(to).label.lower() in message, message
    assert Referral.objects.get(pk=referral_id).status == source


def test_the_whole_journey_and_its_clock(api, world):
    referral_id = _refer(api, world).json()["id"]
    for to, details in [("acknowledged", {}), ("accepted", {}),
                        ("first_appointment_offered", {"first_appointment_on": str(timezone.localdate())})]:
        response = _move(api, "xena", referral_id, to, **details)
        assert response.status_code == 200, response.content
    offered = response.json()
    assert offered["first_appointment_on"] == str(timezone.localdate())
    assert offered["clock"]["days_to_first_offer"] == 0 and offered["clock"]["days_to_intervention"] is None
    started = _move(api, "xena", referral_id, "intervention_started").json()
    assert started["version"] == 5 and started["clock"]["running"] is False
    assert started["clock"]["days_to_intervention"] == 0 and started["clock"]["breached"] is False
    assert Event.objects.filter(kind="referral_updated", subject_id=referral_id).count() == 4
    # The referral is closed, but the intervention is an episode of care at Open Door, which keeps Jo's record
    # open to the agency now working with Jo, until that episode ends.
    episode = Episode.objects.get(person=world["jo"], agency=world["agencies"]["peer"])
    assert episode.service == "Peer support group" and episode.ended_on is None
    assert episode.started_on == timezone.localdate() and episode.setting == "community"
    assert api("xena").get(f"/people/{world['jo'].pk}").status_code == 200
    assert api("xena").get(f"/referrals/{referral_id}").json()["status"] == "intervention_started"
    assert api("amara").get(f"/referrals/{referral_id}").json()["status"] == "intervention_started"


def test_starting_the_intervention_keeps_an_existing_episode(api, world):
    _open_door_works_with_jo(world)
    referral_id = _referral_in(api, world, Status.INTERVENTION_STARTED)
    assert Episode.objects.filter(person=world["jo"], agency=world["agencies"]["peer"]).count() == 1
    assert api("xena").get(f"/referrals/{referral_id}").status_code == 200


def test_decline_needs_a_coded_reason_and_other_needs_a_note(api, world):
    _open_door_works_with_jo(world)
    referral_id = _referral_in(api, world, Status.ACKNOWLEDGED)
    for details, field in [({}, "decline_reason"), ({"decline_reason": "busy"}, "decline_reason"),
                           ({"decline_reason": "other"}, "decline_note"),
                           ({"decline_reason": "no_capacity", "first_appointment_on": "2099-01-01"},
                            "first_appointment_on")]:
        response = _move(api, "xena", referral_id, "declined", **details)
        assert response.status_code == 422 and field in response.json()["error"]["fields"], (details, response.json())
    response = _move(api, "xena", referral_id, "declined", decline_reason="another_need_alcohol",
                     decline_note="Alcohol service first; re-refer after detox")
    assert response.status_code == 200
    assert response.json()["decline_reason"] == "another_need_alcohol"
    assert response.json()["clock"]["running"] is False
    assert AuditEntry.objects.filter(action="referral.decline", resource_id=referral_id).exists()


@pytest.mark.parametrize("code", ["another_need_mental_health", "another_need_substance_use", "another_need_alcohol",
                                  "not_eligible", "no_capacity", "person_declined", "duplicate"])
def test_every_decline_code(api, world, code):
    referral_id = _referral_in(api, world, Status.ACKNOWLEDGED)
    assert _move(api, "xena", referral_id, "declined", decline_reason=code).status_code == 200


def test_an_offer_needs_a_date_on_or_after_the_referral(api, world):
    referral_id = _referral_in(api, world, Status.ACCEPTED)
    assert "first_appointment_on" in _move(api, "xena", referral_id, "first_appointment_offered").json()[
        "error"]["fields"]
    early = _move(api, "xena", referral_id, "first_appointment_offered", first_appointment_on="2020-01-01")
    assert early.status_code == 422 and "first_appointment_on" in early.json()["error"]["fields"]


def test_only_the_right_side_moves_a_referral(api, world):
    referral_id = _refer(api, world).json()["id"]
    refused = _move(api, "amara", referral_id, "acknowledged")
    assert refused.status_code == 403 and "receiving agency" in refused.json()["error"]["message"]
    assert _move(api, "ben", referral_id, "acknowledged").status_code == 403
    assert _move(api, "xena", referral_id, "acknowledged").status_code == 200
    refused = _move(api, "xena", referral_id, "withdrawn")
    assert refused.status_code == 403 and "referring agency" in refused.json()["error"]["message"]
    assert _move(api, "ben", referral_id, "withdrawn").status_code == 200


def test_unknown_status_and_stale_versions(api, world):
    referral_id = _refer(api, world).json()["id"]
    response = _move(api, "xena", referral_id, "teleported")
    assert response.status_code == 422 and "to" in response.json()["error"]["fields"]
    stale = _post(api("xena"), f"/referrals/{referral_id}/transition", {"to": "acknowledged"}, **{"If-Match": '"7"'})
    assert stale.status_code == 412
    fresh = _post(api("xena"), f"/referrals/{referral_id}/transition", {"to": "acknowledged"}, **{"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"2"'


# --- who may see ------------------------------------------------------------------------------------


def test_people_and_referrals_you_cannot_see_are_404(api, world):
    jo = world["jo"]
    grace = api("grace")
    assert grace.post(f"/people/{jo.pk}/referrals", _body(world)).status_code == 404
    assert grace.post(f"/people/{jo.pk}/referrals", _body(world, reason="")).status_code == 404
    assert grace.post(f"/people/{NOWHERE}/referrals", _body(world)).status_code == 404
    assert grace.get(f"/people/{jo.pk}/referrals").status_code == 404
    referral_id = _refer(api, world).json()["id"]
    for path in [f"/referrals/{referral_id}", f"/referrals/{NOWHERE}", "/referrals/not-an-id"]:
        response = grace.get(path)
        assert response.status_code == 404 and response.json()["error"]["message"] == "Referral not found"
    assert _move(api, "grace", referral_id, "acknowledged").status_code == 404
    assert grace.get("/referrals").json() == {"total": 0, "page": 1, "page_size": 50, "items": []}
    assert api("yusuf").get("/referrals").json()["total"] == 0
    assert AuditEntry.objects.filter(action="referral.read", username="grace", outcome="denied").exists()
    assert AuditEntry.objects.filter(action="referral.create", username="grace", outcome="denied").exists()
    bad = api("amara").get("/referrals", direction="sideways")
    assert bad.status_code == 422 and "direction" in bad.json()["error"]["fields"]


def test_an_agency_not_party_to_the_referral_cannot_see_it_even_if_it_sees_the_person(api, world):
    """HMP Northgate holds Jo, so Grace sees Jo; a referral between Riverside and Open Door is not hers."""
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["prison"], setting="prison",
                           service="Healthcare", started_on=dt.date(2026, 3, 1), created_by=world["staff"]["grace"].user)
    referral_id = _refer(api, world).json()["id"]
    assert api("grace").get(f"/people/{world['jo'].pk}").status_code == 200
    assert api("grace").get(f"/people/{world['jo'].pk}/referrals").json() == []
    assert api("grace").get(f"/referrals/{referral_id}").status_code == 404


def test_a_withdrawn_referral_closes_the_record_to_the_receiving_agency(api, world):
    referral_id = _refer(api, world).json()["id"]
    assert api("xena").get(f"/people/{world['jo'].pk}").status_code == 200
    assert _move(api, "amara", referral_id, "withdrawn", note="Jo chose another service").status_code == 200
    assert api("xena").get(f"/people/{world['jo'].pk}").status_code == 404
    assert api("xena").get("/referrals", direction="incoming").json()["total"] == 0
    assert "Jo chose another service" in Event.objects.filter(kind="referral_updated").get().body


# --- clocks -----------------------------------------------------------------------------------------


def _nz(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AUCKLAND)


@pytest.fixture
def in_auckland(settings):
    settings.TIME_ZONE = "Pacific/Auckland"


def test_days_are_counted_in_the_service_time_zone_not_utc(in_auckland):
    received = _nz(2026, 3, 2, 0, 30)  # 1 March, 11:30 UTC
    now = _nz(2026, 3, 23, 23, 30)  # 23 March, 10:30 UTC
    clock = clocks.clock(received_at=received, now=now)
    assert clock.received_on == dt.date(2026, 3, 2)
    assert clock.days_waiting == 21 and clock.breached is False and clock.due_soon is True
    assert clock.days_left == 0 and clock.breach_after == dt.date(2026, 3, 23)
    # Counting in UTC would have said 22 days: breached.
    assert clocks.clock(received_at=received, now=now, tz=dt.UTC).breached is True


@pytest.mark.parametrize("day, waiting, due_soon, breached", [
    (2, 0, False, False), (19, 17, False, False), (20, 18, True, False), (23, 21, True, False),
    (24, 22, False, True), (31, 29, False, True),
])
def test_due_soon_and_breached(in_auckland, day, waiting, due_soon, breached):
    clock = clocks.clock(received_at=_nz(2026, 3, 2, 9, 0), now=_nz(2026, 3, day, 17, 0))
    assert (clock.days_waiting, clock.due_soon, clock.breached, clock.running) == (waiting, due_soon, breached, True)


def test_clock_stops_at_intervention_start_across_the_end_of_daylight_saving(in_auckland):
    # New Zealand daylight saving ends on 5 April 2026: calendar days still count as days.
    clock = clocks.clock(received_at=_nz(2026, 3, 20, 16, 0), first_appointment_offered_at=_nz(2026, 3, 27, 9, 0),
                         intervention_started_at=_nz(2026, 4, 8, 10, 0), now=_nz(2026, 6, 1, 12, 0))
    assert clock.days_to_first_offer == 7 and clock.days_to_intervention == 19 and clock.days_waiting == 19
    assert clock.running is False and clock.breached is False and clock.due_soon is False
    late = clocks.clock(received_at=_nz(2026, 3, 20, 16, 0), intervention_started_at=_nz(2026, 4, 11, 8, 0),
                        now=_nz(2026, 6, 1, 12, 0))
    assert late.days_to_intervention == 22 and late.breached is True


def test_a_declined_or_withdrawn_referral_stops_the_clock(in_auckland):
    received = _nz(2026, 3, 2, 9, 0)
    stopped = clocks.clock(received_at=received, stopped_at=_nz(2026, 3, 12, 9, 0), now=_nz(2026, 5, 1, 9, 0))
    assert (stopped.days_waiting, stopped.running, stopped.breached, stopped.due_soon) == (10, False, False, False)


def test_the_clock_on_the_api_uses_the_received_time(api, world, in_auckland):
    referral_id = _refer(api, world).json()["id"]
    Referral.objects.filter(pk=referral_id).update(received_at=timezone.now() - dt.timedelta(days=19, hours=1))
    clock = api("amara").get(f"/referrals/{referral_id}").json()["clock"]
    assert clock["days_waiting"] in (19, 20) and clock["due_soon"] is True and clock["breached"] is False
    Referral.objects.filter(pk=referral_id).update(received_at=timezone.now() - dt.timedelta(days=30))
    overdue = api("xena").get("/referrals", direction="incoming").json()["items"][0]["clock"]
    assert overdue["breached"] is True and overdue["days_waiting"] == 30 and overdue["due_soon"] is False


# --- idempotency ------------------------------------------------------------------------------------


def test_the_same_key_and_body_make_one_referral(api, world):
    amara, path, key = api("amara"), f"/people/{world['jo'].pk}/referrals", str(uuid.uuid4())
    first = _post(amara, path, _body(world), **{"Idempotency-Key": key})
    again = _post(amara, path, _body(world), **{"Idempotency-Key": key})
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1 and Event.objects.filter(kind="referral_sent").count() == 1
    assert AuditEntry.objects.filter(action="referral.create", outcome="allowed").count() == 1
    stored = IdempotencyKey.objects.get()
    assert stored.state == "done" and stored.resource_id == first.json()["id"]
    assert stored.request_hash == request_hash(_canonical(world), person_id=str(world["jo"].pk))
    # Without a key, or with a new one, the same body makes another referral.
    assert _post(amara, path, _body(world)).status_code == 201
    assert _post(amara, path, _body(world), **{"Idempotency-Key": "another"}).status_code == 201
    # Keys belong to their user: Ben's "same" key is his own.
    assert _post(api("ben"), path, _body(world), **{"Idempotency-Key": key}).status_code == 201
    assert Referral.objects.count() == 4


def test_the_same_key_with_a_different_body_is_422(api, world):
    amara, path = api("amara"), f"/people/{world['jo'].pk}/referrals"
    assert _post(amara, path, _body(world), **{"Idempotency-Key": "k-1"}).status_code == 201
    for body, person in [(_body(world, service="Detox"), world["jo"].pk), (_body(world), NOWHERE)]:
        response = _post(amara, f"/people/{person}/referrals", body, **{"Idempotency-Key": "k-1"})
        assert response.status_code == 422, response.content
        assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert Referral.objects.count() == 1


def test_a_key_in_flight_is_409(api, world):
    amara, path = api("amara"), f"/people/{world['jo'].pk}/referrals"
    hashed = request_hash(_canonical(world), person_id=str(world["jo"].pk))
    IdempotencyKey.objects.create(user=world["staff"]["amara"].user, key="busy", request_hash=hashed)
    response = _post(amara, path, _body(world), **{"Idempotency-Key": "busy"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert Referral.objects.count() == 0


def test_a_key_left_in_flight_by_a_dead_request_is_reclaimed(api, world):
    amara, path = api("amara"), f"/people/{world['jo'].pk}/referrals"
    hashed = request_hash(_canonical(world), person_id=str(world["jo"].pk))
    stuck = IdempotencyKey.objects.create(user=world["staff"]["amara"].user, key="stuck", request_hash=hashed)
    IdempotencyKey.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    response = _post(amara, path, _body(world), **{"Idempotency-Key": "stuck"})
    assert response.status_code == 201, response.content
    assert Referral.objects.count() == 1
    stuck.refresh_from_db()
    assert stuck.state == "done" and stuck.resource_id == response.json()["id"]


def test_a_failed_request_releases_its_key(api, world):
    amara, path = api("amara"), f"/people/{world['jo'].pk}/referrals"
    failed = _post(amara, path, _body(world, priority="fast_track"), **{"Idempotency-Key": "retry-me"})
    assert failed.status_code == 422 and "fast_track_reason" in failed.json()["error"]["fields"]
    assert not IdempotencyKey.objects.exists()
    again = _post(amara, path, _body(world, priority="fast_track"), **{"Idempotency-Key": "retry-me"})
    assert again.status_code == 422 and "fast_track_reason" in again.json()["error"]["fields"]
    fixed = _post(amara, path, _body(world, priority="fast_track", fast_track_reason="rough_sleeping"),
                  **{"Idempotency-Key": "retry-me"})
    assert fixed.status_code == 201
    hidden = _post(api("grace"), path, _body(world), **{"Idempotency-Key": "g"})
    assert hidden.status_code == 404 and not IdempotencyKey.objects.filter(key="g").exists()


def test_a_malformed_key_is_422(api, world):
    response = _post(api("amara"), f"/people/{world['jo'].pk}/referrals", _body(world),
                     **{"Idempotency-Key": "x" * 300})
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["error"]["fields"]


# --- racing the same key (real commits, real connections) --------------------------------------------


@pytest.mark.skipif("sqlite" in settings.DATABASES["default"]["ENGINE"],
                    reason="PostgreSQL only: SQLite's in-memory test database answers concurrent connections with "
                           "'database table is locked', and SQLite serialises writers anyway")
@pytest.mark.django_db(transaction=True)
def test_threads_racing_the_same_key_make_exactly_one_referral(audit_trail_flushable, world):
    threads_count = 8
    token = create_token(actor=None, username="amara")
    path = f"/people/{world['jo'].pk}/referrals"
    body = _body(world)
    results = race(threads_count, lambda: _post(Api(token), path, body, **{"Idempotency-Key": "race-1"}))
    statuses = sorted(status for status, _id in results)
    assert set(statuses) <= {200, 201, 409}, results
    assert statuses.count(201) == 1, results
    assert Referral.objects.count() == 1
    created = Referral.objects.get()
    assert {ref_id for status, ref_id in results if status in (200, 201)} == {str(created.pk)}
    assert IdempotencyKey.objects.get().state == "done"
    assert AuditEntry.objects.filter(action="referral.create", outcome="allowed").count() == 1


def test_the_agency_list_is_paginated_and_its_total_counts_only_people_you_may_see(api, world):
    """Declining a referral ends the receiving agency's relationship with the person: their referral leaves
    Open Door's list, its total and its pages (the policy decides), while Riverside still sees all five."""
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails

    amara = world["staff"]["amara"].user
    made = []
    for n in range(5):
        person = register_person(actor=amara, details=PersonDetails(given_names=f"Page{n}", family_name="Case",
                                                                     date_of_birth=dt.date(1990, 1, 1 + n)))
        made.append(api("amara").post(f"/people/{person.pk}/referrals", _body(world)).json()["id"])
    for referral_id in made[:2]:
        assert _move(api, "xena", referral_id, "acknowledged").status_code == 200
        assert _move(api, "xena", referral_id, "declined", decline_reason="no_capacity").status_code == 200
    xena = api("xena")
    pages = [xena.get("/referrals", direction="incoming", page=n, page_size=2).json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    shown = [i["id"] for p in pages for i in p["items"]]
    assert sorted(shown) == sorted(made[2:])  # newest first, no repeats, none of the declined ones
    assert [p["page"] for p in pages] == [1, 2, 3] and pages[0]["page_size"] == 2
    everything = api("amara").get("/referrals", direction="outgoing", page_size=200).json()
    assert everything["total"] == 5 and len(everything["items"]) == 5
    assert xena.get("/referrals", page_size=0).status_code == 422
    assert xena.get("/referrals", page_size=201).status_code == 422
    assert xena.get("/referrals", page=0).status_code == 422
    # One audit entry per page, naming only the people on it.
    entry = AuditEntry.objects.filter(action="referral.list", username="xena").order_by("-seq")[1]
    assert entry.subjects == [pages[1]["items"][0]["person"]] and "3 found; page 2 of 2" in entry.reason
