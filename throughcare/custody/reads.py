"""Scoped reads of custody records.

A custody record is offending information: seen by the prison that made it, and by anyone the person's
consent (or another basis) lets see offending information from that prison. Reception screens are
substance use information, by the same rule. Anyone else gets "not found", as for a missing record.
"""

from __future__ import annotations

from throughcare.audit.recorder import disclose
from throughcare.core.categories import Category
from throughcare.core.errors import NotFound
from throughcare.custody.actions import CUSTODY_NOT_FOUND
from throughcare.custody.models import Custody, ReceptionScreen
from throughcare.people.access import get_person, get_record_about


def sees_custody(grant, custody: Custody) -> bool:
    return grant.allows(Category.OFFENDING, custody.prison_id)


def visible_screens(grant, custody: Custody) -> list[ReceptionScreen]:
    return [s for s in custody.screens.all() if grant.allows(Category.SUBSTANCE_USE, s.agency_id)]


def person_custody(user, person_id) -> tuple[object, object, list[Custody]]:
    """(person, grant, the custody records the caller may see, newest first)."""
    person, grant = get_person(user, person_id, action="custody.list", categories=[Category.OFFENDING])
    records = [c for c in Custody.objects.filter(person=person).select_related("prison", "transferred_from__prison")
               if sees_custody(grant, c)]
    return person, grant, records


def get_custody(user, custody_id, *, action: str = "custody.read") -> tuple[Custody, object]:
    custody, grant = get_record_about(
        user, Custody.objects.select_related("prison", "person", "transferred_from__prison"), custody_id,
        resource="custody", not_found=CUSTODY_NOT_FOUND, action=action,
        categories=[Category.OFFENDING, Category.SUBSTANCE_USE])
    if not sees_custody(grant, custody):
        disclose([])
        raise NotFound(CUSTODY_NOT_FOUND)
    return custody, grant


#: Each field of a reception screen and the category it belongs to (the whole screen needs substance use).
SCREEN_FIELDS = (
    ("substances", "Substances", Category.SUBSTANCE_USE),
    ("script", "Script on reception", Category.SUBSTANCE_USE),
    ("withdrawal_risk", "Withdrawal risk", Category.SUBSTANCE_USE),
    ("risk_to_self", "Risk to self", Category.MENTAL_HEALTH),
    ("immediate_needs", "Immediate needs", Category.SUBSTANCE_USE),
    ("mental_health", "Mental health", Category.MENTAL_HEALTH),
    ("physical_health", "Physical health", Category.PHYSICAL_HEALTH),
    ("housing", "Housing", Category.HOUSING),
    ("employment_benefits", "Work and money", Category.EMPLOYMENT_BENEFITS),
    ("family", "Family and children", Category.FAMILY_SAFEGUARDING),
    ("goals", "Their goals", Category.SUBSTANCE_USE),
)


def screen_fields(grant, screen: ReceptionScreen) -> dict:
    """{field: value or None}: each field only if its own category is shared with the caller."""
    return {name: getattr(screen, name) if grant.allows(category, screen.agency_id) else None
            for name, _label, category in SCREEN_FIELDS}


def screen_rows(grant, screen: ReceptionScreen) -> list[tuple[str, str]]:
    """(label, shown value) for the filled-in fields the caller may see."""
    rows = []
    values = screen_fields(grant, screen)
    for name, label, _category in SCREEN_FIELDS:
        value = values[name]
        if value in (None, "", False):
            continue
        if name == "withdrawal_risk":
            value = screen.get_withdrawal_risk_display()
        elif name == "risk_to_self":
            value = "Yes: see the prison's safety plan"
        elif name == "script" and not screen.on_script:
            continue
        rows.append((label, str(value)))
    return rows
