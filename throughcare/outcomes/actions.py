"""Recording outcome reviews (TOP, BARC-10): one transaction, the scoped look-up with write access first,
every item checked (errors name the question), scores computed, a neutral journey event, one audit
entry. A correction is a new review that `replaces` the old one, by the agency that recorded it."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.assessments import instruments
from throughcare.assessments.answers import clean_answers, missing_required
from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.outcomes import scoring
from throughcare.outcomes.models import OutcomeReview, Stage
from throughcare.people.access import get_person

REVIEW_NOT_FOUND = "Outcome review not found"


def outcome_instrument(key, version: int | None = None) -> instruments.Instrument | None:
    """An outcome measure by key: the newest version, or the one a draft was started with."""
    found = instruments.get(key, version) if isinstance(key, str) else None
    return found if found is not None and found.purpose == "outcome" else None


def _date(value, errors: dict[str, str]) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and value.strip():
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors["completed_on"] = "The date it was completed must be a real date in the format YYYY-MM-DD"
            return None
    else:
        errors["completed_on"] = "Enter the date it was completed"
        return None
    if day > timezone.localdate():
        errors["completed_on"] = "The date it was completed must be today or in the past"
    return day


def check_review(*, instrument, stage, completed_on, answers, version: int | None = None) -> tuple[
        instruments.Instrument, dt.date, dict, dict]:
    """Everything sent, checked: (instrument, day, clean answers, scores), or ValidationFailed naming fields.
    The newest version of the measure, unless a draft was started with an earlier one (`version`)."""
    errors: dict[str, str] = {}
    chosen = outcome_instrument(instrument, version)
    if chosen is None:
        keys = ", ".join(i.key for i in instruments.current("outcome"))
        raise ValidationFailed({"instrument": f"Choose an outcome measure: {keys}"})
    if stage not in Stage.values:
        errors["stage"] = "Choose when it was completed: start of treatment, review, exit or after exit"
    day = _date(completed_on, errors)
    clean, answer_errors = clean_answers(chosen, answers if answers is not None else {})
    errors.update(answer_errors)
    # Every item must be answered; a question already named for a bad answer keeps that message.
    for name, message in missing_required(chosen, clean, every_question=True).items():
        errors.setdefault(name, message)
    if errors:
        raise ValidationFailed(errors)
    return chosen, day, clean, scoring.compute(chosen, clean)


def record_outcome_review(*, actor, person_id, instrument, stage, completed_on, answers,
                          replaces=None, version: int | None = None) -> OutcomeReview:
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="outcome.record", write=True, categories=[])
        staff = staff_of(actor)
        replaced = None
        if replaces is not None:
            replaced = OutcomeReview.objects.select_for_update().filter(pk=parse_uuid(replaces), person=person).first()
            if replaced is None:
                raise NotFound(REVIEW_NOT_FOUND)
            if replaced.agency_id != staff.agency_id:
                raise ValidationFailed({"replaces": "Only the agency that recorded this review can correct it"})
            if OutcomeReview.objects.filter(replaces=replaced).exists():
                raise ValidationFailed({"replaces": "This review has already been corrected: correct the newest one"})
            if instrument != replaced.instrument:
                raise ValidationFailed({"instrument": "A correction is of the same outcome measure"})
        chosen, day, clean, scores = check_review(instrument=instrument, stage=stage, completed_on=completed_on,
                                                  answers=answers, version=version)
        try:
            with transaction.atomic():
                review = OutcomeReview.objects.create(
                    person=person, instrument=chosen.key, instrument_version=chosen.version, stage=stage,
                    completed_on=day, answers=clean, scores=scores, agency_id=staff.agency_id, recorded_by=actor,
                    replaces=replaced)
        except IntegrityError:
            raise ValidationFailed({"replaces": "This review has already been corrected: correct the newest one"}) \
                from None
        now = timezone.now()
        title = f"Outcome review {'corrected' if replaced else 'recorded'} ({Stage(stage).label.lower()})"
        # Contact and administration with a neutral title; the answers are seen section by section, by consent.
        Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=EventKind.OUTCOME_REVIEW,
                             category=Category.CONTACT_ADMIN, agency_id=staff.agency_id, author=actor,
                             title=title, subject_type="outcome_review", subject_id=str(review.pk))
        categories = {chosen.section(s).category for s in clean}
        record_action(actor=actor, action="outcome.record", person_id=person.pk, resource="outcome_review",
                      resource_id=str(review.pk), categories=sorted({Category.CONTACT_ADMIN, *categories}),
                      lawful_basis=grant.basis, purpose=grant.purpose,
                      reason=f"{chosen.ref}, {stage}, {day.isoformat()}"
                             + (f", corrects {replaced.pk}" if replaced else ""))
    return review
