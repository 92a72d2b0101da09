"""Writes for custody: reception (and recall), the first-night screen and the fuller assessment, the release
date, transfers between establishments and release. Each is one transaction: scoped look-up, permission,
rows, a custody journey event and an audit entry.

Only recording staff of the prison holding the person write here. Reception is the one write that makes
the relationship it needs: the person is found by their prison number and date of birth, both exactly
(docs/decisions/0012-through-the-gate.md).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff, staff_of
from throughcare.agencies.roles import RECORDING_ROLES, AgencyKind
from throughcare.audit.recorder import one_entry, record_access, record_action
from throughcare.careteam.models import CareTeamMember
from throughcare.core import refdata
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.custody.models import (
    Custody,
    CustodyStatus,
    ReceptionScreen,
    ReceptionType,
    ReleaseType,
    ScreenKind,
    WithdrawalRisk,
)
from throughcare.episodes.models import Episode, Setting
from throughcare.journey.models import Event, EventKind
from throughcare.people import validators
from throughcare.people.access import get_person, get_record_about
from throughcare.people.models import Identifier, IdentifierScheme, Person

CUSTODY_NOT_FOUND = "Custody record not found"
NO_MATCH = "No record matches that prison number and date of birth: check both, or register the person"
#: Discharge reasons (refdata/discharge_reasons.yaml) for the prison episode.
TRANSFERRED_IN_CUSTODY = "c74c8eb4-c820-5ee1-93e4-8bf0feb80dcb"
TRANSFERRED_NOT_IN_CUSTODY = "e7671e0b-fa0d-51e4-96ed-04f04b980b8e"
DEFAULT_SERVICE = "Substance misuse service"
MAX_TEXT = 5_000
#: A release date further ahead than this is a typing mistake (an indeterminate sentence has no date yet).
MAX_YEARS_AHEAD = 40


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _event(custody: Custody, actor, title: str, body: str = "", *, on: dt.date | None = None,
           category: str = Category.OFFENDING, agency_id=None) -> None:
    # Custody is offending information: seen by the prison, and by those the person's consent allows.
    Event.objects.create(person_id=custody.person_id, occurred_at=_at(on) if on else timezone.now(),
                         recorded_at=timezone.now(), kind=EventKind.CUSTODY, category=category,
                         agency_id=agency_id or custody.prison_id, author=actor, title=title[:200], body=body,
                         subject_type="custody", subject_id=str(custody.pk))


def _audit(actor, custody: Custody, grant, action: str, *, categories=(Category.OFFENDING,), reason: str = "",
           recipient_agency: str = "", resource: str = "custody", resource_id: str = "") -> None:
    record_action(actor=actor, action=action, person_id=custody.person_id, resource=resource,
                  resource_id=resource_id or str(custody.pk), categories=list(categories),
                  lawful_basis=grant.basis, purpose=grant.purpose, reason=reason, recipient_agency=recipient_agency)


def _prison_staff(actor) -> Staff:
    staff = staff_of(actor)
    if staff is None or staff.role not in RECORDING_ROLES or staff.agency.kind != AgencyKind.PRISON:
        raise Forbidden("Only a prison's recording staff can record custody")
    return staff


def _check_day(errors: dict, name: str, value, noun: str, *, not_before: dt.date | None = None,
               before_noun: str = "", future: bool = False) -> None:
    today = timezone.localdate()
    if value is None or value == "":
        errors[name] = f"Enter the {noun}"
    elif not isinstance(value, dt.date):
        errors[name] = "Enter a real date in the format YYYY-MM-DD"
    elif not future and value > today:
        errors[name] = f"The {noun} must be today or in the past"
    elif future and value < today:
        errors[name] = f"The {noun} must be today or in the future"
    elif future and value > today + dt.timedelta(days=366 * MAX_YEARS_AHEAD):
        errors[name] = f"The {noun} must be within the next {MAX_YEARS_AHEAD} years"
    elif not_before is not None and value < not_before:
        errors[name] = f"The {noun} must be on or after {before_noun}"


def _text(errors: dict, name: str, value, *, required: str = "", limit: int = MAX_TEXT) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not isinstance(value, str):
        errors[name] = "Enter text"
        return ""
    if required and not value:
        errors[name] = required
    elif len(value) > limit:
        errors[name] = f"This must be {limit:,} characters or fewer"
    return value


def _matched_person(actor, prison_number: str, date_of_birth) -> Person:
    """The one person with exactly this prison number and date of birth, or NotFound (audited either way)."""
    try:
        if not (prison_number or "").strip():
            raise ValueError("Enter their prison number, like A1234BC")
        number = validators.prison_number(prison_number)
    except ValueError as exc:
        raise ValidationFailed({"prison_number": str(exc)}) from None
    if not isinstance(date_of_birth, dt.date):
        raise ValidationFailed({"date_of_birth": "Enter the date of birth"})
    identifier = (Identifier.objects.select_related("person")
                  .filter(scheme=IdentifierScheme.PRISON, value=number, person__date_of_birth=date_of_birth).first())
    if identifier is None:
        record_access(actor=actor, action="custody.receive", outcome="denied", reason="no reception match",
                      resource="custody")
        raise NotFound(NO_MATCH)
    return identifier.person


def _locked(actor, custody_id, action: str, *, write: bool = True) -> tuple[Custody, object, Staff]:
    """The custody record, locked, if the actor may see it; only the prison holding the person writes."""
    custody, grant = get_record_about(actor, Custody.objects.select_for_update(), custody_id, resource="custody",
                                      not_found=CUSTODY_NOT_FOUND, action=action, categories=[], write=write)
    if not grant.allows(Category.OFFENDING, custody.prison_id):
        raise NotFound(CUSTODY_NOT_FOUND)
    staff = _prison_staff(actor)
    if staff.agency_id != custody.prison_id:
        raise Forbidden(f"Only {custody.prison.name}, which holds this custody record, can change it")
    return custody, grant, staff


def _check_version(custody: Custody, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != custody.version:
        raise PreconditionFailed(f"The custody record has changed since version {expected_version}: it is now "
                                 f"version {custody.version}. Reload it and try again.")


def _touch(custody: Custody, *fields: str) -> None:
    custody.updated_at = timezone.now()
    custody.version += 1
    custody.save(update_fields=[*fields, "updated_at", "version"])


# --- reception and recall ----------------------------------------------------------------------------


def receive_into_custody(*, actor, person_id=None, prison_number: str = "", date_of_birth=None, received_on,
                         reception_type: str, release_on=None, service: str = DEFAULT_SERVICE) -> Custody:
    """Receive a person into custody at the actor's prison (a recall too): the prison episode starts, so
    the prison now holds them. The person is named by `person_id` (someone the prison may already see) or by
    their prison number and date of birth."""
    with transaction.atomic():
        staff = _prison_staff(actor)
        if person_id:
            person, _grant = get_person(actor, person_id, action="custody.receive", write=True, categories=[])
        else:
            person = _matched_person(actor, prison_number, date_of_birth)
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one reception at a time per person
        errors: dict[str, str] = {}
        if reception_type not in (ReceptionType.REMAND, ReceptionType.SENTENCED, ReceptionType.RECALL):
            errors["reception_type"] = "Choose remand, sentenced or recall (a move between prisons is a transfer)"
        _check_day(errors, "received_on", received_on, "reception date", not_before=person.date_of_birth,
                   before_noun="the person's date of birth")
        if release_on not in (None, "") and "received_on" not in errors:
            _check_day(errors, "release_on", release_on, "release date", not_before=received_on,
                       before_noun="the reception date", future=True)
        service = _text(errors, "service", service or DEFAULT_SERVICE, limit=200)
        current = Custody.objects.filter(person=person, status=CustodyStatus.IN_CUSTODY).first()
        if current is not None:
            errors["person"] = ("This person is already recorded as in custody: a move between prisons is a "
                                "transfer, recorded by the prison holding them")
        last_release = (Custody.objects.filter(person=person, status=CustodyStatus.RELEASED)
                        .order_by("-released_on").first())
        if reception_type == ReceptionType.RECALL and last_release is None:
            errors["reception_type"] = "A recall follows a release, and no release is recorded for this person"
        elif (reception_type == ReceptionType.RECALL and isinstance(received_on, dt.date)
              and received_on < last_release.released_on):
            errors["received_on"] = "The recall must be on or after the last release"
        if errors:
            raise ValidationFailed(errors)
        now = timezone.now()
        episode = Episode.objects.create(person=person, agency_id=staff.agency_id, setting=Setting.PRISON,
                                         service=service, started_on=received_on, created_by=actor)
        custody = Custody.objects.create(
            person=person, episode=episode, prison_id=staff.agency_id, reception_type=reception_type,
            received_on=received_on, release_on=release_on or None, created_by=actor, created_at=now, updated_at=now,
            recalled_after=last_release if reception_type == ReceptionType.RECALL else None)
        # Now the prison holds the person: the look-up for writing succeeds on the relationship it just made.
        _person, grant = get_person(actor, person.pk, action="custody.receive", write=True, categories=[])
        label = ReceptionType(reception_type).label
        _event(custody, actor, f"Received into custody at {staff.agency.name}: {label.lower()}", on=received_on)
        # What follows from the reception is written in its one audit entry (audit.recorder.one_entry).
        with one_entry():
            if reception_type == ReceptionType.RECALL:  # the earlier release's 21-day clock stops
                from throughcare.releases.engagement import follow_recall

                follow_recall(last_release, received_on, actor=actor, lawful_basis=grant.basis)
            if custody.release_on:
                from throughcare.releases.opening import open_if_due

                open_if_due(custody, actor=actor)
        _audit(actor, custody, grant, "custody.receive", reason=reception_type)
    return custody


# --- screening -------------------------------------------------------------------------------------------


def record_screen(*, actor, custody_id, kind: str, held_on, substances: str = "", on_script: bool = False,
                  script: str = "", withdrawal_risk: str = "", risk_to_self: bool = False, immediate_needs: str = "",
                  mental_health: str = "", physical_health: str = "", housing: str = "",
                  employment_benefits: str = "", family: str = "", goals: str = "") -> ReceptionScreen:
    """The first-night screen (immediate needs, on the night of reception or the morning after) or the fuller
    assessment (from the day after reception, at a better time). One of each per custody record."""
    with transaction.atomic():
        custody, grant, staff = _locked(actor, custody_id, "custody.screen")
        errors: dict[str, str] = {}
        if custody.status != CustodyStatus.IN_CUSTODY:
            raise ValidationFailed({"custody": "The person is no longer held here"})
        if kind not in ScreenKind.values:
            raise ValidationFailed({"kind": "Choose the first-night screen or the fuller assessment"})
        if ReceptionScreen.objects.filter(custody=custody, kind=kind).exists():
            raise ValidationFailed({"kind": f"The {ScreenKind(kind).label.lower()} is already recorded"})
        _check_day(errors, "held_on", held_on, "date it was held", not_before=custody.received_on,
                   before_noun="the reception date")
        texts = {name: _text(errors, name, value) for name, value in (
            ("substances", substances), ("script", script), ("immediate_needs", immediate_needs),
            ("mental_health", mental_health), ("physical_health", physical_health), ("housing", housing),
            ("employment_benefits", employment_benefits), ("family", family), ("goals", goals))}
        if kind == ScreenKind.FIRST_NIGHT:
            if "held_on" not in errors and held_on > custody.received_on + dt.timedelta(days=1):
                errors["held_on"] = ("The first-night screen is held on the night of reception or the morning "
                                     "after: record a later one as the fuller assessment")
            if withdrawal_risk not in WithdrawalRisk.values:
                errors["withdrawal_risk"] = "Choose the risk of withdrawal"
            if not isinstance(on_script, bool):
                errors["on_script"] = "Enter true or false"
            elif on_script and not texts["script"]:
                errors["script"] = "Enter the medicine and dose of their script"
            if any(texts[n] for n in ("mental_health", "physical_health", "housing", "employment_benefits",
                                      "family", "goals")):
                errors["kind"] = ("The first night is for immediate needs: record the life domains in the fuller "
                                  "assessment, at a better time")
        else:
            if "held_on" not in errors and held_on <= custody.received_on:
                errors["held_on"] = ("Hold the fuller assessment after the first night, at a better time: the "
                                     "night of reception is not the time to ask about trauma")
            if not any(texts[n] for n in ("substances", "mental_health", "physical_health", "housing",
                                          "employment_benefits", "family", "goals")):
                errors["substances"] = "Enter what they told you about at least one part of their life"
            if withdrawal_risk and withdrawal_risk not in WithdrawalRisk.values:
                errors["withdrawal_risk"] = "Choose the risk of withdrawal"
        if errors:
            raise ValidationFailed(errors)
        screen = ReceptionScreen.objects.create(
            custody=custody, person_id=custody.person_id, agency_id=staff.agency_id, kind=kind, held_on=held_on,
            on_script=bool(on_script), withdrawal_risk=withdrawal_risk, risk_to_self=bool(risk_to_self),
            recorded_by=actor, recorded_at=timezone.now(), **texts)
        _event(custody, actor, f"{ScreenKind(kind).label} recorded at {staff.agency.name}", on=held_on,
               category=Category.SUBSTANCE_USE)
        _audit(actor, custody, grant, "custody.screen", categories=[Category.SUBSTANCE_USE], reason=kind,
               resource="reception_screen", resource_id=str(screen.pk))
    return screen


# --- the release date -----------------------------------------------------------------------------------


def set_release_date(*, actor, custody_id, release_on, release_type: str = "",
                     expected_version: int | None = None) -> Custody:
    """Set or move the expected release date. Inside the planning window a release plan opens; a plan
    already open follows the new date and needs a structured review."""
    with transaction.atomic():
        custody, grant, staff = _locked(actor, custody_id, "custody.release_date")
        if custody.status != CustodyStatus.IN_CUSTODY:
            raise ValidationFailed({"release_on": "The person is no longer held here"})
        errors: dict[str, str] = {}
        _check_day(errors, "release_on", release_on, "release date", not_before=custody.received_on,
                   before_noun="the reception date", future=True)
        if release_type and release_type not in ReleaseType.values:
            errors["release_type"] = "Choose the type of release from the list"
        if errors:
            raise ValidationFailed(errors)
        _check_version(custody, expected_version)
        if release_on == custody.release_on and (release_type or custody.release_type) == custody.release_type:
            raise ValidationFailed({"release_on": "Enter a different date: this is the release date already"})
        before = custody.release_on
        custody.release_on = release_on
        custody.release_type = release_type or custody.release_type
        _touch(custody, "release_on", "release_type")
        body = f"Was {before:%d %B %Y}." if before else ""
        _event(custody, actor, f"Release date set: {release_on:%A %d %B %Y}", body)
        from throughcare.releases.opening import follow_release_date

        with one_entry():  # a release plan it opens is in this change's entry
            follow_release_date(custody, actor=actor)
        _audit(actor, custody, grant, "custody.release_date", reason=f"from {before} to {release_on}")
    return custody


# --- transfer ---------------------------------------------------------------------------------------------


def transfer_custody(*, actor, custody_id, to_prison, transferred_on, expected_version: int | None = None) -> Custody:
    """Move the person to another establishment in one transaction: the prison episode ends here and starts
    there, the release plan and its items move with them, and this prison's workers leave the care team
    (a lead professional here stays lead until the role is handed over). Returns the new custody record."""
    with transaction.atomic():
        custody, grant, staff = _locked(actor, custody_id, "custody.transfer")
        if custody.status != CustodyStatus.IN_CUSTODY:
            raise ValidationFailed({"custody": "The person is no longer held here"})
        errors: dict[str, str] = {}
        target = Agency.objects.filter(pk=parse_uuid(to_prison), active=True).first() if to_prison else None
        if target is None or target.kind != AgencyKind.PRISON:
            errors["to_prison"] = "Choose the prison they are moving to"
        elif target.pk == custody.prison_id:
            errors["to_prison"] = "Choose another prison: they are held here already"
        _check_day(errors, "transferred_on", transferred_on, "transfer date", not_before=custody.received_on,
                   before_noun="the reception date")
        if errors:
            raise ValidationFailed(errors)
        _check_version(custody, expected_version)
        old_episode = Episode.objects.select_for_update().get(pk=custody.episode_id)
        old_episode.ended_on, old_episode.discharge_reason = transferred_on, TRANSFERRED_IN_CUSTODY
        old_episode.save(update_fields=["ended_on", "discharge_reason"])
        custody.status, custody.transferred_on = CustodyStatus.TRANSFERRED, transferred_on
        _touch(custody, "status", "transferred_on")
        now = timezone.now()
        episode = Episode.objects.create(person_id=custody.person_id, agency=target, setting=Setting.PRISON,
                                         service=old_episode.service, started_on=transferred_on, created_by=actor)
        moved = Custody.objects.create(
            person_id=custody.person_id, episode=episode, prison=target, reception_type=ReceptionType.TRANSFER,
            received_on=transferred_on, release_on=custody.release_on, release_type=custody.release_type,
            transferred_from=custody, recalled_after=custody.recalled_after, created_by=actor, created_at=now,
            updated_at=now)
        from throughcare.releases.opening import follow_transfer

        with one_entry():
            follow_transfer(custody, moved, actor=actor)
        left = (CareTeamMember.objects.filter(person_id=custody.person_id, agency_id=custody.prison_id,
                                              left_at__isnull=True, is_lead=False).update(left_at=now))
        lead_here = CareTeamMember.objects.filter(person_id=custody.person_id, agency_id=custody.prison_id,
                                                  left_at__isnull=True, is_lead=True).exists()
        body = (f"{left} worker{'s' if left != 1 else ''} from {staff.agency.name} left the care team."
                if left else "")
        if lead_here:
            body += " The lead professional works here: hand the role over."
        _event(moved, actor, f"Transferred from {staff.agency.name} to {target.name}", body.strip(),
               on=transferred_on, agency_id=staff.agency_id)
        _audit(actor, custody, grant, "custody.transfer", recipient_agency=target.name,
               reason=f"to custody {moved.pk}")
    return moved


# --- release ------------------------------------------------------------------------------------------------


def release_from_custody(*, actor, custody_id, released_on, release_type: str, destination_area: str,
                         expected_version: int | None = None) -> Custody:
    """The person is released: the prison episode ends, the release plan is marked released (complete or
    not, as it stands) and the 21-day engagement clock starts for the community service's handover."""
    with transaction.atomic():
        custody, grant, staff = _locked(actor, custody_id, "custody.release")
        if custody.status != CustodyStatus.IN_CUSTODY:
            raise ValidationFailed({"custody": "The person is no longer held here"})
        errors: dict[str, str] = {}
        _check_day(errors, "released_on", released_on, "release date", not_before=custody.received_on,
                   before_noun="the reception date")
        if release_type not in ReleaseType.values:
            errors["release_type"] = "Choose the type of release from the list"
        destination_area = _text(errors, "destination_area", destination_area,
                                 required="Enter the area they are going to", limit=120)
        if errors:
            raise ValidationFailed(errors)
        _check_version(custody, expected_version)
        episode = Episode.objects.select_for_update().get(pk=custody.episode_id)
        episode.ended_on, episode.discharge_reason = released_on, TRANSFERRED_NOT_IN_CUSTODY
        episode.save(update_fields=["ended_on", "discharge_reason"])
        custody.status, custody.released_on = CustodyStatus.RELEASED, released_on
        custody.release_type, custody.destination_area = release_type, destination_area
        _touch(custody, "status", "released_on", "release_type", "destination_area")
        from throughcare.releases.opening import follow_release

        with one_entry():
            follow_release(custody, actor=actor)
        _event(custody, actor, f"Released from {staff.agency.name}: {ReleaseType(release_type).label.lower()}",
               f"Going to {destination_area}.", on=released_on)
        _audit(actor, custody, grant, "custody.release", reason=release_type)
    return custody


def discharge_reason_label(reason_id: str) -> str:
    entry = refdata.by_id("discharge_reasons", reason_id)
    return entry.label if entry else ""
