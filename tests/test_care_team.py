"""The care team, the lead professional and handover of the lead role, through the API."""

from __future__ import annotations

from throughcare.audit.models import AuditEntry
from throughcare.careteam.models import CareTeamMember


def test_care_team_membership_opens_the_record_to_the_members_agency(api, world):
    jo = world["jo"]
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404
    added = api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "grace"})
    assert added.status_code == 201, added.content
    assert added.json()["agency"] == "HMP Northgate" and added.json()["is_lead"] is False
    # HMP Northgate now works with Jo: it knows who Jo is, but sees other agencies' notes only with consent.
    assert api("grace").get(f"/people/{jo.pk}").status_code == 200
    api("amara").post(f"/people/{jo.pk}/notes", {"text": "Script details", "category": "substance_use"})
    titles = {i["title"] for i in api("grace").get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Script details" not in titles
    assert api("grace").get("/people", q="bloggs").json()["total"] == 1
    # Leaving the team closes it again, on the next request.
    left = api("amara").post(f"/care-team/{added.json()['id']}/leave")
    assert left.status_code == 200
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404
    assert api("grace").get("/people", q="bloggs").json()["total"] == 0


def test_one_lead_professional_and_a_handover_that_must_be_acknowledged(api, world):
    jo = world["jo"]
    amara = api("amara")
    assert amara.post(f"/people/{jo.pk}/care-team", {"worker": "amara", "lead": True}).status_code == 201
    second = amara.post(f"/people/{jo.pk}/care-team", {"worker": "ben", "lead": True})
    assert second.status_code == 422 and "hand the role over" in second.json()["error"]["fields"]["lead"]
    lead = CareTeamMember.objects.get(person=jo, is_lead=True)
    assert amara.post(f"/care-team/{lead.pk}/leave").status_code == 422
    offer = amara.post(f"/people/{jo.pk}/handovers", {"to_worker": "xena", "note": "Moving to Open Door"})
    assert offer.status_code == 201, offer.content
    # Until xena acknowledges, amara is still the lead.
    assert CareTeamMember.objects.get(person=jo, is_lead=True, left_at__isnull=True).worker.username == "amara"
    again = amara.post(f"/people/{jo.pk}/handovers", {"to_worker": "ben"})
    assert again.status_code == 422
    waiting = api("xena").get("/handovers").json()
    assert [h["id"] for h in waiting] == [offer.json()["id"]]
    assert api("ben").post(f"/handovers/{offer.json()['id']}/acknowledge").status_code == 404
    taken = api("xena").post(f"/handovers/{offer.json()['id']}/acknowledge")
    assert taken.status_code == 200 and taken.json()["is_lead"] is True
    leads = CareTeamMember.objects.filter(person=jo, is_lead=True, left_at__isnull=True)
    assert [m.worker.username for m in leads] == ["xena"]
    assert api("xena").get(f"/people/{jo.pk}").status_code == 200
    team = {m["worker"]: m["is_lead"] for m in amara.get(f"/people/{jo.pk}/care-team").json()}
    assert team == {"xena": True, "amara": False}
    assert AuditEntry.objects.filter(action="handover.acknowledge", username="xena").exists()
    timeline = {i["title"] for i in amara.get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert any("now the lead professional" in t for t in timeline)


def test_handover_can_be_declined_and_only_the_leads_agency_offers_it(api, world):
    jo = world["jo"]
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "amara", "lead": True})
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "xena"})
    refused = api("xena").post(f"/people/{jo.pk}/handovers", {"to_worker": "xena"})
    assert refused.status_code == 403
    offer = api("amara").post(f"/people/{jo.pk}/handovers", {"to_worker": "xena"}).json()
    declined = api("xena").post(f"/handovers/{offer['id']}/decline", {"reason": "Caseload full"})
    assert declined.status_code == 200 and declined.json()["declined_at"]
    assert CareTeamMember.objects.get(person=jo, is_lead=True).worker.username == "amara"


def test_bad_care_team_requests(api, world):
    jo = world["jo"]
    amara = api("amara")
    assert amara.post(f"/people/{jo.pk}/care-team", {"worker": "nobody"}).json()["error"]["fields"]["worker"]
    commissioner = amara.post(f"/people/{jo.pk}/care-team", {"worker": "yusuf"})
    assert commissioner.status_code == 422 and "cannot join" in commissioner.json()["error"]["fields"]["worker"]
    amara.post(f"/people/{jo.pk}/care-team", {"worker": "ben"})
    assert amara.post(f"/people/{jo.pk}/care-team", {"worker": "ben"}).status_code == 422
    assert api("grace").post(f"/people/{jo.pk}/care-team", {"worker": "grace"}).status_code == 404
    assert api("una").post(f"/people/{jo.pk}/care-team", {"worker": "una"}).status_code == 404


def test_person_page_shows_the_care_team(api, world, browser_client):
    jo = world["jo"]
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "amara", "lead": True})
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "grace"})
    page = browser_client("amara").get(f"/people/{jo.pk}/").content.decode()
    assert "Amara Okafor, Riverside Recovery" in page and "Lead professional" in page
    assert "grace, HMP Northgate" in page


def test_handovers_list_withholds_the_person_and_note_unless_the_policy_allows(api, world, browser_client):
    """An offer can reach a worker whose agency does not work with the person: the API, like the offer page,
    then names no one and withholds the note, and one audit entry records what was shown."""
    jo = world["jo"]
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "amara", "lead": True})
    offer = api("amara").post(f"/people/{jo.pk}/handovers", {"to_worker": "xena", "note": "Relapsed after eviction"})
    assert offer.status_code == 201 and offer.json()["person"] == str(jo.pk)  # the proposer works with Jo
    listed = api("xena").get("/handovers")
    assert listed.status_code == 200
    assert listed.json() == [{**listed.json()[0], "person": None, "note": None, "from_worker": "amara",
                              "to_worker": "xena"}]
    assert str(jo.pk) not in listed.content.decode() and "eviction" not in listed.content.decode()
    entry = AuditEntry.objects.filter(action="handover.list", username="xena").get()
    assert entry.subjects == [] and entry.person_id is None and "1 withheld" in entry.reason
    page = browser_client("xena").get(f"/handovers/{offer.json()['id']}").content.decode()
    assert "eviction" not in page and "Jo Bloggs" not in page and "does not work with this person yet" in page
    # Once Open Door works with Jo (xena joins the care team), the same request shows the person and the note.
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "xena"})
    shown = api("xena").get("/handovers").json()
    assert shown[0]["person"] == str(jo.pk) and shown[0]["note"] == "Relapsed after eviction"
    latest = AuditEntry.objects.filter(action="handover.list", username="xena").order_by("-seq").first()
    assert latest.subjects == [str(jo.pk)] and latest.outcome == "allowed"
    assert "Relapsed after eviction" in browser_client("xena").get(f"/handovers/{offer.json()['id']}").content.decode()
    # Nobody else sees the offer; a worker with nothing offered gets an empty list and no audit entry.
    assert api("ben").get("/handovers").json() == []
    assert api("grace").get("/handovers").json() == []
    assert not AuditEntry.objects.filter(action="handover.list", username__in=["ben", "grace"]).exists()


def test_declining_an_offer_for_a_person_you_may_not_see_names_no_one(api, world):
    jo = world["jo"]
    api("amara").post(f"/people/{jo.pk}/care-team", {"worker": "amara", "lead": True})
    offer = api("amara").post(f"/people/{jo.pk}/handovers", {"to_worker": "xena", "note": "Private"}).json()
    declined = api("xena").post(f"/handovers/{offer['id']}/decline", {"reason": "Not ours"})
    assert declined.status_code == 200
    assert declined.json()["person"] is None and declined.json()["note"] is None and declined.json()["declined_at"]
