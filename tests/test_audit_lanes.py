"""Audit chain lanes (decision 0018): concurrent requests no longer queue behind each other's commit,
and the trail stays just as tamper-evident across several chains."""

from __future__ import annotations

import random

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.test_audit import Attacker, _fill, _tamper
from throughcare.audit import chain, recorder
from throughcare.audit.models import CHAIN_LANES, ZERO_HASH, AuditEntry
from throughcare.audit.verify import verify

postgres_only = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                   reason="PostgreSQL only: SQLite has one writer at a time and one chain")

RAW_INSERT = (
    "INSERT INTO audit_auditentry (at, request_id, channel, client_address, user_id, username, role, agency_id, "
    "agency_name, person_id, subjects, action, resource, resource_id, categories, purpose, lawful_basis, outcome, "
    "reason, recipient_agency, content_hash) VALUES (now(), 'lanes', 'cli', '', NULL, '', '', '', '', NULL, '[]', "
    "'test.lanes', '', '', '[]', '', '', 'allowed', '', '', %s) RETURNING lane, seq"
)


def _raw_connection():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                           dbname=db["NAME"], connect_timeout=10)


def _in_lane(lane: int, count: int) -> None:
    """Write entries into a given lane (as a transaction holding that lane would)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('throughcare.audit_lane', %s, true)", [str(lane)])
    _fill(count)


@postgres_only
def test_open_transactions_write_entries_in_different_lanes_without_waiting(db):
    # Two requests at once: the second must not wait for the first to commit (a 10 s lock timeout
    # would fail it), and each keeps to its own lane for every entry it writes.
    first, second = _raw_connection(), _raw_connection()
    try:
        second.execute("SET lock_timeout = '10s'")
        lane_a, seq_a = first.execute(RAW_INSERT, ["a" * 64]).fetchone()
        lane_b, seq_b = second.execute(RAW_INSERT, ["b" * 64]).fetchone()
        assert 1 <= lane_a <= CHAIN_LANES and 1 <= lane_b <= CHAIN_LANES
        assert lane_a != lane_b
        assert first.execute(RAW_INSERT, ["c" * 64]).fetchone()[0] == lane_a
        assert second.execute(RAW_INSERT, ["d" * 64]).fetchone()[0] == lane_b
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()


@postgres_only
def test_entries_link_within_their_lane_and_verify(db):
    _in_lane(3, 4)
    _in_lane(9, 3)
    _in_lane(3, 2)
    rows = list(AuditEntry.objects.order_by("seq").values("seq", "lane", "content_hash", "prev_hash", "chain_hash"))
    assert [r["lane"] for r in rows] == [3] * 4 + [9] * 3 + [3] * 2
    previous: dict = {}
    for row in rows:
        assert row["prev_hash"] == previous.get(row["lane"], ZERO_HASH)
        assert row["chain_hash"] == chain.link(row["prev_hash"], row["content_hash"], row["seq"], row["lane"])
        previous[row["lane"]] = row["chain_hash"]
    checkpoint = recorder.write_checkpoint()
    assert checkpoint.heads == [[3, rows[-1]["seq"], rows[-1]["chain_hash"]], [9, rows[6]["seq"], rows[6]["chain_hash"]]]
    assert checkpoint.chain_hash == chain.heads_digest(checkpoint.heads)
    report = verify()
    assert report.ok, report.problems


@postgres_only
def test_verify_catches_1000_of_1000_random_tamperings_across_lanes(db):
    for lane in (2, 5, 2, 11, 5, 2):
        _in_lane(lane, 10)
    recorder.write_checkpoint()
    assert verify().ok
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    rng = random.Random(17)
    caught = {"edit": 0, "delete": 0, "truncate": 0, "reorder": 0}
    tried = dict.fromkeys(caught, 0)
    with Attacker():
        for _ in range(1000):
            with connection.cursor() as cursor:
                cursor.execute("SAVEPOINT tamper")
            kind = _tamper(rng, seqs)
            tried[kind] += 1
            if not verify().ok:
                caught[kind] += 1
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK TO SAVEPOINT tamper")
        # Moving an entry into another lane, or swapping two entries of different lanes, is caught too.
        lanes = dict(AuditEntry.objects.values_list("seq", "lane"))
        for a, b in zip(seqs, seqs[1:], strict=False):
            if lanes[a] != lanes[b]:
                with connection.cursor() as cursor:
                    cursor.execute("SAVEPOINT swap")
                    cursor.execute("UPDATE audit_auditentry SET seq = -1 WHERE seq = %s", [a])
                    cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [a, b])
                    cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE seq = -1", [b])
                    assert not verify().ok, (a, b)
                    cursor.execute("ROLLBACK TO SAVEPOINT swap")
                    cursor.execute("SAVEPOINT move")
                    cursor.execute("UPDATE audit_auditentry SET lane = %s WHERE seq = %s", [lanes[b], a])
                    assert not verify().ok, a
                    cursor.execute("ROLLBACK TO SAVEPOINT move")
    assert caught == tried, (caught, tried)
    assert verify().ok


@postgres_only
def test_lanes_continue_from_the_single_chain_written_before_them(db):
    # Entries written before lanes (lane NULL, the old single chain) stay verifiable; each lane's first
    # entry links to the last of them, so deleting that one is caught.
    with Attacker(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_chain")
        prev = ZERO_HASH
        for i in range(3):
            values = {"at": timezone.now(), "request_id": f"old{i}",
                      "channel": "cli", "client_address": "", "user_id": None, "username": "", "role": "",
                      "agency_id": "", "agency_name": "", "person_id": None, "subjects": [], "action": "old.write",
                      "resource": "", "resource_id": "", "categories": [], "purpose": "", "lawful_basis": "",
                      "outcome": "allowed", "reason": "", "recipient_agency": ""}
            content = chain.content_hash(values)
            link = chain.link(prev, content)
            cursor.execute(
                "INSERT INTO audit_auditentry (at, request_id, channel, client_address, user_id, username, role, "
                "agency_id, agency_name, person_id, subjects, action, resource, resource_id, categories, purpose, "
                "lawful_basis, outcome, reason, recipient_agency, content_hash, prev_hash, chain_hash) VALUES "
                "(%s, %s, 'cli', '', NULL, '', '', '', '', NULL, '[]', 'old.write', '', '', '[]', '', '', "
                "'allowed', '', '', %s, %s, %s)", [values["at"], values["request_id"], content, prev, link])
            prev = link
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_chain")
        _in_lane(4, 2)
        _in_lane(7, 1)
        rows = list(AuditEntry.objects.order_by("seq").values_list("lane", "prev_hash"))
        assert [lane for lane, _ in rows] == [None, None, None, 4, 4, 7]
        assert rows[3][1] == prev and rows[5][1] == prev
        assert verify().ok
        last_old = AuditEntry.objects.filter(lane__isnull=True).order_by("-seq").first().seq
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [last_old])
        assert not verify().ok
