"""The one access policy: may this user see this category of this person's record, and why?

Every page, API endpoint, list, search, count and export asks through
`grant_for` / `decide` / `visible_people`. Deny by default.

The rule today (docs/decisions/0003-access-rule.md):
- only casework roles (key worker, prison team, partner worker, peer mentor) ever see case content;
  administrators, commissioners and Caldicott guardians see none;
- the caller's agency must have a legitimate relationship with the person: a current episode of
  care there, or the person was registered there;
- a peer mentor sees contact and administration details only.
The consent issue extends the rule with consent records, other lawful bases and break glass,
in this module and nowhere else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES, RECORDING_ROLES, Role
from throughcare.core.categories import ALL_CATEGORIES, IDENTITY_CATEGORY, Category

#: What each casework role may see at most, whatever the basis.
ROLE_CATEGORY_CAP: dict[str, frozenset[str]] = {
    Role.KEY_WORKER: ALL_CATEGORIES,
    Role.PRISON_TEAM: ALL_CATEGORIES,
    Role.PARTNER_WORKER: ALL_CATEGORIES,
    Role.PEER_MENTOR: frozenset({Category.CONTACT_ADMIN}),
}


@dataclass(frozen=True)
class Grant:
    """What one user may do with one person's record, and on what basis."""

    person_id: uuid.UUID | None
    categories: frozenset[str]
    basis: str  # e.g. "relationship:episode"; "" when nothing is allowed
    purpose: str = "direct_care"
    can_write: bool = False
    reason: str = ""

    @property
    def can_see_person(self) -> bool:
        return IDENTITY_CATEGORY in self.categories

    def allows(self, category: str) -> bool:
        return category in self.categories


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    basis: str = ""


DENY_ALL = Grant(person_id=None, categories=frozenset(), basis="", reason="no lawful basis")


def _relationship(staff: Staff, person) -> str:
    """The legitimate relationship between the caller's agency and the person, or ''."""
    from throughcare.episodes.models import Episode

    if person.registered_by_agency_id == staff.agency_id:
        # One query answers both questions below when the first is false.
        return "registered"
    if Episode.objects.filter(person_id=person.pk, agency_id=staff.agency_id, ended_on__isnull=True).exists():
        return "episode"
    return ""


def grant_for(user, person) -> Grant:
    """Everything `user` may see of `person`. At most one query."""
    staff = staff_of(user)
    if staff is None:
        return DENY_ALL
    if staff.role not in CASEWORK_ROLES:
        return Grant(person_id=person.pk, categories=frozenset(), basis="",
                     reason=f"a {staff.get_role_display().lower()} sees no case content")
    relationship = _relationship(staff, person)
    if not relationship:
        return Grant(person_id=person.pk, categories=frozenset(), basis="", reason="no relationship with your agency")
    return Grant(
        person_id=person.pk,
        categories=ROLE_CATEGORY_CAP[staff.role],
        basis=f"relationship:{relationship}",
        can_write=staff.role in RECORDING_ROLES,
    )


def decide(user, person, category: str, action: str = "read") -> Decision:
    """(user, person, category, action) → allowed or denied, with the reason."""
    if category not in ALL_CATEGORIES:
        return Decision(False, f"unknown category {category!r}")
    grant = grant_for(user, person)
    if action == "write" and not grant.can_write:
        return Decision(False, grant.reason or "your role cannot write to records", grant.basis)
    if grant.allows(category):
        return Decision(True, "allowed", grant.basis)
    return Decision(False, grant.reason or f"{category} is not shared with you", grant.basis)


def visible_people(user, queryset: QuerySet | None = None) -> QuerySet:
    """The people `user` may know exist: the same rule as `grant_for` for the identity category."""
    from throughcare.episodes.models import Episode
    from throughcare.people.models import Person

    queryset = Person.objects.all() if queryset is None else queryset
    staff = staff_of(user)
    if staff is None or staff.role not in CASEWORK_ROLES:
        return queryset.none()
    if IDENTITY_CATEGORY not in ROLE_CATEGORY_CAP[staff.role]:
        return queryset.none()
    current_episode = Episode.objects.filter(person_id=OuterRef("pk"), agency_id=staff.agency_id, ended_on__isnull=True)
    return queryset.filter(Q(registered_by_agency_id=staff.agency_id) | Exists(current_episode))
