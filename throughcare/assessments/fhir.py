"""FHIR R4 export of an assessment as a QuestionnaireResponse, checked twice before it is sent.

`validated` parses each resource with the fhir.resources models of FHIR R4B (4.3.0: fhir.resources 8 has
no R4 package) and then, strictly, with SMART Health IT's models of FHIR R4 (4.0.1) from `fhirclient`
(unknown elements, wrong types, missing required elements and malformed dates are refused);
docs/decisions/0010-assessments-and-outcomes.md says why both and what differs. Only the sections the
caller may see are exported. Throughcare's own instruments and codes live under FHIR_BASE, a canonical
address that names them (it is not fetched).
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from throughcare.assessments.instruments import Instrument, Question

FHIR_BASE = "https://throughcare.org.uk/fhir"
FHIR_JSON = "application/fhir+json"


def questionnaire_url(instrument: Instrument) -> str:
    return f"{FHIR_BASE}/Questionnaire/{instrument.key}|{instrument.version}"


def option_system(instrument: Instrument, section_id: str, question: Question) -> str:
    return f"{FHIR_BASE}/CodeSystem/{instrument.key}-{section_id}-{question.id}".replace("_", "-")


def answers(instrument: Instrument, section_id: str, question: Question, value) -> list[dict]:
    if question.type in {"number", "scale"}:
        return [{"valueDecimal": value} if question.decimal and not float(value).is_integer()
                else {"valueInteger": int(value)}]
    if question.type == "yes_no":
        return [{"valueBoolean": bool(value)}]
    if question.type == "date":
        return [{"valueDate": value}]
    if question.type in {"choice", "multi_choice"}:
        system = option_system(instrument, section_id, question)
        return [{"valueCoding": {"system": system, "code": v, "display": question.option_label(v)}}
                for v in (value if isinstance(value, list) else [value])]
    return [{"valueString": str(value)}]


def subject(person) -> dict:
    return {"reference": f"Patient/{person.pk}", "display": person.display_name}


def validated(model, resource: dict) -> dict:
    """The resource as the fhir.resources (R4B) model reads it back, also checked as R4: raises if it is not
    valid FHIR in either."""
    checked = json.loads(model.model_validate(resource).model_dump_json())
    r4_checked(checked)
    return checked


def r4_checked(resource: dict) -> dict:
    """Parse `resource` (a Bundle's entries too) with fhirclient's FHIR R4 4.0.1 models in strict mode: raises
    fhirclient's FHIRValidationError naming the path of anything R4 does not allow."""
    FHIRElementFactory.instantiate(resource["resourceType"], resource)
    return resource


def questionnaire_response_json(read) -> dict:
    a, instrument = read.assessment, read.instrument
    status = "in-progress" if not a.submitted else ("amended" if a.kind == "amendment" else "completed")
    items = []
    for section in read.sections:
        given = a.answers.get(section.id, {})
        answered = [{"linkId": f"{section.id}.{q.id}", "text": q.text,
                     "answer": answers(instrument, section.id, q, given[q.id])}
                    for q in section.questions if given.get(q.id) is not None]
        if answered:
            items.append({"linkId": section.id, "text": section.title, "item": answered})
    who = a.submitted_by or a.updated_by
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(a.pk),
        "identifier": {"system": f"{FHIR_BASE}/assessment", "value": str(a.pk)},
        "questionnaire": questionnaire_url(instrument),
        "status": status,
        "subject": subject(read.person),
        "authored": (a.submitted_at or a.updated_at).isoformat(),
        "author": {"display": f"{who.get_full_name() or who.username}, {a.agency.name}"},
    }
    if items:
        resource["item"] = items
    return validated(QuestionnaireResponse, resource)


def questionnaire_response(read) -> HttpResponse:
    return HttpResponse(json.dumps(questionnaire_response_json(read)), content_type=FHIR_JSON)
