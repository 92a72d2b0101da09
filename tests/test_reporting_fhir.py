"""FHIR bulk export: NDJSON per resource type, consented people only, every line valid FHIR (fhir.resources)."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.test_assessments import _submitted
from tests.test_outcomes import top_start
from throughcare.appointments.actions import book_appointment
from throughcare.audit.models import AuditEntry
from throughcare.consent.actions import record_consent
from throughcare.outcomes.actions import record_outcome_review
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.plans.actions import save_plan
from throughcare.referrals.actions import create_referral
from throughcare.reporting.fhir_export import TYPES, export

MODELS = {"Patient": Patient, "EpisodeOfCare": EpisodeOfCare, "CarePlan": CarePlan, "ServiceRequest": ServiceRequest,
          "Appointment": Appointment, "QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation,
          "Consent": Consent}


def test_bulk_export_of_consented_records(api, world, tmp_path):
    amara, jo = world["staff"]["amara"].user, world["jo"]
    record_consent(actor=amara, person_id=jo.pk, kind="national_return", how_given="written",
                   valid_from=dt.date(2026, 1, 5))
    _submitted(api, world)
    record_outcome_review(actor=amara, person_id=jo.pk, instrument="top", stage="start",
                          completed_on=dt.date(2026, 1, 6), answers=top_start())
    book_appointment(actor=amara, person_id=jo.pk, starts_at=timezone.localtime() + dt.timedelta(days=2),
                     location="12 High Street")
    create_referral(actor=amara, person_id=jo.pk, to_agency=str(world["agencies"]["peer"].pk),
                    service="Peer support", reason="Wants to meet others in recovery")
    riverside = str(world["agencies"]["riverside"].pk)
    save_plan(actor=amara, person_id=jo.pk, expected_version=0, body={"goals": [
        {"domain": "substance_use", "in_their_words": "Stop using on my own", "owner_agency": riverside},
        {"domain": "housing", "in_their_words": "Keep my tenancy", "owner_agency": str(world["agencies"]["peer"].pk)}]})
    other = register_person(actor=amara, details=PersonDetails(given_names="Pat", family_name="Nosend",
                                                               date_of_birth=dt.date(1990, 1, 1)))

    counts = export(world["agencies"]["riverside"], tmp_path)

    assert counts["Patient"] == 1 and counts["EpisodeOfCare"] == 1 and counts["QuestionnaireResponse"] == 1
    assert counts["Appointment"] == 1 and counts["ServiceRequest"] == 1 and counts["Consent"] == 1
    assert counts["CarePlan"] == 1 and counts["Observation"] >= 10  # one per TOP score recorded
    for kind in TYPES:
        for line in (tmp_path / f"{kind}.ndjson").read_text().splitlines():
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            MODELS[kind].model_validate(resource)  # raises if it is not valid FHIR
    patient = json.loads((tmp_path / "Patient.ndjson").read_text())
    assert patient["identifier"][0] == {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "4857773457"}
    assert str(other.pk) not in "".join((tmp_path / f"{k}.ndjson").read_text() for k in TYPES)
    plan = json.loads((tmp_path / "CarePlan.ndjson").read_text())
    assert [a["detail"]["description"] for a in plan["activity"]] == ["Stop using on my own"]  # its own goal only
    entry = AuditEntry.objects.get(action="fhir.bulk_export")
    assert entry.subjects == [str(jo.pk)]


def test_nobody_without_consent_is_exported(world, tmp_path):
    counts = export(world["agencies"]["riverside"], tmp_path)
    assert set(counts.values()) == {0} and (tmp_path / "Patient.ndjson").read_text() == ""


def test_the_command(world, tmp_path):
    from typer.testing import CliRunner

    from throughcare.cli import app

    result = CliRunner().invoke(app, ["reports", "fhir-export", str(tmp_path), "--agency", "Riverside Recovery"])
    assert result.exit_code == 0, result.output
    assert "Patient: 0" in result.output and (tmp_path / "Consent.ndjson").exists()
    assert CliRunner().invoke(app, ["reports", "fhir-export", str(tmp_path), "--agency", "Nowhere"]).exit_code == 2
