"""Custody pages: reception, the person's custody records, screens, the release date, transfer and release.
The actions do the checking; these pages only gather input and show what the caller may see."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import RECORDING_ROLES, AgencyKind
from throughcare.core.errors import Forbidden
from throughcare.core.views import form_page, staff_page
from throughcare.custody import actions
from throughcare.custody.forms import (
    FirstNightForm,
    FullAssessmentForm,
    ReceptionForm,
    ReleaseDateForm,
    ReleaseForm,
    TransferForm,
)
from throughcare.custody.models import ScreenKind
from throughcare.custody.reads import get_custody, person_custody, screen_rows, visible_screens
from throughcare.releases.models import PlanStatus, ReleasePlan


def _detail_url(custody) -> str:
    return reverse("custody:detail", kwargs={"custody_id": custody.pk})


def _is_prison_writer(staff) -> bool:
    return staff is not None and staff.role in RECORDING_ROLES and staff.agency.kind == AgencyKind.PRISON


@staff_page
def reception(request):
    staff = staff_of(request.user)
    if not _is_prison_writer(staff):
        raise Forbidden("Only a prison's recording staff can record custody")
    form = ReceptionForm(request.POST or None)
    return form_page(request, form,
                     run=lambda data: actions.receive_into_custody(actor=request.user, **data),
                     success=lambda c: f"Received into custody at {c.prison.name}", redirect_to=_detail_url,
                     heading="Receive someone into custody", caption=staff.agency.name,
                     intro="Find the person by their prison number and date of birth. Both must match the record "
                           "exactly.", submit="Receive into custody")


@staff_page
def person_list(request, person_id):
    person, grant, records = person_custody(request.user, person_id)
    return render(request, "custody/list.html", {"person": person, "records": records, "grant": grant,
                                                 "can_receive": _is_prison_writer(staff_of(request.user))})


@staff_page
def detail(request, custody_id):
    custody, grant = get_custody(request.user, custody_id)
    staff = staff_of(request.user)
    holds = _is_prison_writer(staff) and staff.agency_id == custody.prison_id and custody.in_custody
    screens = [(s, screen_rows(grant, s)) for s in visible_screens(grant, custody)]
    done = {s.kind for s, _rows in screens}
    plans = ReleasePlan.objects.filter(person_id=custody.person_id).order_by("-opened_at")
    open_plan = plans.filter(status=PlanStatus.OPEN).first()
    return render(request, "custody/detail.html", {
        "custody": custody, "person": custody.person, "grant": grant, "holds": holds, "screens": screens,
        "first_night_done": ScreenKind.FIRST_NIGHT in done, "full_done": ScreenKind.FULL in done,
        "plan": open_plan or plans.first(), "transferred_to": custody.transferred_to
        if hasattr(custody, "transferred_to") else None,
    })


def _holding(request, custody_id):
    custody, grant = get_custody(request.user, custody_id, action="custody.form")
    staff = staff_of(request.user)
    if not grant.can_write or not _is_prison_writer(staff):
        raise Forbidden("Only a prison's recording staff can record custody")
    if staff.agency_id != custody.prison_id:
        raise Forbidden(f"Only {custody.prison.name}, which holds this custody record, can change it")
    return custody


def _seen(form, custody) -> int:
    seen = form.cleaned_data.get("version")
    return custody.version if seen is None else seen


@staff_page
def screen(request, custody_id, kind):
    if kind not in ScreenKind.values:
        raise Http404("No such screen")
    custody = _holding(request, custody_id)
    form_class = FirstNightForm if kind == ScreenKind.FIRST_NIGHT else FullAssessmentForm
    form = form_class(request.POST or None)
    heading = ScreenKind(kind).label
    intro = ("Immediate needs only: tonight is not the time to ask about trauma or the complex reasons behind their "
             "use." if kind == ScreenKind.FIRST_NIGHT else
             "Take the time the first night did not allow. Write what they tell you, in their words.")
    return form_page(request, form,
                     run=lambda data: actions.record_screen(actor=request.user, custody_id=custody.pk, kind=kind,
                                                            **data),
                     success=f"{heading} recorded", redirect_to=lambda _s: _detail_url(custody), heading=heading,
                     caption=custody.person.display_name, intro=intro, submit=f"Save the {heading.lower()}",
                     cancel_url=_detail_url(custody))


@staff_page
def release_date(request, custody_id):
    custody = _holding(request, custody_id)
    form = ReleaseDateForm(request.POST or None, initial={"release_on": custody.release_on,
                                                          "release_type": custody.release_type,
                                                          "version": custody.version})
    return form_page(request, form,
                     run=lambda data: actions.set_release_date(
                         actor=request.user, custody_id=custody.pk, release_on=data.get("release_on"),
                         release_type=data.get("release_type") or "", expected_version=_seen(form, custody)),
                     success="Release date saved", redirect_to=_detail_url, heading="Set the release date",
                     caption=custody.person.display_name,
                     intro="A release plan opens when release is near. If a plan is open, it moves with the date and "
                           "needs a structured review.", submit="Save release date", cancel_url=_detail_url(custody))


@staff_page
def transfer(request, custody_id):
    custody = _holding(request, custody_id)
    form = TransferForm(request.POST or None, current_prison_id=custody.prison_id,
                        initial={"version": custody.version})
    return form_page(request, form,
                     run=lambda data: actions.transfer_custody(
                         actor=request.user, custody_id=custody.pk, to_prison=data.get("to_prison"),
                         transferred_on=data.get("transferred_on"), expected_version=_seen(form, custody)),
                     success=lambda c: f"Transferred to {c.prison.name}",
                     redirect_to=lambda _c: reverse("people:search"), heading="Record a transfer",
                     caption=custody.person.display_name,
                     warning="Once they are transferred, this prison no longer holds them and may no longer see "
                             "their record. The release plan and its items move to the new prison.",
                     submit="Record the transfer", cancel_url=_detail_url(custody))


@staff_page
def release(request, custody_id):
    custody = _holding(request, custody_id)
    form = ReleaseForm(request.POST or None, initial={"released_on": custody.release_on,
                                                      "release_type": custody.release_type,
                                                      "version": custody.version})
    return form_page(request, form,
                     run=lambda data: actions.release_from_custody(
                         actor=request.user, custody_id=custody.pk, released_on=data.get("released_on"),
                         release_type=data.get("release_type") or "",
                         destination_area=data.get("destination_area") or "", expected_version=_seen(form, custody)),
                     success="Release recorded", redirect_to=lambda _c: reverse("people:search"),
                     heading="Record the release", caption=custody.person.display_name,
                     warning="The release plan closes as it stands, and the 21-day engagement clock starts.",
                     submit="Record the release", cancel_url=_detail_url(custody))
