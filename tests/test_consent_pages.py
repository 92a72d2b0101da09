"""Consent, emergency access, review and audit pages, as their users touch them."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_staff
from throughcare.consent.actions import request_basis
from throughcare.consent.models import BreakGlass, Consent, LawfulBasis
from throughcare.episodes.models import Episode


def test_record_and_withdraw_consent_pages(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    page = client.get(f"/people/{jo.pk}/consents/")
    assert page.status_code == 200
    assert "Riverside Recovery" in page.content.decode()
    bad = client.post(f"/people/{jo.pk}/consents/new", {"kind": "share", "purposes": ["direct_care"]})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "Choose one agency, or one kind of agency, to share with" in html
    assert "Choose at least one category of information" in html and "Say how the person gave" in html
    assert not Consent.objects.exists()
    good = client.post(f"/people/{jo.pk}/consents/new", {
        "kind": "share", "recipient_agency": str(world["agencies"]["prison"].pk), "purposes": ["direct_care"],
        "categories": ["substance_use", "housing"], "how_given": "written"})
    assert good.status_code == 302
    summary = client.get(f"/people/{jo.pk}/consents/").content.decode()
    assert "HMP Northgate can see substance use, housing, for direct care" in summary
    consent = Consent.objects.get()
    assert client.get(f"/consents/{consent.pk}/withdraw").status_code == 200
    assert client.post(f"/consents/{consent.pk}/withdraw", {"reason": "Changed mind"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert "Withdrawn" in client.get(f"/people/{jo.pk}/consents/").content.decode()


def test_consent_pages_are_404_for_people_you_cannot_see(browser_client, world):
    jo = world["jo"]
    grace = browser_client("grace")
    assert grace.get(f"/people/{jo.pk}/consents/").status_code == 404
    assert grace.get(f"/people/{jo.pk}/consents/new").status_code == 404
    assert grace.get(f"/people/{jo.pk}/access-log").status_code == 404


def test_emergency_access_page_and_caldicott_review(browser_client, world):
    jo = world["jo"]
    grace = browser_client("grace")
    assert grace.get("/emergency-access").status_code == 200
    missing = grace.post("/emergency-access", {"identifier": "9434765919", "reason": "Found unconscious", "hours": "2"})
    assert missing.status_code == 422 and "No record has that identifier" in missing.content.decode()
    short = grace.post("/emergency-access", {"identifier": "485 777 3457", "reason": "x", "hours": "2"})
    assert short.status_code == 422 and "Explain the emergency" in short.content.decode()
    opened = grace.post("/emergency-access", {"identifier": "485 777 3457", "reason": "Found unconscious in cell",
                                              "hours": "2"})
    assert opened.status_code == 302 and opened["Location"] == f"/people/{jo.pk}/"
    assert grace.get(f"/people/{jo.pk}/").status_code == 200
    guardian = browser_client("alan")
    queue = guardian.get("/caldicott/").content.decode()
    assert "Found unconscious in cell" in queue
    glass = BreakGlass.objects.get()
    assert guardian.post(f"/caldicott/emergency-access/{glass.pk}", {"outcome": "appropriate"}).status_code == 302
    glass.refresh_from_db()
    assert glass.review_outcome == "appropriate" and glass.reviewed_by.username == "alan"
    assert "Nothing to review" in guardian.get("/caldicott/").content.decode()
    assert browser_client("amara").get("/caldicott/").status_code == 403


def test_safeguarding_basis_pages(browser_client, world):
    jo = world["jo"]
    amara = browser_client("amara")
    bad = amara.post(f"/people/{jo.pk}/lawful-basis/new", {"basis": "safeguarding_child"})
    assert bad.status_code == 422
    ok = amara.post(f"/people/{jo.pk}/lawful-basis/new", {
        "basis": "safeguarding_child", "recipient_agency": str(world["agencies"]["prison"].pk),
        "categories": ["family_safeguarding"], "reason": "Strategy meeting decided to share"})
    assert ok.status_code == 302
    basis = LawfulBasis.objects.get()
    guardian = browser_client("alan")
    assert guardian.post(f"/caldicott/lawful-basis/{basis.pk}", {"decision": ""}).status_code == 422
    assert guardian.post(f"/caldicott/lawful-basis/{basis.pk}", {"decision": "approve"}).status_code == 302
    basis.refresh_from_db()
    assert basis.approved is True
    assert browser_client("grace").get(f"/people/{jo.pk}/").status_code == 200


def test_who_has_looked_at_this_record(browser_client, world):
    jo = world["jo"]
    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 2, 1), created_by=world["staff"]["xena"].user)
    browser_client("xena").get(f"/people/{jo.pk}/")
    log = browser_client("amara").get(f"/people/{jo.pk}/access-log")
    assert log.status_code == 200
    html = log.content.decode()
    assert "xena, Open Door" in html and "looked at the record" in html


def test_audit_trail_page_for_guardians_only(browser_client, world):
    jo = world["jo"]
    browser_client("amara").get(f"/people/{jo.pk}/")
    page = browser_client("alan").get("/audit/", {"person": str(jo.pk)})
    assert page.status_code == 200 and "person.read" in page.content.decode()
    assert browser_client("amara").get("/audit/").status_code == 403


def test_a_service_manager_decides_their_own_agencys_bases_only(browser_client, world):
    agencies, jo = world["agencies"], world["jo"]
    create_staff(actor=None, username="mona", agency=agencies["riverside"], role="service_manager", password=PASSWORD)
    create_staff(actor=None, username="pete", agency=agencies["prison"], role="service_manager", password=PASSWORD)
    basis = request_basis(actor=world["staff"]["amara"].user, person_id=jo.pk, basis="safeguarding_adult",
                          recipient_agency=str(agencies["prison"].pk), categories=["family_safeguarding"],
                          reason="Adult at risk: strategy meeting agreed to share")
    mona, pete = browser_client("mona"), browser_client("pete")
    # Another agency's manager neither sees it in their queue nor can open it.
    assert "Adult at risk" not in pete.get("/caldicott/").content.decode()
    assert pete.post(f"/caldicott/lawful-basis/{basis.pk}", {"decision": "approve"}).status_code == 404
    queue = mona.get("/caldicott/").content.decode()
    assert "Lawful bases to decide" in queue and "Emergency access to review" not in queue
    assert f"/caldicott/lawful-basis/{basis.pk}" in queue
    assert mona.post(f"/caldicott/lawful-basis/{basis.pk}", {"decision": "approve"}).status_code == 302
    basis.refresh_from_db()
    assert basis.approved is True and basis.decided_by.username == "mona"
    # A manager's own request needs someone else.
    own = request_basis(actor=get_user_model().objects.get(username="mona"), person_id=jo.pk, basis="court_order",
                        recipient_agency=str(agencies["prison"].pk), categories=["offending"],
                        reason="Court order to share")
    assert f"/caldicott/lawful-basis/{own.pk}" not in mona.get("/caldicott/").content.decode()
    assert mona.post(f"/caldicott/lawful-basis/{own.pk}", {"decision": "approve"}).status_code == 404
    # Emergency access reviews stay with the Caldicott guardian.
    assert mona.get("/caldicott/emergency-access/00000000-0000-4000-8000-000000000000").status_code == 403
    # Key workers decide nothing.
    assert browser_client("amara").get("/caldicott/").status_code == 403


def test_caldicott_guardians_see_the_alerts_with_the_review_queue(browser_client, world):
    """Every alert raised (emergency access used, a lawful basis waiting) is listed for guardians with a link
    to deal with it; dealing with it resolves it; no other role sees the list."""
    jo = world["jo"]
    grace, amara, guardian = browser_client("grace"), browser_client("amara"), browser_client("alan")
    assert "No open alerts" in guardian.get("/caldicott/").content.decode()
    grace.post("/emergency-access", {"identifier": "485 777 3457", "reason": "Found unconscious in cell", "hours": "2"})
    amara.post(f"/people/{jo.pk}/lawful-basis/new", {
        "basis": "safeguarding_child", "recipient_agency": str(world["agencies"]["prison"].pk),
        "categories": ["family_safeguarding"], "reason": "Strategy meeting decided to share"})
    glass, basis = BreakGlass.objects.get(), LawfulBasis.objects.get()
    queue = guardian.get("/caldicott/").content.decode()
    alerts = queue.split('id="alerts"')[1].split("Emergency access to review")[0]
    assert "Alerts (2 open)" in queue
    assert "grace (HMP Northgate) used emergency access" in alerts
    assert "Safeguarding a child for HMP Northgate needs a decision" in alerts
    assert f'href="/caldicott/emergency-access/{glass.pk}"' in alerts
    assert f'href="/caldicott/lawful-basis/{basis.pk}"' in alerts
    assert "Jo Bloggs" not in alerts  # alerts name the worker and agency, never the person
    guardian.post(f"/caldicott/emergency-access/{glass.pk}", {"outcome": "appropriate"})
    queue = guardian.get("/caldicott/").content.decode()
    assert "Alerts (1 open)" in queue and "Recently resolved alerts (1)" in queue
    resolved = queue.split("Recently resolved alerts")[1]
    assert "grace (HMP Northgate) used emergency access" in resolved
    # A service manager's queue has no alerts list (emergency access is the guardians' to review).
    create_staff(actor=None, username="mona", agency=world["agencies"]["riverside"], role="service_manager",
                 password=PASSWORD)
    assert 'id="alerts"' not in browser_client("mona").get("/caldicott/").content.decode()


def test_emergency_access_and_a_basis_email_every_caldicott_guardian(api, world, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.filter(username="alan").update(email="alan@example.org")
    create_staff(actor=None, username="gina", agency=world["agencies"]["prison"], role="caldicott_guardian",
                 password=PASSWORD, email="gina@example.org")
    create_staff(actor=None, username="nomail", agency=world["agencies"]["peer"], role="caldicott_guardian",
                 password=PASSWORD)
    User.objects.filter(username="amara").update(email="amara@example.org")  # not a guardian: not told
    jo = world["jo"]
    with django_capture_on_commit_callbacks(execute=True):
        opened = api("grace").post(f"/people/{jo.pk}/break-glass", {"reason": "Found unconscious in cell",
                                                                     "hours": 2})
    assert opened.status_code == 201
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Throughcare: emergency access used"
    assert sorted(message.to) == ["alan@example.org", "gina@example.org"]
    assert "grace at HMP Northgate used emergency access: Found unconscious in cell" in message.body
    # A failed attempt (no reason) tells nobody: the mail goes only once the access is committed.
    with django_capture_on_commit_callbacks(execute=True):
        assert api("grace").post(f"/people/{jo.pk}/break-glass", {"reason": "x", "hours": 2}).status_code == 422
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        request_basis(actor=world["staff"]["amara"].user, person_id=jo.pk, basis="court_order",
                      recipient_agency=str(world["agencies"]["prison"].pk), categories=["offending"],
                      reason="Court order to share the offending history")
    assert len(mailoutbox) == 2 and mailoutbox[1].subject == "Throughcare: Court order needs your decision"
    assert "amara@example.org" not in mailoutbox[1].to


def test_the_basis_pages_say_who_may_approve(browser_client, world):
    jo = world["jo"]
    amara = browser_client("amara")
    form = amara.get(f"/people/{jo.pk}/lawful-basis/new").content.decode()
    assert "a Caldicott guardian or a service manager at your agency must approve it" in form
    assert "You cannot approve a basis you recorded yourself" in form
    done = amara.post(f"/people/{jo.pk}/lawful-basis/new", {
        "basis": "safeguarding_adult", "recipient_agency": str(world["agencies"]["prison"].pk),
        "categories": ["family_safeguarding"], "reason": "Adult at risk: strategy meeting"}, follow=True)
    assert "It takes effect when a Caldicott guardian, or a service manager at your agency, approves it." in \
        done.content.decode()


def test_who_has_looked_at_this_record_says_every_action_in_words(browser_client, world, api):
    """The worker's page says what each entry did in words about the person, never a code: for every action
    the audit trail documents (the person's own page has words for each; the worker's says them of "them")."""
    import re

    from tests.test_myrecord_welsh import _documented_actions
    from throughcare.audit.views import staff_words

    for action in _documented_actions():
        words = staff_words(action)
        assert words and "." not in words and "_" not in words, (action, words)
        assert not re.search(r"\byou(r|rs)?\b", words), (action, words)
    assert staff_words("appointment.outcome") == "recorded whether they came to an appointment"
    assert staff_words("outcome.chart") == "looked at how they are doing over time"
    jo = world["jo"]
    assert api("amara").get(f"/people/{jo.pk}/appointments").status_code == 200
    assert api("amara").get(f"/people/{jo.pk}/care-team").status_code == 200
    html = browser_client("amara").get(f"/people/{jo.pk}/access-log").content.decode()
    assert "looked at their appointments" in html and "looked at their care team" in html
    assert not re.findall(r"\b[a-z_]+\.[a-z_]+\b", re.sub(r"<[^>]+>", " ", html).replace("gov.uk", "")), "a code shown"
