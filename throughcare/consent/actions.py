"""Writes for consent, other lawful bases and break glass. Each is one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff, staff_of
from throughcare.agencies.roles import BASIS_APPROVER_ROLES, RECORDING_ROLES, AgencyKind, Role
from throughcare.audit.recorder import record_access, record_action
from throughcare.consent.models import (
    Alert,
    BasisKind,
    BreakGlass,
    Consent,
    ConsentKind,
    HowGiven,
    LawfulBasis,
    Purpose,
)
from throughcare.consent.policy import SELF
from throughcare.core.categories import ALL_CATEGORIES, Category
from throughcare.core.errors import Forbidden, NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event
from throughcare.people.access import get_person
from throughcare.people.models import Person

MAX_BREAK_GLASS_HOURS = 12


def _event(person, staff: Staff | None, actor, kind: str, title: str, body: str = "", subject_id: str = "") -> None:
    """`staff` is None when the person themselves acted (throughcare/myrecord): the event has no agency."""
    now = timezone.now()
    Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=kind, category=Category.CONTACT_ADMIN,
                         agency_id=staff.agency_id if staff else None, author=actor, title=title, body=body,
                         subject_type="consent", subject_id=subject_id)


def _check_categories(categories, errors: dict, field: str = "categories") -> list[str]:
    categories = list(dict.fromkeys(categories or []))
    if not categories:
        errors[field] = "Choose at least one category of information"
    elif set(categories) - ALL_CATEGORIES:
        errors[field] = f"Unknown category: {', '.join(sorted(set(categories) - ALL_CATEGORIES))}"
    return categories


def record_consent(*, actor, person_id, kind: str = ConsentKind.SHARE, recipient_agency: str | None = None,
                   recipient_kind: str = "", purposes=(), categories=(), valid_from: dt.date | None = None,
                   valid_until: dt.date | None = None, how_given: str = "", note: str = "") -> Consent:
    """Record what the person agreed to. Only a worker whose agency may write to the record can, or the
    person themselves, signed in to their own record (given digitally, by them)."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="consent.record", write=True, categories=[],
                                   subject_may_write=True)
        consent = add_consent(actor=actor, person=person, grant=grant, kind=kind, recipient_agency=recipient_agency,
                              recipient_kind=recipient_kind, purposes=purposes, categories=categories,
                              valid_from=valid_from, valid_until=valid_until, how_given=how_given, note=note)
        record_action(actor=actor, action="consent.record", person_id=person.pk, resource="consent",
                      resource_id=str(consent.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis,
                      recipient_agency=describe_recipient(consent))
    return consent


def describe_recipient(consent: Consent) -> str:
    return consent.recipient_agency.name if consent.recipient_agency_id else consent.recipient_kind


def add_consent(*, actor, person, grant, kind: str = ConsentKind.SHARE, recipient_agency=None, recipient_kind: str = "",
                purposes=(), categories=(), valid_from: dt.date | None = None, valid_until: dt.date | None = None,
                how_given: str = "", note: str = "", event_title: str = "") -> Consent:
    """The consent row and its journey event, for a person already looked up for writing, inside the caller's
    transaction; the caller writes the one audit entry (record_consent, or an access request's answer)."""
    errors: dict[str, str] = {}
    if not grant.relationship:
        raise Forbidden("Only an agency working with the person can record their consent")
    staff = staff_of(actor)
    if grant.relationship == SELF:
        how_given = HowGiven.DIGITAL
    if kind not in ConsentKind.values or (grant.relationship == SELF and kind != ConsentKind.SHARE):
        errors["kind"] = "Choose what the consent is for"
    agency = None
    if kind == ConsentKind.SHARE:
        if bool(recipient_agency) == bool(recipient_kind):
            errors["recipient_agency"] = "Choose one agency, or one kind of agency, to share with"
        elif recipient_agency:
            agency = recipient_agency if isinstance(recipient_agency, Agency) else \
                Agency.objects.filter(pk=parse_uuid(recipient_agency)).first()
            if agency is None:
                errors["recipient_agency"] = "Choose an agency from the list"
        elif recipient_kind not in AgencyKind.values:
            errors["recipient_kind"] = "Choose a kind of agency from the list"
        purposes = list(dict.fromkeys(purposes or []))
        if not purposes:
            errors["purposes"] = "Choose at least one purpose"
        elif set(purposes) - set(Purpose.values):
            errors["purposes"] = "Choose purposes from the list"
        categories = _check_categories(categories, errors)
    else:
        purposes, categories, recipient_kind = [], [], ""
    if how_given not in HowGiven.values:
        errors["how_given"] = "Say how the person gave their consent"
    valid_from = valid_from or timezone.localdate()
    if valid_until and valid_until < valid_from:
        errors["valid_until"] = "The end date must be on or after the start date"
    if len(note or "") > 500:
        errors["note"] = "The note must be 500 characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    consent = Consent.objects.create(
        person=person, kind=kind, recipient_agency=agency, recipient_kind=recipient_kind if not agency else "",
        purposes=purposes, categories=categories, valid_from=valid_from, valid_until=valid_until,
        how_given=how_given, note=(note or "").strip(), recorded_by=actor,
        recorded_by_agency_id=staff.agency_id if staff else None,
    )
    _event(person, staff, actor, "consent_recorded",
           event_title or f"Consent {'given by the person' if staff is None else 'recorded'}: {ConsentKind(kind).label}",
           describe_consent(consent), str(consent.pk))
    return consent


def withdraw_consent(*, actor, consent_id, reason: str = "") -> Consent:
    """Withdraw a consent. It stops opening the record at once."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(pk=parse_uuid(consent_id)).first()
        if consent is None:
            raise NotFound("Consent not found")
        person, grant = get_person(actor, consent.person_id, action="consent.withdraw", write=True,
                                   categories=[], subject_may_write=True, not_found="Consent not found")
        if not grant.relationship:
            raise NotFound("Consent not found")
        if consent.withdrawn_at is not None:
            raise ValidationFailed({"consent": "This consent has already been withdrawn"})
        staff = staff_of(actor)
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.withdrawal_reason = (reason or "").strip()[:500]
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        _event(person, staff, actor, "consent_withdrawn",
               "Consent withdrawn by the person" if staff is None else "Consent withdrawn",
               describe_consent(consent), str(consent.pk))
        record_action(actor=actor, action="consent.withdraw", person_id=person.pk, resource="consent",
                      resource_id=str(consent.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis)
    return consent


def request_basis(*, actor, person_id, basis: str, recipient_agency: str, categories, reason: str,
                  valid_until: dt.date | None = None) -> LawfulBasis:
    """Record a safeguarding or court-order basis. It has no effect until a Caldicott guardian, or a service
    manager of the recorder's agency, approves it (never the person who recorded it)."""
    errors: dict[str, str] = {}
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="basis.request", write=True, categories=[])
        if basis not in BasisKind.values:
            errors["basis"] = "Choose the lawful basis"
        agency = Agency.objects.filter(pk=parse_uuid(recipient_agency)).first()
        if agency is None:
            errors["recipient_agency"] = "Choose the agency that needs the information"
        categories = _check_categories(categories, errors)
        reason = (reason or "").strip()
        if len(reason) < 10:
            errors["reason"] = "Explain why, in at least 10 characters"
        if valid_until and valid_until < timezone.localdate():
            errors["valid_until"] = "The end date must be today or later"
        if errors:
            raise ValidationFailed(errors)
        staff = staff_of(actor)
        record = LawfulBasis.objects.create(person=person, basis=basis, recipient_agency=agency, categories=categories,
                                            reason=reason, valid_until=valid_until, requested_by=actor)
        Alert.objects.create(kind="basis_request", subject_id=str(record.pk),
                             message=f"{BasisKind(basis).label} for {agency.name} needs a decision")
        _event(person, staff, actor, "basis_requested", f"{BasisKind(basis).label} recorded for {agency.name}",
               reason, str(record.pk))
        record_action(actor=actor, action="basis.request", person_id=person.pk, resource="lawful_basis",
                      resource_id=str(record.pk), categories=categories, lawful_basis=basis,
                      purpose="safeguarding", recipient_agency=agency.name, reason=reason[:300])
        _notify_guardians(f"Throughcare: {BasisKind(basis).label} needs your decision", reason)
    return record


#: The alerts list shows every open alert and this many of the latest resolved ones.
RECENTLY_RESOLVED = 20


@dataclass
class AlertRow:
    alert: Alert
    #: Where the guardian deals with it (the review or the decision), while it is open.
    url: str = ""


@dataclass
class Alerts:
    open: list = field(default_factory=list)
    resolved: list = field(default_factory=list)


def alerts_for(user) -> Alerts:
    """The alerts raised for Caldicott guardians (emergency access used, a lawful basis waiting): every open
    one, oldest first, and the latest resolved ones. Alerts name the worker and agency, never the person."""
    _require_guardian(user)
    found = Alerts()
    for alert in Alert.objects.filter(resolved_at__isnull=True).order_by("created_at", "id"):
        route = {"break_glass": "consent:review", "basis_request": "consent:decide"}.get(alert.kind)
        found.open.append(AlertRow(alert, reverse(route, args=[alert.subject_id]) if route else ""))
    found.resolved = [AlertRow(a) for a in
                      Alert.objects.filter(resolved_at__isnull=False).order_by("-resolved_at", "-id")[:RECENTLY_RESOLVED]]
    return found


def _require_guardian(actor) -> Staff:
    staff = staff_of(actor)
    if staff is None or staff.role != Role.CALDICOTT_GUARDIAN:
        raise Forbidden("Only a Caldicott guardian can do that")
    return staff


def bases_to_decide(user):
    """The lawful bases waiting for `user`'s decision: any, for a Caldicott guardian; for a service manager,
    those recorded by their own agency's staff, except their own (someone else must approve those)."""
    staff = staff_of(user)
    pending = LawfulBasis.objects.filter(approved__isnull=True)
    if staff is None or staff.role not in BASIS_APPROVER_ROLES:
        return pending.none()
    if staff.role == Role.SERVICE_MANAGER:
        pending = pending.filter(requested_by__staff__agency_id=staff.agency_id).exclude(requested_by=user)
    return pending


def decide_basis(*, actor, basis_id, approve: bool, note: str = "") -> LawfulBasis:
    """Approve or decline another lawful basis. A Caldicott guardian decides any; a service manager
    those of their own agency's staff. Nobody decides their own."""
    staff = staff_of(actor)
    if staff is None or staff.role not in BASIS_APPROVER_ROLES:
        raise Forbidden("Only a Caldicott guardian or a service manager can decide a lawful basis")
    with transaction.atomic():
        record = LawfulBasis.objects.select_for_update().filter(pk=parse_uuid(basis_id)).first()
        if record is None:
            raise NotFound("Lawful basis not found")
        if staff.role == Role.SERVICE_MANAGER and not LawfulBasis.objects.filter(
                pk=record.pk, requested_by__staff__agency_id=staff.agency_id).exists():
            raise NotFound("Lawful basis not found")  # another agency's: not this manager's to see
        if record.approved is not None:
            raise ValidationFailed({"approve": "A decision has already been made"})
        if record.requested_by_id == actor.pk:
            raise Forbidden("Someone else must approve a basis you recorded")
        record.approved = bool(approve)
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_note = (note or "").strip()[:500]
        record.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
        Alert.objects.filter(kind="basis_request", subject_id=str(record.pk)).update(resolved_at=timezone.now())
        _event(record.person, staff, actor, "basis_decided",
               f"{record.get_basis_display()} {'approved' if approve else 'declined'} by the "
               f"{staff.get_role_display().lower()}",
               record.decision_note, str(record.pk))
        record_action(actor=actor, action="basis.approve" if approve else "basis.decline", person_id=record.person_id,
                      resource="lawful_basis", resource_id=str(record.pk), lawful_basis=record.basis,
                      recipient_agency=record.recipient_agency.name)
    return record


def break_glass(*, actor, person_id, reason: str, hours: int = 4) -> BreakGlass:
    """Emergency access to a record the caller cannot otherwise see: time-limited, alerted, reviewed."""
    staff = staff_of(actor)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if len(reason) < 10:
        errors["reason"] = "Explain the emergency, in at least 10 characters"
    if not isinstance(hours, int) or not 1 <= hours <= MAX_BREAK_GLASS_HOURS:
        errors["hours"] = f"Emergency access lasts from 1 to {MAX_BREAK_GLASS_HOURS} hours"
    if staff is None or staff.role not in RECORDING_ROLES:
        raise Forbidden("Your role cannot use emergency access")
    pid = parse_uuid(person_id)
    with transaction.atomic():
        person = Person.objects.filter(pk=pid).first() if pid else None
        if person is None:
            record_access(actor=actor, action="break_glass", person_id=pid, outcome="denied", reason="not found")
            raise NotFound("Person not found")
        if errors:
            raise ValidationFailed(errors)
        now = timezone.now()
        glass = BreakGlass.objects.create(person=person, user=actor, agency_id=staff.agency_id, reason=reason,
                                          started_at=now, expires_at=now + dt.timedelta(hours=hours))
        Alert.objects.create(kind="break_glass", subject_id=str(glass.pk),
                             message=f"{actor.get_username()} ({staff.agency.name}) used emergency access")
        _event(person, staff, actor, "break_glass", f"Emergency access by {staff.display_name}, {staff.agency.name}",
               reason, str(glass.pk))
        record_action(actor=actor, action="break_glass", person_id=person.pk, resource="break_glass",
                      resource_id=str(glass.pk), lawful_basis="break_glass", purpose="emergency", reason=reason[:300])
        _notify_guardians("Throughcare: emergency access used",
                          f"{actor.get_username()} at {staff.agency.name} used emergency access: {reason}")
    return glass


def review_break_glass(*, actor, break_glass_id, outcome: str, note: str = "") -> BreakGlass:
    _require_guardian(actor)
    if outcome not in ("appropriate", "inappropriate"):
        raise ValidationFailed({"outcome": "Say whether the access was appropriate"})
    with transaction.atomic():
        glass = BreakGlass.objects.select_for_update().filter(pk=parse_uuid(break_glass_id)).first()
        if glass is None:
            raise NotFound("Emergency access not found")
        if glass.reviewed_at is not None:
            raise ValidationFailed({"outcome": "This has already been reviewed"})
        glass.reviewed_by = actor
        glass.reviewed_at = timezone.now()
        glass.review_outcome = outcome
        glass.review_note = (note or "").strip()[:500]
        glass.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_note"])
        Alert.objects.filter(kind="break_glass", subject_id=str(glass.pk)).update(resolved_at=timezone.now())
        record_action(actor=actor, action="break_glass.review", person_id=glass.person_id, resource="break_glass",
                      resource_id=str(glass.pk), reason=f"{outcome}: {glass.review_note}"[:300])
    return glass


def _notify_guardians(subject: str, body: str) -> None:
    """Email every Caldicott guardian once the transaction commits (console backend in the demo)."""
    recipients = list(Staff.objects.filter(role=Role.CALDICOTT_GUARDIAN).exclude(user__email="")
                      .values_list("user__email", flat=True))
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients,
                                                fail_silently=True))


def describe_consent(consent: Consent) -> str:
    """Plain English: who can see what, for what, until when."""
    if consent.kind != ConsentKind.SHARE:
        return f"{ConsentKind(consent.kind).label}, given {HowGiven(consent.how_given).label.lower()}."
    who = consent.recipient_agency.name if consent.recipient_agency_id else f"every {AgencyKind(consent.recipient_kind).label.lower()} agency"
    what = ", ".join(Category(c).label.lower() for c in consent.categories)
    why = " and ".join(Purpose(p).label.lower() for p in consent.purposes)
    until = f" until {consent.valid_until:%-d %B %Y}" if consent.valid_until else ""
    state = " Withdrawn." if consent.withdrawn_at else ""
    return f"{who} can see {what}, for {why}, from {consent.valid_from:%-d %B %Y}{until}.{state}"
