"""The reporting tables: built by the refresh job from the live tables, de-identified, refreshed incrementally
(only people with an Event or a stamp above the high-water mark), and written as Parquet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from throughcare.careteam.actions import add_member
from throughcare.episodes.actions import end_episode, start_episode
from throughcare.episodes.models import Episode
from throughcare.outcomes.actions import record_outcome_review
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.reporting import keys
from throughcare.reporting.extract import open_extract, write_extract
from throughcare.reporting.models import TABLES, REpisode, ROutcome, RPerson, Watermark
from throughcare.reporting.refresh import complexity_factors, refresh

TODAY = dt.date(2026, 11, 20)
COMPLETED_DRUG_FREE = "eb5f6301-dfea-55d1-a111-0ec893a04912"  # code 80
DROPPED_OUT = "6d6bb515-aa0a-56b2-b584-0f572959f312"  # code 85
NO_GRACE = dt.timedelta(0)


def barc(total_each: int) -> dict:
    return {"recovery_capital": {f"q{i}": total_each for i in range(1, 11)}}


def all_reporting_text() -> str:
    """Every value in every reporting table, as one string."""
    parts = []
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            parts.extend(str(v) for row in cursor.fetchall() for v in row)
    return " ".join(parts)


def test_refresh_builds_de_identified_tables(world):
    jo, amara = world["jo"], world["staff"]["amara"].user
    add_member(actor=amara, person_id=jo.pk, worker="amara", lead=True)
    episode = Episode.objects.get(person=jo)
    end_episode(actor=amara, episode_id=episode.pk, ended_on=dt.date(2026, 6, 1), discharge_reason=COMPLETED_DRUG_FREE)
    record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage="start",
                          completed_on=dt.date(2026, 1, 6), answers=barc(3))

    result = refresh(today=TODAY)

    assert result.full and result.people == 1
    person = RPerson.objects.get()
    assert person.person_key == keys.person_key(jo.pk) and len(person.person_key) == 32
    assert person.age_band == "40-44"  # born 27 March 1985: 41 on 20 November 2026
    row = REpisode.objects.get()
    assert (row.planned_exit, row.exit_code, row.start_day, row.end_day) == (
        1, "80", keys.day(dt.date(2026, 1, 5)), keys.day(dt.date(2026, 6, 1)))
    assert ROutcome.objects.get().value == 30.0
    text = all_reporting_text()
    for secret in ("Bloggs", "Jo ", "4857773457", "485 777 3457", "SA1", "sa1", "A1234BC", "1985-03-27", str(jo.pk)):
        assert secret not in text, secret


def test_the_key_depends_on_the_reporting_key(world, settings):
    first = keys.person_key(world["jo"].pk)
    settings.REPORTING_KEY = "another key"
    assert keys.person_key(world["jo"].pk) != first


def test_incremental_refresh_rebuilds_only_people_touched(world):
    amara = world["staff"]["amara"].user
    refresh(today=TODAY)
    assert refresh(today=TODAY).people == 1  # the grace window reads the last ten minutes again
    assert refresh(today=TODAY, grace=NO_GRACE).people == 0  # nothing happened since: nobody rebuilt
    mark = Watermark.objects.get(source="journey.event").mark_id
    assert mark > 0

    sam = register_person(actor=amara, details=PersonDetails(given_names="Sam", family_name="Example",
                                                             date_of_birth=dt.date(2001, 2, 3)))
    start_episode(actor=amara, person_id=sam.pk, setting="community", service="Key working",
                  started_on=dt.date(2026, 2, 1))
    result = refresh(today=TODAY, grace=NO_GRACE)
    assert not result.full and result.people == 1
    assert Watermark.objects.get(source="journey.event").mark_id > mark
    assert RPerson.objects.count() == 2 and REpisode.objects.count() == 2
    assert RPerson.objects.get(person_key=keys.person_key(sam.pk)).age_band == "25-29"

    episode = Episode.objects.get(person=sam)
    end_episode(actor=amara, episode_id=episode.pk, ended_on=dt.date(2026, 3, 1), discharge_reason=DROPPED_OUT)
    assert refresh(today=TODAY, grace=NO_GRACE).people == 1
    assert REpisode.objects.get(person_key=keys.person_key(sam.pk)).exit_code == "85"
    assert REpisode.objects.count() == 2  # rebuilt, not duplicated


def test_a_change_without_an_event_is_found_by_its_stamp(world):
    """The 21-day engagement run and other stamped changes write no Event: the stamp marks find them."""
    from django.utils import timezone

    from throughcare.people.models import Person

    refresh(today=TODAY)
    RPerson.objects.all().delete()  # as if the row had gone stale
    Person.objects.filter(pk=world["jo"].pk).update(updated_at=timezone.now() + dt.timedelta(seconds=1))
    assert refresh(today=TODAY, grace=NO_GRACE).people == 1
    assert RPerson.objects.count() == 1


def test_complexity_factors_from_a_holistic_assessment():
    answers = {"drugs": {"drugs_used": ["heroin", "crack"], "routes": ["injecting"]},
               "alcohol": {"drinks": True}, "housing": {"living_situation": "hostel"},
               "mental_health": {"dual_diagnosis": True}, "offending": {"cj_status": "licence"}}
    assert complexity_factors(answers) == {"housing": 1, "dual_diagnosis": 1, "injecting": 1,
                                           "criminal_justice": 1, "alcohol_and_opiates": 1}
    assert complexity_factors({"offending": {"cj_status": "none"}, "alcohol": {"drinks": True}}) == {
        "housing": 0, "dual_diagnosis": 0, "injecting": 0, "criminal_justice": 0, "alcohol_and_opiates": 0}


def test_extract_writes_parquet_that_duckdb_reads(world, tmp_path):
    pytest.importorskip("duckdb")
    refresh(today=TODAY)
    written = write_extract(tmp_path)
    assert written["rpt_person"] == 1 and written["rpt_meta"] == 1
    con = open_extract(tmp_path)
    assert con.execute("SELECT person_key, age_band FROM rpt_person").fetchall() == [
        (keys.person_key(world["jo"].pk), "40-44")]
    assert con.execute("SELECT as_of_day FROM rpt_meta").fetchone()[0] == keys.day(TODAY)
    assert con.execute("SELECT end_day FROM rpt_episode").fetchone()[0] is None  # NULL survives the trip


def test_the_refresh_command(world, tmp_path):
    from typer.testing import CliRunner

    from throughcare.cli import app

    runner = CliRunner()
    outcome = runner.invoke(app, ["reports", "refresh", "--full"])
    assert outcome.exit_code == 0, outcome.output
    assert "Rebuilt 1 people" in outcome.output
    outcome = runner.invoke(app, ["reports", "extract", str(tmp_path)])
    assert outcome.exit_code == 0 and (tmp_path / "rpt_episode.parquet").exists()
