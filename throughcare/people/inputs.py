"""The shape of a new person's details, shared by the page form, the API and the demo world,
and the one function that checks them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from throughcare.core import refdata
from throughcare.people import validators
from throughcare.people.models import NameKind, Sex

SAFE_TO_CONTACT_CHANNELS = ("phone", "text", "voicemail", "letter", "email")

IDENTIFIER_FIELDS = {
    "nhs_number": "nhs",
    "prison_number": "prison",
    "probation_reference": "probation",
    "pnc_id": "pnc",
}


@dataclass
class OtherName:
    kind: str
    given_names: str
    family_name: str


@dataclass
class PersonDetails:
    given_names: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    other_names: list[OtherName] = field(default_factory=list)
    sex: str = Sex.NOT_STATED
    gender: str = ""
    ethnicity: str = ""
    postcode: str = ""
    preferred_language: str = "English"
    interpreter_needed: bool = False
    disabilities: list[str] = field(default_factory=list)
    learning_disability: bool = False
    phone: str = ""
    email: str = ""
    safe_to_contact: dict[str, bool] = field(default_factory=dict)
    safe_to_contact_note: str = ""
    nhs_number: str = ""
    prison_number: str = ""
    probation_reference: str = ""
    pnc_id: str = ""


def clean(details: PersonDetails, *, today: dt.date | None = None) -> tuple[PersonDetails, dict[str, str]]:
    """Normalise what can be normalised; return the errors by field name."""
    errors: dict[str, str] = {}
    details.given_names = (details.given_names or "").strip()
    details.family_name = (details.family_name or "").strip()
    if not details.given_names:
        errors["given_names"] = "Enter the person's given name"
    elif len(details.given_names) > 120:
        errors["given_names"] = "Given names must be 120 characters or fewer"
    if not details.family_name:
        errors["family_name"] = "Enter the person's family name"
    elif len(details.family_name) > 120:
        errors["family_name"] = "Family name must be 120 characters or fewer"
    if details.date_of_birth is None:
        errors["date_of_birth"] = "Enter the person's date of birth"
    else:
        try:
            validators.date_of_birth(details.date_of_birth, today=today)
        except ValueError as exc:
            errors["date_of_birth"] = str(exc)
    for index, other in enumerate(details.other_names):
        if other.kind not in (NameKind.ALIAS, NameKind.PREVIOUS):
            errors[f"other_names.{index}.kind"] = "Say whether this is an alias or a previous name"
        if not (other.given_names or "").strip() and not (other.family_name or "").strip():
            errors[f"other_names.{index}.family_name"] = "Enter the other name, or remove it"
    if details.sex not in Sex.values:
        errors["sex"] = "Choose an option for sex"
    if details.ethnicity:
        try:
            refdata.validate("ethnicity", details.ethnicity)
        except ValueError as exc:
            errors["ethnicity"] = str(exc)
    for code in details.disabilities:
        try:
            refdata.validate("disabilities", code)
        except ValueError:
            errors["disabilities"] = "Choose disabilities from the list"
    if details.postcode:
        try:
            details.postcode = validators.postcode(details.postcode)
        except ValueError as exc:
            errors["postcode"] = str(exc)
    unknown = set(details.safe_to_contact) - set(SAFE_TO_CONTACT_CHANNELS)
    if unknown:
        errors["safe_to_contact"] = f"Unknown contact channel: {', '.join(sorted(unknown))}"
    if details.email and ("@" not in details.email or len(details.email) > 254):
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    for field_name, scheme in IDENTIFIER_FIELDS.items():
        raw = getattr(details, field_name)
        if raw:
            try:
                setattr(details, field_name, validators.IDENTIFIER_VALIDATORS[scheme](raw))
            except ValueError as exc:
                errors[field_name] = str(exc)
    return details, errors
