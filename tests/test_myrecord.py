"""The person-held record: my story, my plan, my consent, everything held about me, corrections, Welsh."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.myrecord_helpers import contactable, invite_jo
from throughcare.appointments.actions import book_appointment, reschedule_appointment
from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member
from throughcare.consent import actions as consent_actions
from throughcare.consent.models import Consent
from throughcare.journey.actions import add_note
from throughcare.journey.models import Event
from throughcare.myrecord import export
from throughcare.myrecord.actions import request_correction
from throughcare.myrecord.models import CorrectionRequest
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.plans.actions import save_goal
from throughcare.plans.models import Goal, RecoveryPlan
from throughcare.referrals.actions import create_referral


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def jo_client(world):
    account = invite_jo(world)
    client = Client()
    client.force_login(account.user)
    client.account = account
    return client


def _soon(days=3) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=days)
    return local.replace(hour=14, minute=30, second=0, microsecond=0)


def _goal(world, actor="amara", domain="housing", words="A flat near my mum", version=0):
    staff = world["staff"][actor]
    return save_goal(actor=staff.user, person_id=world["jo"].pk, expected_version=version,
                     goal={"domain": domain, "in_their_words": words, "owner_agency": str(staff.agency_id)})


# --- reading my record --------------------------------------------------------------------------------


def test_my_story_shows_every_category_but_withholds_other_lawful_bases(world, jo_client):
    amara = world["staff"]["amara"].user
    jo = world["jo"]
    add_note(actor=amara, person_id=jo.pk, text="Talked about her mental health", category="mental_health")
    consent_actions.request_basis(actor=amara, person_id=jo.pk, basis="safeguarding_child",
                                  recipient_agency=str(world["agencies"]["prison"].pk),
                                  categories=["family_safeguarding"], reason="Strategy meeting agreed to share")
    page = jo_client.get("/my/story").content.decode()
    assert "Talked about her mental health" in page
    assert "Registered" in page and "Riverside Recovery" in page
    assert "Strategy meeting" not in page and "Safeguarding a child" not in page
    assert "Some information can be held back" in page
    entry = AuditEntry.objects.filter(action="myrecord.story").get()
    assert entry.channel == "person" and entry.username == jo_client.account.user.username
    assert str(entry.person_id) == str(jo.pk) and entry.lawful_basis == "data_subject"
    assert "mental_health" in entry.categories


def test_my_story_past_its_last_page_is_empty_not_an_error(world, jo_client):
    page = jo_client.get("/my/story", {"page": str(10**30)})
    assert page.status_code == 200 and "Registered" not in page.content.decode()
    assert "Registered" in jo_client.get("/my/story", {"page": "1"}).content.decode()


def test_who_is_involved_and_my_appointments_with_a_calendar_file(world, jo_client):
    amara = world["staff"]["amara"].user
    jo = world["jo"]
    add_member(actor=amara, person_id=jo.pk, worker="amara", lead=True)
    appointment = book_appointment(actor=amara, person_id=jo.pk, starts_at=_soon(), location="12 High Street",
                                   purpose="Talk about the plan")
    page = jo_client.get("/my/people").content.decode()
    assert "Amara Okafor" in page and "Your lead worker" in page
    home = jo_client.get("/my/").content.decode()
    assert "Your lead worker is Amara Okafor at Riverside Recovery" in home
    page = jo_client.get("/my/appointments").content.decode()
    assert "12 High Street" in page and "Talk about the plan" in page
    response = jo_client.get(f"/my/appointments/{appointment.pk}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in response.content.decode()
    sam = register_person(actor=amara, details=PersonDetails(given_names="Sam", family_name="Quennell",
                                                             date_of_birth=dt.date(1990, 1, 1)))
    theirs = book_appointment(actor=amara, person_id=sam.pk, starts_at=_soon(), location="Elsewhere")
    assert jo_client.get(f"/my/appointments/{theirs.pk}.ics").status_code == 404


def test_how_i_am_doing_shows_my_outcome_reviews_over_time(world, jo_client):
    from throughcare.outcomes.actions import record_outcome_review

    response = jo_client.get("/my/how-i-am-doing")
    assert response.status_code == 200
    assert "When you have had an outcome review" in response.content.decode()
    amara = world["staff"]["amara"].user
    for stage, day, values in (("start", dt.date(2026, 1, 5), [2] * 10), ("review", dt.date(2026, 4, 5), [5] * 10)):
        record_outcome_review(actor=amara, person_id=world["jo"].pk, instrument="barc10", stage=stage,
                              completed_on=day, answers={"recovery_capital": {f"q{i}": v for i, v in
                                                                              enumerate(values, start=1)}})
    page = jo_client.get("/my/how-i-am-doing").content.decode()
    assert "5 January 2026" in page and "5 April 2026" in page and "outcome-chart-spec" in page
    assert "Change since your first review: +30." in page
    entry = AuditEntry.objects.filter(action="myrecord.progress").latest("seq")
    assert entry.channel == "person" and entry.categories


# --- my plan ------------------------------------------------------------------------------------------


def test_i_add_a_goal_in_my_own_words_and_my_lead_worker_sees_it(world, jo_client, browser_client):
    jo = world["jo"]
    add_member(actor=world["staff"]["amara"].user, person_id=jo.pk, worker="amara", lead=True)
    _goal(world)
    page = jo_client.get("/my/plan").content.decode()
    assert "A flat near my mum" in page and "Housing" in page
    response = jo_client.post("/my/plan/goals/new", {"version": "1", "domain": "", "in_their_words": " "})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose which part of your life the goal is about" in body and "Enter your goal" in body
    response = jo_client.post("/my/plan/goals/new", {"version": "1", "domain": "wellbeing",
                                                     "in_their_words": "Get back to the allotment"})
    assert response.status_code == 302
    goal = Goal.objects.get(in_their_words="Get back to the allotment")
    riverside = world["agencies"]["riverside"]
    assert goal.recorded_by_agency_id == riverside.pk and goal.owner_agency_id == riverside.pk
    plan = RecoveryPlan.objects.get(person=jo)
    assert plan.version == 2 and plan.versions.get(number=2).author == jo_client.account.user
    event = Event.objects.filter(person=jo, kind="recovery_plan").latest("id")
    assert event.title.startswith("Added a goal to their recovery plan") and event.agency_id is None
    assert AuditEntry.objects.filter(action="plan.own_goal", channel="person").exists()
    assert "Get back to the allotment" in browser_client("amara").get(f"/people/{jo.pk}/plan").content.decode()
    # A stale version is refused, and nothing is half saved.
    response = jo_client.post("/my/plan/goals/new", {"version": "1", "domain": "housing",
                                                     "in_their_words": "Another"})
    assert response.status_code == 422 and "Your plan was changed while you were writing" in response.content.decode()
    assert not Goal.objects.filter(in_their_words="Another").exists()


def test_the_person_can_only_add_goals_through_their_own_action(world, jo_client):
    from throughcare.core.errors import Forbidden
    from throughcare.plans.actions import change_stage

    with pytest.raises(Forbidden):
        change_stage(actor=jo_client.account.user, person_id=world["jo"].pk, expected_version=0, stage="stability",
                     review_every_weeks=4)
    with pytest.raises(Forbidden):
        add_note(actor=jo_client.account.user, person_id=world["jo"].pk, text="hello", category="contact_admin")


# --- my consent ---------------------------------------------------------------------------------------


def test_giving_and_withdrawing_consent_bites_at_once(world, jo_client, browser_client):
    jo = world["jo"]
    open_door = world["agencies"]["peer"]
    add_member(actor=world["staff"]["amara"].user, person_id=jo.pk, worker="xena")  # Open Door works with Jo
    plan = _goal(world)
    goal = Goal.objects.get(plan=plan)
    xena = browser_client("xena")
    goal_url = f"/people/{jo.pk}/plan/goals/{goal.pk}"
    assert xena.get(goal_url).status_code == 404  # housing is Riverside's, not shared with Open Door

    response = jo_client.post("/my/sharing/new", {"recipient_agency": "", "categories": []})
    assert response.status_code == 422
    for message in ("Choose the agency you want to share with", "Choose at least one kind of information",
                    "Choose at least one reason"):
        assert message in response.content.decode()
    response = jo_client.post("/my/sharing/new", {"recipient_agency": str(open_door.pk), "categories": ["housing"],
                                                  "purposes": ["direct_care"]})
    assert response.status_code == 302
    consent = Consent.objects.get(person=jo)
    assert consent.how_given == "digital" and consent.recorded_by == jo_client.account.user
    assert consent.recorded_by_agency_id is None
    assert xena.get(goal_url).status_code == 200
    page = jo_client.get("/my/sharing").content.decode()
    assert "Open Door can see: housing." in page

    response = jo_client.post(f"/my/sharing/{consent.pk}/stop", {"reason": "Changed my mind"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == jo_client.account.user
    assert xena.get(goal_url).status_code == 404  # the very next request
    assert Event.objects.filter(person=jo, kind="consent_withdrawn", title="Consent withdrawn by the person").exists()
    entry = AuditEntry.objects.get(action="consent.withdraw")
    assert entry.channel == "person" and entry.lawful_basis == "data_subject"
    assert "Sharing that has stopped" in jo_client.get("/my/sharing").content.decode()


def test_who_can_see_what_lists_every_agency_the_access_policy_relates_to_me(world, jo_client):
    """Registered, an episode, the care team, an open referral: the list is the policy's own facts, so an
    agency is on it exactly when its workers get a relationship from consent.policy.grant_for."""
    from throughcare.agencies.actions import create_agency, create_staff
    from throughcare.consent.policy import grant_for

    jo, amara = world["jo"], world["staff"]["amara"].user
    harbour = create_agency(actor=None, name="Harbour Housing", kind="housing")
    create_staff(actor=None, username="hana", agency=harbour, role="partner_worker", password="x" * 12)
    probation = create_agency(actor=None, name="Swansea Probation", kind="probation")
    create_staff(actor=None, username="pat", agency=probation, role="key_worker", password="x" * 12)
    nobody = create_agency(actor=None, name="Far Away Housing", kind="housing")
    create_staff(actor=None, username="fay", agency=nobody, role="partner_worker", password="x" * 12)
    add_member(actor=amara, person_id=jo.pk, worker="una")  # Open Door, on the care team
    create_referral(actor=amara, person_id=jo.pk, to_agency=str(harbour.pk), service="Tenancy support",
                    reason="Needs a flat")
    consent_actions.record_consent(actor=amara, person_id=jo.pk, recipient_kind="housing", purposes=["direct_care"],
                                   categories=["housing"], how_given="verbal")
    page = jo_client.get("/my/sharing").content.decode()
    listed = page[page.index('data-testid="working-with"'):page.index("What you have agreed to share")]
    assert "Riverside Recovery</strong> (drug and alcohol service): they registered you; you are getting care" in listed
    assert "Open Door</strong> (voluntary or peer support group): one of their workers is on your care team" in listed
    assert "Harbour Housing</strong> (housing provider): there is a referral between them and you" in listed
    assert "Far Away Housing" not in listed and "Swansea Probation" not in listed
    for agency in (world["agencies"]["riverside"], world["agencies"]["peer"], world["agencies"]["prison"], harbour,
                   probation, nobody):
        worker = agency.staff.filter(role__in=["key_worker", "partner_worker", "prison_team", "peer_mentor"]).first()
        related = bool(grant_for(worker.user, jo).relationship)
        assert related == (f"{agency.name}</strong>" in listed), agency.name
    # A consent to every agency of a kind names the kind.
    assert "Every housing provider" in page and "every housing provider can see: housing." in page
    kind_wide = Consent.objects.get(recipient_kind="housing")
    stop = jo_client.get(f"/my/sharing/{kind_wide.pk}/stop").content.decode()
    assert "Stop sharing with every housing provider" in stop
    jo_client.get("/my/language/cy")
    page = jo_client.get("/my/sharing").content.decode()
    assert "Pob darparwr tai" in page and "nhw wnaeth eich cofrestru" in page
    assert "Rhoi’r gorau i rannu gyda phob darparwr tai" in jo_client.get(
        f"/my/sharing/{kind_wide.pk}/stop").content.decode()
    assert "mae un o’u gweithwyr ar eich tîm gofal" in page and "(darparwr tai)" in page


def test_who_is_involved_shows_how_to_reach_each_worker_and_agency(world, jo_client):
    """The worker's email, and their agency's phone and address from the service directory (its public
    contacts only), in English and Welsh."""
    from tests.directory_helpers import build_directory

    jo, amara = world["jo"], world["staff"]["amara"]
    amara.user.email = "amara@riverside.example"
    amara.user.save(update_fields=["email"])
    add_member(actor=amara.user, person_id=jo.pk, worker="amara", lead=True)
    add_member(actor=amara.user, person_id=jo.pk, worker="una")
    build_directory(world)
    page = jo_client.get("/my/people").content.decode()
    cards = page.split('data-testid="care-team-member"')
    amara_card = next(c for c in cards if "Amara Okafor" in c)
    assert "amara@riverside.example" in amara_card and "01792 000000" in amara_card
    assert "1 Quay Street, Swansea" in amara_card and 'href="tel:01792000000"' in amara_card
    assert "01792 111111" not in page  # the professionals' line is staff-only
    una_card = next(c for c in cards if "una" in c and "Open Door" in c)
    assert "Ask your lead worker, or use the number in your appointment messages." in una_card  # none held
    agencies = page[page.index("Agencies working with you"):]
    assert "Riverside Recovery" in agencies and "Drug and alcohol service" in agencies and "01792 000000" in agencies
    jo_client.get("/my/language/cy")
    page = jo_client.get("/my/people").content.decode()
    assert "Ffôn" in page and "Cyfeiriad" in page and "Eich prif weithiwr" in page and "01792 000000" in page


def test_i_cannot_touch_anyone_elses_consent(world, jo_client):
    amara = world["staff"]["amara"].user
    sam = register_person(actor=amara, details=PersonDetails(given_names="Sam", family_name="Quennell",
                                                             date_of_birth=dt.date(1990, 1, 1)))
    theirs = consent_actions.record_consent(actor=amara, person_id=sam.pk, recipient_agency=str(
        world["agencies"]["peer"].pk), purposes=["direct_care"], categories=["housing"], how_given="verbal")
    assert jo_client.get(f"/my/sharing/{theirs.pk}/stop").status_code == 404
    assert jo_client.post(f"/my/sharing/{theirs.pk}/stop", {}).status_code == 404
    from throughcare.core.errors import NotFound

    with pytest.raises(NotFound):
        consent_actions.withdraw_consent(actor=jo_client.account.user, consent_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


def test_who_has_looked_at_my_record(world, jo_client, browser_client):
    jo = world["jo"]
    assert browser_client("amara").get(f"/people/{jo.pk}/").status_code == 200
    jo_client.get("/my/story")
    page = jo_client.get("/my/who-has-looked").content.decode()
    assert "amara, Riverside Recovery" in page and "looked at your record" in page
    assert jo_client.account.user.username not in page  # their own looks are not listed
    # An agency that sees Jo only under a safeguarding basis is not shown (it would reveal the basis).
    basis = consent_actions.request_basis(actor=world["staff"]["amara"].user, person_id=jo.pk,
                                          basis="safeguarding_child", recipient_agency=str(
                                              world["agencies"]["prison"].pk),
                                          categories=["family_safeguarding"], reason="Strategy meeting agreed")
    consent_actions.decide_basis(actor=world["staff"]["alan"].user, basis_id=basis.pk, approve=True)
    assert browser_client("grace").get(f"/people/{jo.pk}/").status_code == 200
    page = jo_client.get("/my/who-has-looked").content.decode()
    assert "grace" not in page and "HMP Northgate" not in page


# --- corrections ------------------------------------------------------------------------------------------


def test_a_correction_becomes_a_task_for_my_lead_worker(world, jo_client, browser_client):
    jo = world["jo"]
    add_member(actor=world["staff"]["amara"].user, person_id=jo.pk, worker="amara", lead=True)
    response = jo_client.post("/my/correction", {"what": "", "correction": ""})
    assert response.status_code == 422
    assert "Enter which part of your record is wrong" in response.content.decode()
    response = jo_client.post("/my/correction", {"what": "My date of birth",
                                                 "correction": "It is 27 March, not 27 May"})
    assert response.status_code == 302
    item = CorrectionRequest.objects.get()
    assert item.assigned_to == world["staff"]["amara"].user and item.status == "open"
    event = Event.objects.get(person=jo, kind="correction_requested")
    assert "27 March" not in event.title + event.body  # the event is neutral; the words are on the request
    assert AuditEntry.objects.filter(action="correction.request", channel="person").exists()

    amara = browser_client("amara")
    today = amara.get("/today/").content.decode()
    assert "Corrections asked for (1)" in today and "My date of birth" in today
    assert "Corrections asked for" not in browser_client("ben").get("/today/").content.decode()
    assert browser_client("grace").get(f"/corrections/{item.pk}").status_code == 404
    assert browser_client("xena").get(f"/corrections/{item.pk}").status_code == 404
    response = amara.post(f"/corrections/{item.pk}", {"answer": ""})
    assert response.status_code == 422 and "Enter what you changed" in response.content.decode()
    response = amara.post(f"/corrections/{item.pk}", {"answer": "Corrected: 27 March."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.answered_by == world["staff"]["amara"].user
    assert "Corrections asked for" not in amara.get("/today/").content.decode()
    assert "Corrected: 27 March." in jo_client.get("/my/correction").content.decode()
    assert AuditEntry.objects.filter(action="correction.answer", username="amara").exists()
    assert amara.post(f"/corrections/{item.pk}", {"answer": "Again"}).status_code == 422


def test_with_no_lead_the_registering_agency_gets_the_correction(world, jo_client, browser_client):
    request_correction(actor=jo_client.account.user, what="My postcode", correction="SA1 1AB")
    assert "My postcode" in browser_client("ben").get("/today/").content.decode()


# --- everything held about me ----------------------------------------------------------------------------


def _busy_record(world, person, *, nhs: str):
    """Rows for `person` in as many tables as the actions can reach."""
    amara = world["staff"]["amara"].user
    add_note(actor=amara, person_id=person.pk, text=f"Note about {person.display_name}", category="substance_use")
    add_member(actor=amara, person_id=person.pk, worker="ben")
    save_goal(actor=amara, person_id=person.pk, expected_version=0, goal={
        "domain": "housing", "in_their_words": f"Goal of {person.display_name}",
        "owner_agency": str(world["agencies"]["riverside"].pk),
        "actions": [{"text": "Ring the council", "who": "Amara"}]})
    appointment = book_appointment(actor=amara, person_id=person.pk, starts_at=_soon(), location="12 High Street")
    reschedule_appointment(actor=amara, appointment_id=appointment.pk, starts_at=_soon(4), requested_by="person", reason="Work shift",
                           expected_version=appointment.version)
    consent_actions.record_consent(actor=amara, person_id=person.pk, recipient_agency=str(
        world["agencies"]["peer"].pk), purposes=["direct_care"], categories=["housing"], how_given="verbal")
    create_referral(actor=amara, person_id=person.pk, to_agency=str(world["agencies"]["peer"].pk),
                    service="Peer support", reason=f"Referral for {person.display_name}")
    consent_actions.break_glass(actor=world["staff"]["grace"].user, person_id=person.pk,
                                reason="Found unwell in reception", hours=1)


def _through_the_gate_and_more(world, person, *, prison_number: str, words: str):
    """Custody, a release plan handed over and released, an assessment, outcome reviews, a message and (for
    the other person) a proposed merge: rows for `person` in the tables the first helper does not reach."""
    from tests.assessment_helpers import full_answers
    from throughcare.assessments.actions import save_draft, start_assessment, submit_assessment
    from throughcare.custody.actions import receive_into_custody, record_screen, release_from_custody
    from throughcare.notifications.service import notify_person
    from throughcare.outcomes.actions import record_outcome_review
    from throughcare.releases.actions import send_handover, update_item
    from throughcare.releases.engagement import run as engagement_run
    from throughcare.releases.models import ChecklistItem, ReleasePlan

    grace, amara = world["staff"]["grace"].user, world["staff"]["amara"].user
    today = timezone.localdate()
    custody = receive_into_custody(actor=grace, prison_number=prison_number, date_of_birth=person.date_of_birth,
                                   received_on=today - dt.timedelta(days=40), reception_type="sentenced",
                                   release_on=today + dt.timedelta(days=20))
    record_screen(actor=grace, custody_id=custody.pk, kind="first_night", held_on=custody.received_on,
                  substances=f"Heroin, says {words}", withdrawal_risk="high")
    plan = ReleasePlan.objects.get(person=person)
    item = ChecklistItem.objects.get(plan=plan, kind="accommodation")
    update_item(actor=grace, item_id=item.pk, changes={"place": f"{words} Hostel, 3 Dock Road",
                                                       "blocker": f"Waiting for {words}'s deposit"})
    send_handover(actor=grace, plan_id=plan.pk, receiving_agency=str(world["agencies"]["riverside"].pk))
    release_from_custody(actor=grace, custody_id=custody.pk, released_on=today, release_type="conditional_release",
                         destination_area="Swansea")
    engagement_run(today=today + dt.timedelta(days=8))  # the day 7 alert
    draft = start_assessment(actor=amara, person_id=person.pk)
    answers = full_answers()
    answers["strengths"]["going_well"] = f"{words} is going well"
    draft = save_draft(actor=amara, assessment_id=draft.pk, expected_revision=draft.revision, answers=answers)
    submit_assessment(actor=amara, assessment_id=draft.pk, expected_revision=draft.revision)
    for stage, day, value in (("start", dt.date(2026, 1, 5), 2), ("review", dt.date(2026, 4, 5), 5)):
        record_outcome_review(actor=amara, person_id=person.pk, instrument="barc10", stage=stage, completed_on=day,
                              answers={"recovery_capital": {f"q{i}": value for i in range(1, 11)}})
    notify_person(person=person, template="record_invitation", key=f"test:{person.pk}",
                  personalisation={"agency": "Riverside Recovery", "url": f"https://example.org/{words}"})


def _people_of(obj, person_model, depth=0):
    """Every person a row points at, by following its foreign keys in Python (not the export's lookups)."""
    if obj is None or depth > 5:
        return set()
    if isinstance(obj, person_model):
        return {obj.pk}
    found = set()
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.related_model is not None and \
                field.related_model._meta.label not in export.NOT_FOLLOWED:
            found |= _people_of(getattr(obj, field.name), person_model, depth + 1)
    return found


def test_every_table_that_holds_person_data_is_in_the_copy():
    """Walk every model: a model with a key to a person, a person_id column, or a key to such a model,
    is copied (or the test names it)."""
    person = apps.get_model("people", "Person")
    holds: set[str] = {"people.Person"}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            label = model._meta.label
            if label in holds or label in export.NOT_FOLLOWED:
                continue
            for field in model._meta.concrete_fields:
                points_at = field.related_model._meta.label if field.is_relation and field.related_model else None
                if (points_at == "people.Person" or points_at in holds
                        or (field.name in ("person_id", "person_key") and not field.is_relation)):
                    holds.add(label)
                    changed = True
                    break
    assert {"plans.GoalAction", "appointments.Reschedule", "audit.AuditEntry", "myrecord.SignInCode",
            "reporting.RPerson", "reporting.RRelease"} <= holds
    missing = holds - export.covered_models()
    assert not missing, f"the subject access copy does not read these tables: {sorted(missing)}"
    assert person is not None


def test_the_copy_has_every_row_about_me_and_nothing_about_anyone_else(world, jo_client):
    jo = world["jo"]
    amara = world["staff"]["amara"].user
    sam = register_person(actor=amara, details=PersonDetails(
        given_names="Samphire", family_name="Quennell", date_of_birth=dt.date(1990, 1, 1),
        nhs_number="943 476 5919", prison_number="B2345CD"))
    contactable(sam, phone="07700 900555", email="sam@example.org")
    _busy_record(world, jo, nhs="485 777 3457")
    _busy_record(world, sam, nhs="943 476 5919")
    from throughcare.consent.models import BreakGlass
    from throughcare.matching.models import MergeProposal
    from throughcare.reporting.keys import person_key
    from throughcare.reporting.refresh import refresh

    BreakGlass.objects.update(expires_at=timezone.now())  # the emergency access above has run out
    _through_the_gate_and_more(world, jo, prison_number="A1234BC", words="Joanna")
    _through_the_gate_and_more(world, sam, prison_number="B2345CD", words="Samphire")
    twin = register_person(actor=amara, details=PersonDetails(given_names="Samfire", family_name="Quenell",
                                                              date_of_birth=dt.date(1990, 1, 1)))
    MergeProposal.objects.create(person_a=sam, person_b=twin, probability=0.97, model_version=1,
                                 proposed_at=timezone.now(), fields=[{"column": "dob", "title": "Date of birth",
                                                                     "level": "exact", "weight": 3.2,
                                                                     "outcome": "agree"}])
    refresh(full=True)
    request_correction(actor=jo_client.account.user, what="My postcode", correction="SA1 1AB")
    basis = consent_actions.request_basis(actor=amara, person_id=jo.pk, basis="safeguarding_child",
                                          recipient_agency=str(world["agencies"]["prison"].pk),
                                          categories=["family_safeguarding"], reason="Strategy meeting agreed")
    jo_client.get("/my/story")
    amara_client = Client()
    amara_client.force_login(amara)
    amara_client.get("/today/")  # an audit entry naming Jo and Sam among others

    response = jo_client.get("/my/copy.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    copy = json.loads(text)["subject_access_copy"]
    tables = copy["tables"]
    person_model = apps.get_model("people", "Person")

    # Every row about Jo in every table the walk finds, checked against the rows' own keys.
    for model in export.person_paths():
        label = model._meta.label
        pk = model._meta.pk.name
        expected = {str(obj.pk) for obj in model._default_manager.all() if jo.pk in _people_of(obj, person_model)}
        if label == "consent.LawfulBasis":
            assert expected == {str(basis.pk)} and tables[label]["rows"] == []  # withheld
            continue
        if label == "journey.Event":
            expected -= {str(e.pk) for e in Event.objects.filter(kind__in=["basis_requested", "basis_decided"])}
        # A table whose key is the person themselves (one row per person) shows the key as "you".
        got = {str(jo.pk) if row[pk] == "you" else str(row[pk]) for row in tables[label]["rows"]}
        assert got == expected, label
    for label in ("people.PersonName", "people.Identifier", "journey.Event", "careteam.CareTeamMember",
                  "plans.RecoveryPlan", "plans.Goal", "plans.GoalAction", "plans.PlanVersion",
                  "appointments.Appointment", "appointments.Reschedule", "consent.Consent", "consent.BreakGlass",
                  "referrals.Referral", "myrecord.PersonAccount", "myrecord.CorrectionRequest",
                  "custody.Custody", "custody.ReceptionScreen", "releases.ReleasePlan", "releases.ChecklistItem",
                  "releases.CommunityHandover", "assessments.Assessment", "outcomes.OutcomeReview",
                  "notifications.Notification", "matching.MatchProfile", "matching.MatchKey"):
        assert tables[label]["rows"], f"the test should put a row about Jo in {label}"
    # The reporting tables hold Jo under her pseudonym: every one of her rows, and none of anyone else's.
    key = person_key(jo.pk)
    for model in export.pseudonymised_models():
        label = model._meta.label
        assert len(tables[label]["rows"]) == model._default_manager.filter(person_key=key).count(), label
        assert all(row["person_key"] == "you" for row in tables[label]["rows"]), label
    for label in ("reporting.RPerson", "reporting.REpisode", "reporting.RRelease", "reporting.ROutcome",
                  "reporting.RReferral", "reporting.RCareTeam"):
        assert tables[label]["rows"], f"the test should put a row about Jo in {label}"
    assert tables["reporting.RRelease"]["rows"][0]["prison_id"] == "HMP Northgate"
    assert tables["people.Person"]["rows"][0]["id"] == str(jo.pk)
    assert tables["auth.User"]["rows"][0]["username"] == jo_client.account.user.username
    audit = tables["audit.AuditEntry"]["rows"]
    assert any(row["action"] == "today.read" for row in audit)  # named among others
    assert any(row["action"] == "myrecord.story" and row["username"] == "you" for row in audit)
    assert not any(row["action"].startswith("basis.") for row in audit)
    assert "subjects" not in audit[0] and "lawful_basis" not in audit[0]

    # Nothing about anyone else: not Sam's id, names, identifiers, contact details or notes.
    for secret in (str(sam.pk), "Samphire", "Quennell", "9434765919", "07700900555", "sam@example.org",
                   "B2345CD", str(person_key(sam.pk)), str(twin.pk), "Samfire", "Quenell"):
        assert secret not in text, secret
    assert "Joanna Hostel" in text and "Heroin, says Joanna" in text and "Joanna is going well" in text
    assert any(row["action"] == "myrecord.story" and row["what"] == "read your story" for row in audit)
    assert "Strategy meeting" not in text  # the withheld basis
    for secret_field in ('"code_hash"', '"link_hash"', '"password"', '"key_hash"'):
        assert secret_field not in text, secret_field
    assert AuditEntry.objects.filter(action="myrecord.copy_json", channel="person", person_id=jo.pk).exists()


def test_the_copy_as_a_pdf(world, jo_client):
    from pypdf import PdfReader

    add_note(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, text="Started on a script",
             category="substance_use")
    response = jo_client.get("/my/copy.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Everything we hold about you" in text and "Jo Bloggs" in text and "Started on a script" in text
    assert AuditEntry.objects.filter(action="myrecord.copy_pdf", person_id=world["jo"].pk).exists()
    page = jo_client.get("/my/copy").content.decode()
    assert "/my/copy.pdf" in page and "/my/copy.json" in page


# --- English and Welsh ----------------------------------------------------------------------------------


def test_person_pages_in_welsh_with_a_switcher(world, jo_client):
    page = jo_client.get("/my/").content.decode()
    assert '<html lang="en-GB"' in page and "My story" in page
    response = jo_client.get("/my/language/cy?next=/my/story")
    assert response.status_code == 302 and response["Location"] == "/my/story"
    page = jo_client.get("/my/story").content.decode()
    assert '<html lang="cy"' in page
    assert "Fy stori" in page and "Wedi cofrestru" in page and "Neidio i’r prif gynnwys" in page
    assert 'lang="en-GB" hreflang="en-GB">English</a>' in page
    response = jo_client.post("/my/correction", {"what": "", "correction": ""})
    assert "Dywedwch pa ran o’ch cofnod sy’n anghywir" in response.content.decode()
    assert "Mae problem wedi codi" in response.content.decode()
    assert jo_client.get("/my/language/fr").status_code == 404
    assert jo_client.get("/my/language/cy?next=https://evil.example/")["Location"] == "/my/"
    assert jo_client.get("/my/language/cy?next=//evil.example/")["Location"] == "/my/"
    assert jo_client.get("/my/language/cy?next=abc")["Location"] == "/my/"  # not a view name to look up
    # Signing out keeps the language for the sign-in page.
    jo_client.post("/my/sign-out")
    assert "Mewngofnodi i’ch cofnod" in jo_client.get("/my/sign-in").content.decode()


def test_my_release_pack(world, jo_client, api):
    from pypdf import PdfReader

    from tests.gate_world import days, received

    assert "release pack" not in jo_client.get("/my/").content.decode()
    received(api, world, release_on=days(20).isoformat())
    from throughcare.releases.models import ReleasePlan

    plan = ReleasePlan.objects.get()
    page = jo_client.get("/my/").content.decode()
    assert f"/my/release-pack/{plan.pk}.pdf" in page and "Download your release pack" in page
    response = jo_client.get(f"/my/release-pack/{plan.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Jo Bloggs" in text
    assert AuditEntry.objects.filter(action="myrecord.release_pack", channel="person").exists()
    import uuid

    assert jo_client.get(f"/my/release-pack/{uuid.uuid4()}.pdf").status_code == 404
