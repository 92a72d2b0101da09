"""Review pages: record a review against the plan's goals, and the list of reviews."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.views import staff_page
from throughcare.plans.models import GoalStatus
from throughcare.plans.reads import read_plan
from throughcare.plans.views import _conflict
from throughcare.reviews.actions import person_reviews, record_review
from throughcare.reviews.forms import ReviewForm
from throughcare.reviews.models import Progress


@staff_page
def reviews_page(request, person_id):
    person, grant, plan, views = person_reviews(request.user, person_id)
    return render(request, "reviews/list.html", {"person": person, "grant": grant, "plan": plan, "reviews": views})


@staff_page
def review_new(request, person_id):
    read = read_plan(request.user, person_id, action="review.form", write=True)
    person = read.person
    plan_url = reverse("plans:plan", kwargs={"person_id": person.pk})
    if read.plan is None:
        messages.error(request, "Start the recovery plan before recording a review")
        return redirect(plan_url)
    goals = read.view["goals"]
    form = ReviewForm(request.POST or None, goals=goals, initial={"version": read.version})
    if request.method == "POST" and form.is_valid():
        try:
            record_review(actor=request.user, person_id=person.pk, expected_version=form.cleaned_data["version"],
                          body=form.body())
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed as failure:
            ratings = dict(Progress.choices)
            yours = [(g["in_their_words"], ratings.get(form.cleaned_data.get(f"goal_{i}_rating") or "", "No rating"))
                     for i, g in enumerate(goals)]
            return _conflict(request, person, failure, what="the goals", yours=yours, reapply_url=request.path,
                             theirs=lambda view: [(g["in_their_words"], GoalStatus(g["status"]).label)
                                                  for g in view["goals"]] or [("Goals", "None")])
        else:
            messages.success(request, "Review recorded. The next review date has been reset.")
            return redirect(reverse("reviews:list", kwargs={"person_id": person.pk}))
    return render(request, "reviews/form.html", {"form": form, "person": person, "plan": read.view,
                                                 "cancel_url": plan_url}, status=422 if form.errors else 200)
