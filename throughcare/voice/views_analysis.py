"""Voice pages for consultation analysts, part 2: the analysis run, themes per question, coding a sample and the
review queue, campaigns, redactions, "you said, we did" decisions and publishing the summary."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from throughcare.audit.recorder import record_access
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import form_page, staff_page
from throughcare.voice import publish_actions, reads, theme_actions, worker, workflow
from throughcare.voice.analysis import compare as comparing
from throughcare.voice.forms import CodeForm, CompareForm, DecisionForm, MergeForm, ThemeForm
from throughcare.voice.models import Assignment, CodedBy, Redaction, Status, Theme
from throughcare.voice.permissions import consultations_for, get_consultation
from throughcare.voice.views import _post, failure_links, page, question_of


def _theme(consultation, tpk) -> Theme:
    theme = consultation.themes.select_related("question").filter(pk=tpk).first()
    if theme is None:
        raise Http404("Theme not found")
    return theme


def _themes_url(consultation_id, question_id) -> str:
    return reverse("voice:question-themes", kwargs={"cid": consultation_id, "qpk": question_id})


# --- the run and the themes ---------------------------------------------------------------------------------


@staff_page
def run(request, cid):
    if request.method != "POST":
        return redirect("voice:themes", cid=cid)
    try:
        queued = worker.request_analysis(actor=request.user, consultation_id=cid)
    except ValidationFailed as failure:
        return themes_index.__wrapped__(request, cid, errors=failure_links(failure), status=422)
    messages.success(request, "The analysis is running: this page shows when it is done" if queued.status ==
                     "running" else "The analysis is queued: this page shows when it is done")
    return redirect("voice:themes", cid=cid)


@staff_page
def themes_index(request, cid, errors=None, status=200):
    consultation = get_consultation(request.user, cid)
    rows = []
    for question in consultation.questions.prefetch_related("themes", "assignments"):
        if not question.has_free_text:
            continue
        themes = list(question.themes.all())
        assignments = list(question.assignments.all())
        rows.append({"question": question, "themes": len(themes), "approved": sum(t.approved for t in themes),
                     "coded": len(assignments), "for_review": sum(a.needs_review for a in assignments)})
    return page(request, "voice/themes.html", consultation, section="themes", rows=rows, errors=errors,
                status=status, last_run=consultation.runs.first())


@staff_page
def question_themes(request, cid, qpk, errors=None, status=200, merge_form=None):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    themes = list(question.themes.prefetch_related("assignments", "quotes"))
    found = theme_actions.units(question)
    assignments = list(question.assignments.all())
    ref_of = {u.respondent_id: u.ref for u in found.values()}
    coded = {ref_of[a.respondent_id] for a in assignments if a.respondent_id in ref_of}
    cards = []
    for theme in themes:
        reps = [found[ref] for ref in theme.representatives if ref in found]
        assigned = {ref_of[a.respondent_id] for a in theme.assignments.all() if a.respondent_id in ref_of}
        raised = workflow.theme_respondents(assigned, theme.members, coded, approved=theme.approved) & set(found)
        cards.append({"theme": theme, "representatives": reps[:3], "count": len(raised), "coded": len(assigned)})
    analyst = sum(1 for a in assignments if a.coded_by == CodedBy.ANALYST)
    return page(request, "voice/question_themes.html", consultation, section="themes", question=question,
                cards=cards, answered=len(found), analyst_coded=analyst, errors=errors, status=status,
                for_review=sum(1 for a in assignments if a.needs_review),
                classified=sum(1 for a in assignments if a.coded_by == CodedBy.CLASSIFIER),
                approved=[t for t in themes if t.approved],
                merge_form=merge_form or MergeForm(themes=themes), suggested_sample=min(20, len(found)))


def _post_action(request, cid, qpk, run_action, success):
    if request.method != "POST":
        return redirect(_themes_url(cid, qpk))
    try:
        result = run_action()
    except ValidationFailed as failure:
        return question_themes.__wrapped__(request, cid, qpk, errors=failure_links(failure), status=422)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(_themes_url(cid, qpk))


@staff_page
def propose(request, cid, qpk):
    return _post_action(request, cid, qpk, lambda: theme_actions.propose_again(
        actor=request.user, consultation_id=cid, question_id=qpk), lambda n: f"{n} themes proposed")


@staff_page
def classify(request, cid, qpk):
    return _post_action(request, cid, qpk, lambda: theme_actions.classify(
        actor=request.user, consultation_id=cid, question_id=qpk),
        lambda r: f"The classifier coded {r[0]} responses; {r[1]} are in the review queue")


@staff_page
def merge(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    if request.method != "POST":
        return redirect(_themes_url(cid, qpk))
    form = MergeForm(request.POST, themes=list(question.themes.all()))
    if form.is_valid():
        try:
            kept = theme_actions.merge_themes(actor=request.user, consultation_id=cid, question_id=qpk,
                                              theme_ids=form.cleaned_data["themes"], label=form.cleaned_data["label"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"Themes merged into “{kept.label}”")
            return redirect(_themes_url(cid, qpk))
    return question_themes.__wrapped__(request, cid, qpk, errors=form.error_links(), status=422, merge_form=form)


@staff_page
def theme_add(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    form = ThemeForm(_post(request))
    return form_page(request, form, run=lambda data: theme_actions.add_theme(
        actor=request.user, consultation_id=cid, question_id=qpk, **data),
        success=lambda t: f"Theme “{t.label}” added", redirect_to=_themes_url(cid, qpk),
        heading=f"Add a theme to question {question.qid}", caption=consultation.title, submit="Add theme",
        cancel_url=_themes_url(cid, qpk))


@staff_page
def theme_edit(request, cid, tpk):
    consultation = get_consultation(request.user, cid)
    theme = _theme(consultation, tpk)
    form = ThemeForm(_post(request), initial={"label": theme.label, "description": theme.description})
    return form_page(request, form, run=lambda data: theme_actions.rename_theme(
        actor=request.user, consultation_id=cid, theme_id=tpk, **data),
        success=lambda t: f"Theme renamed “{t.label}”", redirect_to=_themes_url(cid, theme.question_id),
        heading="Rename a theme", caption=f"Question {theme.question.qid}", submit="Save theme",
        cancel_url=_themes_url(cid, theme.question_id))


@staff_page
def theme_approve(request, cid, tpk):
    consultation = get_consultation(request.user, cid)
    theme = _theme(consultation, tpk)
    approve = request.POST.get("approved", "yes") != "no"
    return _post_action(request, cid, theme.question_id, lambda: theme_actions.approve_theme(
        actor=request.user, consultation_id=cid, theme_id=tpk, approved=approve),
        lambda t: f"Theme “{t.label}” " + ("approved" if t.approved else "no longer approved"))


@staff_page
def theme_split(request, cid, tpk):
    consultation = get_consultation(request.user, cid)
    theme = _theme(consultation, tpk)
    return _post_action(request, cid, theme.question_id, lambda: theme_actions.split_theme(
        actor=request.user, consultation_id=cid, theme_id=tpk),
        lambda parts: "Theme split into " + " and ".join(f"“{t.label}”" for t in parts))


# --- coding -------------------------------------------------------------------------------------------------


def _next_to_code(question, found, *, after: str = "") -> str | None:
    """The next response for the analyst: the review queue first (least confident first), then the sample."""
    assignments = {a.respondent_id: a for a in question.assignments.all()}
    queue = sorted((a for a in assignments.values() if a.needs_review), key=lambda a: (a.confidence or 0, a.pk))
    by_id = {u.respondent_id: u for u in found.values()}
    for assignment in queue:
        if assignment.respondent_id in by_id and by_id[assignment.respondent_id].ref != after:
            return str(assignment.respondent_id)
    for ref in workflow.sample_order(found):
        unit = found[ref]
        done = assignments.get(unit.respondent_id)
        if ref != after and (done is None or done.coded_by != CodedBy.ANALYST):
            return str(unit.respondent_id)
    return None


@staff_page
def code_next(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    following = _next_to_code(question, theme_actions.units(question))
    if following is None:
        messages.success(request, f"Every response to question {question.qid} is coded by you")
        return redirect(_themes_url(cid, qpk))
    return redirect("voice:code", cid=cid, qpk=qpk, rpk=following)


@staff_page
def review_queue(request, cid, qpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    queue = Assignment.objects.filter(question=question, needs_review=True).select_related(
        "respondent").prefetch_related("themes").order_by("confidence", "respondent__ref")
    return page(request, "voice/review_queue.html", consultation, section="themes", question=question, queue=queue,
                review_below=workflow.REVIEW_BELOW)


@staff_page
def code(request, cid, qpk, rpk):
    consultation = get_consultation(request.user, cid)
    question = question_of(consultation, qpk, free_text=True)
    found = theme_actions.units(question)
    unit = next((u for u in found.values() if str(u.respondent_id) == str(rpk)), None)
    if unit is None:
        raise Http404("That response does not answer this question")
    approved = list(question.themes.filter(approved=True))
    assignment = question.assignments.filter(respondent_id=unit.respondent_id).prefetch_related("themes").first()
    initial = {"themes": [str(t.pk) for t in assignment.themes.all()], "stance": assignment.stance} if assignment else {}
    form = CodeForm(_post(request), themes=approved, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            theme_actions.code_response(actor=request.user, consultation_id=cid, question_id=qpk,
                                        respondent_id=unit.respondent_id, theme_ids=form.cleaned_data["themes"],
                                        stance=form.cleaned_data["stance"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"Response {unit.ref} coded")
            following = _next_to_code(question, found, after=unit.ref)
            if request.POST.get("then") == "next" and following:
                return redirect("voice:code", cid=cid, qpk=qpk, rpk=following)
            return redirect(_themes_url(cid, qpk))
    return page(request, "voice/code.html", consultation, section="themes", question=question, unit=unit,
                assignment=assignment, form=form, approved=approved, status=422 if form.errors else 200)


# --- campaigns, redactions, decisions, publication ----------------------------------------------------------


@staff_page
def campaigns(request, cid):
    consultation = get_consultation(request.user, cid)
    groups = consultation.campaigns.select_related("standard").prefetch_related("members")
    return page(request, "voice/campaigns.html", consultation, section="campaigns", groups=groups)


@staff_page
def redactions(request, cid, errors=None, status=200):
    consultation = get_consultation(request.user, cid)
    found = Redaction.objects.filter(quote__theme__consultation=consultation).select_related(
        "quote__respondent", "quote__theme__question").order_by("quote__theme__question__position",
                                                               "quote__theme__position", "quote__position", "start")
    rows = []
    for redaction in found:
        text = redaction.quote.source_text
        rows.append({"redaction": redaction, "before": text[max(0, redaction.start - 60):redaction.start],
                     "after": text[redaction.end:redaction.end + 60], "structured":
                     redaction.entity in workflow.STRUCTURED,
                     "entity": publish_actions.ENTITY_NAMES.get(redaction.entity, redaction.entity)})
    return page(request, "voice/redactions.html", consultation, section="redactions", rows=rows, errors=errors,
                status=status)


@staff_page
def redaction_decide(request, cid, pk):
    if request.method != "POST":
        return redirect("voice:redactions", cid=cid)
    accept = request.POST.get("decision") != "undo"
    try:
        publish_actions.decide_redaction(actor=request.user, consultation_id=cid, redaction_id=pk, accept=accept)
    except ValidationFailed as failure:
        return redactions.__wrapped__(request, cid, errors=failure_links(failure), status=422)
    messages.success(request, "Redaction accepted" if accept else "Redaction undone: the words will be published")
    return redirect(reverse("voice:redactions", kwargs={"cid": cid}) + f"#redaction-{pk}")


def _approved_themes(consultation):
    return list(consultation.themes.filter(approved=True).select_related("question"))


@staff_page
def decisions(request, cid):
    consultation = get_consultation(request.user, cid)
    form = DecisionForm(_post(request), themes=_approved_themes(consultation))
    if request.method == "POST" and form.is_valid():
        try:
            publish_actions.add_decision(actor=request.user, consultation_id=cid, theme_id=form.cleaned_data["theme"],
                                         **{k: form.cleaned_data[k] for k in ("you_said", "we_did", "status",
                                                                              "rationale", "next_steps")})
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Decision recorded")
            return redirect("voice:decisions", cid=cid)
    listed = consultation.decisions.select_related("theme__question")
    return page(request, "voice/decisions.html", consultation, section="decisions", form=form, decisions=listed,
                status=422 if form.errors else 200)


@staff_page
def decision_edit(request, cid, pk):
    consultation = get_consultation(request.user, cid)
    decision = consultation.decisions.filter(pk=pk).first()
    if decision is None:
        raise Http404("Decision not found")
    form = DecisionForm(_post(request), themes=_approved_themes(consultation),
                        initial=DecisionForm.initial_for(decision))
    return form_page(request, form, run=lambda data: publish_actions.update_decision(
        actor=request.user, consultation_id=cid, decision_id=pk, theme_id=data["theme"],
        **{k: data[k] for k in ("you_said", "we_did", "status", "rationale", "next_steps")}),
        success="Decision saved", redirect_to=reverse("voice:decisions", kwargs={"cid": cid}),
        heading="Change a decision", caption=consultation.title, submit="Save decision",
        cancel_url=reverse("voice:decisions", kwargs={"cid": cid}))


@staff_page
def decision_remove(request, cid, pk):
    if request.method == "POST":
        publish_actions.remove_decision(actor=request.user, consultation_id=cid, decision_id=pk)
        messages.success(request, "Decision removed")
    return redirect("voice:decisions", cid=cid)


@staff_page
def publish(request, cid, errors=None, status=200):
    consultation = get_consultation(request.user, cid)
    if request.method == "POST":
        try:
            publish_actions.publish_summary(actor=request.user, consultation_id=cid)
        except ValidationFailed as failure:
            errors, status = failure_links(failure), 422
        else:
            messages.success(request, "Summary of responses published")
            return redirect("voice:publish", cid=cid)
    analysis = reads.build_analysis(consultation, publication=True)
    return page(request, "voice/publish.html", consultation, section="publish", errors=errors, status=status,
                summary=workflow.summary_context(analysis), Status=Status,
                public_url=request.build_absolute_uri(reverse("voice:summary", kwargs={"cid": consultation.pk})))


# --- comparing two consultations on the same subject ---------------------------------------------------------


@staff_page
def compare(request, cid):
    """Themes raised in this consultation and not in another of the agency's, and the other way round
    (voice/analysis/compare.py: matched by meaning across questions; the pairs are there for the analyst to
    check). The comparison reads both consultations' answers, so it is audited."""
    consultation = get_consultation(request.user, cid)
    others = list(consultations_for(request.user).exclude(pk=consultation.pk).order_by("-created_at"))
    asked = "compare" in request.GET or "other" in request.GET  # the button's name: sent when no choice is made
    form = CompareForm(request.GET if asked else None, others=others)
    result, other, status = None, None, 200
    if form.is_bound:
        if form.is_valid():
            other = get_consultation(request.user, form.cleaned_data["other"])
            mine = reads.build_analysis(consultation, publication=False)
            theirs = reads.build_analysis(other, publication=False)
            result = comparing.compare(mine, theirs)
            record_access(actor=request.user, action="voice_consultation.compare", resource="consultation",
                          resource_id=str(consultation.pk), reason=f"compared with consultation {other.pk}")
        else:
            status = 422
    return page(request, "voice/compare.html", consultation, section="themes", form=form, others=others,
                other=other, result=result, status=status)
