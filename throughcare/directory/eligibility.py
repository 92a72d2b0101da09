"""Which services a person is eligible for, and why each other service is not shown.

`Profile` is what is known about the person, each fact with where it came from. `evaluate` is a pure
function of a service and a profile: tests pass hand-made profiles. `profile_for` builds the profile
from the record, through the scoped look-up, using only what the worker may see (the Grant):

- date of birth → age, sex and gender → gender, postcode → district and area (contact and administration);
- a current episode of care at a drug and alcohol treatment agency → current substance use, only if the
  worker may see that agency's substance use information; at a mental health agency → a mental health need,
  only if the worker may see its mental health information;
- whatever a registered fact source adds (`register_fact_source`, given the same Grant to honour):
  directory/facts.py adds substances, alcohol, prescribing and mental health from the holistic assessment;
- and what the worker was told just now (`told`), which is never stored.

A fact nobody knows never excludes anyone: it becomes a check ("check the person's age ...").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from throughcare.audit.recorder import disclose
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND, IDENTITY_CATEGORY, Category
from throughcare.directory.vocab import (
    CO_OCCURRING,
    Exclusion,
    GenderGroup,
    Substance,
    postcode_parts,
)


@dataclass
class Profile:
    """What is known about the person for eligibility. None: not known (never a reason to exclude)."""

    age: int | None = None
    gender: str | None = None  # a vocab.GenderGroup code
    district: str | None = None  # postcode district, e.g. SA1
    area: str | None = None  # postcode area, e.g. SA
    substances: frozenset[str] | None = None  # substances used now (vocab.Substance codes)
    substance_use: bool | None = None  # any current drug or alcohol use
    alcohol_use: bool | None = None
    substitute_prescription: bool | None = None
    mental_health_need: bool | None = None
    arson_history: bool | None = None
    #: fact name -> how it is known, completing "the person ...", e.g. "has a current episode of care at X".
    says: dict[str, str] = field(default_factory=dict)
    #: information categories the facts came from (named in the audit entry).
    categories: set[str] = field(default_factory=set)

    def know(self, name: str, value, says: str, category: str | None = None) -> None:
        setattr(self, name, value)
        self.says[name] = says
        if category:
            self.categories.add(category)


@dataclass(frozen=True)
class Reason:
    criterion: str  # age, gender, area, substances, or exclusion:<code>
    text: str
    co_occurring: bool = False


@dataclass(frozen=True)
class Verdict:
    service: object
    reasons: tuple[Reason, ...] = ()  # why the service is not shown
    checks: tuple[str, ...] = ()  # facts nobody knows that the service asks about

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _label(choices, codes: Iterable[str]) -> str:
    labels = [choices(c).label if c in choices.values else c for c in codes]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def age_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"aged {minimum} to {maximum}"
    if minimum is not None:
        return f"aged {minimum} and over"
    return f"aged {maximum} and under"


def _person(profile: Profile, name: str, fallback: str) -> str:
    return f"the person {profile.says[name]}" if name in profile.says else fallback


#: For each exclusion: the Profile fact it tests and what the service rule says.
EXCLUSION_RULES: dict[str, tuple[str, str]] = {
    Exclusion.CURRENT_SUBSTANCE_USE: ("substance_use", "the service does not take people who use drugs or alcohol now"),
    Exclusion.CURRENT_ALCOHOL_USE: ("alcohol_use", "the service does not take people who drink alcohol now"),
    Exclusion.SUBSTITUTE_PRESCRIPTION: ("substitute_prescription",
                                        "the service does not take people on a substitute prescription"),
    Exclusion.MENTAL_HEALTH_NEED: ("mental_health_need",
                                   "the service does not take people with a current severe mental health need"),
    Exclusion.ARSON: ("arson_history", "the service does not take people with a history of arson"),
}


def evaluate(service, profile: Profile) -> Verdict:
    """Is the person eligible for `service`? Each reason names the criterion that excluded them."""
    reasons: list[Reason] = []
    checks: list[str] = []
    if service.minimum_age is not None or service.maximum_age is not None:
        rule = f"the service is for people {age_range(service.minimum_age, service.maximum_age)}"
        if profile.age is None:
            checks.append(f"Check the person's age: {rule}.")
        elif (service.minimum_age is not None and profile.age < service.minimum_age) or (
                service.maximum_age is not None and profile.age > service.maximum_age):
            reasons.append(Reason("age", f"Age: {rule}; {_person(profile, 'age', f'the person is {profile.age}')}."))
    if service.genders:
        rule = f"the service is for {_label(GenderGroup, service.genders).lower()} only"
        if profile.gender is None:
            checks.append(f"Check the person's gender: {rule}.")
        elif profile.gender not in service.genders:
            reasons.append(Reason("gender", f"Gender: {rule}; {_person(profile, 'gender', 'the person is not')}."))
    if service.areas:
        rule = f"the service covers {', '.join(service.areas)}"
        if profile.district is None:
            checks.append(f"Check where the person lives: {rule}.")
        elif profile.district not in service.areas and profile.area not in service.areas:
            reasons.append(Reason("area", f"Area: {rule}; "
                                          f"{_person(profile, 'district', 'the person lives elsewhere')}."))
    if service.substances:
        rule = f"the service works with {_label(Substance, service.substances).lower()}"
        if profile.substances is None:
            checks.append(f"Check which substances the person uses: {rule}.")
        elif not profile.substances & set(service.substances):
            reasons.append(Reason("substances", f"Substances: {rule}; "
                                                f"{_person(profile, 'substances', 'the person uses other substances')}."))
    for code in service.exclusions:
        co_occurring = code in CO_OCCURRING
        if code not in EXCLUSION_RULES:
            checks.append(f"Check the service's other exclusion: {service.exclusions_note or 'ask the service'}.")
            continue
        fact, rule = EXCLUSION_RULES[code]
        value = getattr(profile, fact)
        if value is None:
            checks.append(f"Check with the person: {rule}.")
        elif value:
            text = f"Exclusion ({Exclusion(code).label.lower()}): {rule}; {_person(profile, fact, 'the person does')}."
            if co_occurring:
                text += " This turns people away for a co-occurring need (dual diagnosis)."
            reasons.append(Reason(f"exclusion:{code}", text, co_occurring=co_occurring))
    return Verdict(service=service, reasons=tuple(reasons), checks=tuple(checks))


# --- the profile from the record ---------------------------------------------------------------------------

#: Extra sources of facts: fn(person=, grant=, staff=, profile=) adds to the profile with `profile.know`,
#: using only what `grant.allows(category, agency_id)` lets the worker see. The assessment registers one.
FACT_SOURCES: list[Callable[..., None]] = []


def register_fact_source(source: Callable[..., None]) -> Callable[..., None]:
    if source not in FACT_SOURCES:
        FACT_SOURCES.append(source)
    return source


_GENDER_WORDS = {
    GenderGroup.WOMEN: {"woman", "women", "female", "f", "trans woman", "transwoman", "girl"},
    GenderGroup.MEN: {"man", "men", "male", "m", "trans man", "transman", "boy"},
    GenderGroup.NON_BINARY: {"non-binary", "nonbinary", "non binary", "enby", "genderqueer", "agender"},
}


def gender_group(sex: str, gender: str) -> str | None:
    """The person's gender in their own words where they gave it, else from their recorded sex."""
    words = " ".join((gender or "").lower().split())
    if words:
        return next((group for group, known in _GENDER_WORDS.items() if words in known), None)
    return {"female": GenderGroup.WOMEN, "male": GenderGroup.MEN}.get(sex)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _from_demographics(person, profile: Profile, today: dt.date) -> None:
    profile.know("age", age_on(person.date_of_birth, today), f"is {age_on(person.date_of_birth, today)}",
                 IDENTITY_CATEGORY)
    group = gender_group(person.sex, person.gender)
    if group is not None:
        profile.know("gender", group, f"is recorded as {(person.gender or person.get_sex_display()).lower()}",
                     IDENTITY_CATEGORY)
    parts = postcode_parts(person.postcode)
    if parts:
        profile.know("district", parts[0], f"lives in {parts[0]}", IDENTITY_CATEGORY)
        profile.area = parts[1]


def _from_episodes(person, grant, profile: Profile) -> None:
    """Current episodes of care the worker may see: treatment → substance use; mental health → a need."""
    from throughcare.episodes.models import Episode

    for episode in Episode.objects.filter(person=person, ended_on__isnull=True).select_related("agency"):
        category = CATEGORY_BY_AGENCY_KIND.get(episode.agency.kind)
        if category is None or not grant.allows(category, episode.agency_id):
            continue
        where = f"has a current episode of care at {episode.agency.name}"
        if episode.agency.kind == "community_treatment" and profile.substance_use is None:
            profile.know("substance_use", True, f"{where} (drug and alcohol treatment)", Category.SUBSTANCE_USE)
        elif episode.agency.kind == "mental_health" and profile.mental_health_need is None:
            profile.know("mental_health_need", True, f"{where} (mental health)", Category.MENTAL_HEALTH)


#: What a worker may say they were told (never stored): fact -> how the explanation describes it.
TOLD = {
    "substance_use": ("uses drugs or alcohol now", "does not use drugs or alcohol now"),
    "alcohol_use": ("drinks alcohol now", "does not drink alcohol now"),
    "substitute_prescription": ("is on a substitute prescription", "is not on a substitute prescription"),
    "mental_health_need": ("has a current severe mental health need", "has no current severe mental health need"),
    "arson_history": ("has a history of arson", "has no history of arson"),
}


def apply_told(profile: Profile, told: dict | None) -> None:
    """Facts the worker was told just now override the record's (they are with the person)."""
    told = told or {}
    substances = told.get("substances")
    if substances is not None:
        chosen = frozenset(s for s in substances if s in Substance.values)
        names = _label(Substance, sorted(chosen)).lower() or "nothing"
        profile.know("substances", chosen, f"uses {names} (as you recorded here)")
        if "substance_use" not in told:
            profile.know("substance_use", bool(chosen), "uses drugs or alcohol now (as you recorded here)"
                         if chosen else "uses no drugs or alcohol (as you recorded here)")
        if "alcohol_use" not in told:
            profile.know("alcohol_use", Substance.ALCOHOL in chosen,
                         "drinks alcohol now (as you recorded here)" if Substance.ALCOHOL in chosen
                         else "does not drink alcohol (as you recorded here)")
    for name, (yes, no) in TOLD.items():
        value = told.get(name)
        if value is not None:
            profile.know(name, bool(value), f"{yes if value else no} (as you recorded here)")


def profile_for(user, person_id, *, told: dict | None = None, today: dt.date | None = None):
    """(person, grant, profile) for the worker: the scoped look-up first, so an unseen person is 404."""
    from throughcare.agencies.models import staff_of
    from throughcare.people.access import get_person

    person, grant = get_person(user, person_id, action="directory.eligibility", categories=[IDENTITY_CATEGORY])
    profile = Profile()
    _from_demographics(person, profile, today or timezone.localdate())
    _from_episodes(person, grant, profile)
    for source in FACT_SOURCES:
        source(person=person, grant=grant, staff=staff_of(user), profile=profile)
    apply_told(profile, told)
    disclose(sorted(profile.categories | {IDENTITY_CATEGORY}))
    return person, grant, profile
