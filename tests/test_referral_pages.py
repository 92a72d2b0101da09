"""Referral and care team pages, as a worker uses them: forms, buttons, stale versions, who sees what."""

from __future__ import annotations

import re

import pytest

from throughcare.audit.models import AuditEntry
from throughcare.careteam.models import CareTeamMember, Handover
from throughcare.referrals.models import Referral, Status


def _form(client, url) -> dict:
    """The hidden fields of the form on the page (CSRF is not enforced by the test client)."""
    html = client.get(url).content.decode()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def _refer(client, world, **overrides) -> object:
    url = f"/people/{world['jo'].pk}/referrals/new"
    data = {**_form(client, url), "to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group",
            "reason": "Wants to meet others in recovery", "priority": "routine", **overrides}
    return client.post(url, data)


@pytest.fixture
def amara(browser_client):
    return browser_client("amara")


@pytest.fixture
def xena(browser_client):
    return browser_client("xena")


def test_the_referral_form_offers_only_the_categories_the_worker_can_see_and_other_agencies(amara, browser_client,
                                                                                          world):
    html = amara.get(f"/people/{world['jo'].pk}/referrals/new").content.decode()
    assert "Open Door (Voluntary" in html
    assert "Riverside Recovery (" not in html  # not to your own agency
    assert 'value="substance_use"' in html
    # A stranger does not see Jo at all.
    assert browser_client("grace").get(f"/people/{world['jo'].pk}/referrals/new").status_code == 404


def test_sending_a_referral_from_the_page_starts_the_clock_and_shows_it(amara, world):
    response = _refer(amara, world)
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}"
    page = amara.get(response["Location"]).content.decode()
    assert "Referral to Open Door: Peer support group" in page
    assert "0 days so far" in page
    assert "Wants to meet others in recovery" in page
    person_page = amara.get(f"/people/{world['jo'].pk}/").content.decode()
    assert "Peer support group, Open Door" in person_page


def test_a_resent_referral_form_makes_one_referral(amara, world):
    url = f"/people/{world['jo'].pk}/referrals/new"
    hidden = _form(amara, url)
    data = {**hidden, "to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group",
            "reason": "Wants to meet others", "priority": "routine"}
    first = amara.post(url, data)
    second = amara.post(url, data)
    assert Referral.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_bad_referral_input_names_each_field_and_saves_nothing(amara, world):
    response = _refer(amara, world, to_agency="", service="", reason="", priority="fast_track")
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose the agency you are referring to" in page
    assert "Enter the service you are referring to" in page
    assert "Enter the reason for the referral" in page
    assert "Say why the referral is fast-tracked" in page
    assert 'href="#id_fast_track_reason"' in page
    assert Referral.objects.count() == 0


def test_the_receiving_agency_moves_the_referral_on_from_its_page(amara, xena, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    incoming = xena.get("/referrals/?direction=incoming").content.decode()
    assert "Jo Bloggs" in incoming and "Peer support group" in incoming
    page = xena.get(f"/referrals/{referral.pk}").content.decode()
    assert "Acknowledge" in page and "Withdraw" not in page
    assert xena.post(f"/referrals/{referral.pk}/acknowledge/now", {"version": "1"}).status_code == 302
    assert xena.post(f"/referrals/{referral.pk}/accept/now", {"version": "2"}).status_code == 302
    response = xena.post(f"/referrals/{referral.pk}/offer", {"version": "3", "first_appointment_on-day": "1",
                                                             "first_appointment_on-month": "1",
                                                             "first_appointment_on-year": "2020"})
    assert response.status_code == 422
    assert "The appointment must be on or after the day the referral was received" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    # The referring side sees the state and cannot move the receiving side's steps.
    assert "Accepted" in amara.get(f"/referrals/{referral.pk}").content.decode()
    assert amara.post(f"/referrals/{referral.pk}/start/now", {"version": "3"}).status_code == 403


def test_a_stale_button_is_refused_and_says_someone_else_changed_it(amara, xena, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    xena.post(f"/referrals/{referral.pk}/acknowledge/now", {"version": "1"})
    response = xena.post(f"/referrals/{referral.pk}/accept/now", {"version": "1"}, follow=True)
    assert "Someone else updated this referral" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACKNOWLEDGED


def test_declining_needs_a_reason_and_counts_another_need(amara, xena, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    xena.post(f"/referrals/{referral.pk}/acknowledge/now", {"version": "1"})
    empty = xena.post(f"/referrals/{referral.pk}/decline", {"version": "2"})
    assert empty.status_code == 422 and "Say why the referral is declined" in empty.content.decode()
    done = xena.post(f"/referrals/{referral.pk}/decline",
                     {"version": "2", "decline_reason": "another_need_mental_health"})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.decline_reason == "another_need_mental_health"
    assert "Another need: mental health" in amara.get(f"/referrals/{referral.pk}").content.decode()


def test_the_referring_worker_withdraws_a_referral_from_its_page(amara, xena, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    page = amara.get(f"/referrals/{referral.pk}").content.decode()
    assert f'href="/referrals/{referral.pk}/withdraw?version=1"' in page
    assert xena.post(f"/referrals/{referral.pk}/withdraw", {"version": "1"}).status_code == 403  # not theirs to
    form = amara.get(f"/referrals/{referral.pk}/withdraw")
    assert form.status_code == 200 and "Reason (optional)" in form.content.decode()
    done = amara.post(f"/referrals/{referral.pk}/withdraw", {"version": "1", "note": "Jo has moved away"})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and referral.version == 2
    stale = amara.post(f"/referrals/{referral.pk}/withdraw", {"version": "1"})
    assert stale.status_code in (409, 422) and referral.status == "withdrawn"
    assert AuditEntry.objects.filter(action="referral.withdraw", resource_id=str(referral.pk)).count() == 1


def test_people_who_may_not_see_the_referral_get_not_found(amara, browser_client, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    assert browser_client("grace").get(f"/referrals/{referral.pk}").status_code == 404
    assert browser_client("grace").post(f"/referrals/{referral.pk}/accept/now", {"version": "1"}).status_code == 404
    assert browser_client("amara").get("/referrals/not-a-uuid").status_code == 404


def test_a_peer_mentor_sees_the_referral_but_not_its_reason(amara, browser_client, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    page = browser_client("una").get(f"/referrals/{referral.pk}")
    assert page.status_code == 200
    assert "Wants to meet others in recovery" not in page.content.decode()
    assert "Acknowledge" not in page.content.decode()
    # The open referral lets Open Door see Jo, but a peer mentor cannot write to the record.
    assert browser_client("una").get(f"/people/{world['jo'].pk}/referrals/new").status_code == 403


def test_page_reads_of_referrals_are_audited(amara, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    before = AuditEntry.objects.filter(action="referral.read", username="amara").count()
    amara.get(f"/referrals/{referral.pk}")
    entry = AuditEntry.objects.filter(action="referral.read", username="amara").order_by("-seq").first()
    assert AuditEntry.objects.filter(action="referral.read", username="amara").count() == before + 1
    assert entry.person_id == world["jo"].pk and entry.channel == "web" and entry.outcome == "allowed"


# --- care team pages --------------------------------------------------------------------------------


def test_a_worker_adds_a_lead_and_hands_the_role_over_from_the_pages(amara, browser_client, world):
    jo = world["jo"].pk
    response = amara.post(f"/people/{jo}/care-team/add", {"worker": "amara", "lead": "on"})
    assert response.status_code == 302
    team = amara.get(f"/people/{jo}/care-team/").content.decode()
    assert "Lead professional" in team and "Amara Okafor" in team
    missing = amara.post(f"/people/{jo}/care-team/handover", {"to_worker": "nobody"})
    assert missing.status_code == 422 and "No member of staff has that username" in missing.content.decode()
    blank = amara.post(f"/people/{jo}/care-team/handover", {"to_worker": ""})
    assert blank.status_code == 422 and "Enter the username of the member of staff" in blank.content.decode()
    assert amara.post(f"/people/{jo}/care-team/handover", {"to_worker": "ben", "note": "Moving teams"}) \
        .status_code == 302
    handover = Handover.objects.get()
    ben = browser_client("ben")
    offer = ben.get(f"/handovers/{handover.pk}").content.decode()
    assert "Jo Bloggs" in offer and "Moving teams" in offer
    assert browser_client("xena").get(f"/handovers/{handover.pk}").status_code == 404
    assert ben.post(f"/handovers/{handover.pk}", {"decision": "accept"}).status_code == 302
    lead = CareTeamMember.objects.get(person_id=jo, is_lead=True, left_at__isnull=True)
    assert lead.worker.username == "ben"


def test_the_lead_cannot_be_removed_and_others_can(amara, world):
    jo = world["jo"].pk
    amara.post(f"/people/{jo}/care-team/add", {"worker": "amara", "lead": "on"})
    amara.post(f"/people/{jo}/care-team/add", {"worker": "xena"})
    lead = CareTeamMember.objects.get(is_lead=True)
    other = CareTeamMember.objects.get(is_lead=False)
    refused = amara.post(f"/care-team/{lead.pk}/leave", follow=True).content.decode()
    assert "cannot leave until the role is handed over" in refused
    amara.post(f"/care-team/{other.pk}/leave")
    other.refresh_from_db()
    lead.refresh_from_db()
    assert other.left_at is not None and lead.left_at is None


def test_care_team_pages_are_not_found_for_strangers(browser_client, world):
    jo = world["jo"].pk
    assert browser_client("grace").get(f"/people/{jo}/care-team/").status_code == 404
    assert browser_client("grace").post(f"/people/{jo}/care-team/add", {"worker": "grace"}).status_code == 404
    assert CareTeamMember.objects.count() == 0


def test_the_list_shows_open_referrals_unless_all_are_asked_for(amara, xena, world):
    _refer(amara, world)
    referral = Referral.objects.get()
    xena.post(f"/referrals/{referral.pk}/acknowledge/now", {"version": "1"})
    xena.post(f"/referrals/{referral.pk}/decline", {"version": "2", "decline_reason": "no_capacity"})
    assert "No referrals to show" in amara.get("/referrals/?direction=outgoing").content.decode()
    everything = amara.get("/referrals/?direction=outgoing&status=all").content.decode()
    assert "Declined" in everything and "Stopped after 0 days" in everything
