"""Durability: kill -9 the application workers and the PostgreSQL server mid-stream (5 cycles here;
`make crash` runs 50) while clients write referrals, assessments and notes with Idempotency-Keys.
Every acknowledged write is there exactly once, with its audit entry; retries made no duplicates; the
audit chain verifies. See benchmarks/crash.py for the method."""

from __future__ import annotations

import pytest
from django.conf import settings

from benchmarks import crash

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="runs once, in the PostgreSQL leg (it starts its own private PostgreSQL cluster)"),
    pytest.mark.skipif(crash.pg_bin() is None, reason="needs the PostgreSQL server binaries (initdb, pg_ctl)"),
]


@pytest.mark.timeout(600)
def test_no_acknowledged_write_is_lost_or_doubled_when_workers_and_the_database_are_killed():
    result = crash.run(5, seconds_per_cycle=1.5)
    assert result["kills"]["worker"] == 5 and result["kills"]["postgres"] == 2
    assert result["acknowledged_referrals"] > 0 and result["acknowledged_notes"] > 0
    assert result["acknowledged_assessments"] > 0
    assert result["failed_attempts"] > 0  # the crashes really interrupted requests
    assert result["problems"] == []
    # A referral whose answer was lost when the clients stopped may exist unacknowledged; never fewer.
    assert result["referrals_in_database"] >= result["acknowledged_referrals"]
    assert result["assessments_submitted_in_database"] >= result["acknowledged_assessments"]
    assert result["audit_verified"], result["audit_output"]
