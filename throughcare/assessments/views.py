"""Assessment pages: the person's assessments, a draft as a task list of sections, each section asked one
question per page (saved with the draft's revision, "Save draft and come back later" to leave), check your
answers (with what changed since last time and "Change" links that return there), submit, amend and discard.

The journey follows the instrument's branching: docs/decisions/0010-assessments-and-outcomes.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.agencies.models import staff_of
from throughcare.assessments import actions, journey
from throughcare.assessments.answers import missing_required
from throughcare.assessments.forms import RevisionForm, StartForm
from throughcare.assessments.models import Status
from throughcare.assessments.question_pages import Draft, discard_draft_page, question_step
from throughcare.assessments.reads import person_assessments, read_assessment
from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.views import staff_page


def _url(assessment_id, name: str = "assessments:detail", **kwargs) -> str:
    return reverse(name, kwargs={"assessment_id": assessment_id, **kwargs})


@staff_page
def list_page(request, person_id):
    person, grant, items = person_assessments(request.user, person_id)
    submitted = [a for a in items if a["status"] == Status.SUBMITTED]
    draft = next((a for a in items if a["status"] == Status.DRAFT), None)
    return render(request, "assessments/list.html", {
        "person": person, "grant": grant, "assessments": items, "latest": submitted[0] if submitted else None,
        "draft": draft, "form": StartForm(initial={"kind": "reassessment" if submitted else "new"}),
        "can_start": grant.can_write and draft is None,
    })


@staff_page
def start_page(request, person_id):
    person, grant, items = person_assessments(request.user, person_id)
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = actions.start_assessment(actor=request.user, person_id=person.pk,
                                                  kind=form.cleaned_data["kind"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Assessment started: it is a draft until you submit it")
            return redirect(_url(assessment.pk))
    return render(request, "assessments/start.html", {"person": person, "form": form, "grant": grant,
                                                       "has_submitted": any(a["status"] == "submitted" for a in items)},
                  status=422 if form.errors else 200)


def _question_url(assessment_id, section_id: str, question_id: str, *, back_to_check: bool = False) -> str:
    url = _url(assessment_id, "assessments:question", section_id=section_id, question_id=question_id)
    return f"{url}?return=check" if back_to_check else url


def _task_list(read) -> list[dict]:
    rows = []
    answers = read.assessment.answers
    for section, shown_section in zip(read.sections, read.view["sections"], strict=True):
        given = answers.get(section.id, {})
        changed = sum(1 for c in read.view["changes"] if c["section"] == section.id)
        rows.append({**shown_section, "status": journey.status(section, given), "changed": changed,
                     "url": _question_url(read.assessment.pk, section.id, journey.resume_at(section, given).id)})
    return rows


@staff_page
def detail_page(request, assessment_id):
    read = read_assessment(request.user, assessment_id)
    a = read.assessment
    staff = staff_of(request.user)
    context = {"person": read.person, "grant": read.grant, "assessment": a, "view": read.view,
               "instrument": read.instrument}
    if a.status == Status.DRAFT:
        return render(request, "assessments/task_list.html", {
            **context, "tasks": (tasks := _task_list(read)), "check_url": _url(a.pk, "assessments:check"),
            "completed": sum(1 for t in tasks if t["status"] == journey.COMPLETED),
            "discard_url": _url(a.pk, "assessments:discard")})
    latest = actions.latest_submitted(read.person, a.instrument)
    return render(request, "assessments/detail.html", {
        **context, "is_latest": latest is not None and latest.pk == a.pk,
        "can_amend": read.grant.can_write and a.agency_id == staff.agency_id and latest is not None
        and latest.pk == a.pk})


def _section_or_404(read, section_id):
    section = next((s for s in read.sections if s.id == section_id), None)
    if section is None or read.assessment.status != Status.DRAFT:
        raise Http404("Section not found")
    return section


@staff_page
def section_page(request, assessment_id, section_id):
    """A section's link: its first question (or, in progress, its first one still to answer)."""
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    section = _section_or_404(read, section_id)
    first = journey.resume_at(section, read.assessment.answers.get(section.id, {}))
    return redirect(_question_url(read.assessment.pk, section.id, first.id))


@staff_page
def question_page(request, assessment_id, section_id, question_id):
    """One question of a section: question_pages.question_step, saving through actions.save_draft."""
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    section = _section_or_404(read, section_id)
    a = read.assessment

    def save(expected_revision: int, section_answers: dict):
        saved = actions.save_draft(actor=request.user, assessment_id=a.pk, expected_revision=expected_revision,
                                   answers={section.id: section_answers})
        return saved.answers.get(section.id, {}), saved.updated_at

    return question_step(request, Draft(
        section=section, answers=a.answers.get(section.id, {}), revision=a.revision,
        question_url=lambda qid, back: _question_url(a.pk, section.id, qid, back_to_check=back),
        overview_url=_url(a.pk), check_url=_url(a.pk, "assessments:check"), save=save,
        current_revision=lambda: read_assessment(request.user, a.pk, audit=False).assessment.revision,
        context={"person": read.person, "assessment": a, "view": read.view, "title": read.instrument.title,
                 "draft_banner": "assessments/_draft_banner.html"}), question_id)


@staff_page
def check_page(request, assessment_id):
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    a = read.assessment
    if a.status != Status.DRAFT:
        return redirect(_url(a.pk))
    form = RevisionForm(request.POST or None, initial={"revision": a.revision})
    missing = {}
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_assessment(actor=request.user, assessment_id=a.pk,
                                      expected_revision=form.cleaned_data["revision"])
        except ValidationFailed as failure:
            missing = failure.fields
        except PreconditionFailed:
            read = read_assessment(request.user, a.pk, audit=False)
            form = RevisionForm({"revision": read.assessment.revision})
            form.is_valid()
            form.add_error(None, "Someone else saved this draft while you were checking it. Check the answers "
                                 "again, then submit.")
        else:
            messages.success(request, f"{read.instrument.title} submitted")
            return redirect(_url(a.pk))
    changed = {(c["section"], c["question"]): c for c in read.view["changes"]}
    errors = [(_question_url(a.pk, name.split(".")[1], name.split(".")[2], back_to_check=True), message)
              for name, message in missing.items()]
    sections = [{**s, "url": _question_url(a.pk, s["id"], s["questions"][0]["id"] if s["questions"] else "",
                                           back_to_check=True),
                 "questions": [{**q, "change": changed.get((s["id"], q["id"])),
                                "url": _question_url(a.pk, s["id"], q["id"], back_to_check=True),
                                "missing": f"answers.{s['id']}.{q['id']}" in missing} for q in s["questions"]]}
                for s in read.view["sections"]]
    still_missing = missing_required(read.instrument, a.answers)
    return render(request, "assessments/check.html", {
        "person": read.person, "assessment": a, "instrument": read.instrument, "view": read.view, "form": form,
        "sections": sections, "submit_errors": errors, "still_missing": len(still_missing),
        "back_url": _url(a.pk),
    }, status=422 if (errors or form.errors) else 200)


@staff_page
def amend_page(request, assessment_id):
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    if request.method == "POST":
        try:
            amendment = actions.amend_assessment(actor=request.user, assessment_id=read.assessment.pk)
        except ValidationFailed as failure:
            return render(request, "assessments/confirm.html", {
                "person": read.person, "heading": "Amend this assessment", "errors": list(failure.fields.values()),
                "back_url": _url(read.assessment.pk)}, status=422)
        messages.success(request, f"Amendment started (version {amendment.number}): it is a draft until you "
                                  "submit it")
        return redirect(_url(amendment.pk))
    return render(request, "assessments/confirm.html", {
        "person": read.person, "heading": "Amend this assessment", "submit": "Start the amendment",
        "intro": "The amendment is a new version of the assessment, starting with every answer as it is now. "
                 "The version you are amending stays as it was.", "back_url": _url(read.assessment.pk)})


@staff_page
def discard_page(request, assessment_id):
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    a = read.assessment
    if a.status != Status.DRAFT:
        raise Http404("Draft not found")
    return discard_draft_page(
        request, person=read.person, revision=a.revision, heading="Discard this draft", back_url=_url(a.pk),
        discard=lambda revision: actions.discard_draft(actor=request.user, assessment_id=a.pk,
                                                       expected_revision=revision),
        done_url=reverse("assessments:list", kwargs={"person_id": read.person.pk}))
