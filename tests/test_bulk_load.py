"""core.bulk: COPY's text lines round-trip any text, and the demo world's load (Loader(demo=True): one
transaction in a writer process, secondary indexes dropped and built again, foreign keys proven after) leaves
the schema exactly as migrate made it, whether it succeeds, fails or is aborted (docs/decisions/0022)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from throughcare.core.bulk import Loader, Table, copy_text, load
from throughcare.core.demo import build_world
from throughcare.journey.models import Event, EventKind
from throughcare.people.models import Person

ODD_TEXT = ["tab\there", "new\nline", "back\\slash", "\\N", "carriage\rreturn", "Siân \"quoted\" ☃", "", "None"]


def test_copy_text_round_trips_any_text_and_nulls(db):
    build_world(people=2, seed=1, reporting=False)
    person = Person.objects.first()
    events = Table(Event)
    at = timezone.now()
    for text in ODD_TEXT:
        events.add(person_id=person.pk, occurred_at=at, recorded_at=at, kind=EventKind.NOTE, category="contact_admin",
                   title=text, body=text + "|body", subject_id=text, author_id=None, agency_id=None)
    load([events])
    back = {e.title: e for e in Event.objects.filter(occurred_at=at, kind=EventKind.NOTE, author_id__isnull=True)}
    assert sorted(back) == sorted(ODD_TEXT)
    for text in ODD_TEXT:
        assert (back[text].body, back[text].subject_id, back[text].agency_id) == (text + "|body", text, None)


def test_copy_text_writes_nul_nowhere():
    events = Table(Event)
    with pytest.raises(ValueError, match="NUL"):
        copy_text(events, [(str(uuid.uuid4()), timezone.now(), timezone.now(), "note", "contact_admin", None, None,
                            "a\x00b", "", "", "")])


def test_copy_text_writes_an_ambiguous_wall_time_with_its_own_offset():
    """The moments cache must not give the second 01:30 of a clock going back the first one's offset."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    first = dt.datetime(2026, 10, 25, 1, 30, tzinfo=london)
    second = first.replace(fold=1)
    events = Table(Event)
    rows = [("p", first, first, "note", "x", None, None, "t", "", "", ""),
            ("p", second, second, "note", "x", None, None, "t", "", "", "")]
    lines = copy_text(events, rows).splitlines()
    assert "2026-10-25T01:30:00+01:00" in lines[0] and "2026-10-25T01:30:00+00:00" in lines[1]


postgresql_superuser = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: the demo load's transaction, indexes and writer process are PostgreSQL's (SQLite "
           "loads with executemany, tested above and in test_demo_world.py)")


def _schema(tables: list[str]) -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                       "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
                       "WHERE t.relname = ANY(%s) ORDER BY 1, 2", [tables])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, "
                       "condeferred FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                       [tables])
        return indexes, cursor.fetchall()


LOADED_TABLES = ["people_person", "people_personname", "people_identifier", "matching_matchprofile",
                 "matching_matchkey", "episodes_episode", "custody_custody", "careteam_careteammember",
                 "consent_consent", "referrals_referral", "appointments_appointment", "journey_event"]


@postgresql_superuser
def test_the_demo_load_puts_every_index_and_constraint_back(audit_trail_flushable, transactional_db):
    before = _schema(LOADED_TABLES)
    assert len(before[0]) > 50  # the secondary indexes the load drops and builds again
    summary = build_world(people=30, seed=4, reporting=False)
    assert set(summary.seconds) >= {"people", "analyze", "keys", "indexes"}  # the demo path ran
    assert _schema(LOADED_TABLES) == before
    assert Person.objects.count() == 30 and Event.objects.count() >= summary.events  # (and the small steps')
    with connection.cursor() as cursor:  # ANALYZEd: the planner knows the sizes
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'journey_event'")
        assert cursor.fetchone()[0] > 0


@postgresql_superuser
def test_a_failed_demo_load_rolls_back_rows_and_schema_together(audit_trail_flushable, transactional_db):
    build_world(people=3, seed=4, reporting=False)
    people, events_before = Person.objects.count(), Event.objects.count()
    before = _schema(LOADED_TABLES)
    loader = Loader(demo=True, models_loaded=[Person, Event])
    assert loader.demo  # the test database's login is a superuser
    events = Table(Event)
    person = Person.objects.first()
    nobody = uuid.uuid4()
    at = timezone.now()
    for person_id in (person.pk, nobody):
        events.add(person_id=person_id, occurred_at=at, recorded_at=at, kind=EventKind.NOTE, category="contact_admin",
                   title="x", author_id=None, agency_id=None)
    loader.submit([events])
    with pytest.raises(IntegrityError, match=f"journey_event.person_id = {nobody}"):
        loader.close()
    assert (Person.objects.count(), Event.objects.count()) == (people, events_before)
    assert _schema(LOADED_TABLES) == before


@postgresql_superuser
def test_an_aborted_demo_load_leaves_nothing(audit_trail_flushable, transactional_db):
    build_world(people=3, seed=4, reporting=False)
    events_before = Event.objects.count()
    before = _schema(LOADED_TABLES)
    loader = Loader(demo=True, models_loaded=[Event])
    events = Table(Event)
    at = timezone.now()
    events.add(person_id=Person.objects.first().pk, occurred_at=at, recorded_at=at, kind=EventKind.NOTE,
               category="contact_admin", title="x", author_id=None, agency_id=None)
    loader.submit([events])
    loader.abort()
    assert Event.objects.count() == events_before
    assert _schema(LOADED_TABLES) == before
