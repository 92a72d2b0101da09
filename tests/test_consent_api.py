"""Consent, other lawful bases and break glass through the API."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from throughcare.audit.models import AuditEntry
from throughcare.consent.models import Alert, BreakGlass, Consent, LawfulBasis
from throughcare.episodes.models import Episode


def _grace_works_with_jo(world):
    """HMP Northgate receives Jo: a current custody episode there."""
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["prison"], setting="prison",
                           service="Healthcare", started_on=dt.date(2026, 3, 1), created_by=world["staff"]["grace"].user)


def _note(api, world, category, text):
    response = api("amara").post(f"/people/{world['jo'].pk}/notes", {"text": text, "category": category})
    assert response.status_code == 201


def test_consent_opens_categories_and_withdrawal_bites_on_the_next_request(api, world):
    jo = world["jo"]
    _grace_works_with_jo(world)
    _note(api, world, "substance_use", "Script: buprenorphine 8mg")
    _note(api, world, "mental_health", "Anxiety: GP review")
    grace = api("grace")
    before = {i["title"] for i in grace.get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Script: buprenorphine 8mg" not in before and "Anxiety: GP review" not in before
    response = api("amara").post(f"/people/{jo.pk}/consents", {
        "recipient_agency": str(world["agencies"]["prison"].pk), "purposes": ["direct_care"],
        "categories": ["substance_use"], "how_given": "written"})
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["active"] is True
    assert consent["summary"].startswith("HMP Northgate can see substance use, for direct care")
    after = {i["title"] for i in grace.get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Script: buprenorphine 8mg" in after and "Anxiety: GP review" not in after
    withdrawn = api("amara").post(f"/consents/{consent['id']}/withdraw", {"reason": "Jo asked"})
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
    again = {i["title"] for i in grace.get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Script: buprenorphine 8mg" not in again
    assert Consent.objects.get(pk=consent["id"]).withdrawal_reason == "Jo asked"


def test_consent_to_every_agency_of_a_kind(api, world):
    jo = world["jo"]
    _grace_works_with_jo(world)
    _note(api, world, "housing", "Hostel place confirmed")
    api("amara").post(f"/people/{jo.pk}/consents", {"recipient_kind": "prison", "purposes": ["direct_care"],
                                                     "categories": ["housing"], "how_given": "verbal"})
    titles = {i["title"] for i in api("grace").get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Hostel place confirmed" in titles


def test_consent_for_another_purpose_or_out_of_date_opens_nothing(api, world):
    jo = world["jo"]
    _grace_works_with_jo(world)
    _note(api, world, "housing", "Hostel place confirmed")
    prison = str(world["agencies"]["prison"].pk)
    today = timezone.localdate()
    for body in [
        {"purposes": ["safeguarding"]},
        {"purposes": ["direct_care"], "valid_from": str(today + dt.timedelta(days=3))},
        {"purposes": ["direct_care"], "valid_from": str(today - dt.timedelta(days=30)),
         "valid_until": str(today - dt.timedelta(days=1))},
        {"purposes": ["direct_care"], "kind": "treatment"},
    ]:
        response = api("amara").post(f"/people/{jo.pk}/consents", {
            "recipient_agency": prison, "categories": ["housing"], "how_given": "written", **body})
        assert response.status_code == 201, response.content
    titles = {i["title"] for i in api("grace").get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Hostel place confirmed" not in titles


def test_bad_consents_are_422_naming_the_field(api, world):
    jo = world["jo"]
    for body, field in [
        ({"purposes": ["direct_care"], "categories": ["housing"], "how_given": "written"}, "recipient_agency"),
        ({"recipient_kind": "spaceport", "purposes": ["direct_care"], "categories": ["housing"],
          "how_given": "written"}, "recipient_kind"),
        ({"recipient_kind": "prison", "purposes": [], "categories": ["housing"], "how_given": "written"}, "purposes"),
        ({"recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["gossip"],
          "how_given": "written"}, "categories"),
        ({"recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["housing"],
          "how_given": "telepathy"}, "how_given"),
        ({"recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["housing"]}, "how_given"),
        ({"recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["housing"], "how_given": "verbal",
          "valid_from": "2026-05-01", "valid_until": "2026-04-01"}, "valid_until"),
    ]:
        before = Consent.objects.count()
        response = api("amara").post(f"/people/{jo.pk}/consents", body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["error"]["fields"], (field, response.json())
        assert Consent.objects.count() == before


def test_only_agencies_working_with_the_person_record_or_withdraw_consent(api, world):
    jo = world["jo"]
    body = {"recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["housing"], "how_given": "written"}
    assert api("grace").post(f"/people/{jo.pk}/consents", body).status_code == 404
    assert api("una").post(f"/people/{jo.pk}/consents", body).status_code == 404
    consent = api("amara").post(f"/people/{jo.pk}/consents", body).json()
    assert api("grace").post(f"/consents/{consent['id']}/withdraw", {}).status_code == 404
    assert api("amara").post(f"/consents/{consent['id']}/withdraw", {}).status_code == 200
    assert api("amara").post(f"/consents/{consent['id']}/withdraw", {}).status_code == 422


def test_break_glass_opens_for_hours_alerts_and_is_reviewed(api, world):
    jo = world["jo"]
    grace = api("grace")
    assert grace.get(f"/people/{jo.pk}").status_code == 404
    short = grace.post(f"/people/{jo.pk}/break-glass", {"reason": "x"})
    assert short.status_code == 422 and "reason" in short.json()["error"]["fields"]
    too_long = grace.post(f"/people/{jo.pk}/break-glass", {"reason": "Collapsed in reception, unknown drugs", "hours": 48})
    assert too_long.status_code == 422 and "hours" in too_long.json()["error"]["fields"]
    assert grace.post("/people/00000000-0000-4000-8000-000000000000/break-glass",
                      {"reason": "Collapsed in reception"}).status_code == 404
    opened = grace.post(f"/people/{jo.pk}/break-glass", {"reason": "Collapsed in reception, unknown drugs", "hours": 2})
    assert opened.status_code == 201
    assert grace.get(f"/people/{jo.pk}").status_code == 200
    assert Alert.objects.filter(kind="break_glass", resolved_at__isnull=True).count() == 1
    glass = BreakGlass.objects.get()
    # Peer mentors, commissioners and administrators cannot break glass.
    for persona in ["una", "yusuf", "sam"]:
        assert api(persona).post(f"/people/{jo.pk}/break-glass", {"reason": "Because I want to"}).status_code == 403
    # It expires.
    BreakGlass.objects.filter(pk=glass.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert grace.get(f"/people/{jo.pk}").status_code == 404
    entry = AuditEntry.objects.filter(action="break_glass", outcome="allowed").get()
    assert entry.lawful_basis == "break_glass" and "Collapsed" in entry.reason


def test_safeguarding_basis_needs_a_caldicott_guardian(api, world):
    from throughcare.consent.actions import decide_basis, request_basis

    jo = world["jo"]
    _note(api, world, "family_safeguarding", "Children at risk: strategy meeting")
    staff = world["staff"]
    basis = request_basis(actor=staff["amara"].user, person_id=jo.pk, basis="safeguarding_child",
                          recipient_agency=str(world["agencies"]["prison"].pk), categories=["family_safeguarding"],
                          reason="Strategy meeting agreed to share with the prison")
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404  # not approved yet
    decide_basis(actor=staff["alan"].user, basis_id=basis.pk, approve=True, note="Proportionate")
    timeline = api("grace").get(f"/people/{jo.pk}/timeline").json()
    assert {i["category"] for i in timeline["items"]} <= {"family_safeguarding", "contact_admin"}
    assert "Children at risk: strategy meeting" in {i["title"] for i in timeline["items"]}
    LawfulBasis.objects.filter(pk=basis.pk).update(revoked_at=timezone.now())
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404


def test_audit_api_is_for_guardians_and_auditors_only(api, world):
    jo = world["jo"]
    api("amara").get(f"/people/{jo.pk}")
    denied = api("amara").get("/audit", person=str(jo.pk))
    assert denied.status_code == 403
    allowed = api("alan").get("/audit", person=str(jo.pk))
    assert allowed.status_code == 200
    entries = allowed.json()["items"]
    assert any(e["username"] == "amara" and e["action"] == "person.read" for e in entries)
    assert all(e["person_id"] == str(jo.pk) for e in entries)


def test_a_timeline_filtered_on_a_category_you_may_not_see_is_empty_with_total_0(api, world):
    """Filtering cannot be used to count what is withheld: the filter applies inside the policy's filter."""
    jo = world["jo"]
    _grace_works_with_jo(world)
    for n in range(3):
        _note(api, world, "mental_health", f"Mental health note {n}")
    _note(api, world, "housing", "Housing note")
    api("amara").post(f"/people/{jo.pk}/consents", {
        "recipient_agency": str(world["agencies"]["prison"].pk), "purposes": ["direct_care"],
        "categories": ["housing"], "how_given": "written"})
    grace = api("grace")
    hidden = grace.get(f"/people/{jo.pk}/timeline", category="mental_health")
    assert hidden.status_code == 200
    assert hidden.json()["total"] == 0 and hidden.json()["items"] == []
    both = grace.get(f"/people/{jo.pk}/timeline", category=["mental_health", "housing"]).json()
    assert both["total"] == 1 and [i["title"] for i in both["items"]] == ["Housing note"]
    # The owner of the notes, filtering the same way, sees all three: the filter itself works.
    assert api("amara").get(f"/people/{jo.pk}/timeline", category="mental_health").json()["total"] == 3
    page = Client()
    page.force_login(world["staff"]["grace"].user)
    html = page.get(f"/people/{jo.pk}/", {"category": "mental_health"}).content.decode()
    assert "Mental health note" not in html


def test_a_write_whose_audit_entry_fails_is_rolled_back_whole(api, world, monkeypatch):
    """The write and its audit entry commit together or not at all: nothing is half-saved."""
    from django.db import DatabaseError

    from throughcare.audit import recorder
    from throughcare.journey.models import Event

    jo, amara = world["jo"], api("amara")
    events, consents, entries = Event.objects.count(), Consent.objects.count(), AuditEntry.objects.count()

    def broken(values):
        raise DatabaseError("the audit table refused the row")

    monkeypatch.setattr(recorder, "_insert", broken)
    response = amara.post(f"/people/{jo.pk}/consents", {
        "recipient_agency": str(world["agencies"]["prison"].pk), "purposes": ["direct_care"],
        "categories": ["housing"], "how_given": "written"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error" and "audit" not in response.content.decode()
    note = amara.post(f"/people/{jo.pk}/notes", {"text": "Never saved", "category": "housing"})
    assert note.status_code == 500
    monkeypatch.undo()
    assert Consent.objects.count() == consents and Event.objects.count() == events
    assert AuditEntry.objects.count() == entries
    assert api("amara").get(f"/people/{jo.pk}/consents").json() == []


def test_the_national_return_rule_lives_in_the_policy_and_is_a_separate_consent(api, world):
    """Consent to share never puts anyone in the national return; consent to the return opens no record; the
    reporting code asks the policy (consent.policy.national_return_people) rather than keeping its own rule."""
    from throughcare.consent.policy import national_return_people
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails
    from throughcare.reporting import national_return

    jo, today = world["jo"], timezone.localdate()
    amara = api("amara")
    other = register_person(actor=world["staff"]["amara"].user, details=PersonDetails(
        given_names="Sam", family_name="Other", date_of_birth=dt.date(1991, 5, 5)))
    shared = amara.post(f"/people/{other.pk}/consents", {
        "kind": "share", "recipient_kind": "prison", "purposes": ["direct_care"], "categories": ["substance_use"],
        "how_given": "written"})
    assert shared.status_code == 201
    assert set(national_return_people(today)) == set() == national_return.consenting(today)
    given = amara.post(f"/people/{jo.pk}/consents", {"kind": "national_return", "how_given": "written"})
    assert given.status_code == 201, given.content
    assert list(national_return_people(today)) == [jo.pk] and national_return.consenting(today) == {jo.pk}
    assert list(national_return_people(today - dt.timedelta(days=1))) == []  # not yet valid yesterday
    # Consent to the return opens nothing to anyone.
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404
    amara.post(f"/consents/{given.json()['id']}/withdraw", {"reason": "Jo asked"})
    assert list(national_return_people(today)) == [] and national_return.consenting(today) == set()


def test_an_assessment_or_outcome_review_of_someone_unseen_looks_exactly_missing(api, world):
    """By id, a record about a person the caller may not see answers the very 404 a missing one does: not
    "Person not found", which would tell the caller the record exists (decision 0003)."""
    import json
    import uuid

    from tests.test_outcomes import top_start
    from throughcare.outcomes.actions import record_outcome_review

    jo = world["jo"]
    review = record_outcome_review(actor=world["staff"]["amara"].user, person_id=jo.pk, instrument="top",
                                   stage="start", completed_on=timezone.localdate(), answers=top_start())
    draft = api("amara").post(f"/people/{jo.pk}/assessments", {})
    assert draft.status_code == 201, draft.content
    grace, nowhere = api("grace"), uuid.uuid4()
    for path in ("/outcome-reviews/{}", "/outcome-reviews/{}/fhir", "/assessments/{}"):
        hidden = grace.get(path.format(review.pk if "outcome" in path else draft.json()["id"]))
        missing = grace.get(path.format(nowhere))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content, (path, hidden.content, missing.content)
        assert "Person" not in json.dumps(hidden.json())
    assert api("amara").get(f"/outcome-reviews/{review.pk}").status_code == 200


def test_a_consent_sent_again_with_its_idempotency_key_is_recorded_once(api, world):
    """A client whose answer was lost records the consent again with the same key: one consent, and the answer
    is that consent as it is now (withdrawn since, here: a replay never brings a withdrawn consent back)."""
    import json

    jo, amara = world["jo"], api("amara")
    body = {"recipient_agency": str(world["agencies"]["prison"].pk), "purposes": ["direct_care"],
            "categories": ["substance_use"], "how_given": "written"}

    def send(key):
        return amara.client.post(f"/api/v1/people/{jo.pk}/consents", json.dumps(body), content_type="application/json",
                                 headers={**amara.headers, "Idempotency-Key": key})

    first = send("consent-1")
    assert first.status_code == 201, first.content
    assert amara.post(f"/consents/{first.json()['id']}/withdraw", {"reason": "Changed their mind"}).status_code == 200
    again = send("consent-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["active"] is False
    assert Consent.objects.filter(person=jo).count() == 1
    assert AuditEntry.objects.filter(action="consent.record").count() == 1
    assert send("consent-2").status_code == 201 and Consent.objects.filter(person=jo).count() == 2
