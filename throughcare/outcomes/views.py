"""Outcome pages: progress over time (a Vega-Lite chart with the same figures in tables), recording a review
one question a page in a draft (a task list of "About this review" and the measure's sections, check your
answers with the scores, then record) and one review.

The journey is the holistic assessment's (assessments.question_pages): docs/decisions/0010.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from throughcare.assessments import instruments, journey
from throughcare.assessments.answers import display, missing_required
from throughcare.assessments.forms import RevisionForm
from throughcare.assessments.question_pages import Draft, discard_draft_page, question_step
from throughcare.core.csp import draws_charts
from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.views import staff_page
from throughcare.outcomes import drafts, scoring
from throughcare.outcomes.actions import outcome_instrument
from throughcare.outcomes.drafts import ABOUT, about_answers, read_draft
from throughcare.outcomes.models import Stage
from throughcare.outcomes.reads import progress_page_data, read_review
from throughcare.people.access import get_person


@staff_page
@draws_charts
def progress_page(request, person_id):
    person, grant, data, reviews = progress_page_data(request.user, person_id)
    return render(request, "outcomes/progress.html", {
        "person": person, "grant": grant, "measures": data["measures"], "spec": data["spec"], "reviews": reviews,
        "instruments": instruments.current("outcome"), "next_due": next_due(reviews)})


#: TOP is repeated every six months in treatment (at the start, then each review, until exit).
REVIEW_EVERY = dt.timedelta(days=182)


def next_due(reviews: list[dict]) -> dict | None:
    """When the next six-monthly review is due: six months after the latest start or review (none after exit)."""
    latest = next((r for r in reviews if not r["replaced"]), None) if reviews else None
    if latest is None or latest["stage"] not in {Stage.START, Stage.REVIEW}:
        return None
    due = latest["completed_on"] + REVIEW_EVERY
    return {"on": due, "overdue": due < timezone.localdate()}


def _draft_url(draft_id, name: str = "outcomes:draft", **kwargs) -> str:
    return reverse(name, kwargs={"draft_id": draft_id, **kwargs})


def _question_url(draft_id, section_id: str, question_id: str, back_to_check: bool = False) -> str:
    url = _draft_url(draft_id, "outcomes:question", section_id=section_id, question_id=question_id)
    return f"{url}?return=check" if back_to_check else url


@staff_page
def record_page(request, person_id, instrument_key):
    """Start recording a measure (a draft), or continue the agency's draft of it."""
    person, grant = get_person(request.user, person_id, action="outcome.form", write=True, categories=[])
    instrument = outcome_instrument(instrument_key)
    if instrument is None:
        raise Http404("Outcome measure not found")
    draft = drafts.agency_draft(request.user, person, instrument.key)
    errors = []
    if request.method == "POST" and draft is None:
        try:
            draft = drafts.start_outcome_draft(actor=request.user, person_id=person.pk, instrument=instrument.key)
        except ValidationFailed as failure:
            errors = list(failure.fields.values())
        else:
            return redirect(_question_url(draft.pk, ABOUT.id, ABOUT.questions[0].id))
    return render(request, "outcomes/start.html", {
        "person": person, "instrument": instrument, "draft": draft, "errors": errors,
        "back_url": reverse("outcomes:progress", kwargs={"person_id": person.pk})}, status=422 if errors else 200)


def _sections(instrument):
    return [ABOUT, *instrument.sections]


def _answers(draft) -> dict:
    return {ABOUT.id: about_answers(draft), **draft.answers}


def _draft_context(person, draft, instrument) -> dict:
    return {"person": person, "draft": draft, "instrument": instrument, "title": instrument.title,
            "updated_by": draft.updated_by.get_full_name() or draft.updated_by.username,
            "draft_banner": "outcomes/_draft_banner.html"}


@staff_page
def draft_page(request, draft_id):
    """The draft's sections, each Not yet started, In progress or Completed."""
    person, _grant, draft, instrument = read_draft(request.user, draft_id)
    answers = _answers(draft)
    tasks = [{"id": s.id, "title": s.title, "status": journey.status(s, answers.get(s.id, {})),
              "url": _question_url(draft.pk, s.id, journey.resume_at(s, answers.get(s.id, {})).id)}
             for s in _sections(instrument)]
    return render(request, "outcomes/draft.html", {
        **_draft_context(person, draft, instrument), "tasks": tasks,
        "completed": sum(1 for t in tasks if t["status"] == journey.COMPLETED),
        "check_url": _draft_url(draft.pk, "outcomes:check"), "discard_url": _draft_url(draft.pk, "outcomes:discard")})


@staff_page
def draft_question(request, draft_id, section_id, question_id):
    person, _grant, draft, instrument = read_draft(request.user, draft_id)
    section = next((s for s in _sections(instrument) if s.id == section_id), None)
    if section is None:
        raise Http404("Section not found")

    def save(expected_revision: int, section_answers: dict):
        if section.id == ABOUT.id:
            saved = drafts.save_outcome_draft(actor=request.user, draft_id=draft.pk, expected_revision=expected_revision,
                                              about={q.id: section_answers.get(q.id) for q in ABOUT.questions})
            return about_answers(saved), saved.updated_at
        saved = drafts.save_outcome_draft(actor=request.user, draft_id=draft.pk, expected_revision=expected_revision,
                                          answers={section.id: section_answers})
        return saved.answers.get(section.id, {}), saved.updated_at

    return question_step(request, Draft(
        section=section, answers=_answers(draft).get(section.id, {}), revision=draft.revision,
        question_url=lambda qid, back: _question_url(draft.pk, section.id, qid, back),
        overview_url=_draft_url(draft.pk), check_url=_draft_url(draft.pk, "outcomes:check"), save=save,
        current_revision=lambda: read_draft(request.user, draft.pk, audit=False)[2].revision,
        context=_draft_context(person, draft, instrument)), question_id)


@staff_page
def draft_check(request, draft_id):
    """Every answer with its "Change" link, the scores they make, then "Record outcome review"."""
    person, _grant, draft, instrument = read_draft(request.user, draft_id)
    form = RevisionForm(request.POST or None, initial={"revision": draft.revision})
    failed: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            drafts.record_outcome_draft(actor=request.user, draft_id=draft.pk,
                                        expected_revision=form.cleaned_data["revision"])
        except ValidationFailed as failure:
            failed = failure.fields
        except PreconditionFailed:
            person, _grant, draft, instrument = read_draft(request.user, draft.pk, audit=False)
            form = RevisionForm({"revision": draft.revision})
            form.is_valid()
            form.add_error(None, "Someone else saved this draft while you were checking it. Check the answers "
                                 "again, then record it.")
        else:
            messages.success(request, f"{instrument.title}: outcome review recorded")
            return redirect(reverse("outcomes:progress", kwargs={"person_id": person.pk}))
    answers = _answers(draft)
    by_field = {"stage": f"{ABOUT.id}.stage", "completed_on": f"{ABOUT.id}.completed_on"}
    errors = []
    for name, message in failed.items():
        parts = by_field.get(name, name.removeprefix("answers.")).split(".")
        url = _question_url(draft.pk, parts[0], parts[1], True) if len(parts) == 2 else ""
        errors.append((url, message))
    missing = {by_field.get(n, n.removeprefix("answers.")) for n in failed}
    sections = [{"id": s.id, "title": s.title, "url": _question_url(draft.pk, s.id, s.questions[0].id, True),
                 "questions": [{"id": q.id, "label": q.label, "display": display(q, answers.get(s.id, {}).get(q.id)),
                                "url": _question_url(draft.pk, s.id, q.id, True), "missing": f"{s.id}.{q.id}" in missing}
                               for q in journey.asked(s, answers.get(s.id, {}))]}
                for s in _sections(instrument)]
    scores = scoring.compute(instrument, draft.answers)
    still = missing_required(instrument, draft.answers, every_question=True)
    return render(request, "outcomes/check.html", {
        **_draft_context(person, draft, instrument), "form": form, "sections": sections, "errors": errors,
        "scores": [(s.label, scores[s.id]) for s in instrument.scores], "still_missing": len(still)
        + sum(1 for q in ABOUT.questions if answers[ABOUT.id].get(q.id) is None),
        "back_url": _draft_url(draft.pk)}, status=422 if (errors or form.errors) else 200)


@staff_page
def draft_discard(request, draft_id):
    person, _grant, draft, instrument = read_draft(request.user, draft_id)
    return discard_draft_page(
        request, person=person, revision=draft.revision, heading=f"Discard this draft {instrument.title}",
        back_url=_draft_url(draft.pk),
        discard=lambda revision: drafts.discard_outcome_draft(actor=request.user, draft_id=draft.pk,
                                                              expected_revision=revision),
        done_url=reverse("outcomes:progress", kwargs={"person_id": person.pk}))


@staff_page
def review_page(request, review_id):
    person, grant, review, view = read_review(request.user, review_id)
    return render(request, "outcomes/review.html", {"person": person, "review": review, "view": view})
