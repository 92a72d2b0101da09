"""Writes and scoped reads for referrals. Each write is one transaction with its journey event and audit entry.

Who may see a referral: anyone who may see the person (`get_person`) and whose agency made or received
it. The receiving agency's recording staff move it on (acknowledge, accept or decline, offer the first
appointment, start the intervention); only the referring agency withdraws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff, staff_of
from throughcare.agencies.roles import RECORDING_ROLES
from throughcare.audit.recorder import one_entry, record_access, record_action
from throughcare.consent.policy import ROLE_CATEGORY_CAP, visible_person_ids
from throughcare.core.categories import ALL_CATEGORIES, IDENTITY_CATEGORY, Category
from throughcare.core.errors import Forbidden, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person, get_record_about
from throughcare.referrals.models import DeclineReason, FastTrackReason, Priority, Referral, Status

REFERRAL_NOT_FOUND = "Referral not found"
MAX_REASON_LENGTH = 5_000
MAX_NOTE_LENGTH = 500

RECEIVING, REFERRING = "receiving", "referring"


@dataclass(frozen=True)
class Move:
    """One allowed move: into `to`, from any of `sources`, by which side, with which details."""

    to: str
    sources: tuple[str, ...]
    side: str
    action: str
    verb: str
    stamp: str  # the timestamp field set to now
    details: tuple[str, ...] = ()


#: Every allowed move, keyed by the status it moves to. Anything not here is refused.
MOVES: dict[str, Move] = {m.to: m for m in [
    Move(Status.ACKNOWLEDGED, (Status.SENT,), RECEIVING, action="referral.acknowledge", verb="acknowledged",
         stamp="acknowledged_at"),
    Move(Status.ACCEPTED, (Status.ACKNOWLEDGED,), RECEIVING, action="referral.accept", verb="accepted",
         stamp="decided_at"),
    Move(Status.DECLINED, (Status.ACKNOWLEDGED,), RECEIVING, action="referral.decline", verb="declined",
         stamp="decided_at", details=("decline_reason", "decline_note")),
    Move(Status.FIRST_APPOINTMENT_OFFERED, (Status.ACCEPTED,), RECEIVING, action="referral.offer_appointment",
         verb="first appointment offered", stamp="first_appointment_offered_at", details=("first_appointment_on",)),
    Move(Status.INTERVENTION_STARTED, (Status.FIRST_APPOINTMENT_OFFERED,), RECEIVING,
         action="referral.start_intervention", verb="intervention started", stamp="intervention_started_at"),
    Move(Status.WITHDRAWN, (Status.SENT, Status.ACKNOWLEDGED, Status.ACCEPTED, Status.FIRST_APPOINTMENT_OFFERED),
         REFERRING, action="referral.withdraw", verb="withdrawn", stamp="withdrawn_at", details=("note",)),
]}


def _label(status: str) -> str:
    return Status(status).label.lower()


def _event(person_id, staff: Staff, actor, kind: str, title: str, referral: Referral, body: str = "") -> None:
    # Contact and administration: the body never carries the reason or a decline code (health information).
    now = timezone.now()
    Event.objects.create(person_id=person_id, occurred_at=now, recorded_at=now, kind=kind, category=Category.CONTACT_ADMIN,
                         agency_id=staff.agency_id, author=actor, title=title[:200], body=body,
                         subject_type="referral", subject_id=str(referral.pk))


def create_referral(*, actor, person_id, to_agency, service: str, reason: str, shared_categories=(),
                    priority: str = Priority.ROUTINE, fast_track_reason: str = "", fast_track_note: str = "",
                    directory_service=None) -> Referral:
    """Refer the person from the actor's agency to a service at another agency. The clock starts now.
    `directory_service`: the directory entry it was started from (one of the receiving agency's services)."""
    errors: dict[str, str] = {}
    service = (service or "").strip()
    if not service:
        errors["service"] = "Enter the service you are referring to"
    elif len(service) > 200:
        errors["service"] = "The service must be 200 characters or fewer"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter the reason for the referral"
    elif len(reason) > MAX_REASON_LENGTH:
        errors["reason"] = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
    fast_track_note = (fast_track_note or "").strip()
    if priority not in Priority.values:
        errors["priority"] = "Choose routine or fast track"
    elif priority == Priority.FAST_TRACK:
        if not fast_track_reason:
            errors["fast_track_reason"] = "Say why the referral is fast-tracked"
        elif fast_track_reason not in FastTrackReason.values:
            errors["fast_track_reason"] = "Choose a fast-track reason from the list"
        elif fast_track_reason == FastTrackReason.OTHER and not fast_track_note:
            errors["fast_track_note"] = "Explain the fast-track reason"
    elif fast_track_reason or fast_track_note:
        errors["fast_track_reason"] = "Only a fast-track referral has a fast-track reason"
    if len(fast_track_note) > MAX_NOTE_LENGTH:
        errors["fast_track_note"] = f"The note must be {MAX_NOTE_LENGTH} characters or fewer"
    shared = list(dict.fromkeys(shared_categories or []))
    # Look the person up before reporting input errors, so an unseen person is always 404.
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="referral.create", write=True, categories=[])
        staff = staff_of(actor)
        agency = Agency.objects.filter(pk=parse_uuid(to_agency), active=True).first() if to_agency else None
        if agency is None:
            errors["to_agency"] = "Choose the agency you are referring to"
        elif agency.pk == staff.agency_id:
            errors["to_agency"] = "Choose another agency: this is a referral between services"
        listed = None
        if directory_service:
            from throughcare.directory.models import Service

            listed = Service.objects.filter(pk=parse_uuid(directory_service),
                                            organisation__agency_id=agency.pk if agency else None).first()
            if listed is None:
                errors["directory_service"] = "Choose a directory entry of the agency you are referring to"
        unknown = sorted(set(shared) - ALL_CATEGORIES)
        unseen = [c for c in shared if c in ALL_CATEGORIES
                  and not (grant.allows(c, staff.agency_id) or c in grant.categories)]
        if unknown:
            errors["shared_categories"] = f"Unknown category: {', '.join(unknown)}"
        elif unseen:
            errors["shared_categories"] = ("You can only share information you can see yourself: "
                                           + ", ".join(Category(c).label.lower() for c in unseen))
        if errors:
            raise ValidationFailed(errors)
        referral = Referral.objects.create(
            person=person, from_agency_id=staff.agency_id, from_user=actor, to_agency=agency, service=service,
            directory_service=listed,
            reason=reason, shared_categories=shared, priority=priority,
            fast_track_reason=fast_track_reason if priority == Priority.FAST_TRACK else "",
            fast_track_note=fast_track_note, status=Status.SENT, received_at=timezone.now(),
        )
        _event(person.pk, staff, actor, EventKind.REFERRAL_SENT, f"Referral sent to {agency.name}: {service}", referral,
               body=f"Priority: {Priority(priority).label.lower()}. Sent by {staff.agency.name}.")
        record_action(actor=actor, action="referral.create", person_id=person.pk, resource="referral",
                      resource_id=str(referral.pk), categories=[Category.CONTACT_ADMIN, *shared],
                      lawful_basis=grant.basis, purpose=grant.purpose, recipient_agency=agency.name)
    return referral


def _clean_details(move: Move, referral: Referral, details: dict) -> dict:
    errors: dict[str, str] = {}
    for name in details:
        if name not in move.details:
            errors[name] = f"This field is not used when the referral is {move.verb}"
    clean: dict = {}
    if move.to == Status.DECLINED:
        code = details.get("decline_reason") or ""
        note = (details.get("decline_note") or "").strip()
        if not code:
            errors["decline_reason"] = "Say why the referral is declined"
        elif code not in DeclineReason.values:
            errors["decline_reason"] = "Choose a decline reason from the list"
        elif code == DeclineReason.OTHER and not note:
            errors["decline_note"] = "Explain why the referral is declined"
        if len(note) > MAX_NOTE_LENGTH:
            errors["decline_note"] = f"The note must be {MAX_NOTE_LENGTH} characters or fewer"
        clean = {"decline_reason": code, "decline_note": note}
    elif move.to == Status.FIRST_APPOINTMENT_OFFERED:
        day = details.get("first_appointment_on")
        if isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day)
            except ValueError:
                day = "bad"
        if day is None:
            errors["first_appointment_on"] = "Enter the date of the first appointment"
        elif not isinstance(day, dt.date):
            errors["first_appointment_on"] = "Enter a real date in the format YYYY-MM-DD"
        elif day < timezone.localtime(referral.received_at).date():
            errors["first_appointment_on"] = "The appointment must be on or after the day the referral was received"
        clean = {"first_appointment_on": day}
    elif move.to == Status.WITHDRAWN:
        note = (details.get("note") or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            errors["note"] = f"The note must be {MAX_NOTE_LENGTH} characters or fewer"
        clean = {"note": note}
    if errors:
        raise ValidationFailed(errors)
    return clean


def transition_referral(*, actor, referral_id, to: str, expected_version: int | None = None, **details) -> Referral:
    """Move a referral to `to`, if `MOVES` allows it from where it is and for the actor's side."""
    staff = staff_of(actor)
    with transaction.atomic():
        referral, grant = get_record_about(actor, _of_my_agency(Referral.objects.select_for_update(), actor),
                                           referral_id, resource="referral", not_found=REFERRAL_NOT_FOUND,
                                           action="referral.transition", categories=[], write=True)
        if to not in Status.values:
            raise ValidationFailed({"to": "Choose a status from the list"})
        move = MOVES.get(to)
        if move is None:
            raise ValidationFailed({"status": f"A referral cannot be moved from {_label(referral.status)} "
                                              f"back to {_label(to)}"})
        if move.side == RECEIVING and staff.agency_id != referral.to_agency_id:
            raise Forbidden(f"Only the receiving agency can mark a referral {move.verb}")
        if move.side == REFERRING and staff.agency_id != referral.from_agency_id:
            raise Forbidden("Only the referring agency can withdraw a referral")
        if staff.role not in RECORDING_ROLES:
            raise Forbidden("Your role cannot update referrals")
        if referral.status not in move.sources:
            allowed = " or ".join(_label(s) for s in move.sources)
            raise ValidationFailed({"status": f"Cannot move a referral from {_label(referral.status)} to "
                                              f"{_label(to)}: only a referral that is {allowed} can be {move.verb}"})
        clean = _clean_details(move, referral, details)
        if expected_version is not None and expected_version != referral.version:
            raise PreconditionFailed(f"The referral has changed since version {expected_version}: "
                                     f"it is now version {referral.version}. Reload it and try again.")
        previous = referral.status
        if to == Status.INTERVENTION_STARTED:
            with one_entry():  # the episode is part of this request's one entry
                _start_episode_for(actor, staff, referral)
        referral.status = to
        setattr(referral, move.stamp, timezone.now())
        fields = ["status", move.stamp, "version"]
        for name in ("decline_reason", "decline_note", "first_appointment_on"):
            if name in clean:
                setattr(referral, name, clean[name])
                fields.append(name)
        referral.version += 1
        referral.save(update_fields=fields)
        body = f"From {_label(previous)} to {_label(to)}."
        if "first_appointment_on" in clean:
            body += f" First appointment on {clean['first_appointment_on']:%-d %B %Y}."
        if clean.get("note"):
            body += f" {clean['note']}"
        _event(grant.person_id, staff, actor, EventKind.REFERRAL_UPDATED,
               f"Referral to {referral.to_agency.name} {move.verb}: {referral.service}", referral, body=body)
        record_action(actor=actor, action=move.action, person_id=grant.person_id, resource="referral",
                      resource_id=str(referral.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis,
                      purpose=grant.purpose, recipient_agency=referral.to_agency.name,
                      reason=f"{previous} -> {to}")
    return referral


def sees_referral_content(user) -> bool:
    """Peer mentors see contact and administration only: the reason and the codes are withheld."""
    staff = staff_of(user)
    return staff is not None and ROLE_CATEGORY_CAP.get(staff.role, frozenset()) - {Category.CONTACT_ADMIN} != set()


def referrals_of(person, user) -> list[Referral]:
    """The referrals of a person already looked up with `get_person`, made or received by the caller's agency."""
    staff = staff_of(user)
    if staff is None:
        return []
    return list(_related(Referral.objects.filter(person=person))
                .filter(Q(from_agency_id=staff.agency_id) | Q(to_agency_id=staff.agency_id)))


def _start_episode_for(actor, staff: Staff, referral: Referral) -> None:
    """The intervention is an episode of care at the receiving agency. Starting it (unless the agency already
    has a current episode) keeps the person's record open to the agency that now works with them, once the
    referral itself closes. Called while the referral is still open, so the agency may still write."""
    from throughcare.episodes.actions import start_episode
    from throughcare.episodes.models import Episode, Setting

    if Episode.objects.filter(person_id=referral.person_id, agency_id=staff.agency_id, ended_on__isnull=True).exists():
        return
    setting = Setting.PRISON if staff.agency.kind == "prison" else Setting.COMMUNITY
    start_episode(actor=actor, person_id=referral.person_id, setting=setting, service=referral.service,
                  started_on=timezone.localdate())


def _related(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("person", "from_agency", "to_agency", "from_user")


def _of_my_agency(queryset, user):
    """Referrals the caller's agency made or received (none for a caller who is not staff)."""
    staff = staff_of(user)
    if staff is None:
        return queryset.none()
    return queryset.filter(Q(from_agency_id=staff.agency_id) | Q(to_agency_id=staff.agency_id))


def get_referral(user, referral_id, *, action: str = "referral.read") -> tuple[Referral, object]:
    """One referral as `user` may see it (their agency made or received it, and they may see the person)."""
    return get_record_about(user, _related(_of_my_agency(Referral.objects, user)), referral_id, resource="referral",
                            not_found=REFERRAL_NOT_FOUND, action=action)


def person_referrals(user, person_id) -> list[Referral]:
    """The person's referrals made or received by the caller's agency."""
    person, _grant = get_person(user, person_id, action="referral.list", categories=[IDENTITY_CATEGORY])
    return referrals_of(person, user)


def _agency_referrals_queryset(user, *, direction: str = "", status: str = "") -> QuerySet:
    """The caller agency's incoming or outgoing referrals, for people the caller may see (`visible_people`)."""
    errors = {}
    if direction not in ("", "incoming", "outgoing"):
        errors["direction"] = "Choose incoming or outgoing"
    if status and status not in Status.values:
        errors["status"] = "Choose a status from the list"
    if errors:
        raise ValidationFailed(errors)
    staff = staff_of(user)
    if staff is None:
        return Referral.objects.none()
    mine = {"incoming": Q(to_agency_id=staff.agency_id), "outgoing": Q(from_agency_id=staff.agency_id)}.get(
        direction, Q(to_agency_id=staff.agency_id) | Q(from_agency_id=staff.agency_id))
    queryset = _related(Referral.objects.filter(mine, person__in=visible_person_ids(user)))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-received_at", "-id")


def agency_referrals(user, *, direction: str = "", status: str = "") -> list[Referral]:
    """The caller agency's incoming or outgoing referrals, for people the caller may see."""
    referrals = list(_agency_referrals_queryset(user, direction=direction, status=status))
    record_access(actor=user, action="referral.list", resource="referral", categories=[IDENTITY_CATEGORY],
                  subjects=list(dict.fromkeys(str(r.person_id) for r in referrals)))
    return referrals


def agency_referral_page(user, *, direction: str = "", status: str = "", page: int = 1,
                         page_size: int = 50) -> tuple[list[Referral], int]:
    """One page of `agency_referrals`, newest first, and the total: both counted in the database over the
    policy-filtered list, so neither the total nor the pages count anyone the caller may not see."""
    queryset = _agency_referrals_queryset(user, direction=direction, status=status)
    total = queryset.count()
    start = (page - 1) * page_size
    referrals = list(queryset[start:start + page_size])
    record_access(actor=user, action="referral.list", resource="referral", categories=[IDENTITY_CATEGORY],
                  subjects=list(dict.fromkeys(str(r.person_id) for r in referrals)),
                  reason=f"{total} found; page {page} of {max(1, -(-total // page_size))}")
    return referrals, total
