"""Access requests: an agency asks to work with a person it may not see, through the consent rules.

Registering a person can find a possible match the caller may not see (held elsewhere). The caller can ask
for access (`request_access`): the ask goes to the agencies working with that person (the lead professional's
"today" page, the service manager's queue, the person's consent page), never revealing the person to the
caller. The holding side answers (`answer_request`) by recording the person's consent to share with the
asking agency, or by saying no; the caller learns only the outcome (agreed, or not). With an agreed request
whose consent is still active, the caller joins the record (`join_by_request`): their agency starts an episode
of care on it, and sees what other agencies recorded only as that consent allows. Nothing else opens it.
docs/decisions/0021-access-requests.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from throughcare.agencies.models import recorder, require_recorder, staff_of
from throughcare.audit.recorder import record_access, record_action
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.models import ConsentKind
from throughcare.consent.policy import grant_for, visible_people, visible_person_ids
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.matching import merges
from throughcare.matching.models import AccessDecision, AccessOutcome, AccessRequest
from throughcare.people.access import get_person
from throughcare.people.inputs import PersonDetails
from throughcare.people.models import Person

ACCESS_REQUEST_NOT_FOUND = "Access request not found"
#: An ask reaches at most this many possible matches held elsewhere (the likeliest).
MAX_REACHED = 3
MIN_REASON, MAX_REASON = 10, 2000


def _require_recorder(user):
    return require_recorder(user, "Your role cannot ask for or answer access to a record")


def held_elsewhere(user, details: PersonDetails) -> list[str]:
    """Ids of the possible matches for `details` that `user` may not see, likeliest first. Never shown to them."""
    from throughcare.matching.candidates import checked, scored

    _version, results = scored(checked(details))
    ids = [person_id for person_id, _score in results]
    visible = {str(pk) for pk in visible_people(user).filter(pk__in=ids).values_list("pk", flat=True)}
    return [person_id for person_id in ids if person_id not in visible]


def request_access(*, actor, details: PersonDetails, reason: str) -> tuple[uuid.UUID, bool]:
    """Ask the agencies holding a possible match for `details` to let the actor's agency work with the person.

    Returns (the enquiry id, whether anything new was asked). Asking again while the same ask is open is not
    a second request. One audit entry names the people the ask reached (in the trail, never to the caller).
    """
    staff = _require_recorder(actor)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed({"reason": f"Say why your agency needs to work with the person, in at least "
                                          f"{MIN_REASON} characters"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"The reason must be {MAX_REASON:,} characters or fewer"})
    reached = held_elsewhere(actor, details)[:MAX_REACHED]
    if not reached:
        raise ValidationFailed({"details": "No possible match for these details is held by another agency: open the "
                                           "record you can see, or register the person"})
    with transaction.atomic():
        already = dict(AccessRequest.objects.filter(person_id__in=reached, requesting_agency_id=staff.agency_id,
                                                    outcome=AccessOutcome.OPEN)
                       .values_list("person_id", "enquiry"))
        new = [pid for pid in reached if uuid.UUID(pid) not in already]
        if not new:
            enquiry = next(iter(already.values()))
            record_access(actor=actor, action="access_request.create", person_id=uuid.UUID(reached[0]),
                          resource="access_request", resource_id=str(enquiry),
                          reason="asked again: the earlier request is still open, nothing new sent")
            return enquiry, False
        enquiry, now = uuid.uuid4(), timezone.now()
        for person_id in new:
            AccessRequest.objects.create(
                enquiry=enquiry, person_id=person_id, requested_by=actor, requesting_agency_id=staff.agency_id,
                given_names=details.given_names.strip()[:120], family_name=details.family_name.strip()[:120],
                date_of_birth=details.date_of_birth, reason=reason, asked_at=now)
        for person_id in new[1:]:  # folded into the one entry below, which names them all
            record_access(actor=actor, action="access_request.create", person_id=uuid.UUID(person_id),
                          resource="access_request", resource_id=str(enquiry))
        record_action(actor=actor, action="access_request.create", person_id=uuid.UUID(new[0]),
                      resource="access_request", resource_id=str(enquiry), categories=[IDENTITY_CATEGORY],
                      purpose="direct_care", recipient_agency="holding agencies", reason=reason[:300])
    return enquiry, True


# --- the holding side ----------------------------------------------------------------------------------------


def incoming(user) -> QuerySet:
    """Open requests about people the caller may see, not asked by the caller's own agency. Only an agency that
    holds the record (a legitimate relationship, not only another lawful basis or emergency access) may answer:
    `holding` keeps those."""
    staff = recorder(user)
    if staff is None:
        return AccessRequest.objects.none()
    return (AccessRequest.objects.filter(outcome=AccessOutcome.OPEN, person__in=visible_person_ids(user))
            .exclude(requesting_agency_id=staff.agency_id)
            .select_related("person", "requesting_agency", "requested_by").order_by("asked_at", "id"))


def holding(user, requests) -> list[AccessRequest]:
    """The requests whose person the caller's agency holds, as the access policy says (`grant_for`: the
    relationship). A lead professional's are held by definition (the care team), so their day skips this."""
    grants: dict = {}
    kept = []
    for request in requests:
        if request.person_id not in grants:
            grants[request.person_id] = grant_for(user, request.person).relationship
        if grants[request.person_id]:
            kept.append(request)
    return kept


def for_lead(user) -> QuerySet:
    """Open requests about people the caller is lead professional for (their "today" page): the care team is
    a relationship, so the policy's answer is already known."""
    leads = CareTeamMember.objects.filter(worker=user, is_lead=True, left_at__isnull=True).values("person_id")
    return incoming(user).filter(person_id__in=leads)


def for_person(user, person) -> list[AccessRequest]:
    """Open requests about one person already looked up with `get_person` (their consent page, shown only
    when the caller's agency holds the record)."""
    return list(incoming(user).filter(person=person))


def list_incoming(user, *, limit: int = 100) -> list[AccessRequest]:
    requests = holding(user, incoming(user)[:limit])
    record_access(actor=user, action="access_request.list", resource="access_request", categories=[IDENTITY_CATEGORY],
                  subjects=list(dict.fromkeys(str(r.person_id) for r in requests)),
                  reason=f"{len(requests)} waiting for an answer")
    return requests


def get_incoming(user, request_id, *, action: str = "access_request.read", write: bool = False):
    """One open request, as the holding side sees it (they must be able to see the person), and the grant."""
    rid = parse_uuid(request_id)
    found = (AccessRequest.objects.select_related("requesting_agency", "requested_by").filter(pk=rid).first()
             if rid else None)
    if found is None:
        record_access(actor=user, action=action, outcome="denied", reason="not found", resource="access_request",
                      resource_id=str(rid or ""))
        raise NotFound(ACCESS_REQUEST_NOT_FOUND)
    staff = staff_of(user)
    if staff is not None and found.requesting_agency_id == staff.agency_id:
        record_access(actor=user, action=action, outcome="denied", reason="the asking agency's own request",
                      resource="access_request", resource_id=str(found.pk))
        raise NotFound(ACCESS_REQUEST_NOT_FOUND)
    person, grant = get_person(user, found.person_id, action=action, categories=[IDENTITY_CATEGORY], write=write,
                               not_found=ACCESS_REQUEST_NOT_FOUND)
    if not grant.relationship:
        raise NotFound(ACCESS_REQUEST_NOT_FOUND)
    return found, person, grant


def answer_request(*, actor, request_id, decision: str, purposes=(), categories=(), how_given: str = "",
                   note: str = "", valid_until=None) -> AccessRequest:
    """The holding side answers: the person's consent to share with the asking agency (recorded here, as any
    consent is), or no. One transaction, one audit entry; the asking agency sees only agreed or not agreed."""
    from throughcare.consent.actions import add_consent

    _require_recorder(actor)
    note = (note or "").strip()
    with transaction.atomic():
        found, person, grant = get_incoming(actor, request_id, action="access_request.answer", write=True)
        found = AccessRequest.objects.select_for_update().select_related("requesting_agency").get(pk=found.pk)
        if found.outcome != AccessOutcome.OPEN:
            raise ValidationFailed({"decision": "This request has already been answered"})
        if decision not in AccessDecision.values:
            raise ValidationFailed({"decision": "Say whether the person agreed"})
        if len(note) > 500:
            raise ValidationFailed({"note": "The note must be 500 characters or fewer"})
        agency = found.requesting_agency
        if decision == AccessDecision.CONSENT:
            found.consent = add_consent(
                actor=actor, person=person, grant=grant, kind=ConsentKind.SHARE, recipient_agency=agency,
                purposes=purposes, categories=categories, how_given=how_given, note=note, valid_until=valid_until,
                event_title=f"Consent recorded: {agency.name} asked to work with the person")
            found.outcome = AccessOutcome.AGREED
        else:
            found.outcome = AccessOutcome.NOT_AGREED
        found.decision, found.decision_note = decision, note[:500]
        found.decided_by, found.decided_at = actor, timezone.now()
        found.save(update_fields=["consent", "outcome", "decision", "decision_note", "decided_by", "decided_at"])
        record_action(actor=actor, action="access_request.answer", person_id=person.pk, resource="access_request",
                      resource_id=str(found.pk), categories=list(found.consent.categories) if found.consent else [],
                      lawful_basis=grant.basis, purpose="direct_care", recipient_agency=agency.name, reason=decision)
    return found


# --- the asking side -----------------------------------------------------------------------------------------


@dataclass
class Enquiry:
    """One ask, as the asking agency sees it: what they entered, and the outcome. Never who or how many."""

    id: uuid.UUID
    given_names: str
    family_name: str
    date_of_birth: object
    reason: str
    asked_at: object
    asked_by: str
    outcome: str = AccessOutcome.OPEN
    #: Agreed requests not joined yet, whose consent is still active: the caller may join through these.
    to_join: list = field(default_factory=list)
    #: Records the agency joined through this ask (its people are now visible to it).
    joined: list = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return AccessOutcome(self.outcome).label


def enquiries(user, *, limit: int = 100) -> list[Enquiry]:
    """The asks the caller's agency made, newest first, with their outcomes (audited: `access_request.list`)."""
    staff = staff_of(user)
    if staff is None:
        return []
    rows = list(AccessRequest.objects.filter(requesting_agency_id=staff.agency_id)
                .select_related("requested_by", "consent").order_by("-asked_at", "enquiry", "id")[:limit * MAX_REACHED])
    found: dict[uuid.UUID, Enquiry] = {}
    outcomes: dict[uuid.UUID, set] = {}
    for row in rows:
        enquiry = found.setdefault(row.enquiry, Enquiry(
            id=row.enquiry, given_names=row.given_names, family_name=row.family_name,
            date_of_birth=row.date_of_birth, reason=row.reason, asked_at=row.asked_at,
            asked_by=row.requested_by.get_full_name() or row.requested_by.get_username()))
        outcomes.setdefault(row.enquiry, set()).add(row.outcome)
        if row.outcome == AccessOutcome.AGREED:
            if row.joined_at:
                enquiry.joined.append(merges.surviving_id(row.person_id))
            elif row.consent is not None and row.consent.is_active():
                enquiry.to_join.append(row.pk)
    for key, enquiry in found.items():
        seen = outcomes[key]
        enquiry.outcome = (AccessOutcome.AGREED if AccessOutcome.AGREED in seen
                           else AccessOutcome.OPEN if AccessOutcome.OPEN in seen else AccessOutcome.NOT_AGREED)
    result = list(found.values())[:limit]
    record_access(actor=user, action="access_request.list", resource="access_request", categories=[IDENTITY_CATEGORY],
                  subjects=[str(pid) for e in result for pid in e.joined],
                  reason=f"{len(result)} asked by the agency")
    return result


def get_agreed(user, request_id) -> AccessRequest:
    """One of the caller agency's asks that the person agreed to, not yet joined; else NotFound."""
    staff = staff_of(user)
    rid = parse_uuid(request_id)
    found = (AccessRequest.objects.filter(pk=rid, requesting_agency_id=staff.agency_id, outcome=AccessOutcome.AGREED,
                                          joined_at__isnull=True).first() if rid and staff else None)
    if found is None:
        raise NotFound(ACCESS_REQUEST_NOT_FOUND)
    return found


def join_by_request(*, actor, request_id, setting: str, service: str) -> Person:
    """Join the record an agreed request reached: the asking agency starts an episode of care on it. Only while
    the consent the answer recorded is active: consent is the only thing that lets the asker in."""
    from throughcare.matching.actions import check_join, start_joined_episode

    staff = _require_recorder(actor)
    errors: dict[str, str] = {}
    service = check_join(setting, service, errors)
    rid = parse_uuid(request_id)
    with transaction.atomic():
        found = (AccessRequest.objects.select_for_update(of=("self",)).select_related("consent")
                 .filter(Q(pk=rid), requesting_agency_id=staff.agency_id, outcome=AccessOutcome.AGREED).first()
                 if rid else None)
        if found is None:
            record_access(actor=actor, action="access_request.join", outcome="denied", reason="not found",
                          resource="access_request", resource_id=str(rid or ""))
            raise NotFound(ACCESS_REQUEST_NOT_FOUND)
        if found.consent is None or not found.consent.is_active():
            record_access(actor=actor, action="access_request.join", outcome="denied", resource="access_request",
                          resource_id=str(found.pk), reason="the consent is no longer active")
            raise ValidationFailed({"request": "The person's consent is no longer active: ask again"})
        if found.joined_at is not None:
            raise ValidationFailed({"request": "Your agency has already joined this record"})
        if errors:
            raise ValidationFailed(errors)
        person = Person.objects.select_for_update().get(pk=merges.surviving_id(found.person_id))
        episode = start_joined_episode(actor, staff, person, setting=setting, service=service,
                                       how="the person consented when asked")
        found.joined_at = timezone.now()
        found.save(update_fields=["joined_at"])
        record_action(actor=actor, action="access_request.join", person_id=person.pk, resource="episode",
                      resource_id=str(episode.pk), categories=[IDENTITY_CATEGORY, episode.tc_category],
                      lawful_basis="consent", purpose="direct_care", reason=f"access request {found.pk} agreed")
    return person
