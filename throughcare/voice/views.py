"""Voice pages for consultation analysts, part 1: consultations, questions, responses and the mapping review.

Themes, coding, campaigns, redactions, decisions and publication: views_analysis.py. The public form and the
published summary: views_public.py. Every write goes through an action; reads through permissions.get_consultation
(a consultation of another agency, or any for a non-analyst, is "not found").
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.agencies.models import Staff, staff_of
from throughcare.audit.recorder import record_access
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import form_page, render_form, staff_page
from throughcare.voice import actions, reads, workflow
from throughcare.voice.analysis.mapping import CHECK_MARGIN
from throughcare.voice.forms import (
    ClosedAnswerForm,
    ConsultationForm,
    GrantForm,
    PaperForm,
    QuestionForm,
    RemapForm,
    RespondentForm,
    ResponseImportForm,
)
from throughcare.voice.models import AnalystGrant, Passage, QuestionType, Status
from throughcare.voice.permissions import (
    ANALYST_ROLES,
    NEVER_ANALYSTS,
    consultations_for,
    get_consultation,
    require_admin,
    require_analyst,
)


def analyst_page(view):
    """Signed-in consultation analysts only (403 for other staff on pages that name no consultation)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_analyst(request.user)
        return view(request, *args, **kwargs)

    return staff_page(wrapper)


def _post(request):
    """The posted data, or None for a GET (an empty POST is still a POST: its form shows what is missing)."""
    return request.POST if request.method == "POST" else None


def _posted(request):
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def consultation_url(consultation, name: str = "consultation", **kwargs) -> str:
    return reverse(f"voice:{name}", kwargs={"cid": consultation.pk, **kwargs})


def page(request, template: str, consultation, *, section: str, status: int = 200, errors=None, **context):
    """A consultation page with its sub-navigation, and an error summary for `errors` [(anchor, message)]."""
    return render(request, template, {"consultation": consultation, "section": section, "errors": errors or [],
                                      "form_errors": bool(errors), **context}, status=status)


def failure_links(failure: ValidationFailed) -> list[tuple[str, str]]:
    return [("", message) for message in failure.fields.values()] or [("", failure.message)]


# --- consultations ------------------------------------------------------------------------------------------


@analyst_page
def consultation_list(request):
    consultations = consultations_for(request.user).prefetch_related("respondents")
    return render(request, "voice/list.html", {"consultations": consultations})


@analyst_page
def consultation_new(request):
    form = ConsultationForm(_post(request))
    return form_page(request, form, run=lambda data: actions.create_consultation(actor=request.user, **data),
                     success=lambda c: f"Consultation created: {c.title}", redirect_to=consultation_url,
                     heading="Create a consultation", submit="Create consultation",
                     cancel_url=reverse("voice:list"))


@staff_page
def consultation_edit(request, cid):
    consultation = get_consultation(request.user, cid)
    form = ConsultationForm(_post(request), initial={"title": consultation.title,
                                                           "description": consultation.description})
    return form_page(request, form, run=lambda data: actions.update_consultation(
        actor=request.user, consultation_id=cid, **data), success="Consultation updated",
        redirect_to=consultation_url, heading="Change the consultation's title", submit="Save",
        cancel_url=consultation_url(consultation))


@staff_page
def overview(request, cid, errors=None, status=200):
    consultation = get_consultation(request.user, cid)
    public_url = request.build_absolute_uri(reverse("voice:respond", kwargs={"cid": consultation.pk}))
    return page(request, "voice/overview.html", consultation, section="overview", errors=errors, status=status,
                figures=reads.overview(consultation), public_url=public_url, Status=Status)


@staff_page
def consultation_status(request, cid):
    if request.method != "POST":
        return redirect("voice:consultation", cid=cid)
    try:
        consultation = actions.set_status(actor=request.user, consultation_id=cid, status=request.POST.get("status"))
    except ValidationFailed as failure:
        return overview.__wrapped__(request, cid, errors=failure_links(failure), status=422)
    messages.success(request, f"The consultation is now {consultation.get_status_display().lower()}")
    return redirect("voice:consultation", cid=cid)


# --- questions ----------------------------------------------------------------------------------------------


@staff_page
def paper_import(request, cid):
    consultation = get_consultation(request.user, cid)
    form = PaperForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["paper"]
        try:
            text = workflow.read_document(upload)
            questions = actions.import_paper(actor=request.user, consultation_id=cid, file_name=upload.name, text=text)
        except workflow.DocumentError as exc:
            form.add_error("paper", f"The consultation paper cannot be read: {exc}")
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"{len(questions)} questions read from {upload.name}: check and correct them")
            return redirect("voice:questions", cid=cid)
    return render(request, "voice/paper.html", {"consultation": consultation, "section": "questions", "form": form},
                  status=422 if form.errors else 200)


@staff_page
def questions(request, cid):
    consultation = get_consultation(request.user, cid)
    return page(request, "voice/questions.html", consultation, section="questions",
                questions=list(consultation.questions.all()))


def question_of(consultation, qpk, *, free_text: bool = False):
    """The consultation's question `qpk` (one with free text, if asked), or 404."""
    question = consultation.questions.filter(pk=qpk).first()
    if question is None or (free_text and not question.has_free_text):
        raise Http404("Question not found")
    return question


@staff_page
def question_new(request, cid):
    consultation = get_consultation(request.user, cid)
    form = QuestionForm(_post(request), initial={"type": "open"})
    return form_page(request, form, run=lambda _d: actions.add_question(
        actor=request.user, consultation_id=cid, data=form.action_input()),
        success=lambda q: f"Question {q.qid} added", redirect_to=consultation_url(consultation, "questions"),
        heading="Add a question", caption=consultation.title, submit="Add question",
        cancel_url=consultation_url(consultation, "questions"))


@staff_page
def question_edit(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk)
    form = QuestionForm(_post(request), initial=QuestionForm.initial_for(question))
    return form_page(request, form, run=lambda _d: actions.update_question(
        actor=request.user, consultation_id=cid, question_id=qpk, data=form.action_input()),
        success=lambda q: f"Question {q.qid} saved", redirect_to=consultation_url(consultation, "questions"),
        heading=f"Change question {question.qid}", caption=consultation.title, submit="Save question",
        cancel_url=consultation_url(consultation, "questions"))


@staff_page
def question_remove(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk)
    if request.method == "POST":
        moved = actions.remove_question(actor=request.user, consultation_id=cid, question_id=qpk)
        messages.success(request, f"Question {question.qid} removed" +
                         (f"; {moved} passages are now points outside the questions" if moved else ""))
        return redirect("voice:questions", cid=cid)
    return page(request, "voice/question_remove.html", consultation, section="questions", question=question,
                mapped=question.passages.count())


# --- responses ----------------------------------------------------------------------------------------------


@staff_page
def responses(request, cid):
    consultation = get_consultation(request.user, cid)
    respondents = consultation.respondents.select_related("campaign").prefetch_related("passages")
    return page(request, "voice/responses.html", consultation, section="responses", respondents=respondents,
                to_check=_to_check(consultation).count())


def _to_check(consultation):
    """The consultation's passages an analyst should check (Passage.to_check, as a query)."""
    return Passage.objects.filter(respondent__consultation=consultation, remapped=False, margin__lt=CHECK_MARGIN)


@staff_page
def passages_to_check(request, cid):
    """The passages matched by meaning with little to choose between two answers, that no analyst has checked:
    the least certain first, each with the form that confirms or moves it (mapping.CHECK_MARGIN)."""
    consultation = get_consultation(request.user, cid)
    passages = list(_to_check(consultation).select_related("respondent", "question")
                    .order_by("margin", "respondent__ref", "position"))
    record_access(actor=request.user, action="voice_response.list", resource="consultation",
                  resource_id=str(consultation.pk), reason=f"{len(passages)} passages to check")
    questions_list = list(consultation.questions.all())
    rows = [{"passage": p, "text": p.respondent.text[p.start:p.end],
             "remap": RemapForm(prefix=f"p{p.pk}", questions=questions_list,
                                initial={"question": str(p.question_id or "outside")})} for p in passages]
    return page(request, "voice/to_check.html", consultation, section="responses", rows=rows,
                check_margin=CHECK_MARGIN)


@staff_page
def responses_import(request, cid):
    consultation = get_consultation(request.user, cid)
    form = ResponseImportForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        uploads, problems = [], []
        for upload in form.cleaned_data["files"]:
            try:
                if upload.name.lower().endswith(".csv"):
                    uploads.append(actions.Upload(name=upload.name, rows=workflow.read_csv(upload)))
                else:
                    uploads.append(actions.Upload(name=upload.name, text=workflow.read_document(upload)))
            except workflow.DocumentError as exc:
                problems.append(f"Response files: {upload.name} cannot be read: {exc}")
        if problems:
            for problem in problems:
                form.add_error("files", problem)
        else:
            try:
                created = actions.import_responses(actor=request.user, consultation_id=cid, uploads=uploads)
            except ValidationFailed as failure:
                form.add_action_errors(failure)
            else:
                messages.success(request, f"{len(created)} responses imported. Check who sent each document and "
                                          "whether it may be quoted: imported documents are not published until you say")
                return redirect("voice:responses", cid=cid)
    return render(request, "voice/import.html", {"consultation": consultation, "section": "responses", "form": form},
                  status=422 if form.errors else 200)


def _highlighted(respondent, passages) -> list[dict]:
    """The source text cut into runs, each either plain or a passage (to be marked and linked)."""
    runs, last = [], 0
    for passage in sorted(passages, key=lambda p: (p.start, p.end)):
        if passage.start < last:
            continue
        if passage.start > last:
            runs.append({"text": respondent.text[last:passage.start]})
        runs.append({"text": respondent.text[passage.start:passage.end], "passage": passage})
        last = passage.end
    runs.append({"text": respondent.text[last:]})
    return runs


@staff_page
def response_detail(request, cid, rpk, respondent_form=None, errors=None, status=200, refused=None):
    """A response's page. `refused`: (passage id, "remap" or "closed", the action's ValidationFailed) when a
    passage's form was refused: it is shown as sent, holding the errors, and the error summary links to them."""
    consultation, respondent = actions.get_respondent(request.user, cid, rpk)
    record_access(actor=request.user, action="voice_response.read", resource="consultation",
                  resource_id=str(consultation.pk), reason=f"response {respondent.ref}")
    passages = list(Passage.objects.filter(respondent=respondent).select_related("question"))
    questions_list = list(consultation.questions.all())
    rows = []
    for passage in passages:
        closed = None
        if passage.question and passage.question.is_closed:
            chosen = (passage.closed or {}).get("chosen", [])
            if passage.question.type != QuestionType.SELECT_ALL:
                chosen = chosen[0] if chosen else ""
            closed = ClosedAnswerForm(prefix=f"c{passage.pk}", question=passage.question, initial={"chosen": chosen})
        row = {"passage": passage, "text": respondent.text[passage.start:passage.end], "closed": closed,
               "remap": RemapForm(prefix=f"p{passage.pk}", questions=questions_list,
                                  initial={"question": str(passage.question_id or "outside")})}
        if refused is not None and refused[0] == passage.pk and row[refused[1]] is not None:
            form = row[refused[1]]
            form = type(form)(request.POST, prefix=form.prefix, **(
                {"questions": questions_list} if refused[1] == "remap" else {"question": passage.question}))
            form.errors.clear()  # the action's verdict only: it knows the consultation's questions and options
            form.add_action_errors(refused[2])
            row[refused[1]], errors = form, form.error_links()
        rows.append(row)
    if refused is not None and not errors:
        errors = failure_links(refused[2])
    form = respondent_form or RespondentForm(initial={
        "respondent_type": respondent.respondent_type, "organisation": respondent.organisation,
        "name": respondent.name, "publish": respondent.publish})
    return page(request, "voice/response.html", consultation, section="responses", respondent=respondent,
                rows=rows, runs=_highlighted(respondent, passages), form=form, errors=errors, status=status)


@staff_page
def respondent_edit(request, cid, rpk):
    if request.method != "POST":
        return redirect("voice:response", cid=cid, rpk=rpk)
    form = RespondentForm(request.POST)
    if form.is_valid():
        try:
            actions.update_respondent(actor=request.user, consultation_id=cid, respondent_id=rpk, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Who sent the response, and whether it may be published, saved")
            return redirect("voice:response", cid=cid, rpk=rpk)
    return response_detail.__wrapped__(request, cid, rpk, respondent_form=form, status=422)


@staff_page
def respondent_remove(request, cid, rpk):
    if request.method == "POST":
        ref = actions.remove_respondent(actor=request.user, consultation_id=cid, respondent_id=rpk)
        messages.success(request, f"Response {ref} removed")
    return redirect("voice:responses", cid=cid)


@staff_page
def passage_remap(request, cid, ppk):
    passage = Passage.objects.filter(pk=ppk).only("respondent_id", "question_id").first()
    if request.method != "POST" or passage is None:
        return redirect("voice:responses", cid=cid)
    try:
        moved = actions.remap_passage(actor=request.user, consultation_id=cid, passage_id=ppk,
                                      question_id=request.POST.get(f"p{ppk}-question"))
    except ValidationFailed as failure:
        return response_detail.__wrapped__(request, cid, passage.respondent_id, refused=(ppk, "remap", failure),
                                           status=422)
    where = f"question {moved.question.qid}" if moved.question else "outside the questions"
    kept = moved.question_id == passage.question_id
    messages.success(request, f"Response {moved.respondent.ref}, passage {moved.position + 1}: "
                              f"{'confirmed as' if kept else 'moved to'} {where}")
    if request.POST.get("return_to") == "to-check":
        return redirect("voice:to-check", cid=cid)
    return redirect(reverse("voice:response", kwargs={"cid": cid, "rpk": moved.respondent_id}) + f"#passage-{ppk}")


@staff_page
def passage_closed(request, cid, ppk):
    passage = Passage.objects.filter(pk=ppk).only("respondent_id").first()
    if request.method != "POST" or passage is None:
        return redirect("voice:responses", cid=cid)
    try:
        corrected = actions.correct_closed_answer(actor=request.user, consultation_id=cid, passage_id=ppk,
                                                  chosen=request.POST.getlist(f"c{ppk}-chosen"))
    except ValidationFailed as failure:
        return response_detail.__wrapped__(request, cid, passage.respondent_id, refused=(ppk, "closed", failure),
                                           status=422)
    messages.success(request, f"Answer to question {corrected.question.qid} corrected")
    return redirect(reverse("voice:response", kwargs={"cid": cid, "rpk": corrected.respondent_id}) + f"#passage-{ppk}")


# --- the analyst permission (administrators) ----------------------------------------------------------------


@staff_page
def analysts(request):
    require_admin(request.user)
    candidates = list(Staff.objects.select_related("user", "agency").exclude(
        role__in=NEVER_ANALYSTS | ANALYST_ROLES).exclude(voice_grant__isnull=False).order_by(
        "agency__name", "user__username"))
    form = GrantForm(_post(request), staff=candidates)
    if request.method == "POST" and request.POST.get("revoke"):
        actions.revoke_analyst(actor=request.user, staff_id=request.POST["revoke"])
        messages.success(request, "Consultation analyst permission taken away")
        return redirect("voice:analysts")
    if request.method == "POST" and form.is_valid():
        try:
            grant = actions.grant_analyst(actor=request.user, staff_id=form.cleaned_data["staff"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"{grant.staff.display_name} is now a consultation analyst")
            return redirect("voice:analysts")
    grants = AnalystGrant.objects.select_related("staff__user", "staff__agency").order_by("staff__user__username")
    return render_form(request, form, "voice/analysts.html", grants=grants, staff=staff_of(request.user))
