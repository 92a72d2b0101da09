"""The directory's vocabularies: kinds of service, tiers, substances, genders, referral routes and exclusions.

Each is exported to Open Referral UK as a taxonomy of its own (see oruk.py), so the codes here are
stable: rename a label freely, never a code.
"""

from __future__ import annotations

import re

from django.db import models

from throughcare.plans.models import Domain as LifeDomain

__all__ = ["LifeDomain", "ServiceType", "Tier", "Substance", "GenderGroup", "ReferralRoute", "Exclusion",
           "ServiceStatus", "CO_OCCURRING", "EXCLUSION_FACTS", "Weekday", "postcode_parts", "normalise_area"]


class ServiceStatus(models.TextChoices):
    """HSDS / ORUK service status, as the standard spells it."""

    ACTIVE = "active", "Active"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"


class ServiceType(models.TextChoices):
    TREATMENT = "treatment", "Drug and alcohol treatment"
    PRISON_TEAM = "prison_team", "Prison substance misuse team"
    MUTUAL_AID = "mutual_aid", "Mutual aid and peer support"
    HOUSING = "housing", "Housing and floating support"
    MENTAL_HEALTH = "mental_health", "Mental health"
    PRIMARY_CARE = "primary_care", "Primary care"
    EMPLOYMENT = "employment", "Jobcentre Plus and employment support"
    FAMILY = "family", "Family and children's services"
    CRISIS_BEDS = "crisis_beds", "Crisis beds"
    HARM_REDUCTION = "harm_reduction", "Naloxone and needle exchange"
    OTHER = "other", "Other support"


class Tier(models.TextChoices):
    """Treatment intensity (Models of Care): only treatment services have one."""

    TIER_1 = "1", "Tier 1: information and advice"
    TIER_2 = "2", "Tier 2: open access and harm reduction"
    TIER_3 = "3", "Tier 3: structured community treatment"
    TIER_4 = "4", "Tier 4: inpatient and residential"


class Substance(models.TextChoices):
    OPIATES = "opiates", "Opiates (heroin, illicit methadone)"
    CRACK = "crack", "Crack cocaine"
    COCAINE = "cocaine", "Cocaine powder"
    AMPHETAMINES = "amphetamines", "Amphetamines"
    CANNABIS = "cannabis", "Cannabis"
    BENZODIAZEPINES = "benzodiazepines", "Benzodiazepines"
    NPS = "nps", "New psychoactive substances"
    PRESCRIBED = "prescribed", "Prescription and over-the-counter medicines"
    ALCOHOL = "alcohol", "Alcohol"


class GenderGroup(models.TextChoices):
    WOMEN = "women", "Women"
    MEN = "men", "Men"
    NON_BINARY = "non_binary", "Non-binary people"


class ReferralRoute(models.TextChoices):
    SELF = "self_referral", "Self-referral"
    PROFESSIONAL = "professional", "Any professional"
    GP = "gp", "GP"
    CRIMINAL_JUSTICE = "criminal_justice", "Probation, courts or police"
    PRISON = "prison", "Prison teams"


class Exclusion(models.TextChoices):
    """Access criteria that turn people away. The first four turn people away for a co-occurring need."""

    CURRENT_SUBSTANCE_USE = "current_substance_use", "No current drug or alcohol use"
    CURRENT_ALCOHOL_USE = "current_alcohol_use", "No current alcohol use"
    SUBSTITUTE_PRESCRIPTION = "substitute_prescription", "Not on a substitute prescription (methadone, buprenorphine)"
    MENTAL_HEALTH_NEED = "mental_health_need", "No current severe mental health need"
    ARSON = "arson", "No history of arson"
    OTHER = "other", "Other (see the note)"


#: Exclusions that refuse a person because of a co-occurring need (001 A4, dual diagnosis): flagged everywhere.
CO_OCCURRING = frozenset({Exclusion.CURRENT_SUBSTANCE_USE, Exclusion.CURRENT_ALCOHOL_USE,
                          Exclusion.SUBSTITUTE_PRESCRIPTION, Exclusion.MENTAL_HEALTH_NEED})

#: The fact about the person that each exclusion tests (eligibility.Profile); None: never known from the record.
EXCLUSION_FACTS = {
    Exclusion.CURRENT_SUBSTANCE_USE: "substance use",
    Exclusion.CURRENT_ALCOHOL_USE: "alcohol use",
    Exclusion.SUBSTITUTE_PRESCRIPTION: "a substitute prescription",
    Exclusion.MENTAL_HEALTH_NEED: "a mental health need",
    Exclusion.ARSON: "a history of arson",
    Exclusion.OTHER: None,
}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


#: iCalendar BYDAY codes, as ORUK schedules use them.
ICAL_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][0-9A-Z]?)$")
_AREA = re.compile(r"^[A-Z]{1,2}$")


def postcode_parts(postcode: str) -> tuple[str, str] | None:
    """(district, area) of a UK postcode or outward code: "sa1 1aa" -> ("SA1", "SA"). None if it is not one."""
    text = " ".join((postcode or "").upper().split())
    if not text:
        return None
    if " " in text:
        outward = text.split(" ")[0]
    elif len(text) >= 5:
        outward = text[:-3]  # a full postcode written without its space
    else:
        outward = text
    match = _OUTWARD.match(outward)
    if match is None:
        return None
    return outward, match.group(1)


def normalise_area(value: str) -> str | None:
    """A service area as stored: a postcode district ("SA1") or area ("SA"), upper case. None if neither."""
    text = "".join((value or "").upper().split())
    if _AREA.match(text):
        return text
    parts = postcode_parts(text)
    return parts[0] if parts and parts[0] == text else None
