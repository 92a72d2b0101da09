"""Demo world: custody records for people held at the demo prison, release plans at every stage (some on a
Friday, some blocked, some handed over), a peer mentor meeting people at the gate, and releases over the past
weeks with their 21-day outcomes, so the continuity dashboard has something to count. Written through the
real actions as pt.grace (and the receiving services' workers), so every row has its events and audit entries.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from throughcare.agencies.models import Staff
from throughcare.agencies.roles import RECORDING_ROLES, AgencyKind
from throughcare.custody.models import Custody, ReceptionType
from throughcare.episodes.models import Episode, Setting
from throughcare.releases import actions, engagement
from throughcare.releases.models import ChecklistItem, ReleasePlan

OPEN_PLANS = 12
RELEASES = 10


def _custody_for(episode: Episode, author) -> Custody:
    now = timezone.now()
    return Custody.objects.create(person_id=episode.person_id, episode=episode, prison_id=episode.agency_id,
                                  reception_type=ReceptionType.SENTENCED, received_on=episode.started_on,
                                  created_by=author, created_at=now, updated_at=now)


def _community_worker(person):
    """A recording worker at the agency that registered the person, if it is a community service."""
    agency = person.registered_by_agency
    if agency.kind == AgencyKind.PRISON:
        return None
    staff = Staff.objects.select_related("user").filter(agency=agency, role__in=RECORDING_ROLES).first()
    return staff.user if staff else None


def build_releases(*, rng, today: dt.date) -> None:
    from throughcare.custody.actions import release_from_custody, set_release_date

    grace = Staff.objects.select_related("user", "agency").filter(user__username="pt.grace").first()
    if grace is None:
        return
    episodes = list(Episode.objects.select_related("person__registered_by_agency")
                    .filter(agency_id=grace.agency_id, setting=Setting.PRISON, ended_on__isnull=True,
                            started_on__lte=today - dt.timedelta(days=60), custody__isnull=True)
                    .order_by("started_on", "id")[:OPEN_PLANS + RELEASES])
    for index, episode in enumerate(episodes):
        custody = _custody_for(episode, grace.user)
        person = episode.person
        community = _community_worker(person)
        releasing = index >= OPEN_PLANS
        release_on = today + dt.timedelta(days=rng.randint(2, 60))
        set_release_date(actor=grace.user, custody_id=custody.pk, release_on=release_on,
                         release_type="conditional_release")
        plan = ReleasePlan.objects.filter(custody=custody).first()
        if plan is None:
            continue
        _work_the_checklist(rng, plan, grace, community, today, release_on)
        if community is not None and rng.random() < 0.8:
            handover = actions.send_handover(actor=grace.user, plan_id=plan.pk,
                                             receiving_agency=str(person.registered_by_agency_id))
            if rng.random() < 0.7:
                actions.acknowledge_handover(actor=community, handover_id=handover.pk)
        if releasing and rng.random() < 0.6:
            for item in ChecklistItem.objects.filter(plan=plan).exclude(status__in=("done", "not_needed")):
                actions.update_item(actor=grace.user, item_id=item.pk, changes={"status": "not_needed", "blocker": ""})
        if releasing:
            # Released some weeks ago (the demo moves the date back: the action refuses future releases).
            released_on = today - dt.timedelta(days=rng.randint(1, 60))
            custody.refresh_from_db()
            release_from_custody(actor=grace.user, custody_id=custody.pk, released_on=released_on,
                                 release_type="conditional_release",
                                 destination_area=person.registered_by_agency.area or "Northgate")
            handover = getattr(ReleasePlan.objects.get(pk=plan.pk), "handover", None)
            if handover is not None and rng.random() < 0.45 and (today - released_on).days >= 1:
                seen = released_on + dt.timedelta(days=rng.randint(1, min(30, (today - released_on).days)))
                handover.refresh_from_db()
                if handover.first_intervention_on is None and seen <= today:
                    actions.record_first_intervention(actor=community, handover_id=handover.pk,
                                                      first_intervention_on=seen)
    engagement.run(today=today)


def _work_the_checklist(rng, plan, grace, community, today, release_on) -> None:
    gate_at = timezone.make_aware(dt.datetime.combine(release_on, dt.time(8, 30)))
    for item in ChecklistItem.objects.filter(plan=plan).order_by("kind"):
        roll = rng.random()
        changes: dict = {}
        if item.kind == "met_at_gate" and roll < 0.7:
            changes = {"worker": rng.choice(["pm.una", "pm.vic", "pm.wes"]), "at": gate_at,
                       "place": "Gate lodge, HMP Northgate", "status": "done"}
        elif item.kind == "accommodation" and roll < 0.6:
            changes = {"details": {"accommodation_type": rng.choice(["family_or_friends", "hostel", "supported_housing"])},
                       "place": f"{rng.randint(1, 90)} Station Road, Northgate", "status": "done"}
        elif item.kind == "naloxone" and roll < 0.5:
            changes = {"details": {"issued_on": today.isoformat(), "kit": "nasal"}, "status": "done"}
        elif item.kind == "gp_registration" and roll < 0.3:
            changes = {"blocker": "Needs proof of address before the practice will register them",
                       "status": "in_progress"}
        elif item.kind == "prescribing" and roll < 0.5:
            changes = {"details": {"current_script": "Methadone 60ml daily", "pharmacy": "Quay Pharmacy, 1 Quay Street",
                                   "bridging_until": (release_on + dt.timedelta(days=3)).isoformat()},
                       "status": "done"}
        elif roll < 0.3:
            changes = {"status": "in_progress"}
        if changes:
            actions.update_item(actor=grace.user, item_id=item.pk, changes=changes)
