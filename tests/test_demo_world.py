"""The demo world (core.demo.build_world): every kind of row, the same world for the same seed, and the app's
reads work on it: the consent-checked, audited timeline, the person page, the national return's consents and
the reporting tables. Runs on whichever database the suite runs on (bulk loading is COPY on PostgreSQL and
executemany on SQLite: core.bulk)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.test import Client
from django.utils import timezone

from throughcare.accounts.actions import create_token
from throughcare.appointments.models import Appointment
from throughcare.audit.models import AuditEntry
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.models import Consent, ConsentKind
from throughcare.consent.policy import national_return_people
from throughcare.core.demo import build_world
from throughcare.custody.models import Custody
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event, EventKind
from throughcare.matching.models import MatchKey, MatchProfile
from throughcare.people.models import Identifier, Person, PersonName
from throughcare.referrals.models import Referral
from throughcare.reporting.models import RPerson

PEOPLE = 50
SEED = 4
LOADED = [Person, PersonName, Identifier, MatchProfile, MatchKey, Episode, Custody, CareTeamMember, Consent, Referral,
          Appointment, Event]


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in LOADED}


def _fingerprint() -> list:
    """What the seed decides: the people, and every journey event but those stamped with the time of the run."""
    people = sorted(Person.objects.values_list("id", "date_of_birth", "display_name", "postcode"))
    events = sorted(Event.objects.exclude(kind__in=[EventKind.RECOVERY_PLAN, EventKind.ASSESSMENT,
                                                    EventKind.OUTCOME_REVIEW, EventKind.RELEASE_PLAN,
                                                    EventKind.CUSTODY, EventKind.CARE_TEAM, EventKind.DETAILS_UPDATED])
                    .exclude(title__startswith="Appointment booked")  # stamped now, as the action does
                    .values_list("person_id", "kind", "category", "title", "occurred_at"), key=str)
    return [people, events]


def _build_and_roll_back(today: dt.date) -> tuple[dict, dict, list]:
    with transaction.atomic():
        summary = build_world(people=PEOPLE, seed=SEED, today=today)
        counts, fingerprint = _counts(), _fingerprint()
        transaction.set_rollback(True)
    return summary.rows, counts, fingerprint


def test_the_demo_world_has_every_kind_of_row_and_the_same_seed_builds_it_again(db):
    today = timezone.localdate()  # the actions behind the small parts check dates against the real today
    rows, counts, fingerprint = _build_and_roll_back(today)
    for model in LOADED:
        assert counts[model.__name__] > 0, model.__name__
    assert counts["Person"] == PEOPLE
    assert rows["journey_event"] >= 20 * PEOPLE  # about 25 journey events a person
    assert sum(rows.values()) >= 35 * PEOPLE
    assert Person.objects.count() == 0  # rolled back
    again_rows, again_counts, again = _build_and_roll_back(today)
    assert (again_rows, again_counts) == (rows, counts)
    assert again == fingerprint


def test_the_demo_world_has_every_kind_of_event_and_consent(db):
    build_world(people=PEOPLE, seed=SEED)
    kinds = set(Event.objects.values_list("kind", flat=True))
    for kind in (EventKind.REGISTRATION, EventKind.EPISODE_STARTED, EventKind.EPISODE_ENDED, EventKind.NOTE,
                 EventKind.APPOINTMENT, EventKind.CONSENT_RECORDED, EventKind.CUSTODY, EventKind.REFERRAL_SENT,
                 EventKind.RECOVERY_PLAN, EventKind.OUTCOME_REVIEW):
        assert kind in kinds, kind
    assert set(Consent.objects.values_list("kind", flat=True)) == set(ConsentKind.values)
    # Every bulk-loaded consent, appointment, custody spell and referral has its journey event.
    # (The service directory's waiting-time history, directory/demo.py, has referrals without events.)
    for rows, subject in ((Consent.objects, "consent"), (Appointment.objects, "appointment"),
                          (Custody.objects, "custody"),
                          (Referral.objects.filter(reason="Wants help alongside treatment"), "referral")):
        with_events = set(Event.objects.filter(subject_type=subject).values_list("subject_id", flat=True))
        assert rows.exists(), subject
        for pk in rows.values_list("pk", flat=True):
            assert str(pk) in with_events, (subject, pk)
    # Custody spells are prison episodes over: released on the episode's last day.
    for custody in Custody.objects.select_related("episode"):
        assert custody.episode.setting == "prison" and custody.released_on == custody.episode.ended_on
    # The national return reads the national-return consents (and only those).
    returned = set(national_return_people(dt.date.today()))
    assert returned == set(Consent.objects.filter(kind=ConsentKind.NATIONAL_RETURN, withdrawn_at__isnull=True)
                           .values_list("person_id", flat=True))
    assert RPerson.objects.count() == PEOPLE


def test_the_apps_reads_work_on_the_demo_world(db):
    build_world(people=PEOPLE, seed=SEED)
    lead = CareTeamMember.objects.filter(worker__username="kw.amara", is_lead=True).first()
    assert lead is not None
    headers = {"Authorization": f"Bearer {create_token(actor=None, username='kw.amara')}"}
    client = Client()
    before = AuditEntry.objects.count()
    response = client.get(f"/api/v1/people/{lead.person_id}/timeline", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] >= 10 and len(body["items"]) == min(body["total"], body["page_size"])
    assert AuditEntry.objects.count() == before + 1  # the read is audited
    assert client.get(f"/api/v1/people/{lead.person_id}", headers=headers).status_code == 200
    # Someone kw.amara has nothing to do with (registered in prison, no consent, no team) looks like nobody.
    stranger = (Person.objects.exclude(registered_by_agency__name="Riverside Recovery Service")
                .exclude(care_team__agency__name="Riverside Recovery Service")
                .exclude(episodes__agency__name="Riverside Recovery Service").first())
    if stranger is not None and not Consent.objects.filter(person=stranger, recipient_kind="community_treatment"):
        assert client.get(f"/api/v1/people/{stranger.pk}/timeline", headers=headers).status_code == 404
    browser = Client()
    browser.force_login(lead.worker)
    assert browser.get(f"/people/{lead.person_id}/").status_code == 200
    assert browser.get("/today/").status_code == 200


def test_the_foreign_key_proof_names_a_row_that_points_nowhere(db):
    """core.bulk.check_foreign_keys, which proves a load made without the row-by-row checks."""
    import uuid

    import pytest
    from django.db import IntegrityError

    from throughcare.core.bulk import Table, check_foreign_keys, load

    build_world(people=3, seed=SEED)
    check_foreign_keys([Event, Consent, Appointment])  # the demo's rows all point somewhere
    person = Person.objects.first()
    events = Table(Event)
    nobody = uuid.uuid4()
    events.add(person_id=person.pk, occurred_at=timezone.now(), recorded_at=timezone.now(), kind=EventKind.NOTE,
               category="contact_admin", title="x", author_id=None, agency_id=None)
    load([events])
    check_foreign_keys([Event])
    # Foreign keys are checked at commit (deferred), which a test never reaches: a row pointing nowhere stays.
    Event.objects.filter(title="x").update(person_id=nobody)
    with pytest.raises(IntegrityError, match=f"journey_event.person_id = {nobody}|journey_event.person_id = {nobody.hex}"):
        check_foreign_keys([Event])
    Event.objects.filter(title="x").delete()  # the test database checks its foreign keys at the end
