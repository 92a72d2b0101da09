"""FHIR R4 bulk export (NDJSON, one file per resource type) of one provider's records of consented people.

Who: people with an episode at the provider and an active consent to send their records outside the
partnership (consent kind `national_return`, the same rule as the national return: docs/reporting.md).
What: the provider's own information only — Patient (demographics and identifiers), EpisodeOfCare (its
episodes), CarePlan (the recovery plan with the goals it owns), ServiceRequest (referrals it sent or
received), Appointment (those it booked), QuestionnaireResponse (its submitted assessments), Observation
(its outcome-review scores) and Consent. Every resource is checked by the fhir.resources models (R4B, whose
shapes for these resources are R4's) before it is written; the run is audited with everyone included.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from throughcare.assessments.fhir import FHIR_BASE, questionnaire_response_json, subject, validated
from throughcare.audit.recorder import record_access
from throughcare.reporting.national_return import consenting

TYPES = ("Patient", "EpisodeOfCare", "CarePlan", "ServiceRequest", "Appointment", "QuestionnaireResponse",
         "Observation", "Consent")
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
GENDER = {"male": "male", "female": "female", "intersex": "other", "not_stated": "unknown"}
REFERRAL_STATUS = {"sent": "active", "acknowledged": "active", "accepted": "active",
                   "first_appointment_offered": "active", "intervention_started": "completed",
                   "declined": "revoked", "withdrawn": "revoked"}
APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "attended": "fulfilled",
                      "did_not_attend": "noshow"}
GOAL_STATUS = {"not_started": "not-started", "in_progress": "in-progress", "achieved": "completed",
               "stopped": "stopped"}
CONSENT_CATEGORY = {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}]}


def patient(person) -> dict:
    name = person.usual_name
    resource = {"resourceType": "Patient", "id": str(person.pk), "birthDate": person.date_of_birth.isoformat(),
                "gender": GENDER.get(person.sex, "unknown"),
                "identifier": [{"system": NHS_NUMBER if i.scheme == "nhs" else f"{FHIR_BASE}/Id/{i.scheme}",
                                "value": i.value} for i in person.identifiers.all()]}
    if name:
        resource["name"] = [{"use": "usual", "family": name.family_name, "given": name.given_names.split()}]
    if person.postcode:
        resource["address"] = [{"postalCode": person.postcode}]
    return validated(Patient, resource)


def episode_of_care(e) -> dict:
    period = {"start": e.started_on.isoformat(), **({"end": e.ended_on.isoformat()} if e.ended_on else {})}
    return validated(EpisodeOfCare, {
        "resourceType": "EpisodeOfCare", "id": str(e.pk), "status": "finished" if e.ended_on else "active",
        "type": [{"text": f"{e.get_setting_display()}: {e.service}"}], "patient": subject(e.person),
        "managingOrganization": {"display": e.agency.name}, "period": period})


def care_plan(plan, goals, agency) -> dict:
    resource = {"resourceType": "CarePlan", "id": str(plan.pk), "status": "active", "intent": "plan",
                "title": "Recovery plan", "subject": subject(plan.person), "created": plan.created_at.isoformat(),
                "author": {"display": agency.name}}
    if goals:
        resource["activity"] = [{"detail": {"status": GOAL_STATUS.get(g.status, "unknown"),
                                            "description": g.in_their_words,
                                            "code": {"text": g.get_domain_display()}}} for g in goals]
    return validated(CarePlan, resource)


def service_request(r) -> dict:
    return validated(ServiceRequest, {
        "resourceType": "ServiceRequest", "id": str(r.pk), "status": REFERRAL_STATUS.get(r.status, "unknown"),
        "intent": "order", "priority": "urgent" if r.priority == "fast_track" else "routine",
        "subject": subject(r.person), "authoredOn": r.received_at.isoformat(),
        "requester": {"display": r.from_agency.name}, "performer": [{"display": r.to_agency.name}],
        "code": {"text": r.service}})


def appointment(a) -> dict:
    return validated(FhirAppointment, {
        "resourceType": "Appointment", "id": str(a.pk), "status": APPOINTMENT_STATUS.get(a.status, "booked"),
        "start": a.starts_at.isoformat(), "end": a.ends_at.isoformat(), "minutesDuration": a.duration_minutes,
        "participant": [{"actor": subject(a.person), "status": "accepted"},
                        {"actor": {"display": f"{a.worker.get_full_name() or a.worker.username}, {a.agency.name}"},
                         "status": "accepted"}]})


def consent(c) -> dict:
    active = c.is_active()
    period = {"start": c.valid_from.isoformat(), **({"end": c.valid_until.isoformat()} if c.valid_until else {})}
    return validated(FhirConsent, {
        "resourceType": "Consent", "id": str(c.pk), "status": "active" if active else "inactive",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "treatment" if c.kind == "treatment" else "patient-privacy"}]},
        "category": [CONSENT_CATEGORY, {"text": c.get_kind_display()}], "patient": subject(c.person),
        "dateTime": c.recorded_at.isoformat(), "provision": {"type": "permit", "period": period}})


def resources(agency, *, today=None):
    """(resource type, resource) for every record exported, in a stable order; and the people included."""
    from throughcare.appointments.models import Appointment
    from throughcare.assessments import instruments
    from throughcare.assessments.models import Assessment, Status
    from throughcare.consent.models import Consent
    from throughcare.episodes.models import Episode
    from throughcare.outcomes.fhir import observation
    from throughcare.outcomes.models import OutcomeReview
    from throughcare.people.models import Person
    from throughcare.plans.models import Goal, RecoveryPlan
    from throughcare.referrals.models import Referral

    today = today or timezone.localdate()
    people = list(Person.objects.filter(pk__in=consenting(today), episodes__agency=agency).distinct()
                  .prefetch_related("names", "identifiers").order_by("id"))
    ids = [p.pk for p in people]
    out = [("Patient", patient(p)) for p in people]
    out += [("EpisodeOfCare", episode_of_care(e)) for e in
            Episode.objects.filter(person_id__in=ids, agency=agency).select_related("person", "agency").order_by("id")]
    for plan in RecoveryPlan.objects.filter(person_id__in=ids).select_related("person").order_by("id"):
        goals = list(Goal.objects.filter(plan=plan, owner_agency=agency, recorded_by_agency=agency))
        out.append(("CarePlan", care_plan(plan, goals, agency)))
    from django.db.models import Q

    out += [("ServiceRequest", service_request(r)) for r in
            Referral.objects.filter(Q(to_agency=agency) | Q(from_agency=agency), person_id__in=ids)
            .select_related("person", "from_agency", "to_agency").order_by("id")]
    out += [("Appointment", appointment(a)) for a in
            Appointment.objects.filter(person_id__in=ids, agency=agency).select_related("person", "worker", "agency")
            .order_by("id")]
    for a in (Assessment.objects.filter(person_id__in=ids, agency=agency, status=Status.SUBMITTED)
              .select_related("person", "agency", "submitted_by", "updated_by").order_by("id")):
        instrument = instruments.get(a.instrument, a.instrument_version)
        read = SimpleNamespace(assessment=a, instrument=instrument, sections=list(instrument.sections), person=a.person)
        out.append(("QuestionnaireResponse", questionnaire_response_json(read)))
    for review in (OutcomeReview.objects.filter(person_id__in=ids, agency=agency, replaced_by__isnull=True)
                   .select_related("person", "agency").order_by("id")):
        instrument = instruments.get(review.instrument, review.instrument_version)
        for s in instrument.scores:
            value = (review.scores or {}).get(s.id)
            if value is not None:
                out.append(("Observation", observation(review.person, review, {
                    "id": s.id, "label": s.label, "unit": s.unit, "value": value})))
    out += [("Consent", consent(c)) for c in
            Consent.objects.filter(person_id__in=ids).select_related("person").order_by("id")
            if c.recorded_by_agency_id == agency.pk or c.kind == "national_return"]
    return out, people


def export(agency, directory: str | Path, *, actor=None, today=None) -> dict[str, int]:
    """Write <Type>.ndjson files into `directory`. Returns resources written per type."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    found, people = resources(agency, today=today)
    counts = {}
    for kind in TYPES:
        lines = [json.dumps(r, separators=(",", ":"), sort_keys=True) for t, r in found if t == kind]
        (out / f"{kind}.ndjson").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        counts[kind] = len(lines)
    record_access(actor=actor, action="fhir.bulk_export", resource="fhir_export", resource_id=str(agency.pk),
                  subjects=[p.pk for p in people],
                  reason=f"{agency.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
