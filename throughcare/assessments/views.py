"""Assessment pages: the person's assessments, a draft as a task list of sections (one section per page,
saved explicitly), check your answers (with what changed since last time), submit, amend and discard.

One section per page rather than one question per page: docs/decisions/0010-assessments-and-outcomes.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.assessments import actions
from throughcare.assessments.answers import missing_required
from throughcare.assessments.forms import RevisionForm, SectionForm, StartForm
from throughcare.assessments.models import Status
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


def _task_list(read) -> list[dict]:
    rows = []
    for section in read.view["sections"]:
        if section["answered"] == 0:
            status = "Not yet started"
        elif section["answered"] == section["asked"]:
            status = "Completed"
        else:
            status = f"{section['answered']} of {section['asked']} answered"
        changed = sum(1 for c in read.view["changes"] if c["section"] == section["id"])
        rows.append({**section, "status": status, "changed": changed,
                     "url": _url(read.assessment.pk, "assessments:section", section_id=section["id"])})
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
            **context, "tasks": _task_list(read), "check_url": _url(a.pk, "assessments:check"),
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
    read = read_assessment(request.user, assessment_id, action="assessment.form", write=True)
    section = _section_or_404(read, section_id)
    a = read.assessment
    form = SectionForm(request.POST or None, section=section, answers=a.answers, initial={"revision": a.revision})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_draft(actor=request.user, assessment_id=a.pk,
                                       expected_revision=form.cleaned_data["revision"],
                                       answers={section.id: form.raw()})
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed as failure:
            current = read_assessment(request.user, a.pk, audit=False).assessment
            data = request.POST.copy()
            data["revision"] = str(current.revision)
            form = SectionForm(data, section=section, answers=current.answers)
            form.is_valid()
            form.add_error(None, f"{failure.message.split(' Reload')[0]}. Your answers are below, not yet saved: "
                                 "check them, then save again.")
            status = 409
        else:
            when = timezone.localtime(saved.updated_at)
            messages.success(request, f"Draft saved at {when:%H:%M}")
            if request.POST.get("then") == "task-list":
                return redirect(_url(a.pk))
            later = [s for s in read.sections if read.sections.index(s) > read.sections.index(section)]
            return redirect(_url(a.pk, "assessments:section", section_id=later[0].id) if later
                            else _url(a.pk, "assessments:check"))
    position = read.sections.index(section) + 1
    return render(request, "assessments/section.html", {
        "person": read.person, "assessment": a, "instrument": read.instrument, "section": section, "form": form,
        "position": position, "of": len(read.sections), "back_url": _url(a.pk),
    }, status=422 if form.errors and status == 200 else status)


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
            form = RevisionForm(initial={"revision": read.assessment.revision})
            form.add_error(None, "Someone else saved this draft while you were checking it. Check the answers "
                                 "again, then submit.")
        else:
            messages.success(request, f"{read.instrument.title} submitted")
            return redirect(_url(a.pk))
    changed = {(c["section"], c["question"]): c for c in read.view["changes"]}
    errors = [(_url(a.pk, "assessments:section", section_id=name.split(".")[1]) + f"#id_{name.split('.')[2]}",
               message) for name, message in missing.items()]
    sections = [{**s, "url": _url(a.pk, "assessments:section", section_id=s["id"]),
                 "questions": [{**q, "change": changed.get((s["id"], q["id"])),
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
    form = RevisionForm(request.POST or None, initial={"revision": a.revision})
    if request.method == "POST" and form.is_valid():
        try:
            actions.discard_draft(actor=request.user, assessment_id=a.pk,
                                  expected_revision=form.cleaned_data["revision"])
        except PreconditionFailed:
            form.add_error(None, "Someone else saved this draft since you opened this page. Look at it again "
                                 "before you discard it.")
        else:
            messages.success(request, "Draft discarded")
            return redirect(reverse("assessments:list", kwargs={"person_id": read.person.pk}))
    return render(request, "assessments/confirm.html", {
        "person": read.person, "heading": "Discard this draft", "form": form, "submit": "Discard the draft",
        "danger": True, "intro": "Every answer in this draft will be thrown away.", "back_url": _url(a.pk)},
        status=409 if form.errors else 200)
