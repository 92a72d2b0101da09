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
from throughcare.reporting.models import (
    TABLES,
    RComplexity,
    REpisode,
    ROutcome,
    ROutcomePair,
    RPerson,
    RReferral,
    Watermark,
)
from throughcare.reporting.refresh import complexity_factors, refresh, years_of_use

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
    assert person.person_key == keys.person_key(jo.pk) and 2**32 < person.person_key < 2**63  # 63 bits of the HMAC
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
    answers = {"drugs": {"drugs_used": ["heroin", "crack"], "routes": ["injecting"], "years_using": 10},
               "alcohol": {"drinks": True}, "housing": {"living_situation": "hostel"},
               "mental_health": {"dual_diagnosis": True}, "offending": {"cj_status": "licence"}}
    assert complexity_factors(answers) == {"housing": 1, "dual_diagnosis": 1, "injecting": 1,
                                           "criminal_justice": 1, "alcohol_and_opiates": 1, "long_use": 1}
    assert years_of_use(answers) == 10
    assert complexity_factors({"offending": {"cj_status": "none"}, "alcohol": {"drinks": True}}) == {
        "housing": 0, "dual_diagnosis": 0, "injecting": 0, "criminal_justice": 0, "alcohol_and_opiates": 0,
        "long_use": 0}  # version 1 did not ask years of use: not long use
    assert complexity_factors({"drugs": {"years_using": 9}})["long_use"] == 0
    assert years_of_use({"drugs": {}}) is None


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


def _attended(world, person, when: dt.datetime, outcome: str = "attended"):
    """An appointment with amara at Riverside that took place at `when` (booked ahead, then moved back in time as
    if the days had passed), with its outcome recorded."""
    from django.utils import timezone

    from throughcare.appointments.actions import book_appointment, record_outcome
    from throughcare.appointments.models import Appointment

    amara = world["staff"]["amara"].user
    booked = book_appointment(actor=amara, person_id=person.pk, starts_at=timezone.now() + dt.timedelta(days=1),
                              location="12 High Street", worker="amara")
    Appointment.objects.filter(pk=booked.pk).update(starts_at=when)
    record_outcome(actor=amara, appointment_id=booked.pk, outcome=outcome)


def test_refresh_works_out_the_columns_reports_read(api, world):
    """Re-presentation within six months, complexity at entry and the last attended day on each episode; the
    decline reason on each referral; each person's first and latest score: worked out by hand here."""
    from django.utils import timezone

    from tests.assessment_helpers import full_answers
    from tests.test_assessments import _submitted
    from throughcare.referrals.actions import create_referral, transition_referral

    jo, amara, xena = world["jo"], world["staff"]["amara"].user, world["staff"]["xena"].user
    answers = full_answers()
    answers["housing"] = {**answers["housing"], "living_situation": "own_tenancy", "acute_problem": False}
    _submitted(api, world, answers)  # dual diagnosis, injecting, on a DRR, heroin and drink; housed
    first = Episode.objects.get(person=jo)  # started 5 January 2026 at Riverside
    end_episode(actor=amara, episode_id=first.pk, ended_on=dt.date(2026, 6, 1), discharge_reason=COMPLETED_DRUG_FREE)
    local = timezone.get_current_timezone()
    _attended(world, jo, dt.datetime(2026, 11, 10, 10, 0, tzinfo=local))
    _attended(world, jo, dt.datetime(2026, 11, 15, 10, 0, tzinfo=local), outcome="did_not_attend")
    _attended(world, jo, dt.datetime(2026, 11, 25, 10, 0, tzinfo=local))  # after the refresh day: not yet
    referral = create_referral(actor=amara, person_id=jo.pk, to_agency=str(world["agencies"]["peer"].pk),
                               service="Peer support", reason="Wants to meet others in recovery")
    transition_referral(actor=xena, referral_id=referral.pk, to="acknowledged")
    transition_referral(actor=xena, referral_id=referral.pk, to="declined", decline_reason="another_need_alcohol")
    for day, each in ((dt.date(2026, 1, 6), 3), (dt.date(2026, 9, 1), 5), (dt.date(2026, 6, 1), 4)):
        record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage="review", completed_on=day,
                              answers=barc(each))

    refresh(today=TODAY)
    row = REpisode.objects.get()
    assert row.re_presented_182 == 0  # no other episode yet
    assert (row.assessed, row.housing, row.dual_diagnosis, row.injecting, row.criminal_justice,
            row.alcohol_and_opiates, row.long_use) == (1, 0, 1, 1, 1, 1, 1)
    assert RComplexity.objects.get().years_of_use == 12  # twelve years using heroin: long use
    assert row.last_attended_day == keys.day(dt.date(2026, 11, 10))  # not the DNA, not the one after the 20th
    declined = RReferral.objects.get()
    assert (declined.status, declined.decline_reason, declined.decided_day) == (
        "declined", "another_need_alcohol", keys.day(timezone.localdate()))
    pair = ROutcomePair.objects.get()
    assert (pair.instrument, pair.score, pair.better, pair.agency_id) == (
        "barc10", "total", 1, str(world["agencies"]["riverside"].pk))
    assert (pair.first_day, pair.first_value, pair.latest_day, pair.latest_value) == (
        keys.day(dt.date(2026, 1, 6)), 30.0, keys.day(dt.date(2026, 9, 1)), 50.0)

    # Back in treatment 92 days after the planned exit: the incremental refresh rebuilds Jo, and the first
    # episode is now one that re-presented within six months.
    start_episode(actor=amara, person_id=jo.pk, setting="community", service="Key working",
                  started_on=dt.date(2026, 9, 1))
    assert refresh(today=TODAY, grace=NO_GRACE).people == 1
    flags = dict(REpisode.objects.values_list("start_day", "re_presented_182"))
    assert flags == {keys.day(dt.date(2026, 1, 5)): 1, keys.day(dt.date(2026, 9, 1)): 0}
    assert set(REpisode.objects.values_list("last_attended_day", flat=True)) == {keys.day(dt.date(2026, 11, 10))}
    assert set(REpisode.objects.values_list("dual_diagnosis", flat=True)) == {1}  # copied onto both
