"""FHIR R4 export of an outcome review: a Bundle (collection) of one Observation per score the caller may
see, checked by the fhir.resources R4B models and fhirclient's R4 models (assessments.fhir.validated;
docs/decisions/0010)."""

from __future__ import annotations

import json
import uuid

from django.http import HttpResponse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from throughcare.assessments.fhir import FHIR_BASE, FHIR_JSON, subject, validated

SURVEY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey",
          "display": "Survey"}
UCUM = "http://unitsofmeasure.org"
UCUM_CODES = {"days": "d"}


def observation(person, review, score: dict) -> dict:
    value = score["value"]
    resource = {
        "resourceType": "Observation",
        "id": f"{review.pk}-{score['id']}".replace("_", "-"),
        "status": "amended" if review.replaces_id else "final",
        "category": [{"coding": [SURVEY]}],
        "code": {"coding": [{"system": f"{FHIR_BASE}/CodeSystem/{review.instrument}-scores", "code": score["id"],
                             "display": score["label"]}], "text": score["label"]},
        "subject": subject(person),
        "effectiveDateTime": review.completed_on.isoformat(),
        "issued": review.recorded_at.isoformat(),
        "performer": [{"display": review.agency.name}],
        "note": [{"text": f"{review.get_stage_display()}; {review.instrument} version {review.instrument_version}"}],
    }
    if score["unit"] in UCUM_CODES:
        resource["valueQuantity"] = {"value": value, "unit": score["unit"], "system": UCUM,
                                     "code": UCUM_CODES[score["unit"]]}
    elif isinstance(value, int):
        resource["valueInteger"] = value
    else:
        resource["valueQuantity"] = {"value": value}
    return validated(Observation, resource)


def observations_bundle_json(person, review, view: dict) -> dict:
    entries = [{"fullUrl": f"urn:uuid:{uuid.uuid5(review.pk, s['id'])}", "resource": observation(person, review, s)}
               for s in view["scores"] if s["value"] is not None]
    bundle = {"resourceType": "Bundle", "id": str(review.pk), "type": "collection",
              "timestamp": timezone.now().isoformat(), "entry": entries}
    if not entries:
        del bundle["entry"]
    return validated(Bundle, bundle)


def observations_bundle(person, review, view: dict) -> HttpResponse:
    return HttpResponse(json.dumps(observations_bundle_json(person, review, view)), content_type=FHIR_JSON)
