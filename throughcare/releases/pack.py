"""The release pack (for the person) and the handover summary (for the receiving community service), as
PDFs rendered by WeasyPrint from HTML templates.

Both are built from the caller's own view of the plan (`reads.plan_view` with their Grant): nothing goes in
that the caller could not see on the page, so the handover summary the community service downloads holds
only what the person's consent lets that service see. The pack is written in plain English for the person:
where to be and when, the addresses, their medication, who to call, and what to do if things go wrong.
The pack goes through Django's translation machinery: the person's own copy (throughcare/myrecord) is in the
language of their record, English or Welsh, and the prison can print either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import disclose
from throughcare.careteam.models import CareTeamMember
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.custody.models import ReleaseType
from throughcare.custody.reads import screen_rows, visible_screens
from throughcare.releases import reads
from throughcare.releases.models import CommunityHandover, ItemKind


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


#: Each place to be, in the person's words (translated when the pack is made: decision 0013).
WHAT = {
    ItemKind.MET_AT_GATE: gettext_noop("Meet %(who)s at the gate"),
    ItemKind.FIRST_TREATMENT_APPOINTMENT: gettext_noop("Your first appointment with your drug and alcohol service"),
    ItemKind.PROBATION_APPOINTMENT: gettext_noop("Your first probation appointment"),
    ItemKind.BENEFITS: gettext_noop("Your Jobcentre appointment"),
}
#: The checklist's items as the pack names them for the person.
ITEM_WORDS = {
    ItemKind.ACCOMMODATION: gettext_noop("Where you are staying on the night you leave"),
    ItemKind.GP_REGISTRATION: gettext_noop("Your GP practice"),
    ItemKind.BENEFITS: gettext_noop("Your Jobcentre appointment"),
    ItemKind.PRESCRIBING: gettext_noop("Your prescription"),
    ItemKind.NALOXONE: gettext_noop("Naloxone"),
    ItemKind.FIRST_TREATMENT_APPOINTMENT: gettext_noop("Your drug and alcohol service"),
    ItemKind.PROBATION_APPOINTMENT: gettext_noop("Probation"),
    ItemKind.MET_AT_GATE: gettext_noop("Meeting you at the gate"),
    ItemKind.ID_AND_BANK: gettext_noop("ID and bank account"),
}
#: Languages the pack can be printed in (the person's record is in English or Welsh).
LANGUAGES = ("en-gb", "cy")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def build(plan, grant) -> dict:
    """What goes in the pack, from the caller's view of the plan, in the language of the request."""
    view = reads.plan_view(plan, grant)
    by_kind = {v.item.kind: v for v in view.items}
    stops, contacts = [], []
    for kind, what in WHAT.items():
        entry = by_kind.get(kind)
        if entry is None or not (entry.when or entry.where) or entry.item.status == "not_needed":
            continue
        item = entry.item
        who = _name(item.worker) if item.worker_id else ""
        if item.appointment_id:
            who = item.appointment.agency.name
        stops.append(Stop(when=entry.when, what=gettext(what) % {"who": who or gettext("your worker")},
                          where=entry.where, who=item.contact_name or who, phone=item.phone))
    stops.sort(key=lambda s: (s.when is None, s.when or timezone.now()))
    for entry in view.items:
        item = entry.item
        if item.status == "not_needed":
            continue
        words = gettext(ITEM_WORDS[item.kind])
        if item.kind == ItemKind.MET_AT_GATE and item.worker_id:
            contacts.append(Contact(_name(item.worker), words, item.phone))
        elif item.contact_name or item.phone:
            contacts.append(Contact(item.contact_name or words, words, item.phone, entry.where))
    lead = (CareTeamMember.objects.select_related("worker", "agency")
            .filter(person_id=plan.person_id, is_lead=True, left_at__isnull=True).first())
    if lead is not None:
        contacts.insert(0, Contact(_name(lead.worker),
                                   gettext("Your lead worker, %(agency)s") % {"agency": lead.agency.name}))
    addresses = [(gettext(ITEM_WORDS[e.item.kind]), e.where, e.item.phone) for e in view.items
                 if e.where and e.item.kind in (ItemKind.ACCOMMODATION, ItemKind.GP_REGISTRATION)
                 and e.item.status != "not_needed"]
    prescribing = by_kind.get(ItemKind.PRESCRIBING)
    medication = dict(prescribing.item.details) if prescribing is not None and prescribing.details_seen else None
    for name in ("bridging_until", "first_community_dose_on"):
        if medication and medication.get(name):
            medication[name] = dt.date.fromisoformat(medication[name])  # shown in the pack's language
    return {"plan": plan, "view": view, "person": plan.person, "stops": stops, "contacts": contacts,
            "addresses": addresses, "medication": medication, "release_day": plan.release_on,
            "made_on": timezone.localdate(), "language": translation.get_language()}


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


def pack_response(user, plan_id, *, kind: str, language: str = "") -> HttpResponse:
    """The pack ("pack") or the handover summary ("handover") for the plan's prison or receiving service.

    The pack is printed for the person in English or, with `language` "cy", in Welsh; the handover summary is
    for staff, in English."""
    plan, grant = reads.get_plan(user, plan_id, action=f"release_plan.{kind}")
    staff = staff_of(user)
    receiving = CommunityHandover.objects.filter(plan=plan).values_list("receiving_agency_id", flat=True).first()
    if staff.agency_id not in (plan.prison_id, receiving):
        raise Forbidden("Only the plan's prison and the community service receiving the handover can print it")
    if kind == "pack":
        if language and language not in LANGUAGES:
            raise ValidationFailed({"language": "Choose en-gb (English) or cy (Welsh)"})
        with translation.override(language or "en-gb"):
            context = build(plan, grant)
            pdf = render_pdf("releases/pack.html", context)
        filename = f"release-pack-{plan.release_on:%Y-%m-%d}{'-cy' if language == 'cy' else ''}.pdf"
    else:
        with translation.override("en-gb"):
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
