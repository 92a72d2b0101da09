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
   registered there, has a current episode of care there (in a prison: is held there), or one of
   its workers is on the person's care team, or a referral between the agency and the person's
   services is open —
   lets the agency know who the person is and see what the agency itself recorded.
4. What other agencies recorded is seen only in the categories the person's active consent to
   share covers for the caller's agency (or every agency of its kind) and the purpose, and
   only with a relationship; or in the categories of an approved safeguarding or court-order
   basis naming the caller's agency (which stands without a relationship).
5. A peer mentor sees contact and administration details only, whatever the basis.

The national data return (NDTMS) and the FHIR bulk export are not reads by a user: who is in them is decided
here too, by `national_return_people`, from the person's separate consent to the national return (docs/
decisions/0020-national-return-consent.md). Consent to share never puts anyone in the return, and consent to
the return opens no record to anyone.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES, RECORDING_ROLES, Role
from throughcare.core.categories import ALL_CATEGORIES, IDENTITY_CATEGORY, Category

#: What each casework role may see at most, whatever the basis.
ROLE_CATEGORY_CAP: dict[str, frozenset[str]] = {
    Role.KEY_WORKER: ALL_CATEGORIES,
    Role.PRISON_TEAM: ALL_CATEGORIES,
    Role.PARTNER_WORKER: ALL_CATEGORIES,
    Role.SERVICE_MANAGER: ALL_CATEGORIES,
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
    #: Timeline event kinds kept from the caller whatever their category (the person's own view withholds
    #: the record of other lawful bases: docs/decisions/0013-person-held-record.md).
    withheld_kinds: frozenset[str] = frozenset()

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
            shared = shared | Q(agency_id=self.own_agency_id, category__in=sorted(self.own_categories))
        if self.withheld_kinds:
            shared = shared & ~Q(kind__in=sorted(self.withheld_kinds))
        return shared


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    basis: str = ""


DENY_ALL = Grant(person_id=None, reason="no lawful basis")

#: The relationship of a person to their own record (the person-held record, throughcare/myrecord).
SELF = "self"
#: What the person's own view withholds: the record of safeguarding and court-order bases, whose
#: disclosure could put someone at risk (DPA 2018 Sch. 2 para 2, Sch. 3 para 5; decision 0013).
SUBJECT_WITHHELD_KINDS = frozenset({"basis_requested", "basis_decided"})


@dataclass
class Facts:
    """What the database says about one caller's agency and one person, read in one query."""

    episode_setting: str | None = None
    care_team: bool = False
    open_referral: bool = False
    break_glass: bool = False
    merged_registered: bool = False  # a record this agency registered was merged into this one (matching)
    consents: list[tuple[list[str], list[str]]] = field(default_factory=list)  # (purposes, categories)
    bases: list[tuple[str, list[str]]] = field(default_factory=list)  # (basis, categories)


_FACTS_SQL: dict[str, str] = {}


def _facts_sql() -> str:
    """One UNION ALL over episodes, break glass, consents and bases: built once, from the models' tables."""
    from throughcare.careteam.models import CareTeamMember
    from throughcare.consent.models import BreakGlass, Consent, LawfulBasis
    from throughcare.episodes.models import Episode
    from throughcare.matching.models import PersonMerge
    from throughcare.referrals.models import CLOSED_STATUSES, Referral

    if connection.vendor not in _FACTS_SQL:
        episode, glass = Episode._meta.db_table, BreakGlass._meta.db_table
        team = CareTeamMember._meta.db_table
        referral = Referral._meta.db_table
        closed = ", ".join(f"'{status}'" for status in sorted(CLOSED_STATUSES))
        consent, basis = Consent._meta.db_table, LawfulBasis._meta.db_table
        no_json = _no_json()
        # Table names come from the models' metadata, never from input; every value is a parameter.
        _FACTS_SQL[connection.vendor] = (
            f"SELECT 'episode' AS source, setting AS name, {no_json} AS purposes, {no_json} AS categories FROM {episode} "  # nosec B608
            "WHERE person_id = %s AND agency_id = %s AND ended_on IS NULL "
            f"UNION ALL SELECT 'team', '', {no_json}, {no_json} FROM {team} "
            "WHERE person_id = %s AND agency_id = %s AND left_at IS NULL "
            f"UNION ALL SELECT 'referral', '', {no_json}, {no_json} FROM {referral} "
            f"WHERE person_id = %s AND (to_agency_id = %s OR from_agency_id = %s) AND status NOT IN ({closed}) "
            f"UNION ALL SELECT 'glass', '', {no_json}, {no_json} FROM {glass} "
            "WHERE person_id = %s AND user_id = %s AND expires_at > %s "
            f"UNION ALL SELECT 'consent', '', purposes, categories FROM {consent} "
            "WHERE person_id = %s AND kind = 'share' AND withdrawn_at IS NULL AND valid_from <= %s "
            "AND (valid_until IS NULL OR valid_until >= %s) AND (recipient_agency_id = %s OR recipient_kind = %s) "
            f"UNION ALL SELECT 'basis', basis, {no_json}, categories FROM {basis} "
            "WHERE person_id = %s AND recipient_agency_id = %s AND approved = %s AND revoked_at IS NULL "
            "AND (valid_until IS NULL OR valid_until >= %s) "
            f"UNION ALL SELECT 'merged', '', {no_json}, {no_json} FROM {PersonMerge._meta.db_table} "
            "WHERE into_person_id = %s AND merged_registered_by_agency_id = %s AND unmerged_at IS NULL"
        )
    return _FACTS_SQL[connection.vendor]


def _facts_params(staff: Staff, user, person_pk) -> list:
    from throughcare.people.models import Person

    ops = connection.ops
    uuid_field = Person._meta.pk
    person_id = uuid_field.get_db_prep_value(person_pk, connection)
    agency_id = uuid_field.get_db_prep_value(staff.agency_id, connection)
    today = ops.adapt_datefield_value(timezone.localdate())
    now = ops.adapt_datetimefield_value(timezone.now())
    return [person_id, agency_id, person_id, agency_id, person_id, agency_id, agency_id, person_id, user.pk, now, person_id, today, today, agency_id, staff.agency.kind,
            person_id, agency_id, True, today, person_id, agency_id]


def with_facts(queryset: QuerySet, user, person_pk) -> QuerySet:
    """Load the policy's facts in the same query as the person (one round trip instead of two)."""
    subquery = facts_subquery(user, person_pk)
    if subquery is None:
        return queryset
    # nosec B611: the SQL is built from model metadata only (see _facts_sql); every value is a parameter.
    return queryset.annotate(tc_facts=RawSQL(*subquery))  # nosec B611


def facts_subquery(user, person_pk) -> tuple[str, list] | None:
    """The policy's facts as one sub-query giving a JSON array, and its parameters (None: the user is not staff).

    Give its value to a person as `tc_facts` and `grant_for` reads it instead of querying.
    """
    staff = staff_of(user)
    if staff is None:
        return None
    if connection.vendor == "postgresql":
        aggregate = "SELECT json_agg(json_build_array(f.source, f.name, f.purposes, f.categories)) FROM ({}) f"
    else:
        aggregate = ("SELECT json_group_array(json_array(f.source, f.name, json(f.purposes), json(f.categories))) "
                     "FROM ({}) f")
    return aggregate.format(_facts_sql()), _facts_params(staff, user, person_pk)


def _no_json() -> str:
    return "NULL::jsonb" if connection.vendor == "postgresql" else "NULL"


def _read_facts(rows) -> Facts:
    facts = Facts()
    for source, name, purposes, categories in rows:
        if source == "episode":
            facts.episode_setting = name
        elif source == "team":
            facts.care_team = True
        elif source == "referral":
            facts.open_referral = True
        elif source == "glass":
            facts.break_glass = True
        elif source == "merged":
            facts.merged_registered = True
        elif source == "consent":
            facts.consents.append((_json(purposes), _json(categories)))
        else:
            facts.bases.append((name, _json(categories)))
    return facts


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or [])


def load_facts(staff: Staff, user, person) -> Facts:
    """Every fact the policy needs, fresh from the database (never cached: withdrawal bites at once).

    Already loaded with the person when it came through `with_facts`.
    """
    if hasattr(person, "tc_facts"):
        return _read_facts(_json(person.tc_facts))
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(), _facts_params(staff, user, person.pk))
        return _read_facts(cursor.fetchall())


def _relationship(staff: Staff, person, facts: Facts) -> str:
    """The legitimate relationship between the caller's agency and the person, or ''."""
    if person.registered_by_agency_id == staff.agency_id or facts.merged_registered:
        return "registered"
    if facts.episode_setting is not None:
        return "held_in_custody" if facts.episode_setting == "prison" else "current_episode"
    if facts.care_team:
        return "care_team"
    if facts.open_referral:
        return "open_referral"
    return ""


def grant_for(user, person, *, purpose: str = "direct_care") -> Grant:
    """Everything `user` may see of `person`, for `purpose`. One query; nothing is cached."""
    staff = staff_of(user)
    if person is None:
        return DENY_ALL
    if staff is None:
        return subject_grant(user, person)
    if staff.role not in CASEWORK_ROLES:
        return Grant(person_id=person.pk, reason=f"a {staff.get_role_display().lower()} sees no case content")
    cap = ROLE_CATEGORY_CAP[staff.role]
    can_write = staff.role in RECORDING_ROLES
    facts = load_facts(staff, user, person)
    if facts.break_glass:
        return Grant(person_id=person.pk, categories=cap, own_agency_id=staff.agency_id, own_categories=cap,
                     basis="break_glass", purpose="emergency", can_write=can_write, bases=("break_glass",))
    relationship = _relationship(staff, person, facts)
    consented = {c for purposes, categories in facts.consents if purpose in purposes for c in categories}
    basis_names = [name for name, _categories in facts.bases]
    basis_categories = {c for _name, categories in facts.bases for c in categories}
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


def subject_grant(user, person) -> Grant:
    """The person themselves, signed in to their own record: every category, read only (their few writes
    — consent, goals in their words, a correction — ask for it explicitly), minus what is withheld.

    Never for staff: a user with a Staff record never reaches here, and a person account is never staff."""
    from throughcare.myrecord.models import PersonAccount

    if not getattr(user, "is_authenticated", False):
        return DENY_ALL
    if not PersonAccount.objects.filter(user_id=user.pk, person_id=person.pk, disabled_at__isnull=True).exists():
        return DENY_ALL
    return Grant(person_id=person.pk, categories=ALL_CATEGORIES, basis="data_subject", purpose="subject_access",
                 relationship=SELF, bases=("data_subject",), withheld_kinds=SUBJECT_WITHHELD_KINDS)


def national_return_people(on) -> QuerySet:
    """The ids of the people who may be in the national data return (and the FHIR bulk export) on day `on`:
    those with a consent of kind `national_return`, not withdrawn, in date on that day. Deny by default: no
    such consent, no record in the return, whatever else the person agreed to."""
    from throughcare.consent.models import Consent, ConsentKind

    return (Consent.objects.filter(kind=ConsentKind.NATIONAL_RETURN, withdrawn_at__isnull=True, valid_from__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
            .values_list("person_id", flat=True).distinct())


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


def _relationship_facts(person_id, agency_id) -> dict[str, QuerySet]:
    """Rule 3 (beyond registering the person), one queryset per fact, each with a row while it holds.

    `person_id` and `agency_id` are values or OuterRefs, so the one rule is asked both ways round:
    `visible_people` (which people, for this agency) and `related_agencies` (which agencies, for this person).
    """
    from throughcare.careteam.models import CareTeamMember
    from throughcare.episodes.models import Episode
    from throughcare.matching.models import PersonMerge
    from throughcare.referrals.models import CLOSED_STATUSES, Referral

    return {
        "current_episode": Episode.objects.filter(person_id=person_id, agency_id=agency_id, ended_on__isnull=True),
        "care_team": CareTeamMember.objects.filter(person_id=person_id, agency_id=agency_id, left_at__isnull=True),
        "open_referral": (Referral.objects.filter(person_id=person_id).exclude(status__in=CLOSED_STATUSES)
                          .filter(Q(to_agency_id=agency_id) | Q(from_agency_id=agency_id))),
        # A record this agency registered was merged into this one (matching): it keeps the relationship.
        "merged_registered": PersonMerge.objects.filter(into_person_id=person_id, merged_registered_by_agency_id=agency_id,
                                                        unmerged_at__isnull=True),
    }


def related_agencies(person) -> QuerySet:
    """The agencies with a legitimate relationship with `person` (rule 3), whose workers may know who they
    are: the same facts as `visible_people`, asked the other way round. Each agency is annotated with the
    facts that hold (`tc_registered`, `tc_current_episode`, `tc_care_team`, `tc_open_referral`,
    `tc_merged_registered`), for saying why ("who can see what")."""
    from django.db.models import BooleanField, ExpressionWrapper

    from throughcare.agencies.models import Agency

    facts = _relationship_facts(person.pk, OuterRef("pk"))
    registered = ExpressionWrapper(Q(pk=person.registered_by_agency_id), output_field=BooleanField())
    agencies = Agency.objects.annotate(tc_registered=registered,
                                       **{f"tc_{name}": Exists(found) for name, found in facts.items()})
    holds = Q(pk=person.registered_by_agency_id)
    for found in facts.values():
        holds |= Exists(found)
    return agencies.filter(holds).order_by("name")


def visible_people(user, queryset: QuerySet | None = None) -> QuerySet:
    """The people `user` may know exist: the same rule as `grant_for(...).can_see_person`.

    The rule is SQL, evaluated each time the queryset runs, so consent withdrawn or a basis revoked bites
    on the next query. Within one request the queryset is built once and cloned for each use (a worker's
    day asks for it ten times): only "now", for break glass and bases that lapse, is then the request's.
    """
    from throughcare.core.context import current

    ctx = current() if queryset is None else None
    if ctx is not None:
        built = ctx.visible_people.get(getattr(user, "pk", None))
        if built is None:
            built = ctx.visible_people[getattr(user, "pk", None)] = _visible_people(user, None)
        return built.all()
    return _visible_people(user, queryset)


def visible_person_ids(user):
    """`visible_people(user).values("pk")`, for filtering other records by their person
    (`person__in=visible_person_ids(user)`). The same SQL, run afresh by every query that uses it; within a
    request it is compiled once per user (compiling the rule takes about 2.5 ms of Python, and a worker's
    day filters a dozen lists by it)."""
    from throughcare.core.context import current

    ctx = current()
    if ctx is None:
        return visible_people(user).values("pk")
    key = getattr(user, "pk", None)
    found = ctx.visible_ids.get(key)
    if found is None:
        ids = visible_people(user).values("pk")
        try:
            sql, params = ids.query.get_compiler(using=ids.db).as_sql()
            found = RawSQL(sql, params)  # noqa: S611  # nosec B611 - Django's own compiled SQL, values as parameters
        except EmptyResultSet:  # a user who may see no one: the empty queryset says so without asking the database
            found = ids
        ctx.visible_ids[key] = found
    return found


def _visible_people(user, queryset: QuerySet | None) -> QuerySet:
    from throughcare.consent.models import BreakGlass, LawfulBasis
    from throughcare.matching.models import PersonMerge
    from throughcare.people.models import Person

    queryset = Person.objects.all() if queryset is None else queryset
    staff = staff_of(user)
    if staff is None or staff.role not in CASEWORK_ROLES:
        return queryset.none()
    today = timezone.localdate()
    related = Q(registered_by_agency_id=staff.agency_id)
    for found in _relationship_facts(OuterRef("pk"), staff.agency_id).values():
        related |= Exists(found)
    basis = LawfulBasis.objects.filter(person_id=OuterRef("pk"), recipient_agency_id=staff.agency_id, approved=True,
                                       revoked_at__isnull=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    glass = BreakGlass.objects.filter(person_id=OuterRef("pk"), user_id=user.pk, expires_at__gt=timezone.now())
    # A record merged into another is no one's to list; the agency that registered it keeps the relationship.
    merged_away = PersonMerge.objects.filter(merged_person_id=OuterRef("pk"), unmerged_at__isnull=True)
    return queryset.filter(related | Exists(basis) | Exists(glass)).exclude(Exists(merged_away))
