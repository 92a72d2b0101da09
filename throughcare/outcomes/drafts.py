"""Outcome reviews recorded one question a page: the draft they are kept in until they are recorded.

Each write is one transaction with the scoped look-up (write access) first, then the draft, which only the
agency recording it may touch (another agency's draft is "not found"). Saves are conditional UPDATEs on the
revision the page was read at (If-Match), so two workers cannot overwrite each other. Recording checks every
item (outcomes.actions.check_review), makes the OutcomeReview through `record_outcome_review` (its journey
event and audit entry) and deletes the draft, all in one transaction. A draft writes no journey event: it is
nobody else's business until it is recorded.

"About this review" (when in treatment, and the day it was done with the person) is asked as a section of
its own, `ABOUT`, kept in the draft's `stage` and `completed_on`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.assessments.actions import NO_IF_MATCH, PreconditionRequired
from throughcare.assessments.answers import clean_answers
from throughcare.assessments.instruments import Instrument, Option, Question, Section
from throughcare.audit.recorder import disclose, record_action
from throughcare.core.categories import IDENTITY_CATEGORY, Category
from throughcare.core.errors import NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.outcomes.actions import _date, outcome_instrument, record_outcome_review
from throughcare.outcomes.models import OutcomeDraft, OutcomeReview, Stage
from throughcare.people.access import get_person

DRAFT_NOT_FOUND = "Outcome review draft not found"

ABOUT = Section(id="review", title="About this review", category=Category.CONTACT_ADMIN, questions=(
    Question(id="stage", type="choice", text="When in treatment is this review?", label="When in treatment",
             required=True, options=tuple(Option(value, label) for value, label in Stage.choices)),
    Question(id="completed_on", type="date", text="When was it completed with the person?",
             label="Date it was completed", hint="For example, 27 3 2026", required=True, not_future=True),
))


def about_answers(draft: OutcomeDraft) -> dict:
    """The draft's stage and day as the ABOUT section's answers."""
    answers = {"stage": draft.stage or None,
               "completed_on": draft.completed_on.isoformat() if draft.completed_on else None}
    return {k: v for k, v in answers.items() if v is not None}


def draft_instrument(draft: OutcomeDraft) -> Instrument:
    found = outcome_instrument(draft.instrument, draft.instrument_version)
    if found is None:  # a version file was removed: never do that
        raise NotFound(DRAFT_NOT_FOUND)
    return found


def _audit(*, actor, action: str, person, grant, draft: OutcomeDraft, categories=(), reason: str = "") -> None:
    record_action(actor=actor, action=action, person_id=person.pk, resource="outcome_draft",
                  resource_id=str(draft.pk), categories=sorted({Category.CONTACT_ADMIN, *categories}),
                  lawful_basis=grant.basis, purpose=grant.purpose, reason=reason[:300])


def _already(instrument: Instrument) -> ValidationFailed:
    return ValidationFailed({"instrument": f"Your agency already has a draft {instrument.title} for this person: "
                                           "continue it or discard it"})


def start_outcome_draft(*, actor, person_id, instrument) -> OutcomeDraft:
    """A blank draft of the newest version of an outcome measure, for the writer's agency."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="outcome.draft_start", write=True, categories=[])
        chosen = outcome_instrument(instrument)
        if chosen is None:
            raise NotFound("Outcome measure not found")
        staff = staff_of(actor)
        if OutcomeDraft.objects.filter(person=person, instrument=chosen.key, agency_id=staff.agency_id).exists():
            raise _already(chosen)
        now = timezone.now()
        try:
            with transaction.atomic():
                draft = OutcomeDraft.objects.create(
                    person=person, instrument=chosen.key, instrument_version=chosen.version, agency_id=staff.agency_id,
                    created_at=now, created_by=actor, updated_at=now, updated_by=actor)
        except IntegrityError:
            raise _already(chosen) from None
        _audit(actor=actor, action="outcome.draft_start", person=person, grant=grant, draft=draft, reason=chosen.ref)
    return draft


def _load(actor, draft_id, action: str):
    pk = parse_uuid(draft_id)
    person_id = OutcomeDraft.objects.filter(pk=pk).values_list("person_id", flat=True).first() if pk else None
    if person_id is None:
        raise NotFound(DRAFT_NOT_FOUND)
    person, grant = get_person(actor, person_id, action=action, write=True, categories=[])
    draft = OutcomeDraft.objects.select_for_update().select_related("updated_by").filter(pk=pk).first()
    if draft is None or draft.agency_id != staff_of(actor).agency_id:
        raise NotFound(DRAFT_NOT_FOUND)  # another agency's draft is not shared with anyone
    return person, grant, draft


def _check_revision(draft: OutcomeDraft, expected: int | None) -> None:
    if expected is None:
        raise PreconditionRequired(NO_IF_MATCH)
    if expected != draft.revision:
        who = draft.updated_by.get_full_name() or draft.updated_by.username
        when = timezone.localtime(draft.updated_at)
        raise PreconditionFailed(f"Someone else saved this draft: you were changing revision {expected}, and "
                                 f"{who} saved revision {draft.revision} at {when:%H:%M on %-d %B %Y}. "
                                 "Reload it and enter your answers again.")


def _about(about: dict, errors: dict[str, str]) -> dict:
    values: dict = {}
    for key, value in about.items():
        if key == "stage":
            if value in (None, ""):
                values["stage"] = ""
            elif value not in Stage.values:
                errors["stage"] = "Choose when it was completed: start of treatment, review, exit or after exit"
            else:
                values["stage"] = value
        elif key == "completed_on":
            values["completed_on"] = None if value in (None, "") else _date(value, errors)
        else:
            errors[key] = "This field is not recognised"
    return values


def save_outcome_draft(*, actor, draft_id, expected_revision: int | None, about: dict | None = None,
                       answers: dict | None = None) -> OutcomeDraft:
    """Save what was sent: `about` (stage, completed_on) and each section in `answers`, which replaces that
    section's answers (branches that are closed dropped). Types and ranges now; every item when recorded."""
    with transaction.atomic():
        person, grant, draft = _load(actor, draft_id, "outcome.draft_save")
        _check_revision(draft, expected_revision)
        instrument = draft_instrument(draft)
        errors: dict[str, str] = {}
        values = _about(about or {}, errors)
        clean, answer_errors = clean_answers(instrument, answers or {})
        errors.update(answer_errors)
        if errors:
            raise ValidationFailed(errors)
        merged = {section: given for section, given in {**draft.answers, **clean}.items() if given}
        now = timezone.now()
        saved = OutcomeDraft.objects.filter(pk=draft.pk, revision=draft.revision).update(
            answers=merged, revision=draft.revision + 1, updated_at=now, updated_by=actor, **values)
        if saved != 1:
            raise PreconditionFailed("Someone else saved this draft at the same moment. Reload it.")
        for name, value in {"answers": merged, "revision": draft.revision + 1, "updated_at": now, "updated_by": actor,
                            **values}.items():
            setattr(draft, name, value)
        sent = [*(["about this review"] if values else []), *clean]
        _audit(actor=actor, action="outcome.draft_save", person=person, grant=grant, draft=draft,
               categories={instrument.section(s).category for s in clean},
               reason=f"draft revision {draft.revision}: {', '.join(sent) or 'nothing'}")
    return draft


def record_outcome_draft(*, actor, draft_id, expected_revision: int | None) -> OutcomeReview:
    """Record the draft as an outcome review (every item checked, scores computed) and delete the draft."""
    with transaction.atomic():
        person, _grant, draft = _load(actor, draft_id, "outcome.record")
        _check_revision(draft, expected_revision)
        review = record_outcome_review(actor=actor, person_id=person.pk, instrument=draft.instrument,
                                       version=draft.instrument_version, stage=draft.stage,
                                       completed_on=draft.completed_on, answers=draft.answers)
        OutcomeDraft.objects.filter(pk=draft.pk, revision=draft.revision).delete()
    return review


def discard_outcome_draft(*, actor, draft_id, expected_revision: int | None) -> None:
    with transaction.atomic():
        person, grant, draft = _load(actor, draft_id, "outcome.draft_discard")
        _check_revision(draft, expected_revision)
        _audit(actor=actor, action="outcome.draft_discard", person=person, grant=grant, draft=draft,
               reason=f"draft revision {draft.revision}")
        OutcomeDraft.objects.filter(pk=draft.pk).delete()


def read_draft(user, draft_id, *, audit: bool = True) -> tuple[object, object, OutcomeDraft, Instrument]:
    """A draft for its own agency's pages (anyone else: not found), the person looked up for writing."""
    pk = parse_uuid(draft_id)
    draft = (OutcomeDraft.objects.select_related("agency", "updated_by").filter(pk=pk).first() if pk else None)
    if draft is None:
        raise NotFound(DRAFT_NOT_FOUND)
    person, grant = get_person(user, draft.person_id, action="outcome.form", write=True,
                               categories=[IDENTITY_CATEGORY], audit=audit, not_found=DRAFT_NOT_FOUND)
    staff = staff_of(user)
    if staff is None or draft.agency_id != staff.agency_id:
        raise NotFound(DRAFT_NOT_FOUND)
    instrument = draft_instrument(draft)
    if audit:
        disclose(sorted({IDENTITY_CATEGORY, *(s.category for s in instrument.sections if draft.answers.get(s.id))}))
    return person, grant, draft, instrument


def agency_draft(user, person, instrument_key: str) -> OutcomeDraft | None:
    """The caller's agency's draft of this measure for this person, if there is one."""
    staff = staff_of(user)
    return (OutcomeDraft.objects.select_related("updated_by").filter(
        person=person, instrument=instrument_key, agency_id=staff.agency_id).first() if staff else None)
