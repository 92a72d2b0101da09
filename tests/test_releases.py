"""Release plans: the checklist (owners, status, blockers, details within consent), the structured review, the
handover to the community service and the 21-day engagement clock, through the API; access and audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.gate_world import days, received, share
from throughcare.appointments.models import Appointment
from throughcare.audit.models import AuditEntry
from throughcare.careteam.models import CareTeamMember
from throughcare.custody.models import Custody
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.releases import engagement
from throughcare.releases.models import ChecklistItem, CommunityHandover, ReleasePlan

NOWHERE = "00000000-0000-4000-8000-000000000000"


def _send(api, persona, method, path, body=None, **headers):
    client = api(persona)
    call = getattr(client.client, method)
    return call(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json",
                headers={**client.headers, **headers})


@pytest.fixture
def plan(api, world):
    """Jo, received at HMP Northgate 30 days ago, released in 20 days: the plan is open."""
    received(api, world, release_on=days(20).isoformat())
    return api("grace").get(f"/release-plans/{ReleasePlan.objects.get().pk}").json()


def _item(plan, kind) -> dict:
    return next(i for i in plan["items"] if i["kind"] == kind)


def _patch(api, persona, plan, kind, body, **headers):
    return _send(api, persona, "patch", f"/release-plan-items/{_item(plan, kind)['id']}", body, **headers)


def _open_door_works_with_jo(world):
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["peer"], setting="community",
                           service="Peer support", started_on=dt.date(2026, 1, 5),
                           created_by=world["staff"]["xena"].user)


# --- the checklist -------------------------------------------------------------------------------------------


def test_the_plan_has_every_item_owned_by_the_prison_with_due_dates(plan):
    kinds = [i["kind"] for i in plan["items"]]
    assert kinds == ["accommodation", "gp_registration", "benefits", "prescribing", "naloxone",
                     "first_treatment_appointment", "probation_appointment", "met_at_gate", "id_and_bank"]
    assert {i["owner_agency"]["name"] for i in plan["items"]} == {"HMP Northgate"}
    assert _item(plan, "naloxone")["due_on"] == days(19).isoformat()
    assert plan["outstanding"] == 9 and not plan["complete"] and plan["release_on"] == days(20).isoformat()


def test_an_item_is_done_only_when_its_essentials_are_in_and_nothing_blocks_it(api, world, plan):
    early = _patch(api, "grace", plan, "accommodation", {"status": "done"})
    assert early.status_code == 422
    assert early.json()["error"]["fields"]["status"] == ("To mark it done, enter: type of accommodation, "
                                                         "address for the night of release")
    blocked = _patch(api, "grace", plan, "accommodation", {
        "details": {"accommodation_type": "hostel"}, "place": "Dock Road Hostel, 3 Dock Road, Swansea SA1 1AB",
        "blocker": "Hostel needs a referral from probation", "status": "done"})
    assert blocked.json()["error"]["fields"]["status"] == "Clear the blocker before marking the item done"
    saved = _patch(api, "grace", plan, "accommodation", {
        "details": {"accommodation_type": "hostel"}, "place": "Dock Road Hostel, 3 Dock Road, Swansea SA1 1AB",
        "status": "done"})
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["status"] == "done" and body["flagged"] is True and saved["ETag"] == '"2"'
    event = Event.objects.filter(kind="release_plan").latest("id")
    assert event.title == "Release plan: accommodation for the night of release, done"
    assert event.category == "contact_admin" and "Dock Road" not in event.body
    entry = AuditEntry.objects.filter(action="release_item.update").latest("seq")
    assert entry.username == "grace" and "housing" in entry.categories


@pytest.mark.parametrize("body, field, message", [
    ({"status": "finished"}, "status", "Choose not started, in progress, done or not needed"),
    ({"details": {"colour": "red"}}, "details.colour", "This field is not recognised for this item"),
    ({"details": {"accommodation_type": "castle"}}, "details.accommodation_type", "Choose type of accommodation"),
    ({"worker": "una"}, "worker", "Accommodation for the night of release has no who meets them"),
    ({"owner_agency": NOWHERE}, "owner_agency", "Choose the agency that owns this item"),
    ({"at": "2030-01-01T10:00:00"}, "at", "Accommodation for the night of release has no when"),
    ({"blocker": "x" * 501}, "blocker", "This must be 500 characters or fewer"),
])
def test_bad_item_changes_name_the_field_and_save_nothing(api, world, plan, body, field, message):
    response = _patch(api, "grace", plan, "accommodation", body)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"][field].startswith(message)
    item = ChecklistItem.objects.get(pk=_item(plan, "accommodation")["id"])
    assert item.version == 1 and item.status == "not_started" and item.details == {}


def test_stale_item_changes_are_refused(api, world, plan):
    first = _patch(api, "grace", plan, "naloxone", {"status": "in_progress"}, **{"If-Match": '"1"'})
    assert first.status_code == 200
    stale = _patch(api, "grace", plan, "naloxone", {"status": "not_needed"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert ChecklistItem.objects.get(pk=_item(plan, "naloxone")["id"]).status == "in_progress"


def test_the_owner_works_its_item_and_only_the_prison_reassigns(api, world, plan):
    riverside = str(world["agencies"]["riverside"].pk)
    # Riverside works with Jo, but the item is the prison's: it cannot change it yet.
    refused = _patch(api, "amara", plan, "first_treatment_appointment", {"status": "in_progress"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"].startswith("Only HMP Northgate (the plan's prison) or HMP Northgate")
    given = _patch(api, "grace", plan, "first_treatment_appointment", {"owner_agency": riverside})
    assert given.status_code == 200 and given.json()["owner_agency"]["name"] == "Riverside Recovery"
    took_back = _patch(api, "amara", plan, "first_treatment_appointment", {"owner_agency": str(world["agencies"]["prison"].pk)})
    assert took_back.json()["error"]["fields"]["owner_agency"].startswith("Only HMP Northgate, whose plan this is")
    starts = timezone.localtime() + dt.timedelta(days=21)
    booked = api("amara").post(f"/people/{world['jo'].pk}/appointments", {
        "starts_at": starts.replace(hour=10, minute=0, second=0, microsecond=0).isoformat(), "mode": "in_person",
        "location": "Riverside Recovery, 12 High Street, Swansea", "purpose": "Script review"}).json()
    linked = _patch(api, "amara", plan, "first_treatment_appointment",
                    {"appointment": booked["id"], "phone": "01792 000111", "status": "done"})
    assert linked.status_code == 200, linked.content
    assert linked.json()["place"] == "Riverside Recovery, 12 High Street, Swansea"
    before = api("amara").post(f"/people/{world['jo'].pk}/appointments", {
        "starts_at": (timezone.now() + dt.timedelta(days=2)).isoformat(), "mode": "phone"}).json()
    too_early = _patch(api, "amara", plan, "first_treatment_appointment", {"appointment": before["id"]})
    assert too_early.json()["error"]["fields"]["appointment"].startswith("Choose an appointment on or after the release")


def test_details_are_seen_and_changed_only_within_consent(api, world, plan):
    _patch(api, "grace", plan, "prescribing", {"details": {"current_script": "Methadone 60ml daily",
                                                            "pharmacy": "Quay Pharmacy, 1 Quay Street"}})
    _patch(api, "grace", plan, "gp_registration", {"place": "Harbour Surgery, 5 Harbour Way", "phone": "01792 222333",
                                                    "blocker": "Needs proof of address"})
    seen = api("amara").get(f"/release-plans/{plan['id']}").json()
    prescribing = _item(seen, "prescribing")
    assert prescribing["details"] is None  # substance use from the prison is not shared with Riverside yet
    gp = _item(seen, "gp_registration")
    assert gp["place"] == "Harbour Surgery, 5 Harbour Way" and gp["blocker"] == "Needs proof of address"
    share(world, ["substance_use"])
    assert _item(api("amara").get(f"/release-plans/{plan['id']}").json(), "prescribing")["details"]["pharmacy"] == (
        "Quay Pharmacy, 1 Quay Street")
    # A peer mentor at an agency working with Jo sees the appointments only: no details, no blockers, and not
    # the items that are not appointments (tests/test_release_pages.py has the whole of what they see).
    _open_door_works_with_jo(world)
    mentor = api("una").get(f"/release-plans/{plan['id']}").json()
    assert mentor["contact_only"] and {i["kind"] for i in mentor["items"]} >= {"met_at_gate"}
    assert "prescribing" not in {i["kind"] for i in mentor["items"]} and "Needs proof of address" not in str(mentor)
    assert _patch(api, "una", plan, "gp_registration", {"status": "done"}).status_code == 403
    assert api("grace").get(f"/release-plans/{NOWHERE}").status_code == 404
    for persona in ("yusuf", "sam", "alan"):
        assert api(persona).get(f"/release-plans/{plan['id']}").status_code == 404


def test_changing_details_you_cannot_see_is_refused(api, world, plan):
    _patch(api, "grace", plan, "naloxone", {"owner_agency": str(world["agencies"]["riverside"].pk)})
    # Riverside owns it now (its own records are its own to see); the prison, without consent, cannot see them.
    own = _patch(api, "amara", plan, "naloxone", {"details": {"issued_on": days(0).isoformat()}, "status": "done"})
    assert own.status_code == 200, own.content
    refused = _patch(api, "grace", plan, "naloxone", {"details": {"kit": "nasal"}})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This item's details are not shared with you, so you cannot change them"


def test_whoever_meets_them_at_the_gate_joins_the_care_team(api, world, plan):
    at = (timezone.localtime() + dt.timedelta(days=20)).replace(hour=8, minute=30, second=0, microsecond=0)
    response = _patch(api, "grace", plan, "met_at_gate", {
        "worker": "una", "at": at.isoformat(), "place": "Gate lodge, HMP Northgate", "phone": "07700 900123",
        "status": "done"})
    assert response.status_code == 200, response.content
    assert response.json()["worker"] == "una"
    assert CareTeamMember.objects.filter(worker__username="una", left_at__isnull=True).exists()
    assert api("una").get(f"/people/{world['jo'].pk}").status_code == 200  # Open Door now works with Jo
    nobody = _patch(api, "grace", plan, "met_at_gate", {"worker": "yusuf"})
    assert nobody.json()["error"]["fields"]["worker"] == "Choose a peer mentor or worker by their username"


def _finish_everything(api, plan):
    at = (timezone.localtime() + dt.timedelta(days=20)).replace(hour=8, minute=30, second=0, microsecond=0)
    for kind, body in {
        "accommodation": {"details": {"accommodation_type": "family_or_friends"}, "place": "4 Elm Road"},
        "gp_registration": {"place": "Harbour Surgery", "details": {"registered_on": days(0).isoformat()}},
        "benefits": {"details": {"claim_made_on": days(0).isoformat()}, "at": at.isoformat(), "place": "Jobcentre"},
        "prescribing": {"details": {"pharmacy": "Quay Pharmacy"}},
        "naloxone": {"details": {"issued_on": days(0).isoformat()}},
        "first_treatment_appointment": {"at": at.isoformat(), "place": "Riverside Recovery"},
        "probation_appointment": {"at": at.isoformat(), "place": "Probation, 9 Castle St"},
        "met_at_gate": {"worker": "grace", "at": at.isoformat(), "place": "Gate lodge"},
        "id_and_bank": {"details": {"id_held": True, "bank_account": True}},
    }.items():
        response = _patch(api, "grace", plan, kind, {**body, "status": "done"})
        assert response.status_code == 200, (kind, response.content)


def test_completion_and_the_structured_review(api, world, plan):
    _finish_everything(api, plan)
    current = ReleasePlan.objects.get()
    assert current.completed_on == days(0)
    path = f"/release-plans/{plan['id']}/reviews"
    partial = _send(api, "grace", "post", path, {"held_on": days(0).isoformat(),
                                                 "confirmations": [{"kind": "naloxone", "still_holds": True}]})
    assert partial.status_code == 422
    assert partial.json()["error"]["fields"]["confirmations"].startswith("Confirm every item: accommodation")
    confirmations = [{"kind": i["kind"], "still_holds": True} for i in plan["items"]]
    confirmations[0] = {"kind": "accommodation", "still_holds": False, "note": ""}
    no_note = _send(api, "grace", "post", path, {"held_on": days(0).isoformat(), "confirmations": confirmations})
    assert no_note.json()["error"]["fields"]["confirmations[0].note"] == ("Say what changed about accommodation for "
                                                                          "the night of release")
    confirmations[0]["note"] = "His sister can no longer have him"
    stale = _send(api, "grace", "post", path, {"held_on": days(0).isoformat(), "confirmations": confirmations},
                  **{"If-Match": '"1"'})
    assert stale.status_code == 412
    done = _send(api, "grace", "post", path, {"held_on": days(0).isoformat(), "confirmations": confirmations,
                                              "persons_view": "Worried about where he will sleep"})
    assert done.status_code == 201, done.content
    current.refresh_from_db()
    assert current.completed_on is None and current.last_reviewed_on == days(0)
    assert ChecklistItem.objects.get(plan=current, kind="accommodation").status == "in_progress"
    assert Event.objects.filter(title="Release plan reviewed: 8 items still hold, 1 changed").exists()
    assert _send(api, "amara", "post", path, {"held_on": days(0).isoformat(),
                                              "confirmations": confirmations}).status_code == 403


def test_a_moved_release_date_is_shown_as_needing_review(api, world, plan):
    custody = Custody.objects.get()
    moved = _send(api, "grace", "post", f"/custody/{custody.pk}/release-date", {"release_on": days(13).isoformat()})
    assert moved.status_code == 200
    reasons = api("grace").get(f"/release-plans/{plan['id']}").json()["review_reasons"]
    assert reasons and reasons[0].startswith("The release date moved from")


def test_review_needed_is_raised_once_and_shown_on_the_releases_list_and_today(api, world, browser_client):
    """A plan completed long before release, and a moved release date, need a structured review: the daily run
    raises it once as a journey event, and the prison sees it on its releases list and "today" page."""
    from typer.testing import CliRunner

    from throughcare.cli import app
    from throughcare.releases.opening import flag_reviews_due

    custody = received(api, world, release_on=days(60).isoformat())
    plan = api("grace").get(f"/release-plans/{ReleasePlan.objects.get().pk}").json()
    _finish_everything(api, plan)
    assert ReleasePlan.objects.get().completed_on == days(0)
    assert flag_reviews_due(today=days(0)) == []  # confirmed today: nothing to review yet
    # 33 days on, release is 27 days away and the plan was confirmed 60 days before it.
    [flagged] = flag_reviews_due(today=days(33))
    assert flagged.pk == ReleasePlan.objects.get().pk and flag_reviews_due(today=days(34)) == []  # once only
    event = Event.objects.get(title="Release plan needs a structured review")
    assert event.agency == world["agencies"]["prison"] and "was last confirmed on" in event.body
    entry = AuditEntry.objects.get(action="release_plan.review_due")
    assert entry.username == "" and entry.reason == "automatic"

    # A moved date raises it as it moves (its own event), and it shows wherever the prison looks.
    moved = _send(api, "grace", "post", f"/custody/{custody['id']}/release-date", {"release_on": days(70).isoformat()})
    assert moved.status_code == 200
    assert Event.objects.filter(title__startswith="Release plan moved to", body__contains="review is needed").exists()
    assert flag_reviews_due(today=days(0)) == []
    grace = browser_client("grace")
    releases = grace.get("/releases/").content.decode()
    assert 'data-testid="review-needed"' in releases and "The release date moved from" in releases
    today = grace.get("/today/").content.decode()
    assert "Release plans to review (1)" in today and "Jo Bloggs" in today and "The release date moved" in today
    assert "Release plans to review" not in browser_client("amara").get("/today/").content.decode()
    [review] = api("grace").get("/today").json()["release_reviews"]  # the today API says the same
    assert review["person"] == str(world["jo"].pk) and review["reasons"][0].startswith("The release date moved")
    assert api("amara").get("/today").json()["release_reviews"] == []
    assert str(world["jo"].pk) in AuditEntry.objects.filter(action="today.read", username="grace").latest(
        "seq").subjects

    confirmations = [{"kind": i["kind"], "still_holds": True} for i in plan["items"]]
    done = _send(api, "grace", "post", f"/release-plans/{plan['id']}/reviews",
                 {"held_on": days(0).isoformat(), "confirmations": confirmations})
    assert done.status_code == 201, done.content
    assert ReleasePlan.objects.get().review_flagged_at is None
    assert 'data-testid="review-needed"' not in grace.get("/releases/").content.decode()
    assert "Release plans to review" not in grace.get("/today/").content.decode()
    assert api("grace").get("/today").json()["release_reviews"] == []
    result = CliRunner().invoke(app, ["releases", "open-due"])
    assert result.exit_code == 0 and "Release plans needing a structured review: 0 newly flagged" in result.output


# --- handover and the engagement clock ----------------------------------------------------------------------


def _handover(api, world, plan, agency="riverside"):
    return _send(api, "grace", "post", f"/release-plans/{plan['id']}/handover",
                 {"receiving_agency": str(world["agencies"][agency].pk), "note": "Script continues"})


def test_the_handover_goes_only_to_a_service_that_works_with_the_person(api, world, plan):
    refused = _handover(api, world, plan, "peer")
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["receiving_agency"].startswith("Refer them to Open Door first")
    prison = _handover(api, world, plan, "prison")
    assert prison.json()["error"]["fields"]["receiving_agency"] == "Choose the community service they are going to"
    sent = _handover(api, world, plan)
    assert sent.status_code == 201, sent.content
    entry = AuditEntry.objects.get(action="release_handover.send", resource="release_handover")
    assert entry.recipient_agency == "Riverside Recovery" and entry.username == "grace"
    assert _handover(api, world, plan).json()["error"]["fields"]["receiving_agency"] == (
        "The plan has already been handed over")


def test_the_receiving_service_acknowledges(api, world, plan):
    handover = _handover(api, world, plan).json()
    path = f"/release-handovers/{handover['id']}/acknowledge"
    assert _send(api, "grace", "post", path).status_code == 403
    assert _send(api, "ben", "post", path, **{"If-Match": '"7"'}).status_code == 412
    done = _send(api, "ben", "post", path, **{"If-Match": '"1"'})
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    assert _send(api, "amara", "post", path).json()["error"]["fields"]["status"] == "The handover is already acknowledged"
    assert AuditEntry.objects.filter(action="release_handover.acknowledge", username="ben").exists()
    assert _send(api, "yusuf", "post", path).status_code == 404


def _release(api, on):
    custody = Custody.objects.get(status="in_custody")
    response = _send(api, "grace", "post", f"/custody/{custody.pk}/release",
                     {"released_on": on.isoformat(), "release_type": "conditional_release", "destination_area": "Swansea"})
    assert response.status_code == 200, response.content


def test_alerts_on_days_7_and_14_then_not_engaged_after_day_21(api, world, plan):
    _handover(api, world, plan)
    _release(api, days(-3))
    handover = CommunityHandover.objects.get()
    assert handover.released_on == days(-3)
    assert engagement.run(today=days(3)).alerts == []  # day 6
    assert engagement.run(today=days(4)).alerts == [(handover.pk, 7)]
    assert engagement.run(today=days(4)).alerts == []  # once only
    assert engagement.run(today=days(12)).alerts == [(handover.pk, 14)]
    assert engagement.run(today=days(18)).not_engaged == []  # day 21: still in time
    assert engagement.run(today=days(19)).not_engaged == [handover.pk]
    handover.refresh_from_db()
    assert handover.outcome == "not_engaged" and handover.alerted_day_7_at and handover.alerted_day_14_at
    alerts = Event.objects.filter(title__startswith="Not yet seen by Riverside Recovery")
    assert alerts.count() == 2 and {e.agency.name for e in alerts} == {"Riverside Recovery"}
    assert AuditEntry.objects.filter(action="release_handover.alert").count() == 2
    assert AuditEntry.objects.get(action="release_handover.outcome").reason == "not_engaged"


def test_an_attended_appointment_after_release_is_engagement(api, world, plan):
    _handover(api, world, plan)
    _release(api, days(-5))
    now = timezone.now()
    Appointment.objects.create(person=world["jo"], agency=world["agencies"]["riverside"],
                               worker=world["staff"]["amara"].user, booked_by=world["staff"]["amara"].user,
                               starts_at=now - dt.timedelta(days=2), status="attended", created_at=now, updated_at=now)
    summary = engagement.run(today=days(0))
    handover = CommunityHandover.objects.get()
    assert summary.engaged == [handover.pk] and handover.outcome == "engaged"
    assert handover.first_intervention_on == timezone.localdate(now - dt.timedelta(days=2))


def test_the_service_records_the_first_intervention(api, world, plan):
    handover = _handover(api, world, plan).json()
    path = f"/release-handovers/{handover['id']}/engagement"
    early = _send(api, "amara", "post", path, {"first_intervention_on": days(0).isoformat()})
    assert early.json()["error"]["fields"]["first_intervention_on"].startswith("The clock starts at release")
    _release(api, days(-2))
    before = _send(api, "amara", "post", path, {"first_intervention_on": days(-3).isoformat()})
    assert before.json()["error"]["fields"]["first_intervention_on"].startswith("The date must be on or after")
    done = _send(api, "amara", "post", path, {"first_intervention_on": days(-1).isoformat()})
    assert done.status_code == 200 and done.json()["outcome"] == "engaged"
    assert Event.objects.filter(title="First community intervention 1 day after release").exists()


# --- a recall stops the clock -------------------------------------------------------------------------------


def _recall(api, world, on):
    response = _send(api, "grace", "post", "/custody/receptions",
                     {"prison_number": "A1234BC", "date_of_birth": "1985-03-27", "received_on": on.isoformat(),
                      "reception_type": "recall"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_recall_within_21_days_stops_the_clock_as_recalled_not_not_engaged(api, world, plan):
    _handover(api, world, plan)
    _release(api, days(-10))
    handover = CommunityHandover.objects.get()
    assert engagement.run(today=days(0)).alerts == [(handover.pk, 7)]
    _recall(api, world, days(-2))  # day 8, nobody has seen them
    handover.refresh_from_db()
    assert handover.outcome == "recalled" and handover.outcome_recorded_at is not None
    # The clock is void: no day 14 alert, no "not engaged" at day 21, whatever the daily run does later.
    assert engagement.run(today=days(5)).alerts == [] and engagement.run(today=days(15)).not_engaged == []
    handover.refresh_from_db()
    assert handover.outcome == "recalled" and handover.alerted_day_14_at is None
    # The recall's one entry names the outcome it recorded (audit.recorder.one_entry).
    entry = AuditEntry.objects.get(action="custody.receive", reason__contains="release_handover.outcome")
    assert entry.username == "grace" and "(recalled: recall on day 8)" in entry.reason
    assert Event.objects.filter(title="Engagement after release: recalled to custody within 21 days "
                                      "(recalled on day 8)", agency=world["agencies"]["riverside"]).exists()
    seen = api("amara").get(f"/release-plans/{plan['id']}").json()
    assert seen["handover"]["outcome"] == "recalled"


def test_a_recall_after_engagement_or_after_day_21_keeps_the_honest_outcome(api, world, plan):
    _handover(api, world, plan)
    _release(api, days(-30))
    handover = CommunityHandover.objects.get()
    now = timezone.now()
    Appointment.objects.create(person=world["jo"], agency=world["agencies"]["riverside"],
                               worker=world["staff"]["amara"].user, booked_by=world["staff"]["amara"].user,
                               starts_at=now - dt.timedelta(days=26), status="attended", created_at=now, updated_at=now)
    _recall(api, world, days(-20))  # day 10, but seen on day 4: engaged
    handover.refresh_from_db()
    assert handover.outcome == "engaged" and handover.first_intervention_on == timezone.localdate(
        now - dt.timedelta(days=26))


def test_a_recall_after_day_21_with_no_outcome_yet_is_not_engaged(api, world, plan):
    _handover(api, world, plan)
    _release(api, days(-30))
    _recall(api, world, days(-3))  # day 27: the daily run had not recorded the outcome yet
    handover = CommunityHandover.objects.get()
    assert handover.outcome == "not_engaged"
    entry = AuditEntry.objects.get(action="custody.receive", reason__contains="release_handover.outcome")
    assert "(not_engaged: recall on day 27)" in entry.reason
