"""Release planning pages: the plan and its checklist, changing an item, the structured review, the handover,
the pack, the agency's release work, the peer mentor's gate list and the continuity dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import RECORDING_ROLES, AgencyKind, Role
from throughcare.appointments.models import Appointment
from throughcare.appointments.reads import describe_time
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.core.views import form_page, render_form, staff_page
from throughcare.releases import actions, checklist, reads
from throughcare.releases.continuity import DASHBOARD_ROLES, continuity_report
from throughcare.releases.forms import ContinuityForm, EngagementForm, HandoverForm, ItemForm, ReviewForm
from throughcare.releases.models import ChecklistItem, PlanStatus
from throughcare.releases.pack import pack_response


def _plan_url(plan_id) -> str:
    return reverse("releases:plan", kwargs={"plan_id": plan_id})


def _seen(form, thing) -> int:
    seen = form.cleaned_data.get("version")
    return thing.version if seen is None else seen


@staff_page
def plan(request, plan_id):
    found, grant = reads.get_plan(request.user, plan_id)
    view = reads.plan_view(found, grant)
    staff = staff_of(request.user)
    writes = grant.can_write and staff.role in RECORDING_ROLES and found.status == PlanStatus.OPEN
    handover = view.handover
    return render(request, "releases/plan.html", {
        "plan": found, "view": view, "person": found.person, "grant": grant,
        "is_prison": writes and staff.agency_id == found.prison_id,
        "editable": {v.item.pk for v in view.items if writes and staff.agency_id in (found.prison_id,
                                                                                      v.item.owner_agency_id)},
        "receiving": handover is not None and staff.agency_id == handover.receiving_agency_id
        and grant.can_write and staff.role in RECORDING_ROLES,
        "can_print": staff.agency_id in (found.prison_id, handover.receiving_agency_id if handover else None),
    })


@staff_page
@require_POST
def open_now(request, custody_id):
    try:
        opened = actions.open_release_plan(actor=request.user, custody_id=custody_id)
    except ValidationFailed as failure:
        messages.warning(request, " ".join(failure.fields.values()))
        return redirect("custody:detail", custody_id=custody_id)
    messages.success(request, "Release plan opened")
    return redirect(_plan_url(opened.pk))


@staff_page
def item(request, item_id):
    item_pk = parse_uuid(item_id)
    found = (ChecklistItem.objects.select_related("plan", "owner_agency", "worker").filter(pk=item_pk).first()
             if item_pk else None)
    if found is None:
        record_access(actor=request.user, action="release_item.form", outcome="denied", reason="not found",
                      resource="release_item", resource_id=str(item_pk or ""))
        raise NotFound(actions.ITEM_NOT_FOUND)
    plan, grant = reads.get_plan(request.user, found.plan_id, action="release_item.form")
    staff = staff_of(request.user)
    if not grant.can_write or staff.role not in RECORDING_ROLES:
        raise Forbidden("Your role cannot add to this person's record")
    if staff.agency_id not in (plan.prison_id, found.owner_agency_id):
        raise Forbidden(f"Only {plan.prison.name} (the plan's prison) or {found.owner_agency.name} (which owns this "
                        "item) can change it")
    appointments = [(str(a.pk), f"{describe_time(a)} with {a.agency.name}")
                    for a in Appointment.objects.select_related("agency").filter(
                        person_id=plan.person_id, status="booked").order_by("starts_at")]
    details_seen = checklist.sees_details(grant, found)
    form = ItemForm(request.POST or None, item=found, can_reassign=staff.agency_id == plan.prison_id,
                    details_seen=details_seen, appointments=appointments, initial=ItemForm.initial_for(found))
    label = checklist.label(found.kind)
    return form_page(request, form,
                     run=lambda _data: actions.update_item(actor=request.user, item_id=found.pk,
                                                           changes=form.changes(),
                                                           expected_version=_seen(form, found)),
                     success=f"{label} saved", redirect_to=lambda _i: _plan_url(plan.pk), heading=label,
                     caption=f"Release plan: {plan.person.display_name}",
                     intro=checklist.SPECS[found.kind].hint or (
                         "" if details_seen else "The details of this item are not shared with you: you can change "
                                                 "its status, due date, blocker and when, where and who."),
                     submit="Save", cancel_url=_plan_url(plan.pk))


@staff_page
def review(request, plan_id):
    found, grant = reads.get_plan(request.user, plan_id, action="release_plan.form")
    view = reads.plan_view(found, grant)
    form = ReviewForm(request.POST or None, items=view.items,
                      initial={"held_on": timezone.localdate(), "version": found.version})
    intro = " ".join(view.review_reasons) or "Check every item with the person and the agencies involved."
    return form_page(request, form,
                     run=lambda data: actions.review_plan(actor=request.user, plan_id=found.pk,
                                                          held_on=data.get("held_on"),
                                                          confirmations=form.confirmations(),
                                                          persons_view=data.get("persons_view", ""),
                                                          expected_version=_seen(form, found)),
                     success="Review recorded", redirect_to=lambda _r: _plan_url(found.pk),
                     heading="Review the release plan", caption=found.person.display_name, intro=intro,
                     submit="Save the review", cancel_url=_plan_url(found.pk))


@staff_page
def handover(request, plan_id):
    found, _grant = reads.get_plan(request.user, plan_id, action="release_handover.form")
    form = HandoverForm(request.POST or None)
    return form_page(request, form,
                     run=lambda data: actions.send_handover(actor=request.user, plan_id=found.pk, **data),
                     success=lambda h: f"Handed over to {h.receiving_agency.name}",
                     redirect_to=lambda _h: _plan_url(found.pk), heading="Hand over to the community service",
                     caption=found.person.display_name,
                     intro="The service must already work with the person: refer them first if it does not. It "
                           "sees the plan within the person's consent, and acknowledges the handover.",
                     submit="Hand over", cancel_url=_plan_url(found.pk))


@staff_page
@require_POST
def acknowledge(request, handover_id):
    found, _grant = reads.get_handover(request.user, handover_id)
    raw = (request.POST.get("version") or "").strip()
    try:
        actions.acknowledge_handover(actor=request.user, handover_id=found.pk,
                                     expected_version=int(raw) if raw.isdigit() else None)
    except PreconditionFailed:
        messages.warning(request, "Someone else changed this handover while you were looking at it. Check it now.")
    except ValidationFailed as failure:
        messages.warning(request, " ".join(failure.fields.values()))
    else:
        messages.success(request, "Handover acknowledged")
    return redirect(_plan_url(found.plan_id))


@staff_page
def engagement(request, handover_id):
    found, _grant = reads.get_handover(request.user, handover_id, action="release_handover.form")
    form = EngagementForm(request.POST or None, initial={"version": found.version})
    return form_page(request, form,
                     run=lambda data: actions.record_first_intervention(
                         actor=request.user, handover_id=found.pk,
                         first_intervention_on=data.get("first_intervention_on"), expected_version=_seen(form, found)),
                     success="First community intervention recorded", redirect_to=lambda _h: _plan_url(found.plan_id),
                     heading="Record the first community intervention", caption=found.plan.person.display_name,
                     intro="Within 21 days of release, the person counts as engaged.", submit="Save",
                     cancel_url=_plan_url(found.plan_id))


@staff_page
def pack(request, plan_id):
    try:
        return pack_response(request.user, plan_id, kind="pack", language=request.GET.get("language", ""))
    except ValidationFailed as failure:
        raise NotFound(failure.fields["language"]) from None


@staff_page
def handover_pdf(request, plan_id):
    return pack_response(request.user, plan_id, kind="handover")


@staff_page
def agency_list(request):
    staff = staff_of(request.user)
    work = reads.agency_plans(request.user, staff)
    return render(request, "releases/list.html", {
        "own": work["own"], "incoming": work["incoming"], "staff": staff,
        "can_receive": staff.role in RECORDING_ROLES and staff.agency.kind == AgencyKind.PRISON})


@staff_page
def gate(request):
    return render(request, "releases/gate.html", {"meetings": reads.gate_meetings(request.user)})


@staff_page
def continuity(request):
    staff = staff_of(request.user)
    if staff.role not in DASHBOARD_ROLES:
        raise Forbidden("Your role cannot see the continuity dashboard")
    form = ContinuityForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    report = None
    try:
        report = continuity_report(request.user, prison=data.get("prison") or "", area=data.get("area") or "",
                                   weeks=data.get("weeks") or 12)
    except ValidationFailed as failure:
        form.add_action_errors(failure)
    return render_form(request, form, "releases/continuity.html", report=report,
                       commissioner=staff.role == Role.COMMISSIONER)
