"""The release pack and the handover summary: real PDFs from WeasyPrint, read back to text with pypdf, checked
for every appointment and contact in the plan and for nothing outside consent."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.gate_world import days, received, share
from throughcare.audit.models import AuditEntry
from throughcare.custody.models import Custody
from throughcare.releases.models import ReleasePlan


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=day)).replace(hour=hour, minute=minute, second=0, microsecond=0)


def _patch(api, persona, plan, kind, body):
    item = next(i for i in plan["items"] if i["kind"] == kind)
    client = api(persona)
    response = client.client.patch(f"/api/v1/release-plan-items/{item['id']}", json.dumps(body),
                                   content_type="application/json", headers=client.headers)
    assert response.status_code == 200, (kind, response.content)


@pytest.fixture
def full_plan(api, world):
    custody = received(api, world, release_on=days(20).isoformat())
    screens = f"/custody/{custody['id']}/screens"
    assert api("grace").post(screens, {"kind": "first_night", "held_on": days(-30).isoformat(), "on_script": True,
                                       "script": "Methadone 60ml daily", "withdrawal_risk": "high",
                                       "immediate_needs": "Worried about his dog Biscuit"}).status_code == 201
    assert api("grace").post(screens, {"kind": "full", "held_on": days(-28).isoformat(),
                                       "mental_health": "Low mood since his sister died"}).status_code == 201
    Custody.objects.filter(pk=custody["id"]).update(release_type="conditional_release")
    plan_id = ReleasePlan.objects.get().pk
    plan = api("grace").get(f"/release-plans/{plan_id}").json()
    _patch(api, "grace", plan, "met_at_gate", {"worker": "una", "at": _at(20, 8, 30).isoformat(),
                                               "place": "Gate lodge, HMP Northgate", "phone": "07700 900123"})
    _patch(api, "grace", plan, "first_treatment_appointment", {"owner_agency": str(world["agencies"]["riverside"].pk)})
    booked = api("amara").post(f"/people/{world['jo'].pk}/appointments", {
        "starts_at": _at(21, 10).isoformat(), "mode": "in_person",
        "location": "Riverside Recovery, 12 High Street, Swansea", "purpose": "Script review"}).json()
    _patch(api, "amara", plan, "first_treatment_appointment", {"appointment": booked["id"], "phone": "01792 000111",
                                                               "contact_name": "Amara Okafor"})
    _patch(api, "grace", plan, "probation_appointment", {"at": _at(22, 14).isoformat(), "contact_name": "Pat Officer",
                                                         "place": "Swansea Probation, 9 Castle Street",
                                                         "phone": "01792 555666"})
    _patch(api, "grace", plan, "benefits", {"at": _at(23, 11).isoformat(), "place": "Swansea Jobcentre, 2 Kingsway",
                                            "details": {"claim_reference": "SECRET-CLAIM-778"}})
    _patch(api, "grace", plan, "accommodation", {"place": "3 Dock Road, Swansea", "phone": "01792 444555",
                                                 "details": {"accommodation_type": "hostel"}})
    _patch(api, "grace", plan, "gp_registration", {"place": "Harbour Surgery, 5 Harbour Way", "phone": "01792 222333"})
    _patch(api, "grace", plan, "prescribing", {"details": {"current_script": "Methadone 60ml daily",
                                                           "pharmacy": "Quay Pharmacy, 1 Quay Street",
                                                           "bridging_until": days(21).isoformat()}})
    share(world, ["substance_use"])  # Riverside may see substance use, and nothing else Jo has not agreed
    response = api("grace").post(f"/release-plans/{plan_id}/handover",
                                 {"receiving_agency": str(world["agencies"]["riverside"].pk)})
    assert response.status_code == 201
    return api("grace").get(f"/release-plans/{plan_id}").json()


def _text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _long(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


APPOINTMENTS = [(20, 8, 30, "Gate lodge, HMP Northgate"), (21, 10, 0, "Riverside Recovery, 12 High Street, Swansea"),
                (22, 14, 0, "Swansea Probation, 9 Castle Street"), (23, 11, 0, "Swansea Jobcentre, 2 Kingsway")]
CONTACTS = ["07700 900123", "01792 000111", "Amara Okafor", "Pat Officer", "01792 555666", "01792 222333",
            "Harbour Surgery, 5 Harbour Way", "3 Dock Road, Swansea"]


def test_the_release_pack_has_every_appointment_and_contact_in_plain_english(api, world, full_plan):
    text = _text(api("grace").get(f"/release-plans/{full_plan['id']}/pack.pdf"))
    assert "Your release plan" in text and "For Jo Bloggs" in text
    for day, hour, minute, place in APPOINTMENTS:
        assert _long(_at(day, hour, minute)) in text, place
        assert place in text
    for contact in CONTACTS:
        assert contact in text, contact
    assert "Methadone 60ml daily" in text and "Quay Pharmacy, 1 Quay Street" in text  # the prison's own item
    bridged = days(21)
    assert f"lasts until {bridged:%A} {bridged.day} {bridged:%B %Y}" in text
    assert "call 999" in text and "116 123" in text  # what to do if things go wrong
    entry = AuditEntry.objects.filter(action="release_plan.pack").latest("seq")
    assert entry.username == "grace" and "substance_use" in entry.categories


def test_the_handover_summary_holds_nothing_outside_consent(api, world, full_plan):
    text = _text(api("amara").get(f"/release-plans/{full_plan['id']}/handover.pdf"))
    for day, hour, minute, place in APPOINTMENTS:
        assert _long(_at(day, hour, minute)) in text and place in text
    for contact in CONTACTS:
        assert contact in text, contact
    # Shared with Riverside: substance use, from the prison.
    assert "Methadone 60ml daily" in text and "Worried about his dog Biscuit" in text
    # Not shared: housing (the type of accommodation), benefits, mental health, offending (custody).
    for secret in ("Hostel", "hostel", "SECRET-CLAIM-778", "Low mood since his sister died", "Conditional release",
                   "Sentenced", "Received"):
        assert secret not in text, secret
    entry = AuditEntry.objects.filter(action="release_plan.handover").latest("seq")
    assert entry.username == "amara" and "housing" not in entry.categories and "substance_use" in entry.categories
    # With offending and housing shared too, they appear.
    share(world, ["substance_use", "offending", "housing"])
    fuller = _text(api("amara").get(f"/release-plans/{full_plan['id']}/handover.pdf"))
    assert "Hostel" in fuller and "Conditional release on licence" in fuller
    assert "SECRET-CLAIM-778" not in fuller


def test_only_the_prison_and_the_receiving_service_print(api, world, full_plan):
    # Una (peer mentor, on the care team to meet Jo at the gate) may see the plan but not print it.
    assert api("una").get(f"/release-plans/{full_plan['id']}").status_code == 200
    assert api("una").get(f"/release-plans/{full_plan['id']}/pack.pdf").status_code == 403
    assert api("yusuf").get(f"/release-plans/{full_plan['id']}/pack.pdf").status_code == 404
    assert api("grace").get("/release-plans/00000000-0000-4000-8000-000000000000/pack.pdf").status_code == 404


def test_the_release_pack_holds_nothing_outside_the_printers_consent(api, world, full_plan):
    """Riverside prints the pack after Jo stops sharing substance use with it: the script and the pharmacy
    (the prison's prescribing item, substance use) are not in it; the appointments and contacts still are."""
    from throughcare.consent.actions import withdraw_consent
    from throughcare.consent.models import Consent

    with_consent = _text(api("amara").get(f"/release-plans/{full_plan['id']}/pack.pdf"))
    assert "Methadone 60ml daily" in with_consent and "Quay Pharmacy, 1 Quay Street" in with_consent
    consent = Consent.objects.get(person=world["jo"], recipient_agency=world["agencies"]["riverside"])
    withdraw_consent(actor=world["staff"]["amara"].user, consent_id=consent.pk, reason="Jo asked")
    text = _text(api("amara").get(f"/release-plans/{full_plan['id']}/pack.pdf"))
    for secret in ("Methadone", "Quay Pharmacy", "Your script", "Worried about his dog Biscuit",
                   "Low mood since his sister died", "SECRET-CLAIM-778", "Hostel", "hostel"):
        assert secret not in text, secret
    assert "Ask your worker about any medicine you need before you leave." in text
    for _day, _hour, _minute, place in APPOINTMENTS:
        assert place in text, place
    entry = AuditEntry.objects.filter(action="release_plan.pack", username="amara").latest("seq")
    assert not {"housing", "employment_benefits", "mental_health"} & set(entry.categories)
