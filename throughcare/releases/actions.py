"""Writes for release planning. Each is one transaction: scoped look-up, permission, rows, a release plan
journey event (contact and administration: never what an item holds) and an audit entry.

Who writes: recording staff of the plan's prison, anything on the plan; recording staff of an item's owning
agency, that item (but not its owner); the receiving community service, the handover's acknowledgement and
the first community intervention.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES, RECORDING_ROLES, AgencyKind
from throughcare.appointments.models import Appointment
from throughcare.appointments.models import Status as AppointmentStatus
from throughcare.audit.recorder import record_access, record_action
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.policy import related_agencies
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.custody.actions import _locked as locked_custody
from throughcare.people.access import get_record_about
from throughcare.releases import checklist, clocks
from throughcare.releases.models import (
    ChecklistItem,
    CommunityHandover,
    EngagementOutcome,
    ItemStatus,
    PlanReview,
    PlanStatus,
    ReleasePlan,
)
from throughcare.releases.opening import open_plan, open_plan_of, plan_event
from throughcare.releases.rules import long_date, review_reasons

PLAN_NOT_FOUND = "Release plan not found"
ITEM_NOT_FOUND = "Checklist item not found"
HANDOVER_NOT_FOUND = "Handover not found"
#: The columns an item change may set (besides status, owner, due date, blocker and details).
COLUMNS = ("at", "place", "phone", "contact_name", "worker", "appointment")
#: Agencies that can receive a release handover: community services, not prisons or commissioners.
RECEIVING_KINDS = frozenset(AgencyKind.values) - {AgencyKind.PRISON, AgencyKind.COMMISSIONER}


def _audit(actor, plan: ReleasePlan, grant, action: str, *, resource: str = "release_plan", resource_id="",
           categories=(Category.CONTACT_ADMIN,), reason: str = "", recipient_agency: str = "") -> None:
    record_action(actor=actor, action=action, person_id=plan.person_id, resource=resource,
                  resource_id=str(resource_id or plan.pk), categories=list(categories), lawful_basis=grant.basis,
                  purpose=grant.purpose, reason=reason, recipient_agency=recipient_agency)


def _recording(actor) -> Staff:
    staff = staff_of(actor)
    if staff is None or staff.role not in RECORDING_ROLES:
        raise Forbidden("Your role cannot add to this person's record")
    return staff


def _plan_locked(actor, plan_id, action: str) -> tuple[ReleasePlan, object, Staff]:
    plan, grant = get_record_about(actor, ReleasePlan.objects.select_for_update().select_related("prison"), plan_id,
                                   resource="release_plan", not_found=PLAN_NOT_FOUND, action=action,
                                   categories=[], write=True)
    return plan, grant, _recording(actor)


def _prison_only(plan: ReleasePlan, staff: Staff, doing: str) -> None:
    if staff.agency_id != plan.prison_id:
        raise Forbidden(f"Only {plan.prison.name}, whose plan this is, can {doing}")


def _must_be_open(plan: ReleasePlan) -> None:
    if plan.status != PlanStatus.OPEN:
        raise ValidationFailed({"status": "The plan is closed: the person has been released"})


def _check_version(thing, expected_version: int | None, noun: str) -> None:
    if expected_version is not None and expected_version != thing.version:
        raise PreconditionFailed(f"The {noun} has changed since version {expected_version}: it is now version "
                                 f"{thing.version}. Reload it and try again.")


def _bump(plan: ReleasePlan, *fields: str) -> None:
    plan.updated_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=[*fields, "updated_at", "version"])


def _recompute_completion(plan: ReleasePlan) -> list[str]:
    """Set or clear the completion date from the items; returns the fields changed."""
    finished = not ChecklistItem.objects.filter(plan=plan).exclude(status__in=(ItemStatus.DONE,
                                                                                 ItemStatus.NOT_NEEDED)).exists()
    if finished and plan.completed_on is None:
        plan.completed_on = timezone.localdate()
        return ["completed_on"]
    if not finished and plan.completed_on is not None:
        plan.completed_on = None
        return ["completed_on"]
    return []


# --- opening by hand ----------------------------------------------------------------------------------------


def open_release_plan(*, actor, custody_id) -> ReleasePlan:
    """Open the plan now (it also opens by itself when release comes into the window)."""
    with transaction.atomic():
        custody, grant, _staff = locked_custody(actor, custody_id, "release_plan.open")
        errors = {}
        if not custody.in_custody:
            errors["custody"] = "The person is no longer held here"
        elif custody.release_on is None:
            errors["release_on"] = "Set the release date first: the plan is for a release on a known date"
        elif open_plan_of(custody) is not None:
            errors["custody"] = "A release plan is already open"
        if errors:
            raise ValidationFailed(errors)
        try:
            with transaction.atomic():
                return open_plan(custody, actor=actor, lawful_basis=grant.basis, purpose=grant.purpose)
        except IntegrityError:
            raise ValidationFailed({"custody": "A release plan is already open"}) from None


# --- the checklist ----------------------------------------------------------------------------------------------


def _item_locked(actor, item_id, action: str) -> tuple[ChecklistItem, ReleasePlan, object, Staff]:
    iid = parse_uuid(item_id)
    item = (ChecklistItem.objects.select_for_update().select_related("owner_agency").filter(pk=iid).first()
            if iid else None)
    if item is None:
        record_access(actor=actor, action=action, outcome="denied", reason="not found", resource="release_item",
                      resource_id=str(iid or ""))
        raise NotFound(ITEM_NOT_FOUND)
    try:
        plan, grant, staff = _plan_locked(actor, item.plan_id, action)
    except NotFound:
        raise NotFound(ITEM_NOT_FOUND) from None
    if staff.agency_id not in (plan.prison_id, item.owner_agency_id):
        raise Forbidden(f"Only {plan.prison.name} (the plan's prison) or {item.owner_agency.name} (which owns this "
                        f"item) can change it")
    return item, plan, grant, staff


def _text(errors: dict, name: str, value, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "Enter text"
        return ""
    value = value.strip()
    if len(value) > limit:
        errors[name] = f"This must be {limit} characters or fewer"
    return value


def _worker(errors: dict, username) -> Staff | None:
    if not username:
        return None
    staff = (Staff.objects.select_related("user", "agency")
             .filter(user__username=str(username).strip(), user__is_active=True).first())
    if staff is None or staff.role not in CASEWORK_ROLES:
        errors["worker"] = "Choose a peer mentor or worker by their username"
        return None
    return staff


def _appointment(errors: dict, appointment_id, plan: ReleasePlan) -> Appointment | None:
    if not appointment_id:
        return None
    aid = parse_uuid(appointment_id)
    appointment = Appointment.objects.filter(pk=aid, person_id=plan.person_id).first() if aid else None
    if appointment is None:
        errors["appointment"] = "Choose one of the person's appointments"
    elif appointment.status == AppointmentStatus.CANCELLED:
        errors["appointment"] = "That appointment is cancelled: choose a booked one"
    elif timezone.localtime(appointment.starts_at).date() < plan.release_on:
        errors["appointment"] = f"Choose an appointment on or after the release date, {long_date(plan.release_on)}"
    return appointment


def update_item(*, actor, item_id, changes: dict, expected_version: int | None = None) -> ChecklistItem:
    """Change a checklist item: any of status, owner_agency, due_on, blocker, the contact columns
    (at, place, phone, contact_name, worker, appointment) and details. Absent keys are unchanged."""
    with transaction.atomic():
        item, plan, grant, staff = _item_locked(actor, item_id, "release_item.update")
        _must_be_open(plan)
        spec = checklist.SPECS[item.kind]
        errors: dict[str, str] = {}
        allowed = {"status", "owner_agency", "due_on", "blocker", "details", *COLUMNS}
        for name in sorted(set(changes) - allowed):
            errors[name] = "This field is not recognised"
        for name in COLUMNS:
            if name in changes and name not in spec.columns and changes[name] not in (None, ""):
                errors[name] = f"{checklist.label(item.kind)} has no {checklist.COLUMN_LABELS[name].lower()}"
        before_status, before_owner = item.status, item.owner_agency_id
        if "status" in changes:
            if changes["status"] not in ItemStatus.values:
                errors["status"] = "Choose not started, in progress, done or not needed"
            else:
                item.status = changes["status"]
        if "owner_agency" in changes:
            owner = Agency.objects.filter(pk=parse_uuid(changes["owner_agency"]), active=True).first()
            if owner is None:
                errors["owner_agency"] = "Choose the agency that owns this item"
            elif owner.pk != item.owner_agency_id and staff.agency_id != plan.prison_id:
                errors["owner_agency"] = f"Only {plan.prison.name}, whose plan this is, can give the item to another agency"
            else:
                item.owner_agency = owner
        if "due_on" in changes:
            due = changes["due_on"]
            if due in (None, ""):
                item.due_on = None
            elif not isinstance(due, dt.date):
                errors["due_on"] = "Enter a real date in the format YYYY-MM-DD"
            else:
                item.due_on = due
        if "blocker" in changes:
            item.blocker = _text(errors, "blocker", changes["blocker"], 500)
        for name, limit in (("place", 300), ("phone", 40), ("contact_name", 200)):
            if name in changes and name in spec.columns:
                setattr(item, name, _text(errors, name, changes[name], limit))
        if "at" in changes and "at" in spec.columns:
            at = changes["at"]
            if at in (None, ""):
                item.at = None
            elif not isinstance(at, dt.datetime) or timezone.is_naive(at):
                errors["at"] = "Enter the date and time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00"
            else:
                item.at = at
        new_worker = None
        if "worker" in changes and "worker" in spec.columns:
            new_worker = _worker(errors, changes["worker"])
            item.worker = new_worker.user if new_worker else None
        if "appointment" in changes and "appointment" in spec.columns:
            appointment = _appointment(errors, changes["appointment"], plan)
            item.appointment = appointment
        if "details" in changes:
            if not checklist.sees_details(grant, item if "owner_agency" not in changes else _as_owned(item, before_owner)):
                raise Forbidden("This item's details are not shared with you, so you cannot change them")
            given = changes["details"] or {}
            if not isinstance(given, dict):
                errors["details"] = "Send the details as an object"
            else:
                cleaned = checklist.clean_details(item.kind, given, errors)
                merged = {**item.details, **cleaned}
                for name, value in given.items():
                    if value in (None, "") and name in merged:
                        del merged[name]
                item.details = merged
        if not errors and item.status == ItemStatus.DONE:
            missing = checklist.missing_for_done(item)
            if item.blocker:
                errors["status"] = "Clear the blocker before marking the item done"
            elif missing:
                errors["status"] = f"To mark it done, enter: {', '.join(missing)}"
        if errors:
            raise ValidationFailed(errors)
        _check_version(item, expected_version, "checklist item")
        item.updated_at, item.updated_by = timezone.now(), actor
        item.version += 1
        item.save()
        if new_worker is not None and not CareTeamMember.objects.filter(
                person_id=plan.person_id, worker=new_worker.user, left_at__isnull=True).exists():
            # Whoever meets them at the gate joins the care team, so their agency works with the person.
            CareTeamMember.objects.create(person_id=plan.person_id, agency_id=new_worker.agency_id,
                                          worker=new_worker.user, added_by=actor)
            plan_event(plan, actor, f"{new_worker.display_name} ({new_worker.agency.name}) joined the care team "
                                    "to meet them at the gate", agency_id=staff.agency_id)
        _bump(plan, *_recompute_completion(plan))
        title = f"Release plan: {checklist.label(item.kind).lower()}, {item.get_status_display().lower()}"
        body = f"Blocked: {item.blocker}" if item.blocker else ""
        if item.owner_agency_id != before_owner:
            body = (body + f"\nNow owned by {item.owner_agency.name}.").strip()
        plan_event(plan, actor, title, body, agency_id=staff.agency_id)
        categories = [Category.CONTACT_ADMIN] + ([checklist.SPECS[item.kind].category] if "details" in changes else [])
        _audit(actor, plan, grant, "release_item.update", resource="release_item", resource_id=item.pk,
               categories=categories, reason=f"{item.kind}: {before_status} to {item.status}")
    return item


def _as_owned(item: ChecklistItem, owner_id) -> ChecklistItem:
    """The item as it was owned before this change (the details check uses the owner the caller saw)."""
    copy = ChecklistItem(kind=item.kind, owner_agency_id=owner_id)
    return copy


# --- the structured review ----------------------------------------------------------------------------------------


def review_plan(*, actor, plan_id, held_on, confirmations, persons_view: str = "",
                expected_version: int | None = None) -> PlanReview:
    """A structured review: every item confirmed as still holding, or changed (with what changed, and the
    item is reopened). Clears a moved release date and restarts the "confirmed long before release" clock."""
    with transaction.atomic():
        plan, grant, staff = _plan_locked(actor, plan_id, "release_plan.review")
        _prison_only(plan, staff, "review it")
        _must_be_open(plan)
        items = {item.kind: item for item in ChecklistItem.objects.select_for_update().filter(plan=plan)}
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if not isinstance(held_on, dt.date):
            errors["held_on"] = "Enter the date of the review"
        elif held_on > today:
            errors["held_on"] = "The review date must be today or in the past"
        elif held_on < timezone.localtime(plan.opened_at).date():
            errors["held_on"] = "The review date must be on or after the day the plan opened"
        given = {}
        for index, entry in enumerate(confirmations or []):
            kind = (entry or {}).get("kind")
            if kind not in items:
                errors[f"confirmations[{index}].kind"] = "Choose an item on the checklist"
            elif kind in given:
                errors[f"confirmations[{index}].kind"] = "Confirm each item once"
            elif not isinstance(entry.get("still_holds"), bool):
                errors[f"confirmations[{index}].still_holds"] = (
                    f"Say whether {checklist.label(kind).lower()} still holds")
            elif not entry["still_holds"] and not (entry.get("note") or "").strip():
                errors[f"confirmations[{index}].note"] = f"Say what changed about {checklist.label(kind).lower()}"
            elif len((entry.get("note") or "").strip()) > 500:
                errors[f"confirmations[{index}].note"] = "This must be 500 characters or fewer"
            else:
                given[kind] = {"kind": kind, "still_holds": entry["still_holds"],
                               "note": (entry.get("note") or "").strip()}
        missing = [checklist.label(k).lower() for k in checklist.ORDER if k in items and k not in given]
        if missing and not any(k.startswith("confirmations[") for k in errors):
            errors["confirmations"] = f"Confirm every item: {', '.join(missing)}"
        persons_view = _text(errors, "persons_view", persons_view, 2_000)
        if errors:
            raise ValidationFailed(errors)
        _check_version(plan, expected_version, "release plan")
        reasons = review_reasons(plan, today)
        changed = [k for k, c in given.items() if not c["still_holds"]]
        now = timezone.now()
        for kind in changed:
            item = items[kind]
            if item.status in (ItemStatus.DONE, ItemStatus.NOT_NEEDED):
                item.status = ItemStatus.IN_PROGRESS
                item.updated_at, item.updated_by, item.version = now, actor, item.version + 1
                item.save(update_fields=["status", "updated_at", "updated_by", "version"])
        review = PlanReview.objects.create(plan=plan, held_on=held_on, reasons=reasons,
                                           confirmations=[given[k] for k in checklist.ORDER if k in given],
                                           persons_view=persons_view, reviewed_by=actor, agency_id=staff.agency_id,
                                           recorded_at=now)
        plan.moved_from, plan.last_reviewed_on, plan.review_flagged_at = None, held_on, None
        _bump(plan, "moved_from", "last_reviewed_on", "review_flagged_at", *_recompute_completion(plan))
        summary = (f"{len(given) - len(changed)} item{'s' if len(given) - len(changed) != 1 else ''} still "
                   f"hold, {len(changed)} changed")
        plan_event(plan, actor, f"Release plan reviewed: {summary}", agency_id=staff.agency_id)
        _audit(actor, plan, grant, "release_plan.review", resource="release_plan_review", resource_id=review.pk,
               reason=summary)
    return review


# --- the handover to the community service ------------------------------------------------------------------


def agency_works_with(agency_id, person) -> bool:
    """Does the agency have a legitimate relationship with the person (the access policy's rule 3, asked of
    the policy itself)?"""
    return related_agencies(person).filter(pk=agency_id).exists()


def send_handover(*, actor, plan_id, receiving_agency, note: str = "") -> CommunityHandover:
    """Hand the plan over to the community service the person goes to. It must already work with the person
    (a referral, an episode or the care team): the handover opens nothing the access policy does not."""
    with transaction.atomic():
        plan, grant, staff = _plan_locked(actor, plan_id, "release_handover.send")
        _prison_only(plan, staff, "hand it over")
        _must_be_open(plan)
        errors: dict[str, str] = {}
        agency = Agency.objects.filter(pk=parse_uuid(receiving_agency), active=True).first() if receiving_agency else None
        if agency is None or agency.kind not in RECEIVING_KINDS:
            errors["receiving_agency"] = "Choose the community service they are going to"
        elif not agency_works_with(agency.pk, plan.person):
            errors["receiving_agency"] = (f"Refer them to {agency.name} first: the service can see the record only "
                                          "once a referral, an episode or the care team links them")
        note = _text(errors, "note", note, 500)
        if CommunityHandover.objects.filter(plan=plan).exists():
            errors["receiving_agency"] = "The plan has already been handed over"
        if errors:
            raise ValidationFailed(errors)
        handover = CommunityHandover.objects.create(plan=plan, person_id=plan.person_id, receiving_agency=agency,
                                                    note=note, sent_at=timezone.now(), sent_by=actor)
        plan_event(plan, actor, f"Release plan handed over to {agency.name}", agency_id=staff.agency_id)
        _audit(actor, plan, grant, "release_handover.send", resource="release_handover", resource_id=handover.pk,
               recipient_agency=agency.name)
    return handover


def _handover_locked(actor, handover_id, action: str) -> tuple[CommunityHandover, object, Staff]:
    handover, grant = get_record_about(
        actor, CommunityHandover.objects.select_for_update().select_related("plan", "receiving_agency"), handover_id,
        resource="release_handover", not_found=HANDOVER_NOT_FOUND, action=action, categories=[], write=True)
    staff = _recording(actor)
    if staff.agency_id != handover.receiving_agency_id:
        raise Forbidden(f"Only {handover.receiving_agency.name}, which receives the handover, can do that")
    return handover, grant, staff


def acknowledge_handover(*, actor, handover_id, expected_version: int | None = None) -> CommunityHandover:
    """The receiving community service says it has the handover and knows the person is coming."""
    with transaction.atomic():
        handover, grant, staff = _handover_locked(actor, handover_id, "release_handover.acknowledge")
        if handover.acknowledged_at is not None:
            raise ValidationFailed({"status": "The handover is already acknowledged"})
        _check_version(handover, expected_version, "handover")
        handover.acknowledged_at, handover.acknowledged_by = timezone.now(), actor
        handover.version += 1
        handover.save(update_fields=["acknowledged_at", "acknowledged_by", "version"])
        plan_event(handover.plan, actor, f"Handover acknowledged by {staff.agency.name}", agency_id=staff.agency_id)
        _audit(actor, handover.plan, grant, "release_handover.acknowledge", resource="release_handover",
               resource_id=handover.pk)
    return handover


def record_first_intervention(*, actor, handover_id, first_intervention_on,
                              expected_version: int | None = None) -> CommunityHandover:
    """The first community intervention after release: within 21 days, the person engaged."""
    with transaction.atomic():
        handover, grant, staff = _handover_locked(actor, handover_id, "release_handover.engagement")
        if handover.released_on is None:
            raise ValidationFailed({"first_intervention_on": "The clock starts at release: the person has not been "
                                                             "released yet"})
        if handover.first_intervention_on is not None:
            raise ValidationFailed({"first_intervention_on": "The first intervention is already recorded"})
        today = timezone.localdate()
        if not isinstance(first_intervention_on, dt.date):
            raise ValidationFailed({"first_intervention_on": "Enter the date of the first intervention"})
        if first_intervention_on > today:
            raise ValidationFailed({"first_intervention_on": "The date must be today or in the past"})
        if first_intervention_on < handover.released_on:
            raise ValidationFailed({"first_intervention_on": "The date must be on or after the release date, "
                                                             f"{long_date(handover.released_on)}"})
        _check_version(handover, expected_version, "handover")
        _set_first_intervention(handover, first_intervention_on)
        handover.save(update_fields=["first_intervention_on", "outcome", "outcome_recorded_at", "version"])
        days = (first_intervention_on - handover.released_on).days
        plan_event(handover.plan, actor, f"First community intervention {days} day{'s' if days != 1 else ''} "
                                         "after release", agency_id=staff.agency_id)
        _audit(actor, handover.plan, grant, "release_handover.engagement", resource="release_handover",
               resource_id=handover.pk, reason=handover.outcome or f"day {days}")
    return handover


def _set_first_intervention(handover: CommunityHandover, day: dt.date) -> None:
    handover.first_intervention_on = day
    if not handover.outcome:
        handover.outcome = (EngagementOutcome.ENGAGED if clocks.engaged_in_time(handover.released_on, day)
                            else EngagementOutcome.NOT_ENGAGED)
        handover.outcome_recorded_at = timezone.now()
    handover.version += 1

