"""Outcome pages: progress over time (a Vega-Lite chart with the same figures in tables), recording a
review (every item on one page, then check your answers) and one review.

One page per review, not one question per page: docs/decisions/0010-assessments-and-outcomes.md.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from throughcare.assessments import instruments
from throughcare.assessments.answers import display
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import staff_page
from throughcare.outcomes.actions import check_review, outcome_instrument, record_outcome_review
from throughcare.outcomes.forms import ReviewHeaderForm, raw_answers, section_forms
from throughcare.outcomes.models import Stage
from throughcare.outcomes.reads import list_reviews, progress, read_review
from throughcare.people.access import get_person


@staff_page
def progress_page(request, person_id):
    person, grant, data = progress(request.user, person_id, action="outcome.chart")
    _person, _grant, reviews = list_reviews(request.user, person.pk)
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


def _errors(header, forms_) -> list[tuple[str, str]]:
    links = header.error_links()
    for form in forms_:
        links += form.error_links()
    return links


def _apply(failure: ValidationFailed, header, forms_) -> None:
    header.add_action_errors(failure)
    by_section = {f.section.id: f for f in forms_}
    for name, message in failure.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "answers" and parts[1] in by_section:
            form = by_section[parts[1]]
            form.add_error(parts[2] if parts[2] in form.fields else None, message)
        elif name not in {"stage", "completed_on"}:
            header.add_error(None, message)


@staff_page
def record_page(request, person_id, instrument_key):
    person, grant = get_person(request.user, person_id, action="outcome.form", write=True, categories=[])
    instrument = outcome_instrument(instrument_key)
    if instrument is None:
        raise Http404("Outcome measure not found")
    posted = request.method == "POST"
    header = ReviewHeaderForm(request.POST if posted else None)
    forms_ = section_forms(instrument, request.POST if posted else None)
    context = {"person": person, "instrument": instrument, "header": header, "sections": forms_,
               "back_url": reverse("outcomes:progress", kwargs={"person_id": person.pk})}
    if posted and request.POST.get("step") == "edit":  # back from check your answers, with the answers kept
        return render(request, "outcomes/record.html", {**context, "error_links": []})
    if posted and header.is_valid() and all(f.is_valid() for f in forms_):
        values = {"instrument": instrument.key, "stage": header.cleaned_data.get("stage") or "",
                  "completed_on": header.cleaned_data.get("completed_on"), "answers": raw_answers(forms_)}
        try:
            if request.POST.get("step") == "confirm":
                record_outcome_review(actor=request.user, person_id=person.pk, **values)
                messages.success(request, f"{instrument.title}: outcome review recorded")
                return redirect(context["back_url"])
            chosen, day, clean, scores = check_review(**values)
        except ValidationFailed as failure:
            _apply(failure, header, forms_)
        else:
            carried = [(k, v) for k, vs in request.POST.lists() if k not in {"csrfmiddlewaretoken", "step"}
                       for v in vs]
            summary = [{"id": s.id, "title": s.title, "rows": [
                (q.label, display(q, clean.get(s.id, {}).get(q.id))) for q in s.questions
                if clean.get(s.id, {}).get(q.id) is not None]} for s in chosen.sections]
            return render(request, "outcomes/check.html", {
                **context, "stage_label": Stage(values["stage"]).label, "day": day, "summary": summary,
                "scores": [(s.label, scores[s.id]) for s in chosen.scores if scores.get(s.id) is not None],
                "carried": carried})
    errors = _errors(header, forms_) if posted else []
    return render(request, "outcomes/record.html", {**context, "error_links": errors, "form_errors": bool(errors)},
                  status=422 if errors else 200)


@staff_page
def review_page(request, review_id):
    person, grant, review, view = read_review(request.user, review_id)
    return render(request, "outcomes/review.html", {"person": person, "review": review, "view": view})
