from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import record_action
from throughcare.core import refdata
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.episodes.models import Episode, Setting
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def start_episode(*, actor, person_id, setting: str, service: str, started_on: dt.date | None) -> Episode:
    """Start an episode of care at the actor's agency."""
    errors = {}
    if setting not in Setting.values:
        errors["setting"] = "Choose a setting from the list"
    service = (service or "").strip()
    if not service:
        errors["service"] = "Enter the service"
    if started_on is None:
        errors["started_on"] = "Enter the date the episode started"
    elif started_on > timezone.localdate():
        errors["started_on"] = "The start date must be today or in the past"
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="episode.start", write=True, categories=[])
        if errors:
            raise ValidationFailed(errors)
        if started_on < person.date_of_birth:
            raise ValidationFailed({"started_on": "The start date must be after the person's date of birth"})
        staff = staff_of(actor)
        category = CATEGORY_BY_AGENCY_KIND[staff.agency.kind]
        episode = Episode.objects.create(person=person, agency_id=staff.agency_id, setting=setting, service=service,
                                         started_on=started_on, created_by=actor)
        Event.objects.create(
            person=person, occurred_at=_at(started_on), recorded_at=timezone.now(), kind=EventKind.EPISODE_STARTED,
            category=category, agency_id=staff.agency_id, author=actor,
            title=f"{Setting(setting).label} episode started: {service}", subject_type="episode",
            subject_id=str(episode.pk),
        )
        record_action(actor=actor, action="episode.start", person_id=person.pk, resource="episode",
                      resource_id=str(episode.pk), categories=[category], lawful_basis=grant.basis)
    return episode


def end_episode(*, actor, episode_id, ended_on: dt.date | None, discharge_reason: str) -> Episode:
    """Discharge: end an episode of the actor's agency with a reason from the reference data."""
    staff = staff_of(actor)
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update().filter(pk=episode_id, agency_id=getattr(staff, "agency_id", None)).first()
        )
        if episode is None:
            raise NotFound("Episode not found")
        person, grant = get_person(actor, episode.person_id, action="episode.end", write=True, categories=[],
                                   not_found="Episode not found")
        errors = {}
        if episode.ended_on is not None:
            errors["ended_on"] = "This episode has already ended"
        if ended_on is None:
            errors["ended_on"] = "Enter the date the episode ended"
        elif ended_on < episode.started_on:
            errors["ended_on"] = "The end date must be on or after the start date"
        elif ended_on > timezone.localdate():
            errors["ended_on"] = "The end date must be today or in the past"
        try:
            reason = refdata.validate("discharge_reasons", discharge_reason, on=ended_on)
        except ValueError as exc:
            errors["discharge_reason"] = str(exc)
        if errors:
            raise ValidationFailed(errors)
        episode.ended_on = ended_on
        episode.discharge_reason = reason.id
        episode.save(update_fields=["ended_on", "discharge_reason"])
        category = CATEGORY_BY_AGENCY_KIND[staff.agency.kind]
        Event.objects.create(
            person=person, occurred_at=_at(ended_on), recorded_at=timezone.now(), kind=EventKind.EPISODE_ENDED,
            category=category, agency_id=staff.agency_id, author=actor,
            title=f"Episode ended: {episode.service}", body=f"Discharge reason: {reason.label} (code {reason.code})",
            subject_type="episode", subject_id=str(episode.pk),
        )
        record_action(actor=actor, action="episode.end", person_id=person.pk, resource="episode",
                      resource_id=str(episode.pk), categories=[category], lawful_basis=grant.basis)
    return episode
