"""The directory's clock: "open now" and waiting times read the time here, once per request.

`now()` is Django's `timezone.now()`; a test replaces it (monkeypatch `clock.now`) to hold the directory at a
fixed moment, and every page and API answer that says whether a service is open reads that moment. Callers
use `clock.now()` through the module, never `from clock import now`, so the replacement is seen.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment, timezone-aware (UTC)."""
    return timezone.now()
