"""Writes for the person-held record. Each is one transaction: scoped look-up, check, rows, journey event,
audit entry; messages go on commit.

Staff write: `invite_person` (set up the person's sign-in), `answer_correction`. The person writes, to their
own record only: `set_password`, `request_correction`; consent and goals go through consent.actions and
plans.actions, which accept the person as actor for those writes.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import record_action
from throughcare.careteam.actions import current_lead
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.myrecord.access import account_of, my_person
from throughcare.myrecord.models import CorrectionRequest, CorrectionStatus, PersonAccount, SignInChannel
from throughcare.myrecord.signin import normalise
from throughcare.people.access import get_person

SAFE_KEY = {SignInChannel.SMS: "text", SignInChannel.EMAIL: "email"}


def _event(person, *, agency_id, actor, kind: str, title: str, body: str = "", subject_type: str = "",
           subject_id: str = "") -> None:
    now = timezone.now()
    Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=kind, category=Category.CONTACT_ADMIN,
                         agency_id=agency_id, author=actor, title=title[:200], body=body,
                         subject_type=subject_type, subject_id=subject_id)


def invite_person(*, actor, person_id, channel: str, address: str = "", base_url: str = "") -> PersonAccount:
    """Let the person sign in to their own record with codes sent to `address` (default: their recorded
    mobile or email). Only a worker whose agency works with them, and only to a channel recorded as safe."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="person_account.invite", write=True,
                                   categories=[Category.CONTACT_ADMIN])
        if not grant.relationship:
            raise Forbidden("Only an agency working with the person can set up their own record")
        staff = staff_of(actor)
        errors: dict[str, str] = {}
        if channel not in SignInChannel.values:
            raise ValidationFailed({"channel": "Choose how the person will get their sign-in codes"})
        raw = address or (person.phone if channel == SignInChannel.SMS else person.email)
        normalised = ""
        try:
            found_channel, normalised = normalise(raw)
            if found_channel != channel:
                errors["address"] = ("Enter a mobile phone number" if channel == SignInChannel.SMS
                                     else "Enter an email address")
        except ValidationFailed:
            errors["address"] = ("Enter a mobile phone number, like 07700 900 982" if channel == SignInChannel.SMS
                                 else "Enter an email address in the correct format, like name@example.com")
        if not (person.safe_to_contact or {}).get(SAFE_KEY.get(channel, "")):
            errors["channel"] = (f"It is not recorded as safe to {'text' if channel == SignInChannel.SMS else 'email'} "
                                 f"{person.display_name}: check with them and update their contact details first")
        existing = PersonAccount.objects.select_for_update().filter(person=person).first()
        if existing is not None and existing.disabled_at is None:
            errors["channel"] = f"{person.display_name} can already sign in to their own record"
        elif normalised and PersonAccount.objects.filter(address=normalised).exclude(person=person).exists():
            errors["address"] = "That number or address already signs in to another record"
        if errors:
            raise ValidationFailed(errors)
        if existing is not None:  # turned back on, perhaps to a new number: the same account and user
            account = existing
            account.channel, account.address, account.invited_by, account.disabled_at = channel, normalised, actor, None
            account.save(update_fields=["channel", "address", "invited_by", "disabled_at"])
        else:
            user = get_user_model().objects.create_user(username=f"person-{uuid.uuid4().hex[:12]}", password=None)
            account = PersonAccount.objects.create(user=user, person=person, channel=channel, address=normalised,
                                                   invited_by=actor)
        _event(person, agency_id=staff.agency_id, actor=actor, kind=EventKind.DETAILS_UPDATED,
               title="Can now sign in to see their own record",
               body=f"Sign-in codes go by {SignInChannel(channel).label.lower()}.", subject_type="person_account",
               subject_id=str(account.pk))
        record_action(actor=actor, action="person_account.invite", person_id=person.pk, resource="person_account",
                      resource_id=str(account.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis)
        url = base_url + reverse("myrecord:sign-in")
        agency = staff.agency.name
        transaction.on_commit(lambda: _invite_message(account, agency, url))
    return account


def stop_sign_in(*, actor, person_id, reason: str = "") -> PersonAccount:
    """Turn off the person's sign-in at once (a lost phone, or someone else has it): codes already sent stop
    working and their next page is refused. A worker can turn it back on, to a new number, with invite_person."""
    from throughcare.myrecord.models import SignInCode

    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="person_account.stop", write=True, categories=[])
        if not grant.relationship:
            raise Forbidden("Only an agency working with the person can change their sign-in")
        account = PersonAccount.objects.select_for_update().filter(person=person, disabled_at__isnull=True).first()
        if account is None:
            raise ValidationFailed({"account": f"{person.display_name} cannot sign in to their own record"})
        now = timezone.now()
        account.disabled_at = now
        account.save(update_fields=["disabled_at"])
        SignInCode.objects.filter(account=account, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        _event(person, agency_id=staff_of(actor).agency_id, actor=actor, kind=EventKind.DETAILS_UPDATED,
               title="Sign-in to their own record turned off", subject_type="person_account",
               subject_id=str(account.pk))
        record_action(actor=actor, action="person_account.stop", person_id=person.pk, resource="person_account",
                      resource_id=str(account.pk), lawful_basis=grant.basis, reason=(reason or "").strip()[:300])
    return account


def _invite_message(account: PersonAccount, agency: str, url: str) -> None:
    from throughcare.notifications.service import notify_person

    notify_person(person=account.person, template="record_invitation", key=f"record_invitation:{account.pk}",
                  personalisation={"agency": agency, "url": url}, address=(account.channel, account.address))


def set_password(*, actor, password: str, confirm: str) -> None:
    """The person chooses a password, to sign in without waiting for a code (optional)."""
    with transaction.atomic():
        person, _grant = my_person(actor, action="person_account.password", categories=[], write=True)
        errors: dict[str, str] = {}
        if not password:
            errors["password"] = _("Enter a password")
        elif password != confirm:
            errors["confirm"] = _("The passwords do not match")
        else:
            try:
                validate_password(password, actor)
            except ValidationError as exc:
                errors["password"] = " ".join(exc.messages)
        if errors:
            raise ValidationFailed(errors)
        actor.set_password(password)
        actor.save(update_fields=["password"])
        record_action(actor=actor, action="person_account.password", person_id=person.pk,
                      resource="person_account", resource_id=str(account_of(actor).pk))


def request_correction(*, actor, what: str, correction: str) -> CorrectionRequest:
    """The person asks for part of their record to be put right: a task for their lead professional (or,
    with none, for the agency that registered them)."""
    with transaction.atomic():
        person, grant = my_person(actor, action="correction.request", categories=[], write=True)
        what, correction = (what or "").strip(), (correction or "").strip()
        errors: dict[str, str] = {}
        if not what:
            errors["what"] = _("Enter which part of your record is wrong")
        elif len(what) > 300:
            errors["what"] = _("Which part must be 300 characters or fewer")
        if not correction:
            errors["correction"] = _("Enter what it should say")
        elif len(correction) > 5000:
            errors["correction"] = _("What it should say must be 5000 characters or fewer")
        if errors:
            raise ValidationFailed(errors)
        lead = current_lead(person)
        agency_id = lead.agency_id if lead else person.registered_by_agency_id
        request = CorrectionRequest.objects.create(person=person, asked_by=actor, what=what, correction=correction,
                                                   assigned_to=lead.worker if lead else None, agency_id=agency_id)
        # The event stays neutral (contact and administration is seen by everyone who may see the person):
        # what the person asked is on the request, for their lead professional.
        _event(person, agency_id=agency_id, actor=actor, kind=EventKind.CORRECTION_REQUESTED,
               title="Asked for a correction to their record", subject_type="correction_request",
               subject_id=str(request.pk))
        record_action(actor=actor, action="correction.request", person_id=person.pk, resource="correction_request",
                      resource_id=str(request.pk), lawful_basis=grant.basis, purpose=grant.purpose)
    return request


def open_corrections_for(user):
    """Corrections waiting on `user`: assigned to them, or (with no lead) to their agency, for people they
    may see. The lead's "today" page lists them."""
    from django.db.models import Q

    from throughcare.consent.policy import visible_person_ids

    staff = staff_of(user)
    if staff is None:
        return CorrectionRequest.objects.none()
    return (CorrectionRequest.objects.filter(status=CorrectionStatus.OPEN,
                                             person__in=visible_person_ids(user))
            .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True, agency_id=staff.agency_id))
            .select_related("person").order_by("created_at"))


def get_correction(user, correction_id, *, action: str = "correction.read", write: bool = False):
    """(correction, person, grant) for staff who may see the person and work at the agency it is with."""
    cid = parse_uuid(correction_id)
    request = CorrectionRequest.objects.select_related("assigned_to").filter(pk=cid).first() if cid else None
    if request is None:
        raise NotFound("Correction not found")
    person, grant = get_person(user, request.person_id, action=action, write=write, categories=[],
                               not_found="Correction not found")
    staff = staff_of(user)
    if staff is None or staff.agency_id != request.agency_id or not grant.relationship:
        raise NotFound("Correction not found")
    return request, person, grant


def answer_correction(*, actor, correction_id, answer: str) -> CorrectionRequest:
    """The lead professional (or a colleague at their agency) answers: what was changed, or why not."""
    with transaction.atomic():
        request, person, grant = get_correction(actor, correction_id, action="correction.answer", write=True)
        request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        answer = (answer or "").strip()
        if request.status != CorrectionStatus.OPEN:
            raise ValidationFailed({"answer": "This correction has already been answered"})
        if not answer:
            raise ValidationFailed({"answer": "Enter what you changed, or why the record stays as it is"})
        if len(answer) > 5000:
            raise ValidationFailed({"answer": "The answer must be 5000 characters or fewer"})
        request.status, request.answer = CorrectionStatus.DONE, answer
        request.answered_at, request.answered_by = timezone.now(), actor
        request.save(update_fields=["status", "answer", "answered_at", "answered_by"])
        _event(person, agency_id=staff_of(actor).agency_id, actor=actor, kind=EventKind.CORRECTION_REQUESTED,
               title="Correction answered", subject_type="correction_request", subject_id=str(request.pk))
        record_action(actor=actor, action="correction.answer", person_id=person.pk, resource="correction_request",
                      resource_id=str(request.pk), lawful_basis=grant.basis, purpose=grant.purpose)
    return request
