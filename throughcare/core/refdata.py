"""Reference data kept as YAML with stable ids and external codes, retired by date, never deleted.

Each file in throughcare/refdata/ is a list of entries:
    - id: <uuid, never changes>
      code: <the national return's code, where there is one>
      label: <what a worker sees>
      valid_from: <date>         (optional)
      retired_on: <date>         (optional: not offered for new records after this date,
                                  still shown on old ones)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

REFDATA_DIR = Path(__file__).resolve().parent.parent / "refdata"


@dataclass(frozen=True)
class Entry:
    id: str
    code: str
    label: str
    valid_from: dt.date | None = None
    retired_on: dt.date | None = None
    group: str = ""

    def current(self, on: dt.date | None = None) -> bool:
        on = on or dt.date.today()
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.retired_on and on >= self.retired_on)


@cache
def load(name: str) -> tuple[Entry, ...]:
    raw = yaml.safe_load((REFDATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    entries = tuple(
        Entry(id=str(item["id"]), code=str(item.get("code", "")), label=item["label"],
              valid_from=item.get("valid_from"), retired_on=item.get("retired_on"), group=item.get("group", ""))
        for item in raw
    )
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError(f"refdata {name}: duplicate ids")
    return entries


def by_id(name: str, entry_id: str) -> Entry | None:
    return next((e for e in load(name) if e.id == str(entry_id)), None)


def current_choices(name: str, on: dt.date | None = None) -> list[tuple[str, str]]:
    return [(e.id, e.label) for e in load(name) if e.current(on)]


def validate(name: str, entry_id: str, *, on: dt.date | None = None) -> Entry:
    entry = by_id(name, entry_id)
    if entry is None:
        raise ValueError("Choose an option from the list")
    if not entry.current(on):
        raise ValueError(f"'{entry.label}' is retired and can no longer be chosen")
    return entry
