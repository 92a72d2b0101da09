"""Writes for the care team and the lead professional role."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES
from throughcare.audit.recorder import record_access, record_action
from throughcare.careteam.models import CareTeamMember, Handover
from throughcare.consent.policy import visible_people
from throughcare.core.categories import IDENTITY_CATEGORY, Category
from throughcare.core.errors import Forbidden, NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person, get_record_about

MEMBER_NOT_FOUND = "Care team member not found"


def _worker(username: str, field: str = "worker") -> Staff:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed({field: "Enter the username of the member of staff"})
    staff = Staff.objects.select_related("user", "agency").filter(user__username=username, user__is_active=True).first()
    if staff is None:
        raise ValidationFailed({field: "No member of staff has that username"})
    if staff.role not in CASEWORK_ROLES:
        raise ValidationFailed({field: f"A {staff.get_role_display().lower()} cannot join a care team"})
    return staff


def _event(person, actor, title: str, body: str = "", subject_id: str = "") -> None:
    now = timezone.now()
    Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=EventKind.CARE_TEAM,
                         category=Category.CONTACT_ADMIN, agency_id=staff_of(actor).agency_id, author=actor,
                         title=title, body=body, subject_type="care_team", subject_id=subject_id)


def current_lead(person) -> CareTeamMember | None:
    return (CareTeamMember.objects.select_related("worker", "agency")
            .filter(person=person, is_lead=True, left_at__isnull=True).first())


def add_member(*, actor, person_id, worker: str, lead: bool = False) -> CareTeamMember:
    """Put a worker (of any agency) on the person's care team; the first lead can be named here."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="care_team.add", write=True, categories=[])
        if not grant.relationship:
            raise Forbidden("Only an agency working with the person can change their care team")
        member_staff = _worker(worker)
        if lead and current_lead(person) is not None:
            raise ValidationFailed({"lead": "There is already a lead professional: hand the role over instead"})
        try:
            with transaction.atomic():
                member = CareTeamMember.objects.create(person=person, agency_id=member_staff.agency_id,
                                                       worker=member_staff.user, is_lead=lead, added_by=actor)
        except IntegrityError:
            raise ValidationFailed({"worker": "That worker is already on the care team"}) from None
        role = "lead professional" if lead else "care team member"
        _event(person, actor, f"{member_staff.display_name} ({member_staff.agency.name}) joined as {role}",
               subject_id=str(member.pk))
        record_action(actor=actor, action="care_team.add", person_id=person.pk, resource="care_team_member",
                      resource_id=str(member.pk), lawful_basis=grant.basis, recipient_agency=member_staff.agency.name)
    return member


def remove_member(*, actor, member_id) -> CareTeamMember:
    with transaction.atomic():
        # A member of a team the caller may not see answers as a member who does not exist (decision 0003).
        member, grant = get_record_about(
            actor, CareTeamMember.objects.select_for_update(of=("self",)).select_related("worker", "person").filter(
                left_at__isnull=True), member_id, resource="care_team_member", not_found=MEMBER_NOT_FOUND,
            action="care_team.remove", categories=[], write=True)
        person = member.person
        if not grant.relationship:
            raise NotFound(MEMBER_NOT_FOUND)
        if member.is_lead:
            raise ValidationFailed({"member": "The lead professional cannot leave until the role is handed over"})
        member.left_at = timezone.now()
        member.save(update_fields=["left_at"])
        _event(person, actor, f"{member.worker.get_full_name() or member.worker.username} left the care team",
               subject_id=str(member.pk))
        record_action(actor=actor, action="care_team.remove", person_id=person.pk, resource="care_team_member",
                      resource_id=str(member.pk), lawful_basis=grant.basis)
    return member


def propose_handover(*, actor, person_id, to_worker: str, note: str = "") -> Handover:
    """The lead professional (or a colleague at the lead's agency) offers the lead role to another worker."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="handover.propose", write=True, categories=[])
        lead = current_lead(person)
        staff = staff_of(actor)
        if lead is None:
            raise ValidationFailed({"to_worker": "There is no lead professional yet: add one to the care team"})
        if lead.agency_id != staff.agency_id:
            raise Forbidden("Only the lead professional's agency can hand the role over")
        target = _worker(to_worker, "to_worker")
        if target.user_id == lead.worker_id:
            raise ValidationFailed({"to_worker": "That worker is already the lead professional"})
        try:
            with transaction.atomic():
                handover = Handover.objects.create(person=person, from_worker=lead.worker, to_worker=target.user,
                                                   to_agency_id=target.agency_id, note=(note or "").strip(),
                                                   proposed_by=actor)
        except IntegrityError:
            raise ValidationFailed({"to_worker": "A handover is already waiting to be acknowledged"}) from None
        _event(person, actor, f"Lead role offered to {target.display_name} ({target.agency.name})", handover.note,
               str(handover.pk))
        record_action(actor=actor, action="handover.propose", person_id=person.pk, resource="handover",
                      resource_id=str(handover.pk), lawful_basis=grant.basis, recipient_agency=target.agency.name)
    return handover


def handovers_offered_to(user, *, audit: bool = True) -> tuple[list[Handover], set]:
    """The handovers waiting for `user` to acknowledge, and the ids of their people whom `user` may see.

    An offer can reach a worker whose agency does not work with the person yet; the policy
    (`visible_people`, one query) decides whether the person and the note are shown. One audit entry
    names the people shown (`handover.list`).
    """
    handovers = list(Handover.objects.filter(to_worker=user, acknowledged_at__isnull=True, declined_at__isnull=True)
                     .select_related("person", "from_worker", "to_worker", "to_agency").order_by("proposed_at", "id"))
    ids = {h.person_id for h in handovers}
    visible = set(visible_people(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    if audit and handovers:
        withheld = sum(1 for h in handovers if h.person_id not in visible)
        record_access(actor=user, action="handover.list", resource="handover", categories=[IDENTITY_CATEGORY],
                      subjects=sorted(str(pk) for pk in visible),
                      reason=f"{len(handovers)} offered" + (f"; {withheld} withheld (no access)" if withheld else ""))
    return handovers, visible


def _open_handover_for(actor, handover_id) -> Handover:
    handover = (Handover.objects.select_for_update().filter(pk=parse_uuid(handover_id), to_worker=actor,
                                                            acknowledged_at__isnull=True, declined_at__isnull=True)
                .first())
    if handover is None:
        raise NotFound("Handover not found")
    return handover


def acknowledge_handover(*, actor, handover_id) -> CareTeamMember:
    """The receiving worker takes the lead role. Until now, the old lead stayed lead."""
    with transaction.atomic():
        handover = _open_handover_for(actor, handover_id)
        person = handover.person
        lead = current_lead(person)
        if lead is not None:
            CareTeamMember.objects.filter(pk=lead.pk).update(is_lead=False)
        staff = staff_of(actor)
        member = CareTeamMember.objects.filter(person=person, worker=actor, left_at__isnull=True).first()
        if member is None:
            member = CareTeamMember.objects.create(person=person, agency_id=staff.agency_id, worker=actor,
                                                   is_lead=True, added_by=actor)
        else:
            member.is_lead = True
            member.save(update_fields=["is_lead"])
        handover.acknowledged_at = timezone.now()
        handover.save(update_fields=["acknowledged_at"])
        _event(person, actor, f"{staff.display_name} ({staff.agency.name}) is now the lead professional",
               subject_id=str(handover.pk))
        record_action(actor=actor, action="handover.acknowledge", person_id=person.pk, resource="handover",
                      resource_id=str(handover.pk), lawful_basis="relationship:care_team")
    return member


def decline_handover(*, actor, handover_id, reason: str = "") -> Handover:
    with transaction.atomic():
        handover = _open_handover_for(actor, handover_id)
        handover.declined_at = timezone.now()
        handover.decline_reason = (reason or "").strip()[:300]
        handover.save(update_fields=["declined_at", "decline_reason"])
        _event(handover.person, actor, "Lead role handover declined", handover.decline_reason, str(handover.pk))
        record_action(actor=actor, action="handover.decline", person_id=handover.person_id, resource="handover",
                      resource_id=str(handover.pk))
    return handover
