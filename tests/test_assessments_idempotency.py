"""Idempotency-Key on the assessment API (start, submit, amend), over HTTP: the same key and request answer
the same assessment (200, Idempotent-Replayed) and nothing is made or submitted twice, with exactly one audit
entry and one journey event; the same key with another request is 422 naming the header; a request that
died mid-transaction left nothing half-saved, and its retry makes exactly one. The mechanism is the
referrals' (throughcare/core/idempotency.py, docs/decisions/0023-one-idempotency-mechanism.md)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from tests.assessment_helpers import full_answers
from tests.conftest import Api
from tests.racing import race
from throughcare.accounts.actions import create_token
from throughcare.assessments import actions
from throughcare.assessments.models import Assessment
from throughcare.audit.models import AuditEntry
from throughcare.core import idempotency
from throughcare.core.models import IdempotencyKey
from throughcare.journey.models import Event

NOWHERE = "00000000-0000-4000-8000-000000000000"


def _send(client, path, body=None, *, key=None, revision=None):
    headers = dict(client.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    if revision is not None:
        headers["If-Match"] = f'"{revision}"'
    return client.client.post(f"/api/v1{path}", json.dumps(body) if body is not None else "",
                              content_type="application/json", headers=headers)


def _save(client, assessment_id, revision):
    headers = {**client.headers, "If-Match": f'"{revision}"'}
    response = client.client.patch(f"/api/v1/assessments/{assessment_id}", json.dumps({"answers": full_answers()}),
                                   content_type="application/json", headers=headers)
    assert response.status_code == 200, response.content
    return response.json()["revision"]


def _allowed(action, resource_id=None) -> int:
    """Audit entries the action wrote about an assessment (not the person look-ups before it)."""
    entries = AuditEntry.objects.filter(action=action, outcome="allowed", resource="assessment")
    return (entries.filter(resource_id=resource_id) if resource_id else entries).count()


def test_the_same_key_and_request_start_one_draft(api, world):
    amara, path, key = api("amara"), f"/people/{world['jo'].pk}/assessments", str(uuid.uuid4())
    first = _send(amara, path, {"instrument": "holistic-assessment"}, key=key)
    assert first.status_code == 201, first.content
    assert first["ETag"] == '"1"' and "Idempotent-Replayed" not in first
    aid = first.json()["id"]
    # The answer was lost; the client sends the same request again, with the kind now spelled out (the default).
    again = _send(amara, path, {"instrument": "holistic-assessment", "kind": "new"}, key=key)
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true" and again["ETag"] == '"1"'
    assert again.json()["id"] == aid and again.json()["status"] == "draft"
    assert Assessment.objects.count() == 1 and Event.objects.filter(kind="assessment").count() == 1
    assert _allowed("assessment.start") == 1
    # The replay showed the draft: a read, audited as one.
    assert AuditEntry.objects.filter(action="assessment.read", outcome="allowed").count() == 1
    stored = IdempotencyKey.objects.get()
    assert stored.state == "done" and stored.resource_id == aid
    # Without the key, the retry would have been refused: the draft already exists.
    without = _send(amara, path, {"instrument": "holistic-assessment"})
    assert without.status_code == 422 and "already has a draft" in without.json()["error"]["fields"]["instrument"]
    # Keys belong to their user: Ben's "same" key is his own (and his agency's draft is Amara's).
    his = _send(api("ben"), path, {"instrument": "holistic-assessment"}, key=key)
    assert his.status_code == 422 and "instrument" in his.json()["error"]["fields"]
    assert Assessment.objects.count() == 1 and _allowed("assessment.start") == 1


def test_a_submit_retried_with_its_key_answers_the_submitted_assessment_and_submits_once(api, world):
    amara = api("amara")
    aid = _send(amara, f"/people/{world['jo'].pk}/assessments", {}, key="start-1").json()["id"]
    revision = _save(amara, aid, 1)
    key = str(uuid.uuid4())
    done = _send(amara, f"/assessments/{aid}/submit", key=key, revision=revision)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted" and "Idempotent-Replayed" not in done
    again = _send(amara, f"/assessments/{aid}/submit", key=key, revision=revision)
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == aid and again.json()["submitted_at"] == done.json()["submitted_at"]
    assert _allowed("assessment.submit", aid) == 1
    assert Event.objects.filter(kind="assessment", title="Holistic assessment submitted").count() == 1
    # Without the key the retry is refused, and still nothing is submitted twice.
    without = _send(amara, f"/assessments/{aid}/submit", revision=revision)
    assert without.status_code == 422 and "submitted" in without.json()["error"]["fields"]["status"]
    assert _allowed("assessment.submit", aid) == 1


def test_an_amendment_retried_with_its_key_is_made_once(api, world):
    amara = api("amara")
    aid = _send(amara, f"/people/{world['jo'].pk}/assessments", {}).json()["id"]
    _send(amara, f"/assessments/{aid}/submit", revision=_save(amara, aid, 1))
    first = _send(amara, f"/assessments/{aid}/amend", key="amend-1")
    assert first.status_code == 201, first.content
    again = _send(amara, f"/assessments/{aid}/amend", key="amend-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["kind"] == "amendment"
    assert Assessment.objects.filter(kind="amendment").count() == 1 and _allowed("assessment.amend") == 1


def test_the_same_key_with_another_request_is_422_naming_the_header(api, world):
    amara, jo = api("amara"), world["jo"]
    first = _send(amara, f"/people/{jo.pk}/assessments", {}, key="k-1")
    assert first.status_code == 201
    aid = first.json()["id"]
    revision = _save(amara, aid, 1)
    other_person = f"/people/{NOWHERE}/assessments"
    for path, body, kwargs in [
        (f"/people/{jo.pk}/assessments", {"kind": "reassessment"}, {}),  # another body
        (other_person, {}, {}),  # another person
        (f"/assessments/{aid}/submit", None, {"revision": revision}),  # another endpoint
    ]:
        response = _send(amara, path, body, key="k-1", **kwargs)
        assert response.status_code == 422, (path, response.content)
        message = response.json()["error"]["fields"]["Idempotency-Key"]
        assert message == "This key was used for a different request: use a new key"
    assert _send(amara, f"/assessments/{aid}/submit", key="s-1", revision=revision).status_code == 200
    stale = _send(amara, f"/assessments/{aid}/submit", key="s-1", revision=revision - 1)  # another If-Match
    assert stale.status_code == 422 and "Idempotency-Key" in stale.json()["error"]["fields"]
    # A key already used for a referral is not an assessment's key.
    referral = amara.client.post(f"/api/v1/people/{jo.pk}/referrals", json.dumps({
        "to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support", "reason": "Mutual aid"}),
        content_type="application/json", headers={**amara.headers, "Idempotency-Key": "r-1"})
    assert referral.status_code == 201, referral.content
    assert _send(amara, f"/assessments/{aid}/amend", key="r-1").status_code == 422
    assert Assessment.objects.count() == 1 and _allowed("assessment.start") == 1
    assert _allowed("assessment.submit") == 1 and _allowed("assessment.amend") == 0
    malformed = _send(amara, f"/assessments/{aid}/amend", key="x" * 300)
    assert malformed.status_code == 422 and "Idempotency-Key" in malformed.json()["error"]["fields"]


def _break_the_audit_of(monkeypatch, failing_action):
    """The request fails inside the action's transaction, after the assessment row was written."""
    real = actions._audit

    def audit(**kwargs):
        if kwargs["action"] == failing_action:
            raise RuntimeError("the worker died here")
        return real(**kwargs)

    monkeypatch.setattr(actions, "_audit", audit)


def test_a_failure_mid_transaction_saves_nothing_and_frees_the_key_for_the_retry(api, world, monkeypatch):
    amara, path = api("amara"), f"/people/{world['jo'].pk}/assessments"
    _break_the_audit_of(monkeypatch, "assessment.start")
    assert _send(amara, path, {}, key="retry-me").status_code == 500
    assert not Assessment.objects.exists() and not Event.objects.filter(kind="assessment").exists()
    assert not IdempotencyKey.objects.exists()  # released: the same request may be sent again
    monkeypatch.undo()
    retried = _send(amara, path, {}, key="retry-me")
    assert retried.status_code == 201, retried.content
    assert Assessment.objects.count() == 1 and _allowed("assessment.start") == 1
    # Submitting: the same, and the draft stays a draft, at its revision, until the retry submits it once.
    aid = retried.json()["id"]
    revision = _save(amara, aid, 1)
    _break_the_audit_of(monkeypatch, "assessment.submit")
    assert _send(amara, f"/assessments/{aid}/submit", key="submit-me", revision=revision).status_code == 500
    draft = Assessment.objects.get(pk=aid)
    assert draft.status == "draft" and draft.revision == revision and draft.submitted_at is None
    assert _allowed("assessment.submit") == 0
    monkeypatch.undo()
    assert _send(amara, f"/assessments/{aid}/submit", key="submit-me", revision=revision).status_code == 200
    assert _allowed("assessment.submit", aid) == 1


def test_a_key_left_in_flight_by_a_killed_worker_is_409_then_reclaimed_and_makes_exactly_one(api, world,
                                                                                              monkeypatch):
    """kill -9 mid-transaction: the database rolls the action back, and nothing releases the key (the claim
    committed on its own). Simulated by an action that fails and a release that never runs."""
    amara, path = api("amara"), f"/people/{world['jo'].pk}/assessments"
    _break_the_audit_of(monkeypatch, "assessment.start")
    monkeypatch.setattr(idempotency, "release", lambda claimed: None)
    assert _send(amara, path, {}, key="killed").status_code == 500
    monkeypatch.undo()
    stuck = IdempotencyKey.objects.get(key="killed")
    assert stuck.state == "in_flight" and not Assessment.objects.exists()
    busy = _send(amara, path, {}, key="killed")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "conflict"
    assert not Assessment.objects.exists()
    IdempotencyKey.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    assert _send(amara, path, {"kind": "reassessment"}, key="killed").status_code == 422  # still its own request
    reclaimed = _send(amara, path, {}, key="killed")
    assert reclaimed.status_code == 201, reclaimed.content
    stuck.refresh_from_db()
    assert stuck.state == "done" and stuck.resource_id == reclaimed.json()["id"]
    assert _send(amara, path, {}, key="killed").json()["id"] == reclaimed.json()["id"]
    assert Assessment.objects.count() == 1 and _allowed("assessment.start") == 1


def test_an_unseen_person_is_404_and_keeps_no_key(api, world):
    response = _send(api("grace"), f"/people/{world['jo'].pk}/assessments", {}, key="g")
    assert response.status_code == 404 and not IdempotencyKey.objects.filter(key="g").exists()


@pytest.mark.skipif("sqlite" in settings.DATABASES["default"]["ENGINE"],
                    reason="PostgreSQL only: SQLite's in-memory test database answers concurrent connections with "
                           "'database table is locked', and SQLite serialises writers anyway")
@pytest.mark.django_db(transaction=True)
def test_threads_racing_the_same_submit_key_submit_exactly_once(audit_trail_flushable, world):
    token = create_token(actor=None, username="amara")
    owner = Api(token)
    aid = _send(owner, f"/people/{world['jo'].pk}/assessments", {}).json()["id"]
    revision = _save(owner, aid, 1)
    threads_count = 6
    results = race(threads_count, lambda: _send(Api(token), f"/assessments/{aid}/submit", key="race-1",
                                                revision=revision))
    assert {status for status, _id in results} <= {200, 409}, results
    assert {found for status, found in results if status == 200} == {aid}, results
    assert Assessment.objects.get(pk=aid).status == "submitted"
    assert _allowed("assessment.submit", aid) == 1
    assert Event.objects.filter(kind="assessment", title="Holistic assessment submitted").count() == 1
    assert IdempotencyKey.objects.get(key="race-1").state == "done"
