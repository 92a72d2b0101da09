"""The release pack (for the person) and the handover summary (for the receiving community service), as
PDFs rendered by WeasyPrint from HTML templates.

Both are built from the caller's own view of the plan (`reads.plan_view` with their Grant): nothing goes in
that the caller could not see on the page, so the handover summary the community service downloads holds
only what the person's consent lets that service see. The pack is written in plain English for the person:
where to be and when, the addresses, their medication, who to call, and what to do if things go wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import disclose
from throughcare.careteam.models import CareTeamMember
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden
from throughcare.custody.models import ReleaseType
from throughcare.custody.reads import screen_rows, visible_screens
from throughcare.releases import reads
from throughcare.releases.models import CommunityHandover, ItemKind
from throughcare.releases.rules import long_date


@dataclass
class Stop:
    """One place to be: when, what, where, and who to ask for."""

    when: object
    what: str
    where: str
    who: str = ""
    phone: str = ""


@dataclass
class Contact:
    name: str
    role: str
    phone: str = ""
    where: str = ""


WHAT = {
    ItemKind.MET_AT_GATE: "Meet {who} at the gate",
    ItemKind.FIRST_TREATMENT_APPOINTMENT: "Your first appointment with your drug and alcohol service",
    ItemKind.PROBATION_APPOINTMENT: "Your first probation appointment",
    ItemKind.BENEFITS: "Your Jobcentre appointment",
}


def build(plan, grant) -> dict:
    """What goes in the pack, from the caller's view of the plan."""
    view = reads.plan_view(plan, grant)
    by_kind = {v.item.kind: v for v in view.items}
    stops, contacts = [], []
    for kind, what in WHAT.items():
        entry = by_kind.get(kind)
        if entry is None or not (entry.when or entry.where) or entry.item.status == "not_needed":
            continue
        item = entry.item
        who = (item.worker.get_full_name() or item.worker.get_username()) if item.worker_id else ""
        if item.appointment_id:
            who = item.appointment.agency.name
        stops.append(Stop(when=entry.when, what=what.format(who=who or "your worker"), where=entry.where,
                          who=item.contact_name or who, phone=item.phone))
    stops.sort(key=lambda s: (s.when is None, s.when or timezone.now()))
    for entry in view.items:
        item = entry.item
        if item.status == "not_needed":
            continue
        if item.kind == ItemKind.MET_AT_GATE and item.worker_id:
            contacts.append(Contact(item.worker.get_full_name() or item.worker.get_username(),
                                    "Meeting you at the gate", item.phone))
        elif item.contact_name or item.phone:
            contacts.append(Contact(item.contact_name or entry.label, entry.label, item.phone, entry.where))
    lead = (CareTeamMember.objects.select_related("worker", "agency")
            .filter(person_id=plan.person_id, is_lead=True, left_at__isnull=True).first())
    if lead is not None:
        contacts.insert(0, Contact(lead.worker.get_full_name() or lead.worker.get_username(),
                                   f"Your lead worker, {lead.agency.name}"))
    addresses = [(e.label, e.where, e.item.phone) for e in view.items
                 if e.where and e.item.kind in (ItemKind.ACCOMMODATION, ItemKind.GP_REGISTRATION)
                 and e.item.status != "not_needed"]
    prescribing = by_kind.get(ItemKind.PRESCRIBING)
    medication = dict(prescribing.item.details) if prescribing is not None and prescribing.details_seen else None
    for name in ("bridging_until", "first_community_dose_on"):
        if medication and medication.get(name):
            medication[name] = long_date(dt.date.fromisoformat(medication[name]))
    return {"plan": plan, "view": view, "person": plan.person, "stops": stops, "contacts": contacts,
            "addresses": addresses, "medication": medication, "release_day": long_date(plan.release_on),
            "made_on": long_date(timezone.localdate())}


def handover_context(plan, grant) -> dict:
    context = build(plan, grant)
    custody = plan.custody
    sees_custody = grant.allows(Category.OFFENDING, custody.prison_id)
    context.update({
        "custody": custody if sees_custody else None,
        "release_type": ReleaseType(custody.release_type).label if sees_custody and custody.release_type else "",
        "screens": [(s, screen_rows(grant, s)) for s in visible_screens(grant, custody)],
        "handover": CommunityHandover.objects.select_related("receiving_agency").filter(plan=plan).first(),
        "shared": [c for c in Category.values if grant.allows(c)],
    })
    return context


def _no_fetch(url: str, *args, **kwargs):
    """The templates need nothing from outside: WeasyPrint may fetch no URL (no network at run time)."""
    raise ValueError(f"the release pack fetches nothing: {url[:80]}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def pack_response(user, plan_id, *, kind: str) -> HttpResponse:
    """The pack ("pack") or the handover summary ("handover") for the plan's prison or receiving service."""
    plan, grant = reads.get_plan(user, plan_id, action=f"release_plan.{kind}")
    staff = staff_of(user)
    receiving = CommunityHandover.objects.filter(plan=plan).values_list("receiving_agency_id", flat=True).first()
    if staff.agency_id not in (plan.prison_id, receiving):
        raise Forbidden("Only the plan's prison and the community service receiving the handover can print it")
    if kind == "pack":
        context = build(plan, grant)
        pdf = render_pdf("releases/pack.html", context)
        filename = f"release-pack-{plan.release_on:%Y-%m-%d}.pdf"
    else:
        context = handover_context(plan, grant)
        pdf = render_pdf("releases/handover_summary.html", context)
        filename = f"handover-summary-{plan.release_on:%Y-%m-%d}.pdf"
    shown = set(context["view"].categories)
    if context.get("custody"):
        shown.add(Category.OFFENDING)
    if context.get("screens"):
        shown.add(Category.SUBSTANCE_USE)
    disclose(sorted(shown))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
