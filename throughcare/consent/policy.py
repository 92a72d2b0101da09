"""The one access policy: may this user see this category of this person's record, and why?

Every page, API endpoint, list, search, count and export asks through `grant_for`,
`decide` or `visible_people`. Deny by default. Nothing here is cached: a withdrawn
consent bites on the very next request. docs/decisions/0006-access-policy.md explains
the rule; in short:

1. Only casework roles (key worker, prison team, partner worker, peer mentor) ever see case
   content. Administrators, commissioners, Caldicott guardians and auditors see none.
2. Emergency access ("break glass") by this user to this person, unexpired: everything the
   role may see.
3. A legitimate relationship between the caller's agency and the person — the person was
   registered there, or has a current episode of care there (in a prison: is held there) —
   lets the agency know who the person is and see what the agency itself recorded.
4. What other agencies recorded is seen only in the categories the person's active consent to
   share covers for the caller's agency (or every agency of its kind) and the purpose, and
   only with a relationship; or in the categories of an approved safeguarding or court-order
   basis naming the caller's agency (which stands without a relationship).
5. A peer mentor sees contact and administration details only, whatever the basis.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

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
    """What one user may see of one person's record, and on what basis.

    `categories`: seen whichever agency recorded them. `own_categories`: seen when the caller's
    own agency (`own_agency_id`) recorded them.
    """

    person_id: uuid.UUID | None
    categories: frozenset[str] = frozenset()
    own_agency_id: uuid.UUID | None = None
    own_categories: frozenset[str] = frozenset()
    basis: str = ""
    purpose: str = "direct_care"
    can_write: bool = False
    reason: str = ""
    relationship: str = ""
    bases: tuple[str, ...] = field(default=())

    @property
    def can_see_person(self) -> bool:
        return bool(self.basis)

    def allows(self, category: str, agency_id=None) -> bool:
        """May the caller see `category`, recorded by `agency_id` (None: by any agency)?"""
        if category in self.categories:
            return True
        return agency_id is not None and agency_id == self.own_agency_id and category in self.own_categories

    def any_categories(self) -> frozenset[str]:
        """Every category the caller may see from at least one agency."""
        return self.categories | self.own_categories

    def event_filter(self) -> Q:
        """The events the caller may see, as a filter on journey.Event."""
        shared = Q(category__in=sorted(self.categories))
        if self.own_agency_id and self.own_categories - self.categories:
            return shared | Q(agency_id=self.own_agency_id, category__in=sorted(self.own_categories))
        return shared


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    basis: str = ""


DENY_ALL = Grant(person_id=None, reason="no lawful basis")


def annotate_for(queryset: QuerySet, user) -> QuerySet:
    """Load, with each person, the facts `grant_for` needs about `user` (saves two queries)."""
    from throughcare.consent.models import BreakGlass
    from throughcare.episodes.models import Episode

    staff = staff_of(user)
    if staff is None:
        return queryset
    episode = Episode.objects.filter(person_id=OuterRef("pk"), agency_id=staff.agency_id, ended_on__isnull=True)
    glass = BreakGlass.objects.filter(person_id=OuterRef("pk"), user_id=user.pk, expires_at__gt=timezone.now())
    return queryset.annotate(tc_episode_setting=Subquery(episode.values("setting")[:1]), tc_break_glass=Exists(glass))


def _relationship(staff: Staff, person) -> str:
    """The legitimate relationship between the caller's agency and the person, or ''."""
    from throughcare.episodes.models import Episode

    if person.registered_by_agency_id == staff.agency_id:
        return "registered"
    if hasattr(person, "tc_episode_setting"):
        setting = person.tc_episode_setting
    else:
        setting = (Episode.objects.filter(person_id=person.pk, agency_id=staff.agency_id, ended_on__isnull=True)
                   .values_list("setting", flat=True).first())
    if setting is None:
        return ""
    return "held_in_custody" if setting == "prison" else "current_episode"


def _shared(staff: Staff, person, purpose: str) -> tuple[set[str], list[str], set[str]]:
    """Categories from active consents to share and approved other bases for the caller's agency.

    One query (a UNION). Returns (consented categories, basis names, basis categories).
    """
    from throughcare.consent.models import Consent, ConsentKind, LawfulBasis

    today = timezone.localdate()
    in_date = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    consents = (
        Consent.objects.filter(Q(recipient_agency_id=staff.agency_id) | Q(recipient_kind=staff.agency.kind),
                               in_date, person_id=person.pk, kind=ConsentKind.SHARE, withdrawn_at__isnull=True,
                               valid_from__lte=today)
        .annotate(source=Value("consent"), name=Value(""))
        .order_by()
        .values_list("source", "name", "purposes", "categories")
    )
    bases = (
        LawfulBasis.objects.filter(in_date, person_id=person.pk, recipient_agency_id=staff.agency_id, approved=True,
                                   revoked_at__isnull=True)
        .annotate(source=Value("basis"), name=F("basis"), no_purposes=Value([], output_field=JSONField()))
        .order_by()
        .values_list("source", "name", "no_purposes", "categories")
    )
    consented: set[str] = set()
    names: list[str] = []
    basis_categories: set[str] = set()
    for source, name, purposes, categories in consents.union(bases, all=True):
        if source == "consent":
            if purpose in purposes:
                consented.update(categories)
        else:
            names.append(name)
            basis_categories.update(categories)
    return consented, names, basis_categories


def _break_glass(user, person) -> bool:
    from throughcare.consent.models import BreakGlass

    if hasattr(person, "tc_break_glass"):
        return bool(person.tc_break_glass)
    return BreakGlass.objects.filter(person_id=person.pk, user_id=user.pk, expires_at__gt=timezone.now()).exists()


def grant_for(user, person, *, purpose: str = "direct_care") -> Grant:
    """Everything `user` may see of `person`, for `purpose`. Nothing is cached.

    One query when `person` came through `annotate_for`, at most three otherwise.
    """
    staff = staff_of(user)
    if staff is None or person is None:
        return DENY_ALL
    if staff.role not in CASEWORK_ROLES:
        return Grant(person_id=person.pk, reason=f"a {staff.get_role_display().lower()} sees no case content")
    cap = ROLE_CATEGORY_CAP[staff.role]
    can_write = staff.role in RECORDING_ROLES
    if _break_glass(user, person):
        return Grant(person_id=person.pk, categories=cap, own_agency_id=staff.agency_id, own_categories=cap,
                     basis="break_glass", purpose="emergency", can_write=can_write, bases=("break_glass",))
    relationship = _relationship(staff, person)
    consented, basis_names, basis_categories = _shared(staff, person, purpose)
    has_basis = bool(basis_names)
    if not relationship and not has_basis:
        return Grant(person_id=person.pk, reason="no relationship with your agency and no other lawful basis")
    shared = set(basis_categories)
    if relationship:
        shared |= consented
    shared.add(IDENTITY_CATEGORY)
    bases = tuple(filter(None, [f"relationship:{relationship}" if relationship else "",
                                "consent" if relationship and consented else "", *basis_names]))
    return Grant(
        person_id=person.pk,
        categories=frozenset(shared) & cap,
        own_agency_id=staff.agency_id if relationship else None,
        own_categories=cap if relationship else frozenset(),
        basis="+".join(bases),
        purpose="safeguarding" if has_basis and not relationship else purpose,
        can_write=can_write,
        relationship=relationship,
        bases=bases,
    )


def decide(user, person, category: str, action: str = "read", *, agency_id=None) -> Decision:
    """(user, person, category, action) → allowed or denied, with the reason.

    `agency_id` is the agency that recorded the information (None: information from anywhere).
    """
    if category not in ALL_CATEGORIES:
        return Decision(False, f"unknown category {category!r}")
    grant = grant_for(user, person)
    if action == "write" and not grant.can_write:
        return Decision(False, grant.reason or "your role cannot write to records", grant.basis)
    if grant.can_see_person and grant.allows(category, agency_id):
        return Decision(True, "allowed", grant.basis)
    return Decision(False, grant.reason or f"{category} is not shared with you", grant.basis)


def visible_people(user, queryset: QuerySet | None = None) -> QuerySet:
    """The people `user` may know exist: the same rule as `grant_for(...).can_see_person`."""
    from throughcare.consent.models import BreakGlass, LawfulBasis
    from throughcare.episodes.models import Episode
    from throughcare.people.models import Person

    queryset = Person.objects.all() if queryset is None else queryset
    staff = staff_of(user)
    if staff is None or staff.role not in CASEWORK_ROLES:
        return queryset.none()
    today = timezone.localdate()
    current_episode = Episode.objects.filter(person_id=OuterRef("pk"), agency_id=staff.agency_id, ended_on__isnull=True)
    basis = LawfulBasis.objects.filter(person_id=OuterRef("pk"), recipient_agency_id=staff.agency_id, approved=True,
                                       revoked_at__isnull=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    glass = BreakGlass.objects.filter(person_id=OuterRef("pk"), user_id=user.pk, expires_at__gt=timezone.now())
    return queryset.filter(
        Q(registered_by_agency_id=staff.agency_id) | Exists(current_episode) | Exists(basis) | Exists(glass)
    )
