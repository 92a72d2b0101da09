"""The one-question page, shared by the holistic assessment and outcome reviews.

`question_step` shows one question of a draft and handles its answer: "Continue" saves it to the draft with
the revision the page was read at (If-Match; a stale save says who saved and keeps what was typed) and goes
to the next question the branching asks, or to the sections at a section's end; "Save draft and come back
later" saves it (even blank, even a required question) and goes to the sections. Opened from check your
answers (`?return=check`) it goes back there, by way of any question the changed answer opened. The draft
itself (an Assessment or an OutcomeDraft) is reached only through the `Draft` callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from throughcare.assessments import journey
from throughcare.assessments.forms import QuestionForm, RevisionForm
from throughcare.assessments.instruments import Section
from throughcare.core.errors import PreconditionFailed, ValidationFailed


@dataclass
class Draft:
    section: Section
    answers: dict  # the section's answers as saved
    revision: int
    #: (question id, back to check your answers?) -> the question's address
    question_url: Callable[[str, bool], str]
    overview_url: str  # the sections (task list)
    check_url: str
    #: (expected revision, the section's new answers) -> (saved answers of the section, when saved);
    #: raises ValidationFailed or PreconditionFailed as the actions do
    save: Callable[[int, dict], tuple[dict, object]]
    #: the draft's revision now (after a stale save)
    current_revision: Callable[[], int]
    context: dict  # person, title, draft_banner and what it needs


def required_message(question) -> str:
    verb = "Enter" if question.type in {"number", "text", "date"} else "Choose"
    return f"{verb} {question.label[:1].lower() + question.label[1:]}"


def question_step(request, draft: Draft, question_id: str):
    section, given = draft.section, draft.answers
    question = section.question(question_id)
    if question is None:
        raise Http404("Question not found")
    back_to_check = request.GET.get("return") == "check"
    if not journey.is_asked(section, given, question.id):  # a branch the answers have closed
        return redirect(draft.check_url if back_to_check else draft.overview_url)
    form = QuestionForm(request.POST or None, question=question, value=given.get(question.id), section_id=section.id,
                        initial={"revision": draft.revision})
    status = 200
    if request.method == "POST" and form.is_valid():
        leaving = request.POST.get("then") == "save"
        value = form.raw()
        if value is None and question.required and not leaving:
            form.add_error(question.id, required_message(question))
        else:
            try:
                after, saved_at = draft.save(form.cleaned_data["revision"], journey.with_answer(given, question, value))
            except ValidationFailed as failure:
                form.add_action_errors(failure)
            except PreconditionFailed as failure:
                data = request.POST.copy()
                data["revision"] = str(draft.current_revision())
                form = QuestionForm(data, question=question, value=None, section_id=section.id)
                form.is_valid()
                form.add_error(None, f"{failure.message.split(' Reload')[0]}. Your answer is below, not yet saved: "
                                     "check it, then save again.")
                status = 409
            else:
                return _onwards(request, draft, question, after, saved_at, leaving=leaving,
                                back_to_check=back_to_check)
    if back_to_check:
        back_url = draft.check_url
    else:
        earlier = journey.previous_question(section, given, question.id)
        back_url = draft.question_url(earlier.id, False) if earlier else draft.overview_url
    asked = journey.asked(section, given)
    position = next((i for i, q in enumerate(asked, start=1) if q.id == question.id), len(asked))
    return render(request, "assessments/question.html", {
        **draft.context, "form": form, "caption": section.title,
        "intro": section.intro if question == section.questions[0] else "",
        "suffix": question.unit if question.type == "number" else "", "numeric": question.type in {"number", "scale"},
        "back_url": back_url, "position": position, "of": len(asked), "section_title": section.title,
        "continue_label": "Save and return to check your answers" if back_to_check else "Continue",
    }, status=422 if form.errors and status == 200 else status)


def _onwards(request, draft: Draft, question, after: dict, saved_at, *, leaving: bool, back_to_check: bool):
    section = draft.section
    when = f"{timezone.localtime(saved_at):%H:%M}"
    if leaving:
        messages.success(request, f"Draft saved at {when}. You can come back to it later: it is kept here, seen "
                                  "only by your agency.")
        return redirect(draft.overview_url)
    if back_to_check:
        opened = journey.newly_opened(section, draft.answers, after, question.id)
        return redirect(draft.question_url(opened.id, True) if opened else draft.check_url)
    following = journey.next_question(section, after, question.id)
    if following is not None:
        return redirect(draft.question_url(following.id, False))
    messages.success(request, f"Draft saved at {when}: {section.title} is {journey.status(section, after).lower()}")
    return redirect(draft.overview_url)


def discard_draft_page(request, *, person, revision: int, discard: Callable[[int], object], heading: str,
                       back_url: str, done_url: str):
    """The "discard this draft" page of an assessment or outcome-review draft: a POST with the revision shown
    calls `discard(expected_revision)` and goes to `done_url`; a stale revision (someone else saved the draft
    since) is refused with 409 and nothing is thrown away."""
    form = RevisionForm(request.POST or None, initial={"revision": revision})
    if request.method == "POST" and form.is_valid():
        try:
            discard(form.cleaned_data["revision"])
        except PreconditionFailed:
            form.add_error(None, "Someone else saved this draft since you opened this page. Look at it again "
                                 "before you discard it.")
        else:
            messages.success(request, "Draft discarded")
            return redirect(done_url)
    return render(request, "assessments/confirm.html", {
        "person": person, "heading": heading, "form": form, "submit": "Discard the draft", "danger": True,
        "intro": "Every answer in this draft will be thrown away.", "back_url": back_url},
        status=409 if form.errors else 200)
