"""De-identification: keys in place of ids, age bands in place of dates of birth, whole days in place of dates."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from throughcare.reporting.models import KEY

EPOCH = dt.date(1970, 1, 1)
#: Age bands (the national return's bands, with 18-24 split off for young adults).
AGE_BANDS = ((0, "under 18"), (18, "18-24"), (25, "25-29"), (30, "30-34"), (35, "35-39"), (40, "40-44"),
             (45, "45-49"), (50, "50-54"), (55, "55-64"), (65, "65+"))


def key(kind: str, value) -> str:
    """A stable key for one thing: HMAC-SHA256 of "kind:id" with the reporting key, as 32 hex characters.

    Without the reporting key nobody can go from a key back to a person (or test a guessed id)."""
    mac = hmac.new(settings.REPORTING_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:KEY]


def person_key(person_id) -> int:
    """A person's key: the first 63 bits of HMAC-SHA256 of "person:id" with the reporting key, as a whole
    number (it fits a signed 64-bit column on every engine). Integers make the joins and distinct counts of a
    national-size report cheaper than text (docs/benchmarks.md); 63 bits leave a chance of about 1 in 18
    million that any two of a million people share a key."""
    mac = hmac.new(settings.REPORTING_KEY.encode(), f"person:{person_id}".encode(), hashlib.sha256)
    return int.from_bytes(mac.digest()[:8], "big") >> 1


def day(value: dt.date | dt.datetime | None) -> int | None:
    """Days since 1970-01-01 (a datetime is taken on its local day)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date()
    return (value - EPOCH).days


def from_day(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: dt.date, on: dt.date) -> str:
    age = age_on(born, on)
    band = AGE_BANDS[0][1]
    for lower, label in AGE_BANDS:
        if age >= lower:
            band = label
    return band
