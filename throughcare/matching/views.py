"""Pages: possible matches on the register page, joining an existing record, and the Caldicott guardian's
review of proposed merges."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from throughcare.agencies.models import staff_of
from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.views import render_form, staff_page
from throughcare.matching import actions, reviews
from throughcare.matching.candidates import find_candidates
from throughcare.matching.forms import AskAccessForm, JoinForm, MergeForm, RejectForm, UnmergeForm
from throughcare.matching.models import ProposalStatus


def candidates_page(request, form, join_form=None, status: int = 200, ask_form=None):
    """The register page again, with the possible matches for what was entered; None when there are none."""
    try:
        found = find_candidates(request.user, form.details())
    except ValidationFailed:
        return None  # the registration itself names what is wrong
    if not found.any and join_form is None and ask_form is None:
        return None
    return render(request, "people/register.html", {
        "form": form, "candidates": found, "join_form": join_form or JoinForm(), "ask_form": ask_form or AskAccessForm(),
    }, status=status)


@require_POST
@staff_page
def join(request):
    from throughcare.people.forms import RegisterPersonForm

    form, join_form = RegisterPersonForm(request.POST), JoinForm(request.POST)
    if form.is_valid() and join_form.is_valid():
        try:
            person = actions.join_existing_record(actor=request.user, details=form.details(),
                                                  setting=join_form.cleaned_data.get("setting") or "",
                                                  service=join_form.cleaned_data.get("service") or "")
        except ValidationFailed as failure:
            for name, message in failure.fields.items():
                target = join_form if name in join_form.fields else form
                target.add_error(name if name in target.fields else None, message)
        else:
            messages.success(request, f"Your agency has joined {person.display_name}'s record")
            return redirect("people:detail", person_id=person.pk)
    return candidates_page(request, form, join_form, status=422) or render_form(
        request, form, "people/register.html", join_form=join_form)


@staff_page
def proposals(request):
    status = request.GET.get("status") or ProposalStatus.OPEN
    items = reviews.proposals(request.user, status=status)
    return render(request, "matching/proposals.html", {
        "items": [reviews.proposal_view(p, views) for p, views in items], "status": status,
        "statuses": ProposalStatus.choices, "merges": reviews.merges_of(request.user, limit=20),
    })


@staff_page
def proposal(request, proposal_id):
    found, views = reviews.proposal(request.user, proposal_id, audit=request.method == "GET")
    view = reviews.proposal_view(found, views)
    choices = [(str(r["id"]), f"{r['names'][0] if r['names'] else r['id']}, registered by {r['registered_by']}")
               for r in view["records"]]
    merge_form = MergeForm(request.POST if request.POST.get("decision") == "merge" else None, choices=choices,
                           initial={"keep": choices[0][0]})
    reject_form = RejectForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST":
        expected = int(request.POST.get("version") or 0) or None
        try:
            if request.POST.get("decision") == "merge" and merge_form.is_valid():
                keep = merge_form.cleaned_data.get("keep") or ""
                other = next((c for c, _label in choices if c != keep), "")
                actions.merge_records(actor=request.user, keep_id=keep or choices[0][0], merge_id=other,
                                      reason=merge_form.cleaned_data.get("reason", ""), proposal_id=found.pk,
                                      expected_version=expected)
                messages.success(request, "The records are merged")
                return redirect("matching:proposals")
            if request.POST.get("decision") == "reject" and reject_form.is_valid():
                actions.reject_proposal(actor=request.user, proposal_id=found.pk,
                                        note=reject_form.cleaned_data.get("note", ""), expected_version=expected)
                messages.success(request, "Recorded: these are different people")
                return redirect("matching:proposals")
        except ValidationFailed as failure:
            target = merge_form if request.POST.get("decision") == "merge" else reject_form
            target.add_action_errors(failure)
        except PreconditionFailed:
            reject_form.add_error(None, "Someone else decided this proposal while you had the page open")
    errors = bool(merge_form.errors or reject_form.errors)
    return render(request, "matching/proposal.html", {
        "proposal": view, "merge_form": merge_form, "reject_form": reject_form, "form": merge_form if merge_form.errors
        else reject_form,
    }, status=422 if errors else 200)


@staff_page
def unmerge(request, merge_id):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    actions.require_reviewer(request.user)
    form = UnmergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.unmerge_records(actor=request.user, merge_id=merge_id, reason=form.cleaned_data.get("reason", ""))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "The records are separated again")
            return redirect("matching:proposals")
    return render_form(request, form, "matching/unmerge.html", back=reverse("matching:proposals"),
                       staff=staff_of(request.user))
