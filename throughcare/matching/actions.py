"""Writes of the matching app: each one action, one transaction, one journey event where it belongs, one
audit entry.

Who decides a merge: a Caldicott guardian (docs/decisions/0014-identity-matching.md). Merges cross
agencies, so no worker or service manager can see both records; a guardian sees no case content, and a
merge needs none: the proposal shows identity details only (names, date of birth, sex, postcode,
identifiers, who registered each record), and the rows move without anyone reading them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from throughcare.agencies.models import Staff, require_recorder, staff_of
from throughcare.agencies.roles import Role
from throughcare.audit.recorder import record_action
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND, IDENTITY_CATEGORY, Category
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.journey.models import Event, EventKind
from throughcare.matching import index, merges, spec, trained
from throughcare.matching.models import MatchModel, MergeProposal, PersonMerge, ProposalStatus
from throughcare.people.inputs import IDENTIFIER_FIELDS, PersonDetails
from throughcare.people.models import Identifier, IdentifierScheme, Person

#: Roles that review merge proposals, merge and unmerge records.
REVIEWER_ROLES = frozenset({Role.CALDICOTT_GUARDIAN})
DATA_QUALITY = "data_quality"


def record_training(*, actor, parameters: dict, source: str, records: int, notes: dict | None = None) -> MatchModel:
    """Save a newly trained model as the next version. Training read the whole register's identity details
    (names, date of birth, sex, postcode, identifiers), so the entry says so."""
    with transaction.atomic():
        saved = trained.save(parameters, source=source, records=records,
                             trained_by=actor.get_username() if actor else "", notes=notes)
        record_action(actor=actor, action="matching.model.train", resource="match_model",
                      resource_id=str(saved.version), categories=[IDENTITY_CATEGORY], purpose=DATA_QUALITY,
                      reason=f"trained on {records} records ({source})")
    return saved


def require_reviewer(actor) -> Staff:
    staff = staff_of(actor)
    if staff is None or staff.role not in REVIEWER_ROLES:
        raise Forbidden("Only a Caldicott guardian can review possible duplicate records")
    return staff


# --- the matching job -------------------------------------------------------------------------------------


def propose_merges(*, actor=None, threshold: float = spec.LINK_THRESHOLD) -> list[MergeProposal]:
    """Run the model in use over the whole register and propose every linked pair not already decided.

    Splink (DuckDB) predicts and clusters; each pair is then described field by field with the same
    model's weights. A pair already proposed, or already found not to be one person, is not proposed again.
    """
    from throughcare.matching import linkage

    data = list(index.register_records())
    version, parameters = trained.current()
    pairs = linkage.dedupe(data, parameters, threshold=threshold)[1] if len(data) > 1 else []
    _version, scorer = trained.scorer()
    by_id = {r["record_id"]: r for r in data}
    made = []
    with transaction.atomic():
        decided = {tuple(sorted((str(a), str(b)))) for a, b in MergeProposal.objects.filter(
            status__in=[ProposalStatus.OPEN, ProposalStatus.REJECTED]).values_list("person_a_id", "person_b_id")}
        now = timezone.now()
        for left, right, probability in sorted(pairs, key=lambda p: -p[2]):
            pair = tuple(sorted((left, right)))
            if pair in decided:
                continue
            decided.add(pair)
            score = scorer.score(by_id[pair[0]], by_id[pair[1]])
            made.append(MergeProposal.objects.create(
                person_a_id=pair[0], person_b_id=pair[1], probability=round(probability, 6),
                fields=_fields(score.fields), model_version=version, proposed_at=now))
        record_action(actor=actor, action="matching.job.run", resource="merge_proposal", categories=[IDENTITY_CATEGORY],
                      purpose=DATA_QUALITY, reason=f"{len(data)} records compared; {len(made)} new proposal(s); "
                                                   f"model version {version}")
    return made


def _fields(fields) -> list[dict]:
    return [{"column": f.column, "title": f.title, "level": f.level, "weight": round(f.weight, 3),
             "outcome": f.outcome} for f in fields]


# --- review: reject, merge, unmerge -----------------------------------------------------------------------


def _open_proposal(proposal_id, expected_version: int | None) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("Proposal not found")
    if expected_version is not None and expected_version != proposal.version:
        raise PreconditionFailed("Someone else decided this proposal while you had it open")
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationFailed({"proposal": f"This proposal has already been decided: {proposal.get_status_display().lower()}"})
    return proposal


def reject_proposal(*, actor, proposal_id, note: str, expected_version: int | None = None) -> MergeProposal:
    """Not the same person: the pair is never proposed again."""
    require_reviewer(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": "Enter why these are different people"})
    with transaction.atomic():
        proposal = _open_proposal(proposal_id, expected_version)
        proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.REJECTED, actor, timezone.now()
        proposal.note, proposal.version = note[:500], proposal.version + 1
        proposal.save()
        # One entry naming both records: each one's trail finds it (audit.reads.about).
        record_action(actor=actor, action="merge_proposal.reject", person_id=proposal.person_a_id,
                      subjects=[proposal.person_a_id, proposal.person_b_id], resource="merge_proposal",
                      resource_id=str(proposal.pk), categories=[IDENTITY_CATEGORY], purpose=DATA_QUALITY,
                      lawful_basis=DATA_QUALITY, reason=note[:300])
    return proposal


def merge_records(*, actor, keep_id, merge_id, reason: str, proposal_id=None,
                  expected_version: int | None = None) -> PersonMerge:
    """Merge the record `merge_id` into `keep_id`. Everything that belonged to it now belongs to the kept
    record; nothing is deleted, and `unmerge_records` puts it back."""
    staff = require_reviewer(actor)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Enter why these records are the same person"
    if str(keep_id) == str(merge_id):
        errors["merge_id"] = "Choose two different records"
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        proposal = _open_proposal(proposal_id, expected_version) if proposal_id else None
        people = {str(p.pk): p for p in Person.objects.select_for_update().filter(pk__in=[keep_id, merge_id])}
        keep, merged = people.get(str(keep_id)), people.get(str(merge_id))
        if keep is None or merged is None:
            raise NotFound("Person not found")
        if proposal and {str(proposal.person_a_id), str(proposal.person_b_id)} != {str(keep.pk), str(merged.pk)}:
            raise ValidationFailed({"keep_id": "Choose one of the two records in the proposal to keep"})
        if merges.merged_away_ids([keep.pk, merged.pk]):
            raise ValidationFailed({"merge_id": "One of these records has already been merged into another"})
        nhs = {p: set(Identifier.objects.filter(person=p, scheme=IdentifierScheme.NHS).values_list("value", flat=True))
               for p in (keep, merged)}
        if nhs[keep] and nhs[merged] and not nhs[keep] & nhs[merged]:
            raise ValidationFailed({"merge_id": "The records hold different NHS numbers: they are different people"})
        moved, renamed, changes = merges.move_rows(keep, merged)
        now = timezone.now()
        merge = PersonMerge.objects.create(
            merged_person=merged, into_person=keep, merged_registered_by_agency_id=merged.registered_by_agency_id,
            proposal=proposal, reason=reason[:500], merged_by=actor, merged_at=now, moved=moved, renamed=renamed,
            changes=changes)
        if proposal:
            proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.MERGED, actor, now
            proposal.note, proposal.version = reason[:500], proposal.version + 1
            proposal.save()
        MergeProposal.objects.filter(Q(person_a=merged) | Q(person_b=merged), status=ProposalStatus.OPEN).update(
            status=ProposalStatus.SUPERSEDED, decided_at=now)
        for person in (keep, merged):
            Person.objects.filter(pk=person.pk).update(version=person.version + 1, updated_at=now)
        index.forget_person(merged.pk)
        index.index_person(keep)
        rows = sum(len(pks) for pks in moved.values())
        Event.objects.create(
            person=keep, occurred_at=now, recorded_at=now, kind=EventKind.RECORDS_MERGED,
            category=Category.CONTACT_ADMIN, agency_id=staff.agency_id, author=actor, title="Records merged",
            body=(f"A second record of this person, registered by {merged.registered_by_agency.name} on "
                  f"{timezone.localtime(merged.registered_at):%d %B %Y}, was merged into this one ({rows} entries moved)."),
            subject_type="person_merge", subject_id=str(merge.pk))
        record_action(actor=actor, action="person.merge", person_id=keep.pk, subjects=[keep.pk, merged.pk],
                      resource="person_merge", resource_id=str(merge.pk), categories=[IDENTITY_CATEGORY],
                      purpose=DATA_QUALITY, lawful_basis=DATA_QUALITY,
                      reason=f"{merged.pk} merged into {keep.pk}: {reason}"[:300])
    return merge


def unmerge_records(*, actor, merge_id, reason: str) -> PersonMerge:
    """Separate a merged record again: exactly the rows the merge moved go back. What was added to the kept
    record after the merge stays with it (a worker moves it by hand if it was about the other person)."""
    staff = require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Enter why these records are different people"})
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().filter(pk=merge_id).select_related(
            "into_person", "merged_person").first()
        if merge is None:
            raise NotFound("Merge not found")
        if merge.unmerged_at is not None:
            raise ValidationFailed({"merge": "These records have already been separated"})
        if merges.merged_away_ids([merge.into_person_id]):
            raise ValidationFailed({"merge": "The kept record has since been merged into another: separate that "
                                             "merge first"})
        merges.move_rows_back(merge)
        now = timezone.now()
        merge.unmerged_at, merge.unmerged_by, merge.unmerge_reason = now, actor, reason[:500]
        merge.save(update_fields=["unmerged_at", "unmerged_by", "unmerge_reason"])
        if merge.proposal_id:  # the pair is not proposed again
            MergeProposal.objects.filter(pk=merge.proposal_id).update(status=ProposalStatus.REJECTED,
                                                                      note=f"Separated: {reason}"[:500])
        else:
            MergeProposal.objects.create(
                person_a_id=min(str(merge.into_person_id), str(merge.merged_person_id)),
                person_b_id=max(str(merge.into_person_id), str(merge.merged_person_id)), probability=0.0,
                model_version=trained.current_version(), proposed_at=now, status=ProposalStatus.REJECTED,
                decided_by=actor, decided_at=now, note=f"Separated: {reason}"[:500])
        for person in (merge.into_person, merge.merged_person):
            Person.objects.filter(pk=person.pk).update(version=person.version + 1, updated_at=now)
            index.index_person(person)
            Event.objects.create(
                person=person, occurred_at=now, recorded_at=now, kind=EventKind.RECORDS_UNMERGED,
                category=Category.CONTACT_ADMIN, agency_id=staff.agency_id, author=actor, title="Records separated",
                body="Two records merged earlier were found to be different people and were separated again.",
                subject_type="person_merge", subject_id=str(merge.pk))
        record_action(actor=actor, action="person.unmerge", person_id=merge.into_person_id,
                      subjects=[merge.into_person_id, merge.merged_person_id], resource="person_merge",
                      resource_id=str(merge.pk), categories=[IDENTITY_CATEGORY], purpose=DATA_QUALITY,
                      lawful_basis=DATA_QUALITY, reason=reason[:300])
    return merge


# --- registration: joining the existing record instead of making a duplicate ---------------------------------


def start_joined_episode(actor, staff: Staff, person: Person, *, setting: str, service: str, how: str):
    """The episode of care, and its journey event, by which an agency joins a record it did not register
    (instead of registering the person again). `how` says what confirmed it. Inside the caller's transaction."""
    from throughcare.episodes.models import Episode, Setting

    today = timezone.localdate()
    category = CATEGORY_BY_AGENCY_KIND[staff.agency.kind]
    episode = Episode.objects.create(person=person, agency_id=staff.agency_id, setting=setting, service=service,
                                     started_on=today, created_by=actor)
    Event.objects.create(
        person=person, occurred_at=timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0))),
        recorded_at=timezone.now(), kind=EventKind.EPISODE_STARTED, category=category, agency_id=staff.agency_id,
        author=actor, title=f"{Setting(setting).label} episode started: {service}",
        body=f"{staff.agency.name} joined this record instead of registering the person again ({how}).",
        subject_type="episode", subject_id=str(episode.pk))
    episode.tc_category = category
    return episode


def check_join(setting: str, service: str, errors: dict) -> str:
    """The setting and service of a joining episode; errors named by field."""
    from throughcare.episodes.models import Setting

    if setting not in Setting.values:
        errors["setting"] = "Choose a setting from the list"
    service = (service or "").strip()
    if not service:
        errors["service"] = "Enter the service"
    elif len(service) > 200:
        errors["service"] = "The service must be 200 characters or fewer"
    return service


def join_existing_record(*, actor, details: PersonDetails, setting: str, service: str) -> Person:
    """The person being registered already has a record, perhaps one the worker cannot see: an identifier
    they hold (NHS number, prison number, probation reference or PNC ID), entered with their details,
    confirms it. The worker's agency then starts an episode of care on that record (the relationship that
    registering would have given it) instead of making a second record. What other agencies recorded is
    still seen only as the person's consent allows."""
    from throughcare.matching.candidates import checked, scored

    staff = require_recorder(actor)
    errors: dict[str, str] = {}
    service = check_join(setting, service, errors)
    details = checked(details)
    given = {name: getattr(details, name) for name in IDENTIFIER_FIELDS if getattr(details, name)}
    if not given:
        errors["nhs_number"] = ("Enter an identifier the person holds (NHS number, prison number, probation case "
                                "reference or PNC ID) to confirm the match")
    holders = {}
    for name, value in given.items():
        for person_id in Identifier.objects.filter(scheme=IDENTIFIER_FIELDS[name], value=value).values_list(
                "person_id", flat=True):
            holders[str(merges.surviving_id(person_id))] = name
    _version, results = scored(details)
    confirmed = [person_id for person_id, _score in results if person_id in holders]
    if given and not confirmed:
        errors[next(iter(given))] = ("This identifier does not confirm a possible match for these details: check "
                                     "it and the details, or register the person")
    if errors:
        raise ValidationFailed(errors)
    person_id = confirmed[0]
    confirmed_by = IdentifierScheme(IDENTIFIER_FIELDS[holders[person_id]]).label
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        episode = start_joined_episode(actor, staff, person, setting=setting, service=service,
                                       how=f"confirmed by {confirmed_by}")
        record_action(actor=actor, action="person.join", person_id=person.pk, resource="episode",
                      resource_id=str(episode.pk), categories=[IDENTITY_CATEGORY, episode.tc_category],
                      lawful_basis="relationship:current_episode", purpose="direct_care",
                      reason=f"confirmed by {confirmed_by}")
    return person
