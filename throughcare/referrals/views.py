"""Referral pages: the agency's referrals, making one, and moving it on. The actions do the checking."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import RECORDING_ROLES
from throughcare.core.categories import Category
from throughcare.core.errors import PreconditionFailed, ValidationFailed
from throughcare.core.views import ALREADY_SAVED, render_form, run_form_once, staff_page
from throughcare.people.access import get_person
from throughcare.referrals.actions import (
    MOVES,
    REFERRING,
    agency_referrals,
    create_referral,
    get_referral,
    sees_referral_content,
    transition_referral,
)
from throughcare.referrals.clocks import referral_clock, with_clocks
from throughcare.referrals.forms import DeclineForm, ListFilterForm, OfferForm, ReferralForm, WithdrawForm
from throughcare.referrals.models import Status

#: The URL word for each move, and the form it needs (None: a button on the referral page is enough).
MOVE_PAGES = {
    "acknowledge": (Status.ACKNOWLEDGED, None),
    "accept": (Status.ACCEPTED, None),
    "decline": (Status.DECLINED, DeclineForm),
    "offer": (Status.FIRST_APPOINTMENT_OFFERED, OfferForm),
    "start": (Status.INTERVENTION_STARTED, None),
    "withdraw": (Status.WITHDRAWN, WithdrawForm),
}
MOVE_BUTTONS = {Status.ACKNOWLEDGED: "Acknowledge", Status.ACCEPTED: "Accept", Status.DECLINED: "Decline",
                Status.FIRST_APPOINTMENT_OFFERED: "Record the first appointment offered",
                Status.INTERVENTION_STARTED: "Record that the intervention started",
                Status.WITHDRAWN: "Withdraw the referral"}


@staff_page
def referral_list(request):
    filters = ListFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    direction = data.get("direction") or "incoming"
    referrals = agency_referrals(request.user, direction=direction)
    if data.get("status") != "all":
        referrals = [r for r in referrals if r.is_open]
    rows = with_clocks(referrals)
    return render(request, "referrals/list.html", {
        "rows": rows, "direction": direction, "show_all": data.get("status") == "all",
        "breached": sum(1 for _r, c in rows if c.running and c.breached),
        "due_soon": sum(1 for _r, c in rows if c.due_soon),
    })


@staff_page
def referral_new(request, person_id):
    person, grant = get_person(request.user, person_id, action="referral.form", write=True, categories=[])
    staff = staff_of(request.user)
    shareable = [c for c in Category.values if grant.allows(c, staff.agency_id) or c in grant.categories]
    # Started from a directory entry: ?to_agency=&service=&directory_service= fill in the receiving agency, the
    # service and the entry (which keeps the referral counted in that entry's waiting time).
    initial = {name: request.GET[name][:200] for name in ("to_agency", "service", "directory_service")
               if request.GET.get(name)}
    form = ReferralForm(request.POST or None, own_agency_id=staff.agency_id, categories=shareable, initial=initial)
    back = reverse("people:detail", kwargs={"person_id": person.pk})
    if request.method == "POST" and form.is_valid():
        try:
            done = run_form_once(request, form, make=lambda: create_referral(
                actor=request.user, person_id=person.pk, **form.cleaned_data), target=lambda referral: reverse(
                "referrals:detail", kwargs={"referral_id": referral.pk}))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, ALREADY_SAVED if done.replayed else
                             f"Referral sent to {done.made.to_agency.name}")
            return redirect(done.resource_id)
    return render_form(request, form, "referrals/new.html", person=person, cancel_url=back)


def available_moves(referral, staff) -> list:
    """The moves the caller can make on this referral now, in the order a worker meets them."""
    if staff is None or staff.role not in RECORDING_ROLES:
        return []
    side_agency = {REFERRING: referral.from_agency_id}
    moves = []
    for word, (to, form_class) in MOVE_PAGES.items():
        move = MOVES[to]
        if referral.status in move.sources and side_agency.get(move.side, referral.to_agency_id) == staff.agency_id:
            moves.append({"word": word, "to": to, "label": MOVE_BUTTONS[to], "needs_form": form_class is not None})
    return moves


@staff_page
def referral_detail(request, referral_id):
    referral, _grant = get_referral(request.user, referral_id)
    staff = staff_of(request.user)
    moves = available_moves(referral, staff)
    book_url = (reverse("appointments:book", kwargs={"person_id": referral.person_id}) + f"?referral={referral.pk}"
                if any(m["word"] == "offer" for m in moves) else "")
    return render(request, "referrals/detail.html", {
        "appointments_url": book_url,
        "referral": referral, "person": referral.person, "clock": referral_clock(referral, timezone.now()),
        "content": sees_referral_content(request.user), "moves": moves,
        "receiving": staff.agency_id == referral.to_agency_id,
    })


def _version(request) -> int | None:
    raw = (request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


@staff_page
@require_POST
def referral_move_now(request, referral_id, word):
    """The moves that need no details: one button on the referral page."""
    to, form_class = MOVE_PAGES.get(word, (None, None))
    if to is None or form_class is not None:
        raise Http404("No such step")
    try:
        referral = transition_referral(actor=request.user, referral_id=referral_id, to=to,
                                       expected_version=_version(request))
    except PreconditionFailed:
        messages.warning(request, "Someone else updated this referral while you were looking at it. "
                                  "Check where it is now, then try again.")
    except ValidationFailed as failure:
        messages.warning(request, " ".join(failure.fields.values()))
    else:
        messages.success(request, f"Referral {MOVES[to].verb}")
        return redirect("referrals:detail", referral_id=referral.pk)
    return redirect("referrals:detail", referral_id=referral_id)


@staff_page
def referral_move_form(request, referral_id, word):
    """The moves that need details: decline (why), first appointment (when), withdraw (why)."""
    to, form_class = MOVE_PAGES.get(word, (None, None))
    if form_class is None:
        raise Http404("No such step")
    referral, _grant = get_referral(request.user, referral_id, action="referral.form")
    seen = request.GET.get("version", "")
    form = form_class(request.POST or None, initial={"version": seen if seen.isdigit() else referral.version})
    back = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    if request.method == "POST" and form.is_valid():
        try:
            transition_referral(actor=request.user, referral_id=referral.pk, to=to,
                                expected_version=form.cleaned_data.get("version"), **form.details())
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed:
            form.add_error(None, "Someone else updated this referral while you were filling in this form. "
                                 "Go back to the referral to see where it is now.")
        else:
            messages.success(request, f"Referral {MOVES[to].verb}")
            return redirect(back)
    return render_form(request, form, "referrals/move.html", referral=referral, heading=MOVE_BUTTONS[to],
                       caption=f"Referral to {referral.to_agency.name}: {referral.service}", cancel_url=back,
                       danger=to in (Status.DECLINED, Status.WITHDRAWN), submit=MOVE_BUTTONS[to])
