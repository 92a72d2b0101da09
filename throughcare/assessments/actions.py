"""Writes to assessments: start (new or re-assessment), save a draft, submit, amend, discard.

Each is one transaction: the scoped look-up with write access (so an unseen person is 404 before any
input error), the checks, the change, a journey event (contact and administration, no answers in it)
and one audit entry. A draft is changed only with the revision it was read at (If-Match); saves and
submits are conditional UPDATEs on (status = draft, revision = n), so a submitted assessment never
changes and two saves of one draft cannot overwrite each other.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.assessments import instruments
from throughcare.assessments.answers import clean_answers, missing_required
from throughcare.assessments.models import Assessment, Kind, Status
from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.core.errors import NotFound, PreconditionFailed, ThroughcareError, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person

ASSESSMENT_NOT_FOUND = "Assessment not found"
DEFAULT_INSTRUMENT = "holistic-assessment"


class PreconditionRequired(ThroughcareError):
    code = "precondition_required"
    status = 428


NO_IF_MATCH = ("Send If-Match with the assessment's ETag (its revision, e.g. \"3\"), so that you cannot "
               "overwrite someone else's save")


def _instrument_for_assessment(key: str) -> instruments.Instrument:
    instrument = instruments.get(key) if isinstance(key, str) else None
    if instrument is None or instrument.purpose != "assessment":
        keys = ", ".join(i.key for i in instruments.current("assessment"))
        raise ValidationFailed({"instrument": f"Choose an assessment: {keys}"})
    return instrument


def instrument_of(assessment: Assessment) -> instruments.Instrument:
    found = instruments.get(assessment.instrument, assessment.instrument_version)
    if found is None:  # a version file was removed: never do that (files are kept for ever)
        raise NotFound(ASSESSMENT_NOT_FOUND)
    return found


def visible_sections(instrument, assessment: Assessment, grant) -> list[instruments.Section]:
    """The sections `grant` may see: the section's category, recorded by the assessment's agency."""
    return [s for s in instrument.sections if grant.allows(s.category, assessment.agency_id)]


def _event(*, person, actor, agency_id, assessment: Assessment, title: str) -> None:
    now = timezone.now()
    # Contact and administration with a neutral title: that an assessment exists is seen by everyone who
    # may see the person; its answers are seen section by section, by consent.
    Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=EventKind.ASSESSMENT,
                         category=Category.CONTACT_ADMIN, agency_id=agency_id, author=actor, title=title[:200],
                         subject_type="assessment", subject_id=str(assessment.pk))


def _audit(*, actor, action: str, person, grant, assessment: Assessment, categories, reason: str = "") -> None:
    record_action(actor=actor, action=action, person_id=person.pk, resource="assessment",
                  resource_id=str(assessment.pk), categories=sorted({Category.CONTACT_ADMIN, *categories}),
                  lawful_basis=grant.basis, purpose=grant.purpose, reason=reason[:300])


def _load_for_write(actor, assessment_id, action: str):
    """The assessment, its person and the writer's grant; only the recording agency writes to a draft."""
    pk = parse_uuid(assessment_id)
    person_id = Assessment.objects.filter(pk=pk).values_list("person_id", flat=True).first() if pk else None
    if person_id is None:
        raise NotFound(ASSESSMENT_NOT_FOUND)
    person, grant = get_person(actor, person_id, action=action, write=True, categories=[],
                               not_found=ASSESSMENT_NOT_FOUND)
    staff = staff_of(actor)
    assessment = Assessment.objects.select_for_update().select_related("updated_by").get(pk=pk)
    if assessment.status == Status.DRAFT and assessment.agency_id != staff.agency_id:
        raise NotFound(ASSESSMENT_NOT_FOUND)  # another agency's draft is not shared with anyone
    return person, grant, staff, assessment


def _check_revision(assessment: Assessment, expected: int | None) -> None:
    if assessment.status != Status.DRAFT:
        raise ValidationFailed({"status": "This assessment has been submitted and cannot be changed: amend it "
                                          "instead"})
    if expected is None:
        raise PreconditionRequired(NO_IF_MATCH)
    if expected != assessment.revision:
        who = assessment.updated_by.get_full_name() or assessment.updated_by.username
        when = timezone.localtime(assessment.updated_at)
        raise PreconditionFailed(f"Someone else saved this draft: you were changing revision {expected}, and "
                                 f"{who} saved revision {assessment.revision} at {when:%H:%M on %-d %B %Y}. "
                                 "Reload it and enter your answers again.")


def _existing_draft_error(instrument) -> ValidationFailed:
    return ValidationFailed({"instrument": f"Your agency already has a draft {instrument.title.lower()} for "
                                           "this person: continue it or discard it"})


def _create_draft(**values) -> Assessment:
    try:
        with transaction.atomic():
            return Assessment.objects.create(**values)
    except IntegrityError:
        raise _existing_draft_error(instruments.get(values["instrument"], values["instrument_version"])) from None


def latest_submitted(person, instrument_key: str) -> Assessment | None:
    return (Assessment.objects.filter(person=person, instrument=instrument_key, status=Status.SUBMITTED)
            .order_by("-submitted_at", "-created_at").first())


def latest_by_section(person, instrument_key: str) -> dict[str, Assessment]:
    """Each section's latest answers: section id → the newest submitted assessment that answered it.

    Assess once, section by section: a re-assessment by an agency that sees (and so re-asks) only some
    sections is the latest word on those, not on the rest, which keep their earlier answers.
    """
    found: dict[str, Assessment] = {}
    for assessment in (Assessment.objects.filter(person=person, instrument=instrument_key, status=Status.SUBMITTED)
                       .select_related("agency").order_by("-submitted_at", "-created_at")):
        for section_id, answers in (assessment.answers or {}).items():
            if answers and section_id not in found:
                found[section_id] = assessment
    return found


def start_assessment(*, actor, person_id, instrument: str = DEFAULT_INSTRUMENT, kind: str = Kind.NEW) -> Assessment:
    """A new draft: blank, or (a re-assessment) pre-filled, section by section, with the latest answers the
    writer may see (latest_by_section). The newest version of the instrument is used; what changed is shown
    against the newest submitted assessment."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="assessment.start", write=True, categories=[])
        chosen = _instrument_for_assessment(instrument)
        if kind not in {Kind.NEW, Kind.REASSESSMENT}:
            raise ValidationFailed({"kind": "Choose new or reassessment"})
        staff = staff_of(actor)
        if Assessment.objects.filter(person=person, instrument=chosen.key, agency_id=staff.agency_id,
                                     status=Status.DRAFT).exists():
            raise _existing_draft_error(chosen)
        previous, answers, categories = None, {}, set()
        if kind == Kind.REASSESSMENT:
            previous = latest_submitted(person, chosen.key)
            if previous is None:
                raise ValidationFailed({"kind": "There is no submitted assessment to start again from: start a new "
                                                "assessment"})
            for section_id, source in latest_by_section(person, chosen.key).items():
                section = instrument_of(source).section(section_id)
                # Carried over where the writer may see it there, and the newest version still asks it.
                if section and chosen.section(section_id) and grant.allows(section.category, source.agency_id):
                    answers[section_id] = dict(source.answers[section_id])
                    categories.add(section.category)
            answers, _errors = clean_answers(chosen, answers)  # drop what the newer version no longer asks
        now = timezone.now()
        assessment = _create_draft(person=person, instrument=chosen.key, instrument_version=chosen.version,
                                   kind=kind, previous=previous, agency_id=staff.agency_id, answers=answers,
                                   created_at=now, created_by=actor, updated_at=now, updated_by=actor)
        title = f"{chosen.title} started" if kind == Kind.NEW else f"{chosen.title}: re-assessment started"
        _event(person=person, actor=actor, agency_id=staff.agency_id, assessment=assessment, title=title)
        _audit(actor=actor, action="assessment.start", person=person, grant=grant, assessment=assessment,
               categories=categories, reason=kind)
    return assessment


def save_draft(*, actor, assessment_id, expected_revision: int | None, answers) -> Assessment:
    """Save the sections sent (each replaces that section's answers); other sections stay as they are.
    Types and ranges are checked now; whether required questions are answered, at submission."""
    with transaction.atomic():
        person, grant, _staff, assessment = _load_for_write(actor, assessment_id, "assessment.save")
        _check_revision(assessment, expected_revision)
        instrument = instrument_of(assessment)
        clean, errors = clean_answers(instrument, answers)
        if errors:
            raise ValidationFailed(errors)
        merged = {**assessment.answers, **clean}
        merged = {section: values for section, values in merged.items() if values}
        now = timezone.now()
        saved = Assessment.objects.filter(pk=assessment.pk, status=Status.DRAFT,
                                          revision=assessment.revision).update(
            answers=merged, revision=assessment.revision + 1, updated_at=now, updated_by=actor)
        if saved != 1:
            raise PreconditionFailed("Someone else saved this draft at the same moment. Reload it.")
        assessment.answers, assessment.revision, assessment.updated_at, assessment.updated_by = (
            merged, assessment.revision + 1, now, actor)
        categories = {instrument.section(s).category for s in clean}
        _audit(actor=actor, action="assessment.save", person=person, grant=grant, assessment=assessment,
               categories=categories, reason=f"draft revision {assessment.revision}: {', '.join(clean) or 'nothing'}")
    return assessment


def submit_assessment(*, actor, assessment_id, expected_revision: int | None) -> Assessment:
    """Submit the draft: from now on it never changes."""
    with transaction.atomic():
        person, grant, _staff, assessment = _load_for_write(actor, assessment_id, "assessment.submit")
        _check_revision(assessment, expected_revision)
        instrument = instrument_of(assessment)
        errors = missing_required(instrument, assessment.answers)
        if errors:
            raise ValidationFailed(errors, "Answer every question that must be answered before you submit")
        now = timezone.now()
        saved = Assessment.objects.filter(pk=assessment.pk, status=Status.DRAFT,
                                          revision=assessment.revision).update(
            status=Status.SUBMITTED, submitted_at=now, submitted_by=actor, updated_at=now, updated_by=actor)
        if saved != 1:
            raise PreconditionFailed("Someone else saved this draft at the same moment. Reload it.")
        assessment.status, assessment.submitted_at, assessment.submitted_by = Status.SUBMITTED, now, actor
        assessment._stored_status = Status.SUBMITTED
        title = {Kind.NEW: f"{instrument.title} submitted",
                 Kind.REASSESSMENT: f"{instrument.title}: re-assessment submitted",
                 Kind.AMENDMENT: f"{instrument.title} amended (version {assessment.number})"}[assessment.kind]
        _event(person=person, actor=actor, agency_id=assessment.agency_id, assessment=assessment, title=title)
        categories = {instrument.section(s).category for s in assessment.answers if instrument.section(s)}
        _audit(actor=actor, action="assessment.submit", person=person, grant=grant, assessment=assessment,
               categories=categories, reason=f"{assessment.kind}, version {assessment.number}")
    return assessment


def amend_assessment(*, actor, assessment_id) -> Assessment:
    """A correction to a submitted assessment, by the agency that recorded it: a new draft, version n + 1,
    pre-filled with every answer, linked to the one it corrects (which stays as it was)."""
    with transaction.atomic():
        pk = parse_uuid(assessment_id)
        person_id = Assessment.objects.filter(pk=pk).values_list("person_id", flat=True).first() if pk else None
        if person_id is None:
            raise NotFound(ASSESSMENT_NOT_FOUND)
        person, grant = get_person(actor, person_id, action="assessment.amend", write=True, categories=[],
                                   not_found=ASSESSMENT_NOT_FOUND)
        staff = staff_of(actor)
        original = Assessment.objects.get(pk=pk)
        if original.status != Status.SUBMITTED:
            if original.agency_id != staff.agency_id:
                raise NotFound(ASSESSMENT_NOT_FOUND)
            raise ValidationFailed({"status": "This assessment is still a draft: change it and submit it"})
        if original.agency_id != staff.agency_id:
            raise ValidationFailed({"agency": "Only the agency that recorded this assessment can amend it: start a "
                                              "re-assessment instead"})
        latest = latest_submitted(person, original.instrument)
        if latest is None or latest.pk != original.pk:
            raise ValidationFailed({"status": "Only the latest assessment can be amended: a newer one has been "
                                              "submitted since"})
        if Assessment.objects.filter(previous=original, kind=Kind.AMENDMENT).exists():
            raise ValidationFailed({"status": "An amendment of this assessment is already in draft: continue it"})
        instrument = instrument_of(original)
        now = timezone.now()
        amendment = _create_draft(person=person, instrument=original.instrument,
                                  instrument_version=original.instrument_version, kind=Kind.AMENDMENT,
                                  previous=original, number=original.number + 1, agency_id=staff.agency_id,
                                  answers=original.answers, created_at=now, created_by=actor, updated_at=now,
                                  updated_by=actor)
        _event(person=person, actor=actor, agency_id=staff.agency_id, assessment=amendment,
               title=f"{instrument.title}: amendment started (version {amendment.number})")
        _audit(actor=actor, action="assessment.amend", person=person, grant=grant, assessment=amendment,
               categories={s.category for s in visible_sections(instrument, original, grant)},
               reason=f"amends {original.pk}")
    return amendment


def discard_draft(*, actor, assessment_id, expected_revision: int | None) -> None:
    """Throw a draft away (a submitted assessment is never discarded)."""
    with transaction.atomic():
        person, grant, _staff, assessment = _load_for_write(actor, assessment_id, "assessment.discard")
        _check_revision(assessment, expected_revision)
        instrument = instrument_of(assessment)
        _event(person=person, actor=actor, agency_id=assessment.agency_id, assessment=assessment,
               title=f"{instrument.title}: draft discarded")
        _audit(actor=actor, action="assessment.discard", person=person, grant=grant, assessment=assessment,
               categories=(), reason=f"draft revision {assessment.revision}")
        Assessment.objects.filter(pk=assessment.pk, status=Status.DRAFT).delete()
