"""Validators for identifiers and personal details. Each returns a normalised value or raises ValueError
with a message fit to show a worker."""

from __future__ import annotations

import datetime as dt
import re

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_number(value: str) -> str:
    """A 10-digit NHS number with a valid modulus 11 check digit; spaces and hyphens allowed."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError("NHS number must be 10 digits, like 943 476 5919")
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValueError("NHS number is not valid: check the digits")
    return digits


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None where no valid NHS number starts with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    return 0 if check == 11 else (None if check == 10 else check)


_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def pnc_check_letter(year: str, serial: str) -> str:
    return _PNC_LETTERS[int(year[-2:] + serial.zfill(7)) % 23]


def pnc_id(value: str) -> str:
    """A Police National Computer id, YYYY/NNNNNNNA (or YY/...), with its check letter verified.

    Normalised to the long form with a four-digit year and a seven-digit serial.
    """
    cleaned = (value or "").strip().upper().replace(" ", "")
    match = re.fullmatch(r"(\d{2}|\d{4})/(\d{1,7})([A-Z])", cleaned)
    if not match:
        raise ValueError("PNC ID must look like 2012/0443201H: year, slash, serial number, check letter")
    year, serial, letter = match.groups()
    if letter != pnc_check_letter(year, serial):
        raise ValueError("PNC ID check letter does not match: check the number")
    if len(year) == 2:
        year = ("19" if int(year) > 50 else "20") + year
    return f"{year}/{serial.zfill(7)}{letter}"


def prison_number(value: str) -> str:
    """A prison (NOMS) number: one letter, four digits, two letters, e.g. A1234BC."""
    cleaned = (value or "").strip().upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z]\d{4}[A-Z]{2}", cleaned):
        raise ValueError("Prison number must look like A1234BC: a letter, four digits, two letters")
    return cleaned


def probation_reference(value: str) -> str:
    """A probation case reference number (CRN): one letter and six digits, e.g. X123456."""
    cleaned = (value or "").strip().upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z]\d{6}", cleaned):
        raise ValueError("Probation case reference must look like X123456: a letter and six digits")
    return cleaned


IDENTIFIER_VALIDATORS = {
    "nhs": nhs_number,
    "prison": prison_number,
    "probation": probation_reference,
    "pnc": pnc_id,
}

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")


def postcode(value: str) -> str:
    cleaned = (value or "").strip().upper()
    match = _POSTCODE.match(cleaned)
    if not match:
        raise ValueError("Enter a real postcode, like SA1 1AA")
    return f"{match.group(1)} {match.group(2)}"


def date_of_birth(value: dt.date, *, today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    if value > today:
        raise ValueError("Date of birth must be in the past")
    if value.year < today.year - 120:
        raise ValueError("Date of birth must be within the last 120 years")
    return value


def guess_identifier(text: str) -> tuple[str, str] | None:
    """If a search term is an identifier, which scheme and its normalised value."""
    for scheme, validator in IDENTIFIER_VALIDATORS.items():
        try:
            return scheme, validator(text)
        except ValueError:
            continue
    return None
