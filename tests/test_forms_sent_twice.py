"""A form that makes something, sent twice, makes it once (core.forms.GovForm.once, core.views.run_form_once).

A worker on a slow prison network presses "Save" again; a browser sends the form again after its answer was
lost; someone goes Back and sends it once more. Each form below is opened as its user opens it, filled in as
the page fills it in (its hidden one-time key included) with valid answers, and sent twice, byte for byte the
same. The first makes the record and leads somewhere; the second makes nothing (every table's row count is
as the first left it) and leads to the same place, saying it was already saved. The same answers in a form
opened afresh (a new key) make a second record: the key, not the answers, says it is the same form. The key
sent back with other answers is refused, naming no field but saying what to do.
"""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.myrecord_helpers import invite_jo
from tests.row_counts import SESSIONS, changed, row_counts
from tests.test_refusals_name_the_field import filled_in
from throughcare.core.forms import FORM_KEY
from throughcare.core.views import ALREADY_SAVED, SENT_BEFORE

#: (who, the page with the form, the answers a person gives, the table that gains a row)
FORMS = {
    "note": ("amara", "/people/{jo}/notes/new", {"text": "Housing benefit sorted", "category": "housing"},
             "journey_event"),
    "episode": ("amara", "/people/{jo}/episodes/new", {
        "setting": "residential_rehab", "service": "Rehab", "started_on-day": "1", "started_on-month": "2",
        "started_on-year": "2026"}, "episodes_episode"),
    "lawful basis": ("amara", "/people/{jo}/lawful-basis/new", {
        "basis": "safeguarding_child", "recipient_agency": "{prison}", "categories": ["family_safeguarding"],
        "reason": "Strategy meeting decided to share"}, "consent_lawfulbasis"),
    "referral": ("amara", "/people/{jo}/referrals/new", {
        "to_agency": "{peer}", "service": "Housing support", "reason": "Needs a tenancy",
        "priority": "routine", "shared_categories": ["housing"]}, "referrals_referral"),
    "emergency access": ("grace", "/emergency-access", {"identifier": "{jo_nhs}", "reason": "Found unconscious in "
                         "reception; we need to know what he takes", "hours": "4"}, "consent_breakglass"),
    "person": ("amara", "/people/new", {"given_names": "Kim", "family_name": "Lee", "date_of_birth-day": "2",
                                        "date_of_birth-month": "5", "date_of_birth-year": "1990"}, "people_person"),
    "agency": ("sam", "/agencies/new", {"name": "Harbour Housing", "kind": "housing"}, "agencies_agency"),
    "consultation": ("nadia", "/consultations/new", {"title": "The recovery hub", "description": "Tell us"},
                     "voice_consultation"),
    "sharing": ("jo", "/my/sharing/new", {"recipient_agency": "{prison}", "categories": ["housing"],
                                          "purposes": ["direct_care"]}, "consent_consent"),
    "correction": ("jo", "/my/correction", {"what": "My date of birth", "correction": "It is 27 March, not 27 May"},
                   "myrecord_correctionrequest"),
}


def _client(world, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    if persona == "jo":
        client.force_login(invite_jo(world).user)
    elif persona == "nadia":
        from throughcare.agencies.actions import create_staff

        create_staff(actor=None, username="nadia", agency=world["agencies"]["riverside"], role="service_manager",
                     password=PASSWORD)
        assert client.login(username="nadia", password=PASSWORD)
    else:
        assert client.login(username=persona, password=PASSWORD)
    return client


def _ids(world) -> dict[str, str]:
    agencies = world["agencies"]
    nhs = world["jo"].identifiers.get(scheme="nhs").value
    return {"jo": str(world["jo"].pk), "jo_nhs": nhs, "prison": str(agencies["prison"].pk), "peer": str(agencies["peer"].pk)}


def _opened(client: Client, address: str, answers: dict, ids: dict) -> tuple[str, dict]:
    """The form on `address` as the page fills it in, with `answers`: (where it posts, what it sends)."""
    page = client.get(address)
    assert page.status_code == 200, (address, page.status_code)
    forms = [f for f in lxml.html.fromstring(page.content.decode()).forms
             if (f.method or "").lower() == "post" and f.xpath(f".//input[@name='{FORM_KEY}']")]
    assert len(forms) == 1, f"{address}: no form with a one-time key"
    data: dict[str, list[str]] = {}
    for name, value in filled_in(forms[0]):
        data.setdefault(name, []).append(value)
    for name, value in answers.items():
        data[name] = [v.format(**ids) for v in value] if isinstance(value, list) else [value.format(**ids)]
    assert data[FORM_KEY][0], "the page gave the form no key"
    return forms[0].get("action") or address, data


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_a_form_sent_twice_makes_one_record(world, kind):
    persona, address, answers, table = FORMS[kind]
    client, ids = _client(world, persona), _ids(world)
    address = address.format(**ids)
    target, data = _opened(client, address, answers, ids)

    before = row_counts(leave_out=SESSIONS)
    first = client.post(target, data)
    assert first.status_code == 302, (kind, first.status_code, first.content.decode()[:2000])
    made = changed(before, row_counts(leave_out=SESSIONS))
    assert made.get(table, (0, 0))[1] == made.get(table, (0, 0))[0] + 1, made

    after_first = row_counts(leave_out=SESSIONS)
    again = client.post(target, data)
    if kind == "person":
        # Registering looks for possible matches first: the second copy shows the record the first made, and
        # "register a new record" from there, with the same key, leads to it too.
        assert again.status_code == 200 and f'/people/{first["Location"].split("/")[2]}/' in again.content.decode()
        again = client.post(target, {**data, "confirm_no_match": "1"})
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert changed(after_first, row_counts(leave_out=SESSIONS)) == {}
    assert str(ALREADY_SAVED) in client.get(again["Location"]).content.decode()

    # Opened afresh, the same answers are a second record (two notes may say the same thing), where the rules
    # allow one: an agency's name is unique, and a person with the same name and date of birth is a possible match
    # to look at first.
    if kind not in {"agency", "person"}:
        _target, fresh = _opened(client, address, answers, ids)
        assert fresh[FORM_KEY] != data[FORM_KEY]
        assert client.post(target, fresh).status_code == 302
        assert row_counts(leave_out=SESSIONS)[table] == after_first[table] + 1


def test_the_key_sent_back_with_other_answers_is_refused(world):
    client, ids = _client(world, "amara"), _ids(world)
    address = f"/people/{ids['jo']}/notes/new"
    target, data = _opened(client, address, {"text": "Housing benefit sorted", "category": "housing"}, ids)
    assert client.post(target, data).status_code == 302
    before = row_counts(leave_out=SESSIONS)
    changed_answers = {**data, "text": ["Housing benefit sorted, and the rent paid"]}
    refused = client.post(target, changed_answers)
    assert refused.status_code == 422
    assert str(SENT_BEFORE) in refused.content.decode()
    assert changed(before, row_counts(leave_out=SESSIONS)) == {}


def test_a_form_without_its_key_still_works(world):
    """A form rendered before the key existed (or a client that leaves it out) is saved as it always was."""
    client, ids = _client(world, "amara"), _ids(world)
    response = client.post(f"/people/{ids['jo']}/notes/new", {"text": "Housing benefit sorted", "category": "housing"})
    assert response.status_code == 302


def test_a_person_reading_in_welsh_is_told_in_welsh(world):
    """The person's own pages are in Welsh when they choose it: so is what a form sent twice says."""
    client, ids = _client(world, "jo"), _ids(world)
    client.get("/my/language/cy")
    target, data = _opened(client, "/my/correction", FORMS["correction"][2], ids)
    assert client.post(target, data).status_code == 302
    again = client.post(target, data)
    page = client.get(again["Location"]).content.decode()
    assert "Cafodd hwn ei gadw pan wnaethoch ei anfon gyntaf. Ni chafodd dim ei gadw ddwywaith." in page


def test_keys_are_forgotten_after_thirty_days(world):
    """`throughcare keys prune` (daily) forgets keys older than 30 days (--days), so the table does not grow for
    ever; a form sent again after that is saved again, as a new one."""
    import datetime as dt

    from django.utils import timezone
    from typer.testing import CliRunner

    from throughcare.cli import app
    from throughcare.core.models import IdempotencyKey

    client, ids = _client(world, "amara"), _ids(world)
    address = f"/people/{ids['jo']}/notes/new"
    target, old = _opened(client, address, {"text": "Housing benefit sorted", "category": "housing"}, ids)
    assert client.post(target, old).status_code == 302
    _target, recent = _opened(client, address, {"text": "Rent paid", "category": "housing"}, ids)
    assert client.post(target, recent).status_code == 302
    IdempotencyKey.objects.filter(key=old[FORM_KEY][0]).update(created_at=timezone.now() - dt.timedelta(days=31))
    result = CliRunner().invoke(app, ["keys", "prune"])
    assert result.exit_code == 0, result.output
    assert "Keys forgotten: 1 (older than 30 days)" in result.output
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [recent[FORM_KEY][0]]
    before = row_counts(leave_out=SESSIONS)["journey_event"]
    assert client.post(target, old).status_code == 302  # forgotten: saved again
    assert row_counts(leave_out=SESSIONS)["journey_event"] == before + 1
    assert CliRunner().invoke(app, ["keys", "prune", "--days", "0"]).exit_code != 0  # at least a day
