"""The service directory: entries and who may keep them, search and "open now", eligibility from the record
within consent (with the reason for each service not shown), and waiting times from real referrals."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.directory_helpers import build_directory
from throughcare.audit.models import AuditEntry
from throughcare.consent.actions import record_consent
from throughcare.directory import actions
from throughcare.directory.eligibility import Profile, evaluate, gender_group
from throughcare.directory.hours import Session, is_open, parse_hours
from throughcare.directory.models import Organisation, Service
from throughcare.directory.search import clean_filters, covers, search_services
from throughcare.directory.vocab import postcode_parts
from throughcare.directory.waiting import MIN_REFERRALS, waiting_times
from throughcare.episodes.models import Episode
from throughcare.referrals.models import Referral


@pytest.fixture
def directory(world):
    return build_directory(world)


def _names(items) -> list[str]:
    return sorted(item["name"] if "name" in item else item["service"]["name"] for item in items)


def _body(directory, **overrides) -> dict:
    body = {"organisation": str(directory["riverside"].pk), "name": "Needle exchange",
            "service_type": "harm_reduction", "life_domains": ["substance_use", "physical_health"],
            "referral_routes": ["self_referral"], "areas": ["SA1", "sa2"], "languages": ["English", "Welsh"],
            "hours": [{"weekday": 2, "opens_at": "10:00", "closes_at": "14:00"}], "published_wait_days": 0,
            "locations": [str(directory["hub"].pk)], "time_zone": "Europe/London"}
    return {**body, **overrides}


def _put(api, persona, path, body, **headers):
    client = api(persona)
    return client.client.put(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                             headers={**client.headers, **headers})


# --- keeping entries -----------------------------------------------------------------------------------------


def test_administrator_adds_a_service_with_hours_places_and_an_audit_entry(api, world, directory):
    response = api("sam").post("/directory/services", _body(directory))
    assert response.status_code == 201, response.content
    made = response.json()
    assert response["ETag"] == '"1"'
    assert made["areas"] == ["SA1", "SA2"] and made["languages"] == ["English", "Welsh"]
    assert made["hours"] == [{"weekday": 2, "day": "Wednesday", "opens_at": "10:00:00", "closes_at": "14:00:00"}]
    assert made["locations"][0]["name"] == "Riverside hub" and made["locations"][0]["postcode"] == "SA1 1AA"
    assert made["waiting_time"]["source"] == "published" and made["waiting_time"]["days"] == 0
    entry = AuditEntry.objects.get(action="directory_service.create", username="sam")
    assert (entry.username, entry.resource_id, entry.person_id) == ("sam", made["id"], None)


def test_agency_staff_keep_their_own_services_but_not_others(api, world, directory):
    assert api("amara").post("/directory/services", _body(directory)).status_code == 201
    refused = api("xena").post("/directory/services", _body(directory, name="Another"))
    assert refused.status_code == 403
    assert "staff of the agency that runs it" in refused.json()["error"]["message"]
    mind = api("amara").post("/directory/services", _body(directory, organisation=str(directory["mind"].pk)))
    assert mind.status_code == 403
    # Peer mentors, commissioners and Caldicott guardians at the owning agency do not keep entries either.
    assert api("alan").post("/directory/services", _body(directory, name="Other")).status_code == 403
    assert not Service.objects.filter(name__in=["Another", "Other"]).exists()


def test_only_administrators_add_organisations_or_link_them_to_agencies(api, world, directory):
    refused = api("amara").post("/directory/organisations", {"name": "New charity"})
    assert refused.status_code == 403
    made = api("sam").post("/directory/organisations", {"name": "New charity", "description": "Help",
                                                        "agency": str(world["agencies"]["peer"].pk)})
    assert made.status_code == 201 and made.json()["agency"] == str(world["agencies"]["peer"].pk)
    # Riverside staff may describe their own organisation but not move its agency link.
    path = f"/directory/organisations/{directory['riverside'].pk}"
    assert _put(api, "amara", path, {"name": "Riverside Recovery", "description": "Changed"}).status_code == 200
    relink = _put(api, "amara", path, {"name": "Riverside Recovery", "agency": str(world["agencies"]["prison"].pk)})
    assert relink.status_code == 403
    assert Organisation.objects.get(pk=directory["riverside"].pk).agency_id == world["agencies"]["riverside"].pk


@pytest.mark.parametrize("overrides,field,message", [
    ({"name": " "}, "name", "Enter the service's name"),
    ({"service_type": "spa"}, "service_type", "Choose the kind of service from the list"),
    ({"life_domains": []}, "life_domains", "Choose at least one need the service meets"),
    ({"tier": "3", "service_type": "housing"}, "tier", "Only drug and alcohol treatment and harm reduction services have a tier"),
    ({"referral_routes": []}, "referral_routes", "Choose how people get a place"),
    ({"areas": ["Swansea"]}, "areas", "Enter each area as a postcode district like SA1"),
    ({"minimum_age": 30, "maximum_age": 18}, "maximum_age", "The maximum age must be the same as or more"),
    ({"exclusions": ["other"]}, "exclusions_note", "Describe the other exclusion"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone like Europe/London"),
    ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
    ({"url": "ftp://x"}, "url", "Enter a web address starting with https://"),
    ({"contacts": [{"name": ""}]}, "contacts", "Contact 1: Enter the contact's name"),
    ({"hours": [{"weekday": 9, "opens_at": "09:00", "closes_at": "10:00"}]}, "hours", "Session 1"),
    ({"name": "Structured treatment"}, "name", "already has a service with that name"),
])
def test_bad_input_names_the_field_and_saves_nothing(api, world, directory, overrides, field, message):
    before = Service.objects.count()
    response = api("sam").post("/directory/services", _body(directory, **overrides))
    assert response.status_code == 422, response.content
    assert message in response.json()["error"]["fields"][field]
    assert Service.objects.count() == before


def test_locations_must_belong_to_the_organisation(api, world, directory):
    body = _body(directory, organisation=str(directory["mind"].pk))
    response = api("sam").post("/directory/services", body)
    assert response.status_code == 422
    assert "belong to the organisation" in response.json()["error"]["fields"]["locations"]


def test_update_replaces_the_entry_checks_if_match_and_is_audited(api, world, directory):
    service = directory["treatment"]
    path = f"/directory/services/{service.pk}"
    current = api("amara").get(path)
    assert current["ETag"] == '"1"'
    body = _body(directory, name="Structured treatment", service_type="treatment", tier="4", hours=[],
                 contacts=[{"name": "Reception", "phone": "01792 222222"}])
    changed = _put(api, "amara", path, body, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"2"' and changed.json()["tier"] == "4" and changed.json()["hours"] == []
    assert [c["name"] for c in changed.json()["contacts"]] == ["Reception"]
    stale = _put(api, "amara", path, body, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and "version 2" in stale.json()["error"]["message"]
    assert AuditEntry.objects.filter(action="directory_service.update", resource_id=str(service.pk)).count() == 1
    assert _put(api, "amara", "/directory/services/00000000-0000-4000-8000-000000000000", body).status_code == 404


def test_locations_are_added_and_changed_by_the_owning_agency(api, world, directory):
    path = f"/directory/organisations/{directory['riverside'].pk}/locations"
    made = api("amara").post(path, {"name": "Outreach bus", "postcode": "SA2 0AA", "latitude": 51.62})
    assert made.status_code == 201 and made.json()["latitude"] == 51.62
    bad = api("amara").post(path, {"name": "Van", "postcode": "nowhere"})
    assert bad.status_code == 422 and "postcode" in bad.json()["error"]["fields"]
    changed = _put(api, "amara", f"/directory/locations/{made.json()['id']}", {"name": "Outreach van"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert _put(api, "xena", f"/directory/locations/{made.json()['id']}", {"name": "X"}).status_code == 403
    assert AuditEntry.objects.filter(action="directory_location.update").count() == 1


# --- search --------------------------------------------------------------------------------------------------


def test_search_by_need_area_self_referral_kind_and_words(api, world, directory):
    def found(**params):
        response = api("amara").get("/directory/services", **params)
        assert response.status_code == 200, response.content
        return _names(response.json()["items"])

    assert found(need="mental_health") == ["Wellbeing clinic", "Young people's service"]
    assert found(area="SA1 1AA") == ["Alcohol day programme", "Structured treatment", "Wellbeing clinic",
                                      "Women's recovery group", "Young people's service"]
    assert "Cardiff floating support" in found(area="CF10")
    assert found(self_referral="true") == ["Structured treatment", "Women's recovery group"]
    assert found(service_type="housing") == ["Cardiff floating support"]
    assert found(q="young") == ["Young people's service"]
    assert found(co_occurring="true") == ["Wellbeing clinic"]
    bad = api("amara").get("/directory/services", need="karaoke", area="Swansea")
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"need", "area"}


def test_the_listing_flags_exclusions_that_turn_people_away_for_a_co_occurring_need(api, world, directory):
    item = next(i for i in api("amara").get("/directory/services").json()["items"] if i["name"] == "Wellbeing clinic")
    assert item["co_occurring_exclusions"] == ["current_substance_use"]


def test_staff_see_staff_only_contacts_through_the_api(api, world, directory):
    item = api("ben").get(f"/directory/services/{directory['treatment'].pk}").json()
    assert {c["name"]: c["staff_only"] for c in item["contacts"]} == {"Duty worker": False, "Professionals' line": True}


def test_areas_and_postcodes():
    assert postcode_parts("sa1 1aa") == ("SA1", "SA")
    assert postcode_parts("CF101AA") == ("CF10", "CF")
    assert postcode_parts("EC1A 1BB") == ("EC1A", "EC")
    assert postcode_parts("Swansea") is None

    class S:
        areas = ["SA1", "CF"]

    assert covers(S, "SA1 9ZZ") and covers(S, "CF24") and covers(S, "SA") and covers(S, "CF")
    assert not covers(S, "SA2") and not covers(S, "NP")


# --- open now, on the service's own clock ----------------------------------------------------------------------


NINE_TO_FIVE = [Session(d, dt.time(9), dt.time(17)) for d in range(5)]


def test_open_now_reads_the_services_own_time_zone_not_the_servers():
    # Tests run in Pacific/Auckland; the service keeps London hours.
    assert str(timezone.get_current_timezone()) == "Pacific/Auckland"
    london = ZoneInfo("Europe/London")
    monday_10_london = dt.datetime(2026, 3, 2, 10, 0, tzinfo=london)  # 23:00 Monday in Auckland
    assert is_open(NINE_TO_FIVE, monday_10_london, "Europe/London")
    assert not is_open(NINE_TO_FIVE, monday_10_london, "Pacific/Auckland")
    assert not is_open(NINE_TO_FIVE, dt.datetime(2026, 3, 2, 17, 0, tzinfo=london), "Europe/London")
    assert not is_open(NINE_TO_FIVE, dt.datetime(2026, 3, 7, 10, 0, tzinfo=london), "Europe/London")  # Saturday


def test_open_now_across_the_clock_change_and_past_midnight():
    london = ZoneInfo("Europe/London")
    # 29 March 2026: the clocks go forward in London. 09:30 BST is 08:30 UTC.
    sunday = [Session(6, dt.time(9), dt.time(12))]
    assert is_open(sunday, dt.datetime(2026, 3, 29, 8, 30, tzinfo=dt.UTC), "Europe/London")
    assert not is_open(sunday, dt.datetime(2026, 3, 29, 7, 30, tzinfo=dt.UTC), "Europe/London")
    night = [Session(4, dt.time(22), dt.time(6))]  # Friday night crisis line
    assert is_open(night, dt.datetime(2026, 3, 7, 5, 59, tzinfo=london), "Europe/London")  # Saturday morning
    assert not is_open(night, dt.datetime(2026, 3, 7, 6, 0, tzinfo=london), "Europe/London")
    assert is_open([Session(0, dt.time(0), dt.time(0))], dt.datetime(2026, 3, 2, 23, 59, tzinfo=london),
                   "Europe/London")


def test_open_now_filter_uses_a_fixed_clock(world, directory):
    monday_10_london = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    open_now = search_services(clean_filters(open_now=True), now=monday_10_london)
    assert [s.name for s in open_now] == ["Structured treatment"]
    assert search_services(clean_filters(open_now=True), now=monday_10_london + dt.timedelta(hours=8)) == []


def test_opening_hours_text():
    sessions = parse_hours("Monday 09:00 to 17:00\ntue 18.30-20:00\n\nSunday all day")
    assert [s.label() for s in sessions] == ["Monday 09:00 to 17:00", "Tuesday 18:30 to 20:00", "Sunday all day"]
    with pytest.raises(ValueError, match="Line 2"):
        parse_hours("Monday 09:00 to 17:00\nsometimes")
    with pytest.raises(ValueError, match="real times"):
        parse_hours("Monday 25:00 to 26:00")


# --- eligibility on hand-made profiles ---------------------------------------------------------------------------


def test_eligibility_reasons_on_hand_made_profiles(world, directory):
    services = {k: Service.objects.get(pk=directory[k].pk) for k in ("treatment", "women", "wellbeing", "young",
                                                                      "cardiff", "alcohol")}
    person = Profile(age=40, gender="men", district="SA1", area="SA", substances=frozenset({"opiates"}),
                     substance_use=True, says={"age": "is 40", "gender": "is recorded as man",
                                               "district": "lives in SA1", "substances": "uses opiates",
                                               "substance_use": "uses drugs now"})
    verdicts = {k: evaluate(s, person) for k, s in services.items()}
    assert verdicts["treatment"].eligible and verdicts["treatment"].checks == ()
    assert [r.text for r in verdicts["women"].reasons] == [
        "Gender: the service is for women only; the person is recorded as man."]
    assert [r.text for r in verdicts["young"].reasons] == [
        "Age: the service is for people aged 11 to 24; the person is 40."]
    assert [r.text for r in verdicts["cardiff"].reasons] == [
        "Area: the service covers CF; the person lives in SA1."]
    assert [r.text for r in verdicts["alcohol"].reasons] == [
        "Substances: the service works with alcohol; the person uses opiates."]
    (reason,) = verdicts["wellbeing"].reasons
    assert reason.criterion == "exclusion:current_substance_use" and reason.co_occurring
    assert reason.text == ("Exclusion (no current drug or alcohol use): the service does not take people who use "
                           "drugs or alcohol now; the person uses drugs now. This turns people away for a "
                           "co-occurring need (dual diagnosis).")


def test_unknown_facts_never_exclude_they_become_checks(world, directory):
    nobody_knows = Profile()
    for key in ("treatment", "women", "wellbeing", "young", "cardiff", "alcohol"):
        assert evaluate(Service.objects.get(pk=directory[key].pk), nobody_knows).eligible
    checks = evaluate(Service.objects.get(pk=directory["wellbeing"].pk), nobody_knows).checks
    assert checks == ("Check with the person: the service does not take people who use drugs or alcohol now.",)
    assert evaluate(Service.objects.get(pk=directory["young"].pk), nobody_knows).checks == (
        "Check the person's age: the service is for people aged 11 to 24.",)


def test_gender_in_the_persons_own_words_comes_first():
    assert gender_group("male", "Woman") == "women"
    assert gender_group("female", "") == "women"
    assert gender_group("not_stated", "non-binary") == "non_binary"
    assert gender_group("male", "prefer to self-describe") is None  # unknown, so never excluded


# --- eligibility from the record, within consent ---------------------------------------------------------------


def test_eligibility_from_the_record_explains_each_service_not_shown(api, world, directory):
    jo = world["jo"]
    response = api("amara").get(f"/directory/people/{jo.pk}/eligibility")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["facts_used"]["age"] == "is 41"
    assert body["facts_used"]["district"] == "lives in SA1"
    assert body["facts_used"]["substance_use"] == (
        "has a current episode of care at Riverside Recovery (drug and alcohol treatment)")
    not_shown = {item["service"]["name"]: item["reasons"] for item in body["not_shown"]}
    assert set(not_shown) == {"Wellbeing clinic", "Young people's service", "Cardiff floating support"}
    (wellbeing,) = not_shown["Wellbeing clinic"]
    assert wellbeing["co_occurring"] is True
    assert "has a current episode of care at Riverside Recovery" in wellbeing["text"]
    assert not_shown["Young people's service"][0]["text"].endswith("the person is 41.")
    eligible = {item["service"]["name"]: item["checks"] for item in body["eligible"]}
    # Jo's sex is not stated and no gender is recorded: the women's group is a check, not an exclusion.
    assert eligible["Women's recovery group"] == ["Check the person's gender: the service is for women only."]
    assert eligible["Alcohol day programme"] == [
        "Check which substances the person uses: the service works with alcohol."]
    entry = AuditEntry.objects.filter(action="directory.eligibility").latest("seq")
    assert entry.person_id == jo.pk and entry.username == "amara"
    assert set(entry.categories) == {"contact_admin", "substance_use"}


def test_a_worker_without_consent_to_substance_use_does_not_get_that_fact(api, world, directory):
    jo = world["jo"]
    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 1, 5), created_by=world["staff"]["xena"].user)
    body = api("xena").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "substance_use" not in body["facts_used"]
    eligible = {item["service"]["name"]: item["checks"] for item in body["eligible"]}
    assert "Wellbeing clinic" in eligible  # not excluded on a fact Xena may not see...
    assert eligible["Wellbeing clinic"] == [
        "Check with the person: the service does not take people who use drugs or alcohol now."]
    entry = AuditEntry.objects.filter(action="directory.eligibility").latest("seq")
    assert entry.categories == ["contact_admin"]
    # ...until Jo agrees to share substance use with Open Door.
    record_consent(actor=world["staff"]["amara"].user, person_id=jo.pk, kind="share",
                   recipient_agency=str(world["agencies"]["peer"].pk), purposes=["direct_care"],
                   categories=["substance_use"], how_given="verbal")
    body = api("xena").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "Wellbeing clinic" in _names(body["not_shown"])


def test_what_the_worker_was_told_counts_but_is_not_stored(api, world, directory):
    jo = world["jo"]
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility", substances="alcohol",
                            substance_use="true", need="substance_use").json()
    names = _names(body["eligible"])
    assert "Alcohol day programme" in names
    assert body["facts_used"]["substances"] == "uses alcohol (as you recorded here)"
    assert all(item["service"]["life_domains"].count("substance_use") for item in body["eligible"] + body["not_shown"])


def test_unseen_people_are_not_found_before_any_filter_error(api, world, directory):
    jo = world["jo"]
    for persona in ("grace", "yusuf", "sam", "alan"):
        response = api(persona).get(f"/directory/people/{jo.pk}/eligibility", need="karaoke")
        assert response.status_code == 404, persona
    assert api("amara").get(f"/directory/people/{jo.pk}/eligibility", need="karaoke").status_code == 422
    assert AuditEntry.objects.filter(action="directory.eligibility", outcome="denied", username="grace").exists()


# --- waiting times from real referrals ---------------------------------------------------------------------------


def _started_referrals(world, days: list[int], *, service="Structured treatment", ago=10, listed=None):
    now = timezone.now()
    for n, waited in enumerate(days):
        started = now - dt.timedelta(days=ago, hours=n)
        Referral.objects.create(person=world["jo"], from_agency=world["agencies"]["peer"],
                                from_user=world["staff"]["xena"].user, to_agency=world["agencies"]["riverside"],
                                service=service, reason="Needs treatment", status="intervention_started",
                                received_at=started - dt.timedelta(days=waited), intervention_started_at=started,
                                directory_service=listed)


def test_waiting_time_from_referrals_with_how_many_it_rests_on(api, world, directory):
    _started_referrals(world, [3, 10, 21, 8, 30])
    _started_referrals(world, [100], service="structured  TREATMENT ")  # same service, however written
    _started_referrals(world, [1, 1, 1], service="Alcohol day programme")  # too few: the published figure
    _started_referrals(world, [90], ago=120)  # started before the window
    wait = api("amara").get(f"/directory/services/{directory['treatment'].pk}").json()["waiting_time"]
    assert wait["source"] == "referrals" and wait["based_on"] == 6 and wait["days"] == 16  # median of 3..100
    assert "based on 6 referrals in the last 90 days" in wait["description"]
    alcohol = api("amara").get(f"/directory/services/{directory['alcohol'].pk}").json()["waiting_time"]
    assert alcohol["source"] == "unknown" and alcohol["days"] is None


def test_referrals_started_from_the_entry_keep_counting_after_the_service_is_renamed(world, directory):
    """Referrals made from a directory entry are that entry's, whatever either is called; the rest are matched
    by name. A referral from another entry of the same agency, under the same name, is not this entry's."""
    treatment = directory["treatment"]
    _started_referrals(world, [4, 6, 8, 10, 12], listed=treatment)
    _started_referrals(world, [20, 22], service="Structured treatment")  # typed by hand: matched by name
    _started_referrals(world, [200], listed=directory["alcohol"])  # the other entry's, though named alike
    actions.update_service(actor=None, service_id=treatment.pk, name="Opiate substitution and key work",
                           service_type=treatment.service_type, life_domains=treatment.life_domains,
                           referral_routes=treatment.referral_routes)
    service = Service.objects.select_related("organisation").get(pk=treatment.pk)
    wait = waiting_times([service])[service.pk]
    assert (wait.source, wait.based_on, wait.days) == ("referrals", 5, 8)  # the hand-typed name no longer matches
    Service.objects.filter(pk=treatment.pk).update(name="Structured treatment")
    service.refresh_from_db()
    assert waiting_times([service])[service.pk].based_on == 7  # linked and by name, never the other entry's


def test_a_referral_from_the_directory_is_linked_to_its_entry_and_only_to_one_of_that_agency(api, world):
    open_door = actions.create_organisation(actor=None, name="Open Door", agency=world["agencies"]["peer"].pk)
    group = actions.create_service(actor=None, organisation_id=open_door.pk, name="Peer support group",
                                   service_type="mutual_aid", life_domains=["wellbeing"],
                                   referral_routes=["self_referral", "professional"])
    body = {"to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group",
            "reason": "Wants company in recovery", "directory_service": str(group.pk)}
    made = api("amara").post(f"/people/{world['jo'].pk}/referrals", body)
    assert made.status_code == 201, made.content
    assert Referral.objects.get(pk=made.json()["id"]).directory_service_id == group.pk
    wrong = api("amara").post(f"/people/{world['jo'].pk}/referrals",
                              {**body, "to_agency": str(world["agencies"]["daat"].pk)})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["fields"]["directory_service"] == (
        "Choose a directory entry of the agency you are referring to")


def test_too_few_referrals_fall_back_to_the_published_figure(world, directory):
    _started_referrals(world, [2] * (MIN_REFERRALS - 1))
    service = Service.objects.select_related("organisation").get(pk=directory["treatment"].pk)
    wait = waiting_times([service])[service.pk]
    assert (wait.source, wait.days, wait.based_on) == ("published", 14, 0)
    assert wait.describe() == "14 days (as published by the service)"


# --- facts from the holistic assessment, section by section within consent ----------------------------------------


def _assessed(world, answers):
    from throughcare.assessments.actions import save_draft, start_assessment, submit_assessment

    amara = world["staff"]["amara"].user
    draft = start_assessment(actor=amara, person_id=world["jo"].pk)
    save_draft(actor=amara, assessment_id=draft.pk, expected_revision=1, answers=answers)
    return submit_assessment(actor=amara, assessment_id=draft.pk, expected_revision=2)


def test_the_holistic_assessment_adds_substances_and_prescribing_within_consent(api, world, directory):
    from tests.assessment_helpers import full_answers

    jo = world["jo"]
    actions.update_service(actor=None, service_id=directory["women"].pk, name="Women's recovery group",
                           service_type="mutual_aid", life_domains=["substance_use"], referral_routes=["self_referral"],
                           exclusions=["substitute_prescription"])
    _assessed(world, full_answers())  # heroin and crack, drinks, on methadone
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert body["facts_used"]["substances"] == ("said in their holistic assessment at Riverside Recovery that they "
                                                "use alcohol, crack cocaine, opiates (heroin, illicit methadone)")
    assert "Alcohol day programme" in _names(body["eligible"])  # drinks: the alcohol service is open to Jo
    women = next(i for i in body["not_shown"] if i["service"]["name"] == "Women's recovery group")
    assert [r["criterion"] for r in women["reasons"]] == ["exclusion:substitute_prescription"]
    assert "is on a substitute prescription (in their holistic assessment at Riverside Recovery)" in (
        women["reasons"][0]["text"])
    entry = AuditEntry.objects.filter(action="directory.eligibility", username="amara").latest("seq")
    assert set(entry.categories) == {"contact_admin", "substance_use", "alcohol"}
    # Open Door, with Jo's consent to substance use but not alcohol: drugs and prescribing, but no substance list.
    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 1, 5), created_by=world["staff"]["xena"].user)
    record_consent(actor=world["staff"]["amara"].user, person_id=jo.pk, kind="share",
                   recipient_agency=str(world["agencies"]["peer"].pk), purposes=["direct_care"],
                   categories=["substance_use"], how_given="verbal")
    body = api("xena").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "substances" not in body["facts_used"] and "alcohol_use" not in body["facts_used"]
    assert body["facts_used"]["substitute_prescription"].startswith("is on a substitute prescription")
    alcohol = next(i for i in body["eligible"] if i["service"]["name"] == "Alcohol day programme")
    assert alcohol["checks"] == ["Check which substances the person uses: the service works with alcohol."]
