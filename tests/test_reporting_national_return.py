"""The national return extract: NDTMS-shaped records (client, episode, intervention, TOP) for consented
people only, validated before anything is written, audited with everyone included."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.test_outcomes import top_start
from throughcare.audit.models import AuditEntry
from throughcare.consent.actions import record_consent, withdraw_consent
from throughcare.core.errors import ValidationFailed
from throughcare.episodes.actions import end_episode, start_episode
from throughcare.episodes.models import Episode
from throughcare.outcomes.actions import record_outcome_review
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.reporting.national_return import COLUMNS, validate, write

TODAY = dt.date(2026, 11, 20)
COMPLETED_DRUG_FREE = "eb5f6301-dfea-55d1-a111-0ec893a04912"  # code 80


def extract(world, start=dt.date(2026, 1, 1), end=dt.date(2026, 10, 31)) -> list[dict]:
    out = io.StringIO()
    write(world["agencies"]["riverside"], start, end, out, today=TODAY)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.fixture
def consented(world):
    amara = world["staff"]["amara"].user
    jo = world["jo"]
    consent = record_consent(actor=amara, person_id=jo.pk, kind="national_return", how_given="written",
                             valid_from=dt.date(2026, 1, 5))
    record_outcome_review(actor=amara, person_id=jo.pk, instrument="top", stage="start",
                          completed_on=dt.date(2026, 1, 6), answers=top_start())
    end_episode(actor=amara, episode_id=Episode.objects.get(person=jo).pk, ended_on=dt.date(2026, 6, 1),
                discharge_reason=COMPLETED_DRUG_FREE)
    # Someone who did not consent, at the same service.
    other = register_person(actor=amara, details=PersonDetails(given_names="Pat", family_name="Nosend",
                                                               date_of_birth=dt.date(1990, 1, 1)))
    start_episode(actor=amara, person_id=other.pk, setting="community", service="Key working",
                  started_on=dt.date(2026, 2, 1))
    return consent


def test_records_for_consented_people_only(world, consented):
    rows = extract(world)
    assert [r["RECORD_TYPE"] for r in rows] == ["CLIENT", "EPISODE", "INTERVENTION", "TOP"]
    client, episode, intervention, top = rows
    assert (client["INITIALS"], client["DOB"], client["SEX"], client["POSTCODE_DISTRICT"]) == (
        "JB", "1985-03-27", "9", "SA1")
    assert len(client["CLIENT_ID"]) == 32 and str(world["jo"].pk) not in client["CLIENT_ID"]
    assert (episode["TRIAGE_DATE"], episode["DISCHARGE_DATE"], episode["DISCHARGE_REASON"], episode["SETTING"]) == (
        "2026-01-05", "2026-06-01", "80", "C")
    assert intervention["EPISODE_ID"] == episode["EPISODE_ID"] == top["EPISODE_ID"]
    assert (top["TOP_STAGE"], top["OPIATES_DAYS"], top["SHARED_NEEDLES"], top["QUALITY_OF_LIFE"]) == ("S", "20", "N", "5")
    assert list(rows[0].keys()) == list(COLUMNS)
    assert "Nosend" not in str(rows) and "NO" not in [r["INITIALS"] for r in rows]
    entry = AuditEntry.objects.get(action="national_return.extract")
    assert entry.subjects == [str(world["jo"].pk)] and "4 records" in entry.reason


def test_withdrawn_consent_leaves_the_person_out(world, consented):
    withdraw_consent(actor=world["staff"]["amara"].user, consent_id=consented.pk, reason="changed their mind")
    assert extract(world) == []


def test_nothing_is_written_when_a_record_breaks_a_rule(world, consented):
    amara = world["staff"]["amara"].user
    young = register_person(actor=amara, details=PersonDetails(given_names="Kit", family_name="Young",
                                                               date_of_birth=dt.date(2010, 5, 5)))
    start_episode(actor=amara, person_id=young.pk, setting="community", service="Young people",
                  started_on=dt.date(2026, 3, 1))
    record_consent(actor=amara, person_id=young.pk, kind="national_return", how_given="written",
                   valid_from=dt.date(2026, 3, 1))
    out = io.StringIO()
    with pytest.raises(ValidationFailed) as failure:
        write(world["agencies"]["riverside"], dt.date(2026, 1, 1), dt.date(2026, 10, 31), out, today=TODAY)
    assert out.getvalue() == ""
    assert "nothing was written" in failure.value.message
    assert any(field.endswith("(client) DOB") and message == "The adult return is for people aged 18 or over"
               for field, message in failure.value.fields.items())
    assert not AuditEntry.objects.filter(action="national_return.extract").exists()


def test_validation_rules():
    assert [p.field for p in validate({"RECORD_TYPE": "EPISODE", "CLIENT_ID": "c", "EPISODE_ID": "e", "SETTING": "C",
                                       "REFERRAL_DATE": "2026-02-01", "TRIAGE_DATE": "2026-01-01",
                                       "DISCHARGE_DATE": "2025-12-01"}, "row", today=TODAY)] == [
        "TRIAGE_DATE", "DISCHARGE_DATE", "DISCHARGE_REASON"]
    top = {"RECORD_TYPE": "TOP", "CLIENT_ID": "c", "EPISODE_ID": "", "TOP_DATE": "2026-01-01", "TOP_STAGE": "S",
           "OPIATES_DAYS": "29"}
    problems = validate(top, "row", today=TODAY)
    assert {(p.field, p.message) for p in problems} == {
        ("EPISODE_ID", "A TOP must fall within an episode at this provider"), ("OPIATES_DAYS", "Days must be from 0 to 28")}


def test_the_command(world, consented, tmp_path):
    from typer.testing import CliRunner

    from throughcare.cli import app

    target = tmp_path / "return.csv"
    result = CliRunner().invoke(app, ["reports", "national-return", str(target), "--agency", "Riverside Recovery",
                                      "--from", "2026-01-01", "--to", "2026-10-31"])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("RECORD_TYPE,CLIENT_ID")
    bad = CliRunner().invoke(app, ["reports", "national-return", str(target), "--agency", "Nowhere",
                                   "--from", "2026-01-01", "--to", "2026-10-31"])
    assert bad.exit_code == 2
