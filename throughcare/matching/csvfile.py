"""Reading records to deduplicate from a CSV file, and writing the clusters, all or nothing.

Input: a header naming record_id, given_name, surname, date_of_birth (YYYY-MM-DD), sex, postcode, and
optionally address, town, nhs_number, prison_number, probation_reference (other columns are ignored).
Output: record_id, cluster_id, in the input's order; records of one person share a cluster_id.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from throughcare.matching import records
from throughcare.people import validators

REQUIRED = ("record_id", "given_name", "surname", "date_of_birth", "sex", "postcode")
OPTIONAL = ("address", "town", "nhs_number", "prison_number", "probation_reference")
SEXES = {"", "female", "male", "intersex", "not_stated", "f", "m", "x", "u"}
_POSTCODE = re.compile(r"^[A-Za-z0-9 ]{2,8}$")


@dataclass
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass
class Reading:
    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header_problem: str = ""
    bad_lines: set[int] = field(default_factory=set)


def _row_problems(line: int, row: dict, seen: set[str], today: dt.date) -> list[Problem]:
    problems = []
    record_id = (row.get("record_id") or "").strip()
    if not record_id:
        problems.append(Problem(line, "record_id", "Enter a record id"))
    elif record_id in seen:
        problems.append(Problem(line, "record_id", f"The record id {record_id!r} is used by an earlier row"))
    if not (row.get("given_name") or "").strip() and not (row.get("surname") or "").strip():
        problems.append(Problem(line, "surname", "Enter a given name or a surname"))
    born = (row.get("date_of_birth") or "").strip()
    if born:
        try:
            day = dt.date.fromisoformat(born) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", born) else None
        except ValueError:
            day = None
        if day is None:
            problems.append(Problem(line, "date_of_birth", f"{born!r} is not a real date in the format YYYY-MM-DD"))
        elif day > today:
            problems.append(Problem(line, "date_of_birth", "The date of birth must be in the past"))
    sex = (row.get("sex") or "").strip().lower()
    if sex not in SEXES:
        problems.append(Problem(line, "sex", f"{row.get('sex')!r} is not one of female, male, intersex, not_stated"))
    postcode = (row.get("postcode") or "").strip()
    if postcode and not _POSTCODE.match(postcode):
        problems.append(Problem(line, "postcode", f"{postcode!r} is not a postcode"))
    nhs = (row.get("nhs_number") or "").strip()
    if nhs:
        try:
            validators.nhs_number(nhs)
        except ValueError as exc:
            problems.append(Problem(line, "nhs_number", str(exc)))
    return problems


def read(path: Path, *, today: dt.date | None = None) -> Reading:
    """Every record and every problem, by line and field (line 1 is the header)."""
    today = today or dt.date.today()
    reading = Reading()
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        reading.header_problem = f"Cannot read {path}: {exc.strerror}"
        return reading
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            reading.header_problem = "The file is empty: it needs a header line"
            return reading
        except (csv.Error, UnicodeDecodeError) as exc:
            reading.header_problem = f"line 1: the header cannot be read ({exc})"
            return reading
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            reading.header_problem = f"line 1: the header has no {', '.join(missing)} column"
            return reading
        seen: set[str] = set()
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                reading.problems.append(Problem(reader.line_num, "row", f"cannot be read ({exc})"))
                reading.bad_lines.add(reader.line_num)
                break
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                reading.problems.append(Problem(line, "row", f"has {len(values)} fields; the header has {len(header)}"))
                reading.bad_lines.add(line)
                continue
            row = dict(zip(header, values, strict=True))
            problems = _row_problems(line, row, seen, today)
            if problems:
                reading.problems.extend(problems)
                reading.bad_lines.add(line)
                continue
            seen.add(row["record_id"].strip())
            reading.records.append(records.record(
                record_id=row["record_id"].strip(), given_name=row.get("given_name"), surname=row.get("surname"),
                date_of_birth=row.get("date_of_birth", "").strip() or None, sex_=row.get("sex"),
                postcode_=row.get("postcode"), address=row.get("address"), town=row.get("town"),
                nhs_number=row.get("nhs_number"), prison_number=row.get("prison_number"),
                probation_reference=row.get("probation_reference"),
            ))
    return reading


def write_clusters(path: Path, order: list[str], cluster_of: dict[str, str]) -> None:
    """Write record_id, cluster_id to a temporary file beside `path`, then move it into place in one step."""
    path = path.resolve()
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record_id", "cluster_id"])
            for record_id in order:
                writer.writerow([record_id, cluster_of.get(record_id, record_id)])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
