"""The release checklist: what each item is, its information category, the details it holds and what must be
filled in before it can be marked done. Pure data and pure functions: the actions and pages use them.

Every item's kind, owner, status, due date, blocker and its when / where / who (`at`, `place`, `phone`,
`contact_name`, `worker`, `appointment`) are contact and administration, seen by everyone who may see the
person: agencies plan around them and the peer mentor meets the person with them. The `details` are in the
item's own category, seen by those the person's consent (or another basis) allows, and by the owning agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from throughcare.core.categories import Category
from throughcare.releases.models import ItemKind

MAX_TEXT = 300


@dataclass(frozen=True)
class Detail:
    name: str
    label: str
    kind: str = "text"  # text | date | bool | choice
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Spec:
    kind: str
    category: str
    #: Which contact columns the item uses (shown on its form and in the pack).
    columns: tuple[str, ...]
    details: tuple[Detail, ...] = ()
    #: Filled in before the item can be done: column or detail names.
    required: tuple[str, ...] = ()
    #: Days before release the item falls due when the plan opens.
    due_days_before: int = 7
    hint: str = ""
    place_label: str = "Where (with the address)"
    at_label: str = "When"


ACCOMMODATION_TYPES = (
    ("own_tenancy", "Their own tenancy"),
    ("family_or_friends", "With family or friends"),
    ("hostel", "Hostel"),
    ("approved_premises", "Approved premises (probation hostel)"),
    ("supported_housing", "Supported housing"),
    ("bed_and_breakfast", "Bed and breakfast"),
    ("no_fixed_abode", "No fixed abode"),
)
#: Accommodation types flagged on the plan: overdose risk is higher, and a first-night contact matters.
FLAGGED_ACCOMMODATION = frozenset({"hostel", "approved_premises", "bed_and_breakfast"})

SPECS: dict[str, Spec] = {s.kind: s for s in [
    Spec(ItemKind.ACCOMMODATION, Category.HOUSING, columns=("place", "phone", "contact_name"),
         details=(Detail("accommodation_type", "Type of accommodation", "choice", ACCOMMODATION_TYPES),),
         required=("accommodation_type", "place"), due_days_before=14,
         place_label="Address for the night of release"),
    Spec(ItemKind.GP_REGISTRATION, Category.PHYSICAL_HEALTH, columns=("place", "phone"),
         details=(Detail("registered_on", "Date registered", "date"),),
         required=("place", "registered_on"), due_days_before=14, place_label="GP practice and address"),
    Spec(ItemKind.BENEFITS, Category.EMPLOYMENT_BENEFITS, columns=("at", "place", "phone"),
         details=(Detail("claim_made_on", "Date the claim was made", "date"),
                  Detail("claim_reference", "Claim reference")),
         required=("claim_made_on", "at", "place"), due_days_before=7,
         place_label="Jobcentre and address", at_label="Jobcentre appointment"),
    Spec(ItemKind.PRESCRIBING, Category.SUBSTANCE_USE, columns=("phone",),
         details=(Detail("current_script", "Current script (medicine and dose)",
                         hint="Leave empty if they are not on a script"),
                  Detail("bridging_until", "Bridging prescription covers until", "date",
                         hint="The last day covered by the prescription given at release"),
                  Detail("pharmacy", "Dispensing pharmacy and address"),
                  Detail("first_community_dose_on", "First dose in the community", "date")),
         required=("pharmacy",), due_days_before=7),
    Spec(ItemKind.NALOXONE, Category.SUBSTANCE_USE, columns=(),
         details=(Detail("issued_on", "Date issued", "date"),
                  Detail("kit", "Kit", "choice", (("nasal", "Nasal spray"), ("injectable", "Injectable")))),
         required=("issued_on",), due_days_before=1),
    Spec(ItemKind.FIRST_TREATMENT_APPOINTMENT, Category.SUBSTANCE_USE,
         columns=("appointment", "at", "place", "phone", "contact_name"), required=("at", "place"),
         due_days_before=7,
         hint="Link the appointment booked in Throughcare, or give the time and place if it was booked elsewhere",
         place_label="Where (the service and address)"),
    Spec(ItemKind.PROBATION_APPOINTMENT, Category.OFFENDING, columns=("at", "place", "phone", "contact_name"),
         required=("at", "place"), due_days_before=7, place_label="Probation office and address"),
    Spec(ItemKind.MET_AT_GATE, Category.CONTACT_ADMIN, columns=("worker", "at", "place", "phone"),
         required=("worker", "at", "place"), due_days_before=7,
         hint="A peer mentor or a worker: who meets them, where and when", place_label="Where they will meet"),
    Spec(ItemKind.ID_AND_BANK, Category.EMPLOYMENT_BENEFITS, columns=(),
         details=(Detail("id_held", "They have photo ID or a birth certificate", "bool"),
                  Detail("bank_account", "They have a bank account they can use", "bool")),
         required=("id_held", "bank_account"), due_days_before=14),
]}

ORDER = [k for k, _label in ItemKind.choices]
COLUMN_LABELS = {"at": "When", "place": "Where", "phone": "Phone", "contact_name": "Who to ask for",
                 "worker": "Who meets them", "appointment": "Appointment"}


def label(kind: str) -> str:
    return ItemKind(kind).label


def clean_details(kind: str, raw: dict | None, errors: dict) -> dict:
    """The item's details, checked against its spec; field errors are named `details.<name>`."""
    spec = SPECS[kind]
    raw = dict(raw or {})
    known = {d.name: d for d in spec.details}
    for name in sorted(set(raw) - set(known)):
        errors[f"details.{name}"] = "This field is not recognised for this item"
    cleaned: dict = {}
    for name, detail in known.items():
        if name not in raw or raw[name] in (None, ""):
            continue
        value = raw[name]
        key = f"details.{name}"
        if detail.kind == "text":
            if not isinstance(value, str):
                errors[key] = "Enter text"
            elif len(value.strip()) > MAX_TEXT:
                errors[key] = f"This must be {MAX_TEXT} characters or fewer"
            elif value.strip():
                cleaned[name] = value.strip()
        elif detail.kind == "date":
            if isinstance(value, dt.date):
                cleaned[name] = value.isoformat()
            else:
                try:
                    cleaned[name] = dt.date.fromisoformat(str(value)).isoformat()
                except ValueError:
                    errors[key] = "Enter a real date in the format YYYY-MM-DD"
        elif detail.kind == "bool":
            if not isinstance(value, bool):
                errors[key] = "Enter true or false"
            else:
                cleaned[name] = value
        elif detail.kind == "choice":
            if value not in dict(detail.choices):
                errors[key] = f"Choose {detail.label.lower()} from the list"
            else:
                cleaned[name] = value
    return cleaned


def missing_for_done(item, details: dict | None = None) -> list[str]:
    """The labels of what must be filled in before `item` can be marked done."""
    spec = SPECS[item.kind]
    details = item.details if details is None else details
    known = {d.name: d for d in spec.details}
    missing = []
    for name in spec.required:
        if name in known:
            value = details.get(name)
            if value in (None, "") or (known[name].kind == "bool" and value is not True):
                missing.append(known[name].label[0].lower() + known[name].label[1:])
        elif name in ("at", "place") and item.appointment_id:
            continue  # a linked appointment carries its own time and place
        elif not getattr(item, name if name != "worker" else "worker_id"):
            missing.append(_column_label(spec, name).lower())
    return missing


def _column_label(spec: Spec, name: str) -> str:
    if name == "place":
        return spec.place_label
    if name == "at":
        return spec.at_label
    return COLUMN_LABELS[name]


def column_label(kind: str, name: str) -> str:
    return _column_label(SPECS[kind], name)


def flagged_accommodation(item) -> bool:
    return item.kind == ItemKind.ACCOMMODATION and item.details.get("accommodation_type") in FLAGGED_ACCOMMODATION


def sees_details(grant, item) -> bool:
    """May the caller see the item's details: its category, from its owning agency."""
    return grant.allows(SPECS[item.kind].category, item.owner_agency_id)


def detail_rows(item) -> list[tuple[str, str]]:
    """(label, shown value) for the details that are filled in."""
    rows = []
    for detail in SPECS[item.kind].details:
        value = item.details.get(detail.name)
        if value in (None, ""):
            continue
        if detail.kind == "bool":
            shown = "Yes" if value else "No"
        elif detail.kind == "choice":
            shown = dict(detail.choices).get(value, value)
        elif detail.kind == "date":
            day = dt.date.fromisoformat(value)
            shown = f"{day:%A} {day.day} {day:%B %Y}"
        else:
            shown = str(value)
        rows.append((detail.label, shown))
    return rows
