"""Recovery plans: versions, If-Match (428/412), hidden goals kept, stage both ways, validation naming
fields, access (unseen 404, peer mentor sees no goals), audit, journey events, and the pages with the
conflict page showing both versions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from throughcare.audit.models import AuditEntry
from throughcare.consent.actions import record_consent
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.plans.models import Goal, ImmutableError, PlanVersion, RecoveryPlan, StageMove

NOWHERE = "00000000-0000-4000-8000-000000000000"


def _put(client, person_id, body, version=None):
    headers = dict(client.headers)
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.client.put(f"/api/v1/people/{person_id}/plan", json.dumps(body),
                             content_type="application/json", headers=headers)


def _goal(world, **overrides):
    goal = {"domain": "housing", "in_their_words": "Somewhere of my own, near my kids",
            "owner_agency": str(world["agencies"]["riverside"].pk), "target_date": "2026-09-01",
            "status": "in_progress",
            "actions": [{"text": "Fill in the housing form", "who": "Jo with Amara", "target_date": None,
                         "done": False}]}
    return {**goal, **overrides}


def _open_door_works_with_jo(world, *, consent=()):
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["peer"], setting="community",
                           service="Peer support", started_on=dt.date(2026, 1, 5),
                           created_by=world["staff"]["xena"].user)
    if consent:
        record_consent(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, kind="share",
                       recipient_agency=str(world["agencies"]["peer"].pk), recipient_kind="",
                       purposes=["direct_care"], categories=list(consent), valid_from=None, valid_until=None,
                       how_given="verbal", note="")


def test_first_save_creates_version_one_with_snapshot_event_and_audit(api, world):
    jo = world["jo"]
    got = api("amara").get(f"/people/{jo.pk}/plan")
    assert got.status_code == 200 and got["ETag"] == '"0"' and got.json()["version"] == 0
    assert got.json()["goals"] == [] and got.json()["next_review_due"] is None
    saved = _put(api("amara"), jo.pk, {"stage": "stability", "goals": [_goal(world)]}, version=0)
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"1"'
    body = saved.json()
    assert body["version"] == 1 and body["stage"] == "stability" and body["review_every_weeks"] == 12
    goal = body["goals"][0]
    assert goal["in_their_words"] == "Somewhere of my own, near my kids" and goal["category"] == "housing"
    assert goal["owner_agency"]["name"] == "Riverside Recovery" and goal["actions"][0]["who"] == "Jo with Amara"
    plan = RecoveryPlan.objects.get(person=jo)
    assert plan.next_review_due == plan.created_on + dt.timedelta(weeks=12)
    version = PlanVersion.objects.get(plan=plan, number=1)
    assert version.snapshot["goals"][0]["in_their_words"] == "Somewhere of my own, near my kids"
    assert version.author.username == "amara"
    event = Event.objects.get(kind="recovery_plan")
    assert event.category == "contact_admin" and event.title == "Recovery plan started (version 1)"
    assert "kids" not in event.body and "stability" not in event.body.lower()
    entry = AuditEntry.objects.get(action="plan.update")
    assert entry.person_id == jo.pk and entry.resource_id == str(plan.pk)
    assert {"housing", "substance_use", "contact_admin"} <= set(entry.categories)
    assert AuditEntry.objects.filter(action="plan.read", person_id=jo.pk).exists()


def test_every_change_is_a_new_immutable_version_and_earlier_ones_can_be_read(api, world):
    jo = world["jo"]
    _put(api("amara"), jo.pk, {"goals": [_goal(world)]}, version=0)
    first = api("amara").get(f"/people/{jo.pk}/plan").json()
    changed = dict(first["goals"][0], in_their_words="A flat with a garden", status="achieved")
    assert _put(api("ben"), jo.pk, {"goals": [changed]}, version=1).status_code == 200
    versions = api("amara").get(f"/people/{jo.pk}/plan/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["author"] == "ben" and versions[0]["changes"] == ["goal changed"]
    assert versions[1]["author"] == "Amara Okafor" and "plan started" in versions[1]["changes"]
    old = api("amara").get(f"/people/{jo.pk}/plan/versions/1").json()
    assert old["plan"]["goals"][0]["in_their_words"] == "Somewhere of my own, near my kids"
    assert old["plan"]["goals"][0]["status"] == "in_progress"
    new = api("amara").get(f"/people/{jo.pk}/plan/versions/2").json()
    assert new["plan"]["goals"][0]["in_their_words"] == "A flat with a garden"
    assert api("amara").get(f"/people/{jo.pk}/plan/versions/9").status_code == 404
    assert api("amara").get(f"/people/{jo.pk}/plan/versions/x").status_code == 404
    saved = PlanVersion.objects.get(number=1)
    saved.changes = ["tampered"]
    with pytest.raises(ImmutableError):
        saved.save()
    with pytest.raises(ImmutableError):
        saved.delete()
    # Sending the same plan again changes nothing and makes no version.
    again = _put(api("ben"), jo.pk, {"goals": [changed]}, version=2)
    assert again.status_code == 200 and again.json()["version"] == 2 and PlanVersion.objects.count() == 2


def test_put_without_if_match_is_428_and_a_stale_version_is_412(api, world):
    jo = world["jo"]
    missing = _put(api("amara"), jo.pk, {"goals": [_goal(world)]})
    assert missing.status_code == 428 and missing.json()["error"]["code"] == "precondition_required"
    assert "If-Match" in missing.json()["error"]["message"]
    assert _put(api("amara"), jo.pk, {"stage": "stability"}, version=0).status_code == 200
    assert _put(api("ben"), jo.pk, {"stage": "reduced_use"}, version=1).status_code == 200
    stale = _put(api("amara"), jo.pk, {"stage": "abstinence"}, version=1)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    message = stale.json()["error"]["message"]
    assert "Someone else changed this plan" in message and "version 1" in message and "version 2" in message
    assert RecoveryPlan.objects.get(person=jo).stage == "reduced_use"  # nothing overwritten
    assert _put(api("amara"), jo.pk, {"stage": "abstinence"}, version=5).status_code == 412
    bad = _put(api("amara"), jo.pk, {"stage": "abstinence"}, version="abc")
    assert bad.status_code == 422 and "If-Match" in bad.json()["error"]["fields"]


def test_stage_moves_both_ways_and_each_move_is_recorded(api, world):
    jo = world["jo"]
    for version, stage in enumerate(["stability", "abstinence", "harm_reduction", "reduced_use"]):
        assert _put(api("amara"), jo.pk, {"stage": stage}, version=version).status_code == 200
    moves = api("amara").get(f"/people/{jo.pk}/plan").json()["stage_moves"]
    assert [(m["from_stage"], m["to_stage"], m["direction"]) for m in moves] == [
        ("harm_reduction", "reduced_use", "forward"), ("abstinence", "harm_reduction", "back"),
        ("stability", "abstinence", "forward"), (None, "stability", "set")]
    assert StageMove.objects.count() == 4 and [m["version"] for m in moves] == [4, 3, 2, 1]


@pytest.mark.parametrize("body, field, message", [
    ({"goals": [{"domain": "housing"}]}, "goals[0].in_their_words", "Enter the goal in the person's own words"),
    ({"goals": "x"}, "goals", "Send the goals as a list"),
    ({"stage": "sober"}, "stage", "Choose a stage"),
    ({"review_every_weeks": 53}, "review_every_weeks", "from 1 to 52"),
    ({"review_every_weeks": 0}, "review_every_weeks", "from 1 to 52"),
    ({"colour": "red"}, "colour", "not recognised"),
])
def test_validation_names_the_field(api, world, body, field, message):
    response = _put(api("amara"), world["jo"].pk, body, version=0)
    assert response.status_code == 422, response.content
    assert message in response.json()["error"]["fields"][field]
    assert not RecoveryPlan.objects.exists()  # nothing half-saved


def test_validation_names_nested_fields_in_the_goals_list(api, world):
    goals = [_goal(world), _goal(world), _goal(world, target_date="2026-02-30", domain="gardening",
                                               owner_agency=NOWHERE,
                                               actions=[{"text": "", "who": "Jo"}, {"text": "Call", "who": ""}])]
    response = _put(api("amara"), world["jo"].pk, {"goals": goals}, version=0)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["goals[2].target_date"] == "Enter a real date in the format YYYY-MM-DD"
    assert fields["goals[2].domain"] == "Choose an area of life from the list"
    assert fields["goals[2].actions[0].text"] == "Enter what will be done"
    assert fields["goals[2].actions[1].who"] == "Enter who will do it"
    assert "goals[0].target_date" not in fields
    bad_owner = _put(api("amara"), world["jo"].pk, {"goals": [_goal(world, owner_agency=NOWHERE)]}, version=0)
    assert bad_owner.json()["error"]["fields"]["goals[0].owner_agency"].startswith("Choose the agency")
    unknown_goal = _put(api("amara"), world["jo"].pk, {"goals": [_goal(world, id=NOWHERE)]}, version=0)
    assert unknown_goal.json()["error"]["fields"]["goals[0].id"].startswith("This goal is not on the plan")
    not_json = api("amara").client.put(f"/api/v1/people/{world['jo'].pk}/plan", "{", content_type="application/json",
                                       headers={**api("amara").headers, "If-Match": '"0"'})
    assert not_json.status_code == 422 and "body" in not_json.json()["error"]["fields"]
    assert not RecoveryPlan.objects.exists() and not Goal.objects.exists()


def test_goals_outside_a_writers_grant_are_hidden_and_survive_their_save(api, world):
    """Open Door works with Jo and has consent for housing only: Riverside's mental health goal is hidden."""
    jo = world["jo"]
    _open_door_works_with_jo(world, consent=["housing"])
    mental = _goal(world, domain="mental_health", in_their_words="Stop the panic attacks")
    _put(api("amara"), jo.pk, {"stage": "stability", "goals": [_goal(world), mental]}, version=0)
    seen = api("xena").get(f"/people/{jo.pk}/plan").json()
    assert [g["in_their_words"] for g in seen["goals"]] == ["Somewhere of my own, near my kids"]
    assert seen["stage"] is None  # substance use from Riverside is not shared with Open Door
    assert "panic" not in json.dumps(api("xena").get(f"/people/{jo.pk}/plan/versions/1").json())
    # Xena replaces the goals she can see: the hidden goal and the stage stay exactly as they were.
    mine = _goal(world, domain="wellbeing", in_their_words="Back to the allotment",
                 owner_agency=str(world["agencies"]["peer"].pk))
    saved = _put(api("xena"), jo.pk, {"goals": [mine]}, version=1)
    assert saved.status_code == 200, saved.content
    assert [g["in_their_words"] for g in saved.json()["goals"]] == ["Back to the allotment"]
    words = set(Goal.objects.values_list("in_their_words", flat=True))
    assert words == {"Stop the panic attacks", "Back to the allotment"}
    assert RecoveryPlan.objects.get(person=jo).stage == "stability"
    hidden = Goal.objects.get(domain="mental_health")
    assert _put(api("xena"), jo.pk, {"goals": [dict(mine, id=str(hidden.pk))]}, version=2).json()["error"][
        "fields"]["goals[0].id"].startswith("This goal is not on the plan")
    refused = _put(api("xena"), jo.pk, {"stage": "abstinence"}, version=2)
    assert refused.status_code == 422 and "cannot change the stage" in refused.json()["error"]["fields"]["stage"]
    assert Goal.objects.get(pk=hidden.pk).in_their_words == "Stop the panic attacks"
    # Riverside sees its own goal; Open Door's wellbeing goal is Open Door's substance use information,
    # which Jo has not agreed to share with Riverside.
    amara_sees = [g["in_their_words"] for g in api("amara").get(f"/people/{jo.pk}/plan").json()["goals"]]
    assert amara_sees == ["Stop the panic attacks"]


def test_peer_mentor_sees_the_plan_exists_but_no_goals_and_cannot_write(api, world):
    jo = world["jo"]
    _open_door_works_with_jo(world, consent=["housing", "substance_use"])
    _put(api("amara"), jo.pk, {"stage": "stability", "goals": [_goal(world)]}, version=0)
    seen = api("una").get(f"/people/{jo.pk}/plan")
    assert seen.status_code == 200
    assert seen.json()["goals"] == [] and seen.json()["stage"] is None and seen.json()["version"] == 1
    assert _put(api("una"), jo.pk, {"stage": "abstinence"}, version=1).status_code == 403


@pytest.mark.parametrize("persona", ["grace", "yusuf", "alan", "sam"])
def test_unseen_people_are_404_before_any_other_error(api, world, persona):
    jo = world["jo"]
    _put(api("amara"), jo.pk, {"goals": [_goal(world)]}, version=0)
    for path in ("/plan", "/plan/versions", "/plan/versions/1"):
        assert api(persona).get(f"/people/{jo.pk}{path}").status_code == 404
    assert _put(api(persona), jo.pk, {"stage": "nonsense"}).status_code == 404  # not 428, not 422
    assert api("amara").get(f"/people/{NOWHERE}/plan").status_code == 404
    assert AuditEntry.objects.filter(username=persona, outcome="denied", person_id=jo.pk).exists()


# --- pages -----------------------------------------------------------------------------------------------


def _goal_form(world, version, **overrides):
    data = {"version": version, "domain": "housing", "in_their_words": "Somewhere of my own",
            "owner_agency": str(world["agencies"]["riverside"].pk), "target_date-day": "1",
            "target_date-month": "9", "target_date-year": "2026", "status": "in_progress",
            "action_0_text": "Fill in the housing form", "action_0_who": "Jo with Amara"}
    return {**data, **overrides}


def test_pages_add_change_and_remove_goals_and_show_versions(browser_client, world):
    jo = world["jo"]
    amara = browser_client("amara")
    page = amara.get(f"/people/{jo.pk}/plan")
    assert page.status_code == 200 and "There is no recovery plan yet" in page.content.decode()
    added = amara.post(f"/people/{jo.pk}/plan/goals/new", _goal_form(world, 0))
    assert added.status_code == 302
    goal = Goal.objects.get()
    assert goal.actions.get().who == "Jo with Amara" and goal.target_date == dt.date(2026, 9, 1)
    stage = amara.post(f"/people/{jo.pk}/plan/stage", {"version": 1, "stage": "stability",
                                                       "review_every_weeks": "8"})
    assert stage.status_code == 302
    plan = RecoveryPlan.objects.get()
    assert plan.version == 2 and plan.review_every_weeks == 8
    assert plan.next_review_due == plan.created_on + dt.timedelta(weeks=8)
    text = amara.get(f"/people/{jo.pk}/plan").content.decode()
    assert "Somewhere of my own" in text and "Stability" in text and "Fill in the housing form" in text
    edit = amara.get(f"/people/{jo.pk}/plan/goals/{goal.pk}")
    assert edit.status_code == 200 and 'name="version" value="2"' in edit.content.decode()
    changed = amara.post(f"/people/{jo.pk}/plan/goals/{goal.pk}",
                         _goal_form(world, 2, in_their_words="A flat near my kids", action_0_done="on"))
    assert changed.status_code == 302
    assert Goal.objects.get().in_their_words == "A flat near my kids" and Goal.objects.get().actions.get().done
    removed = amara.post(f"/people/{jo.pk}/plan/goals/{goal.pk}/remove", {"version": 3})
    assert removed.status_code == 302 and not Goal.objects.exists()
    versions = amara.get(f"/people/{jo.pk}/plan/versions").content.decode()
    assert "Version 4" in versions and "Goal removed" in versions
    old = amara.get(f"/people/{jo.pk}/plan/versions/3").content.decode()
    assert "A flat near my kids" in old
    person_page = amara.get(f"/people/{jo.pk}/").content.decode()
    assert f"/people/{jo.pk}/plan" in person_page and "Next review due" in person_page


def test_page_validation_names_fields(browser_client, world):
    jo = world["jo"]
    response = browser_client("amara").post(f"/people/{jo.pk}/plan/goals/new", _goal_form(
        world, 0, in_their_words="", action_0_who="", **{"target_date-day": "31", "target_date-month": "2"}))
    assert response.status_code == 422
    text = response.content.decode()
    assert "Target date must be a real date" in text
    fixed = browser_client("amara").post(f"/people/{jo.pk}/plan/goals/new",
                                         _goal_form(world, 0, in_their_words="", action_0_who=""))
    text = fixed.content.decode()
    assert fixed.status_code == 422
    assert "Enter the goal in the person&#x27;s own words" in text and "Enter who will do it" in text
    assert 'href="#id_action_0_who"' in text
    assert not RecoveryPlan.objects.exists()


def test_stale_page_save_shows_the_conflict_with_both_versions_and_can_reapply(browser_client, world):
    jo = world["jo"]
    amara, ben = browser_client("amara"), browser_client("ben")
    assert amara.post(f"/people/{jo.pk}/plan/goals/new", _goal_form(world, 0)).status_code == 302
    goal = Goal.objects.get()
    # Both open the goal at version 1; Ben saves first.
    assert ben.post(f"/people/{jo.pk}/plan/goals/{goal.pk}",
                    _goal_form(world, 1, in_their_words="Ben's wording")).status_code == 302
    conflict = amara.post(f"/people/{jo.pk}/plan/goals/{goal.pk}",
                          _goal_form(world, 1, in_their_words="Amara's wording"))
    assert conflict.status_code == 409
    text = conflict.content.decode()
    assert "Someone else changed this plan" in text
    theirs, yours = text.split('data-side="theirs"')[1], text.split('data-side="yours"')[1]
    assert "Ben&#x27;s wording" in theirs.split("</dl>")[0] and "Amara&#x27;s wording" in yours.split("</dl>")[0]
    assert 'name="version" value="2"' in text and "Discard my changes" in text
    assert Goal.objects.get().in_their_words == "Ben's wording"
    # Re-apply: the carried form posts again at the current version.
    reapply = amara.post(f"/people/{jo.pk}/plan/goals/{goal.pk}",
                         _goal_form(world, 2, in_their_words="Amara's wording"))
    assert reapply.status_code == 302 and Goal.objects.get().in_their_words == "Amara's wording"
    stale_stage = ben.post(f"/people/{jo.pk}/plan/stage", {"version": 1, "stage": "stability",
                                                           "review_every_weeks": "12"})
    assert stale_stage.status_code == 409 and "Someone else changed this plan" in stale_stage.content.decode()


def test_peer_mentor_page_shows_no_goals_and_no_edit_links(browser_client, world):
    jo = world["jo"]
    _open_door_works_with_jo(world, consent=["housing"])
    assert browser_client("amara").post(f"/people/{jo.pk}/plan/goals/new", _goal_form(world, 0)).status_code == 302
    text = browser_client("una").get(f"/people/{jo.pk}/plan").content.decode()
    assert "Somewhere of my own" not in text and "No goals that you can see" in text and "Add a goal" not in text
    assert browser_client("una").get(f"/people/{jo.pk}/plan/goals/new").status_code == 403
    assert browser_client("grace").get(f"/people/{jo.pk}/plan").status_code == 404
