"""Reading assessments as the caller may see them.

Every read starts with the scoped look-up of the person. A submitted assessment is shown section by
section: a section is seen by whoever may see its category from the agency that recorded the
assessment (`grant.allows(section.category, assessment.agency_id)`). A draft is seen only by its own
agency. What changed since the previous assessment is shown only for sections the caller may see in
both.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from throughcare.agencies.models import staff_of
from throughcare.assessments import instruments
from throughcare.assessments.actions import (
    ASSESSMENT_NOT_FOUND,
    instrument_of,
    latest_by_section,
    visible_sections,
)
from throughcare.assessments.answers import changes, display
from throughcare.assessments.instruments import shown
from throughcare.assessments.models import Assessment, Status
from throughcare.audit.recorder import disclose
from throughcare.consent.policy import Grant
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound
from throughcare.core.ids import parse_uuid
from throughcare.people.access import get_person


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def summary(assessment: Assessment, instrument) -> dict:
    """What anyone who may see the person may know about an assessment: no answers."""
    return {
        "id": assessment.pk, "person": assessment.person_id, "instrument": assessment.instrument,
        "instrument_version": assessment.instrument_version, "title": instrument.title,
        "kind": assessment.kind, "kind_label": assessment.get_kind_display(), "status": assessment.status,
        "number": assessment.number, "previous": assessment.previous_id,
        "agency": {"id": assessment.agency_id, "name": assessment.agency.name},
        "created_at": assessment.created_at, "created_by": _name(assessment.created_by),
        "updated_at": assessment.updated_at, "updated_by": _name(assessment.updated_by),
        "submitted_at": assessment.submitted_at, "submitted_by": _name(assessment.submitted_by),
        "revision": assessment.revision,
    }


def section_view(section, answers: dict) -> dict:
    given = answers.get(section.id, {})
    asked = shown(section, given)
    return {
        "id": section.id, "title": section.title, "category": section.category, "intro": section.intro,
        "answered": sum(1 for q in asked if given.get(q.id) is not None), "asked": len(asked),
        "questions": [{"id": q.id, "label": q.label, "text": q.text, "type": q.type, "value": given.get(q.id),
                       "display": display(q, given.get(q.id)), "required": q.required} for q in asked],
    }


@dataclass
class AssessmentRead:
    person: object
    grant: Grant
    assessment: Assessment
    instrument: instruments.Instrument
    view: dict
    sections: list  # visible Section objects
    categories: set[str]


def _related(queryset):
    return queryset.select_related("agency", "created_by", "updated_by", "submitted_by")


def build_view(assessment: Assessment, instrument, grant: Grant, *, previous: Assessment | None = None) -> tuple[
        dict, list, set[str]]:
    sections = visible_sections(instrument, assessment, grant)
    view = summary(assessment, instrument)
    view["sections"] = [section_view(s, assessment.answers) for s in sections]
    view["hidden_sections"] = len(instrument.sections) - len(sections)
    view["changes"] = []
    if previous is not None and previous.status == Status.SUBMITTED:
        before = instrument_of(previous)
        both = [s for s in sections if before.section(s.id) is not None
                and grant.allows(before.section(s.id).category, previous.agency_id)]
        view["changes"] = [{"section": c.section.id, "section_title": c.section.title, "question": c.question.id,
                            "label": c.question.label, "before": c.before, "after": c.after,
                            "before_display": c.before_text, "after_display": c.after_text}
                           for c in changes(both, previous.answers, assessment.answers)]
        view["compared_with"] = {"id": previous.pk, "submitted_at": previous.submitted_at,
                                 "agency": previous.agency.name}
    categories = {s.category for s in sections if assessment.answers.get(s.id)}
    return view, sections, categories


def read_assessment(user, assessment_id, *, action: str = "assessment.read", write: bool = False,
                    audit: bool = True) -> AssessmentRead:
    pk = parse_uuid(assessment_id)
    assessment = _related(Assessment.objects.filter(pk=pk)).select_related("previous__agency").first() if pk else None
    if assessment is None:
        raise NotFound(ASSESSMENT_NOT_FOUND)
    # An assessment of a person the caller may not see looks exactly like a missing one (decision 0003)
    person, grant = get_person(user, assessment.person_id, action=action, write=write,
                               categories=[IDENTITY_CATEGORY], audit=audit, not_found=ASSESSMENT_NOT_FOUND)
    staff = staff_of(user)
    if assessment.status == Status.DRAFT and (staff is None or assessment.agency_id != staff.agency_id):
        raise NotFound(ASSESSMENT_NOT_FOUND)
    instrument = instrument_of(assessment)
    view, sections, categories = build_view(assessment, instrument, grant, previous=assessment.previous)
    if audit:
        disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return AssessmentRead(person, grant, assessment, instrument, view, sections, categories)


def person_assessments(user, person_id, *, audit: bool = True) -> tuple[object, Grant, list[dict]]:
    """The person's submitted assessments and the caller's agency's drafts, newest first (no answers)."""
    person, grant = get_person(user, person_id, action="assessment.list", categories=[IDENTITY_CATEGORY],
                               audit=audit)
    staff = staff_of(user)
    rows = _related(Assessment.objects.filter(person=person).filter(
        Q(status=Status.SUBMITTED) | Q(status=Status.DRAFT, agency_id=staff.agency_id))).order_by(
        "status", "-submitted_at", "-updated_at")
    items = []
    for a in rows:
        instrument = instrument_of(a)
        item = summary(a, instrument)
        item["visible_sections"] = len(visible_sections(instrument, a, grant))
        item["sections"] = len(instrument.sections)
        items.append(item)
    return person, grant, items


def latest(user, person_id, instrument_key: str = "holistic-assessment") -> AssessmentRead | None:
    """The latest submitted assessment, instead of starting again: the newest one, with, for each section it
    did not answer, that section's latest answers from an earlier one (`from_assessment` says which), all
    only where the caller may see them."""
    person, grant = get_person(user, person_id, action="assessment.read", categories=[IDENTITY_CATEGORY])
    assessment = (_related(Assessment.objects.filter(person=person, instrument=instrument_key,
                                                     status=Status.SUBMITTED))
                  .select_related("previous__agency").order_by("-submitted_at", "-created_at").first())
    if assessment is None:
        return None
    instrument = instrument_of(assessment)
    view, sections, categories = build_view(assessment, instrument, grant, previous=assessment.previous)
    shown = {s["id"] for s in view["sections"] if assessment.answers.get(s["id"])}
    for section_id, source in latest_by_section(person, instrument_key).items():
        if source.pk == assessment.pk or section_id in shown:
            continue
        section = instrument_of(source).section(section_id)
        if section is None or not grant.allows(section.category, source.agency_id):
            continue
        earlier = section_view(section, source.answers)
        earlier["from_assessment"] = {"id": source.pk, "submitted_at": source.submitted_at,
                                      "agency": source.agency.name}
        view["sections"] = [s for s in view["sections"] if s["id"] != section_id] + [earlier]
        categories.add(section.category)
    order = {s.id: i for i, s in enumerate(instrument.sections)}
    view["sections"].sort(key=lambda s: order.get(s["id"], len(order)))
    view["hidden_sections"] = len(instrument.sections) - len(view["sections"])
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return AssessmentRead(person, grant, assessment, instrument, view, sections, categories)
