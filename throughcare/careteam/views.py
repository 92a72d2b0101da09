"""Care team pages: who is involved, adding and removing workers, handing over the lead role."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from throughcare.careteam import actions
from throughcare.careteam.forms import AddMemberForm, DeclineHandoverForm, HandoverForm
from throughcare.careteam.models import CareTeamMember, Handover
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.core.views import form_page, render_form, staff_page
from throughcare.people.access import get_person


def _team_url(person_id) -> str:
    return reverse("careteam:page", kwargs={"person_id": person_id})


@staff_page
def team_page(request, person_id):
    person, grant = get_person(request.user, person_id, action="care_team.list", categories=[IDENTITY_CATEGORY])
    members = CareTeamMember.objects.filter(person=person, left_at__isnull=True).select_related("worker", "agency")
    handover = Handover.objects.filter(person=person, acknowledged_at__isnull=True, declined_at__isnull=True) \
        .select_related("to_worker", "to_agency").first()
    lead = next((m for m in members if m.is_lead), None)
    return render(request, "careteam/team.html", {
        "person": person, "grant": grant, "members": members, "handover": handover, "lead": lead,
        "can_change": grant.can_write and bool(grant.relationship),
        "can_hand_over": grant.can_write and lead is not None and lead.agency_id == grant.own_agency_id,
    })


@staff_page
def add_member(request, person_id):
    person, _grant = get_person(request.user, person_id, action="care_team.form", categories=[], write=True)
    back = _team_url(person.pk)
    return form_page(request, AddMemberForm(request.POST or None),
                     run=lambda data: actions.add_member(actor=request.user, person_id=person.pk, **data),
                     success=lambda m: f"{m.worker.get_full_name() or m.worker.username} joined the care team",
                     redirect_to=back, heading="Add a worker to the care team", caption=person.display_name,
                     cancel_url=back, submit="Add to the care team")


@staff_page
@require_POST
def remove_member(request, member_id):
    member_id = parse_uuid(member_id)
    try:
        member = actions.remove_member(actor=request.user, member_id=member_id)
    except ValidationFailed as failure:
        # Refused only after the action's audited look-up found the member, so their team may be shown.
        person_id = CareTeamMember.objects.values_list("person_id", flat=True).get(pk=member_id)
        messages.warning(request, " ".join(failure.fields.values()))
        return redirect(_team_url(person_id))
    messages.success(request, "They have left the care team")
    return redirect(_team_url(member.person_id))


@staff_page
def propose_handover(request, person_id):
    person, _grant = get_person(request.user, person_id, action="handover.form", categories=[], write=True)
    back = _team_url(person.pk)
    return form_page(request, HandoverForm(request.POST or None),
                     run=lambda data: actions.propose_handover(actor=request.user, person_id=person.pk, **data),
                     success="The lead role is offered. It moves when they accept it.", redirect_to=back,
                     heading="Hand over the lead role", caption=person.display_name, cancel_url=back,
                     submit="Offer the lead role")


def _my_open_handover(request, handover_id) -> Handover:
    handover = (Handover.objects.select_related("from_worker", "to_agency")
                .filter(pk=parse_uuid(handover_id), to_worker=request.user, acknowledged_at__isnull=True,
                        declined_at__isnull=True).first())
    if handover is None:
        raise NotFound("Handover not found")
    return handover


@staff_page
def handover_page(request, handover_id):
    handover = _my_open_handover(request, handover_id)
    if request.method == "POST" and request.POST.get("decision") == "accept":
        actions.acknowledge_handover(actor=request.user, handover_id=handover.pk)
        messages.success(request, "You are now the lead professional")
        return redirect("people:detail", person_id=handover.person_id)
    form = DeclineHandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.decline_handover(actor=request.user, handover_id=handover.pk, **form.cleaned_data)
        messages.success(request, "Handover declined. The lead professional stays as they were.")
        return redirect("home")
    try:  # the worker may not work with the person yet: then the offer names no one
        person, _grant = get_person(request.user, handover.person_id, action="handover.read",
                                    categories=[IDENTITY_CATEGORY])
    except NotFound:
        person = None
    return render_form(request, form, "careteam/handover.html", handover=handover, person=person)
