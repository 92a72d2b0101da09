from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from throughcare.agencies.models import recorder, require_recorder
from throughcare.audit.recorder import disclose, record_access
from throughcare.careteam.models import CareTeamMember
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.views import form_page, staff_page
from throughcare.journey.forms import TimelineFilterForm
from throughcare.journey.timeline import timeline_page, visible_categories
from throughcare.matching.views import candidates_page
from throughcare.people.access import get_person
from throughcare.people.actions import register_person
from throughcare.people.forms import RegisterPersonForm, SearchForm
from throughcare.people.search import search_people
from throughcare.people.summary import person_summary
from throughcare.plans.models import RecoveryPlan
from throughcare.referrals.actions import referrals_of
from throughcare.referrals.clocks import with_clocks
from throughcare.releases.models import ReleasePlan

SEARCH_PAGE_SIZE = 20


@staff_page
def search(request):
    form = SearchForm(request.GET or None)
    query = form.data.get("q", "") if form.is_bound else ""
    paginator = Paginator(search_people(request.user, query).only("id", "display_name", "date_of_birth", "postcode"),
                          SEARCH_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    record_access(actor=request.user, action="person.search", categories=[IDENTITY_CATEGORY],
                  subjects=[p.pk for p in page.object_list], reason=f"{paginator.count} found")
    return render(request, "people/search.html", {"form": form, "query": query, "page": page,
                                                  "may_register": recorder(request.user) is not None})


@staff_page
def register(request):
    require_recorder(request.user)  # a form the role cannot use is not shown (403), nor is its link
    form = RegisterPersonForm(request.POST or None)
    if request.method == "POST" and not request.POST.get("confirm_no_match") and form.is_valid():
        # Possible existing records first (throughcare.matching): register only once the worker has seen them.
        page = candidates_page(request, form)
        if page is not None:
            return page
    return form_page(request, form, run=lambda _data: register_person(actor=request.user, details=form.details()),
                     success=lambda person: f"{person.display_name} is registered",
                     redirect_to=lambda person: reverse("people:detail", kwargs={"person_id": person.pk}),
                     template="people/register.html")


@staff_page
def detail(request, person_id):
    person, grant = get_person(request.user, person_id, action="person.read")
    allowed = visible_categories(grant)
    filters = TimelineFilterForm(request.GET or None, categories=allowed)
    wanted = filters.cleaned_data.get("category") if filters.is_valid() else []
    page_number = filters.cleaned_data.get("page") if filters.is_valid() else 1
    timeline = timeline_page(person, grant, page=page_number or 1, categories=wanted or None)
    disclose(timeline.categories)
    query = request.GET.copy()
    query.pop("page", None)
    referrals = with_clocks(referrals_of(person, request.user))
    care_team = CareTeamMember.objects.filter(person=person, left_at__isnull=True).select_related("worker", "agency")
    recovery_plan = RecoveryPlan.objects.filter(person=person).only("id", "next_review_due", "version").first()
    release_plan = ReleasePlan.objects.filter(person=person).order_by("-opened_at").first()
    return render(request, "people/detail.html", {
        "care_team": care_team,
        "recovery_plan": recovery_plan,
        "release_plan": release_plan,
        "referrals": referrals,
        "person": person,
        "summary": person_summary(person, grant),
        "grant": grant,
        "timeline": timeline,
        "filters": filters,
        "filter_query": query.urlencode(),
        "add_note_url": reverse("journey:add-note", kwargs={"person_id": person.pk}),
    })
