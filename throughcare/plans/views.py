"""Recovery plan pages: the plan, its stage and cadence, adding, changing and removing goals, and the
versions. A stale save shows "Someone else changed this plan" with both versions side by side."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.core.views import staff_page
from throughcare.plans import actions
from throughcare.plans.forms import GoalForm, RemoveGoalForm, StageForm
from throughcare.plans.models import Domain, GoalStatus, Stage
from throughcare.plans.reads import plan_version, plan_versions, read_plan


def _plan_url(person) -> str:
    return reverse("plans:plan", kwargs={"person_id": person.pk})


def _by_domain(goals: list[dict]) -> list[tuple[str, list[dict]]]:
    return [(label, [g for g in goals if g["domain"] == value]) for value, label in Domain.choices
            if any(g["domain"] == value for g in goals)]


@staff_page
def plan_page(request, person_id):
    read = read_plan(request.user, person_id)
    return render(request, "plans/plan.html", {
        "person": read.person, "grant": read.grant, "plan": read.view, "domains": _by_domain(read.view["goals"]),
        "exists": read.plan is not None,
    })


def _goal_rows(goal: dict | None) -> list[tuple[str, str]]:
    if goal is None:
        return [("Goal", "Removed from the plan")]
    actions_text = "; ".join(f"{a['text']} ({a['who']}{', by ' + a['target_date'] if a.get('target_date') else ''}"
                             f"{', done' if a['done'] else ''})" for a in goal.get("actions", [])) or "None"
    return [("Area of life", Domain(goal["domain"]).label if goal.get("domain") in Domain.values else ""),
            ("In their words", goal.get("in_their_words") or ""),
            ("Owner", (goal.get("owner_agency") or {}).get("name", "") if isinstance(goal.get("owner_agency"), dict)
             else goal.get("owner_name", "")),
            ("Target date", str(goal.get("target_date") or "None")),
            ("Status", GoalStatus(goal["status"]).label if goal.get("status") in GoalStatus.values else ""),
            ("Actions", actions_text)]


def _conflict(request, person, failure: PreconditionFailed, *, what: str, theirs, yours, reapply_url: str,
              can_reapply: bool = True):
    """The conflict page: their saved version and what you sent, and a way to apply yours on top of theirs."""
    current = read_plan(request.user, person.pk, audit=False)
    carried = [(key, value) for key, values in request.POST.lists() if key not in {"csrfmiddlewaretoken", "version"}
               for value in values]
    return render(request, "plans/conflict.html", {
        "person": person, "message": failure.message, "what": what, "theirs": theirs(current.view),
        "yours": yours, "carried": carried, "version": current.version, "reapply_url": reapply_url,
        "can_reapply": can_reapply, "plan_url": _plan_url(person),
    }, status=409)


def _versioned_save(request, form, run, success: str):
    try:
        run()
    except ValidationFailed as failure:
        form.add_action_errors(failure)
        return None
    messages.success(request, success)
    return True


@staff_page
def stage_page(request, person_id):
    read = read_plan(request.user, person_id, action="plan.form", write=True)
    person, url = read.person, _plan_url(read.person)
    initial = {"version": read.version, "stage": read.view["stage"] or "",
               "review_every_weeks": read.view["review_every_weeks"]}
    form = StageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = _versioned_save(request, form, lambda: actions.change_stage(
                actor=request.user, person_id=person.pk, expected_version=data["version"], stage=data["stage"],
                review_every_weeks=data["review_every_weeks"]), "Stage and review cadence saved")
        except PreconditionFailed as failure:
            yours = [("Stage", Stage(data["stage"]).label if data["stage"] in Stage.values else "Unchanged"),
                     ("Review every", f"{data['review_every_weeks']} weeks")]
            return _conflict(request, person, failure, what="the stage and review cadence", yours=yours,
                             reapply_url=request.path, theirs=lambda view: [
                                 ("Stage", view["stage_label"] or ("Not set" if view["stage_visible"]
                                                                   else "Not shared with you")),
                                 ("Review every", f"{view['review_every_weeks']} weeks")])
        if done:
            return redirect(url)
    return render(request, "plans/form.html", {
        "form": form, "person": person, "heading": "Stage and reviews", "cancel_url": url,
        "fields": [form["stage"], form["review_every_weeks"]], "submit": "Save",
        "warning": None if read.view["stage_visible"] else
        "The stage was set by an agency that does not share substance use information with you: you cannot change it.",
    }, status=422 if form.errors else 200)


def _goal_view(read, goal_id) -> dict | None:
    wanted = str(parse_uuid(goal_id)) if parse_uuid(goal_id) else None
    return next((g for g in read.view["goals"] if g["id"] == wanted), None)


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def _goal_initial(goal: dict | None, version: int) -> dict:
    initial = {"version": version, "status": GoalStatus.NOT_STARTED}
    if goal:
        date = _date
        initial.update(domain=goal["domain"], in_their_words=goal["in_their_words"],
                       owner_agency=goal["owner_agency"]["id"], target_date=date(goal["target_date"]),
                       status=goal["status"])
        for i, action in enumerate(goal["actions"]):
            initial.update({f"action_{i}_text": action["text"], f"action_{i}_who": action["who"],
                            f"action_{i}_target": date(action["target_date"]), f"action_{i}_done": action["done"]})
    return initial


def _yours(form: GoalForm) -> list[tuple[str, str]]:
    goal = form.goal()
    owner = dict(form.fields["owner_agency"].choices).get(goal["owner_agency"] or "", "")
    return _goal_rows({**goal, "owner_agency": None, "owner_name": owner,
                       "target_date": goal["target_date"].isoformat() if goal["target_date"] else None,
                       "actions": [{**a, "target_date": a["target_date"].isoformat() if a["target_date"] else None}
                                   for a in goal["actions"]]})


@staff_page
def goal_page(request, person_id, goal_id=None):
    read = read_plan(request.user, person_id, action="plan.form", write=True)
    person, url = read.person, _plan_url(read.person)
    goal = _goal_view(read, goal_id) if goal_id else None
    if goal_id and goal is None and request.method != "POST":
        raise Http404("Goal not found")
    form = GoalForm(request.POST or None, initial=_goal_initial(goal, read.version),
                    actions=len(goal["actions"]) if goal else 0)
    if request.method == "POST" and form.is_valid():
        try:
            done = _versioned_save(request, form, lambda: actions.save_goal(
                actor=request.user, person_id=person.pk, expected_version=form.cleaned_data["version"],
                goal=form.goal(), goal_id=goal_id), "Goal saved" if goal_id else "Goal added")
        except PreconditionFailed as failure:
            if goal_id:
                def theirs(view):
                    return _goal_rows(next((g for g in view["goals"] if g["id"] == str(parse_uuid(goal_id))), None))
                still_there = _goal_view(read_plan(request.user, person.pk, audit=False), goal_id) is not None
                reapply = request.path if still_there else reverse("plans:goal-new", kwargs={"person_id": person.pk})
            else:
                def theirs(view):
                    return [(g["domain_label"], g["in_their_words"]) for g in view["goals"]] or [("Goals", "None")]
                reapply = request.path
            return _conflict(request, person, failure, what="this goal" if goal_id else "the goals",
                             theirs=theirs, yours=_yours(form), reapply_url=reapply)
        if done:
            return redirect(url)
    return render(request, "plans/goal_form.html", {
        "form": form, "person": person, "heading": "Change a goal" if goal_id else "Add a goal", "cancel_url": url,
        "remove_url": reverse("plans:goal-remove", kwargs={"person_id": person.pk, "goal_id": goal_id})
        if goal_id else None,
    }, status=422 if form.errors else 200)


@staff_page
def remove_goal_page(request, person_id, goal_id):
    read = read_plan(request.user, person_id, action="plan.form", write=True)
    person, url = read.person, _plan_url(read.person)
    goal = _goal_view(read, goal_id)
    if goal is None and request.method != "POST":
        raise Http404("Goal not found")
    form = RemoveGoalForm(request.POST or None, initial={"version": read.version})
    if request.method == "POST" and form.is_valid():
        try:
            done = _versioned_save(request, form, lambda: actions.remove_goal(
                actor=request.user, person_id=person.pk, expected_version=form.cleaned_data["version"],
                goal_id=goal_id), "Goal removed")
        except PreconditionFailed as failure:
            return _conflict(request, person, failure, what="this goal", yours=[("Goal", "Remove it")],
                             theirs=lambda view: _goal_rows(next(
                                 (g for g in view["goals"] if g["id"] == str(parse_uuid(goal_id))), None)),
                             reapply_url=request.path)
        if done:
            return redirect(url)
    return render(request, "plans/form.html", {
        "form": form, "person": person, "heading": "Remove this goal", "cancel_url": url, "fields": [],
        "intro": goal["in_their_words"] if goal else "", "submit": "Remove goal", "danger": True,
        "warning": "The goal stays in the plan's earlier versions.",
    }, status=422 if form.errors else 200)


@staff_page
def versions_page(request, person_id):
    person, versions = plan_versions(request.user, person_id)
    return render(request, "plans/versions.html", {"person": person, "versions": versions})


@staff_page
def version_page(request, person_id, number):
    person, version, view = plan_version(request.user, person_id, number)
    return render(request, "plans/version.html", {"person": person, "version": version, "plan": view,
                                                  "domains": _by_domain(view["goals"])})
