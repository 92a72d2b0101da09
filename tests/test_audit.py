"""The audit trail: one entry per request, append-only, hash-chained, tamper-evident."""

from __future__ import annotations

import random

import pytest
from django.db import DatabaseError, connection, transaction

from throughcare.audit import recorder
from throughcare.audit.models import AuditCheckpoint, AuditEntry
from throughcare.audit.verify import export_checkpoint, load_checkpoints, verify
from throughcare.core.context import request_context

PERSON = "0f0f0f0f-0000-4000-8000-000000000000"


def _fill(count: int) -> None:
    for i in range(count):
        with request_context(channel="api", client_address="127.0.0.1"):  # a request each: one entry each
            recorder.record_action(actor=None, action="test.write", resource="thing", resource_id=str(i),
                                   categories=["housing"], reason=f"entry {i}")


def test_chain_verifies_and_links_in_order(db):
    _fill(30)
    report = verify()
    assert report.ok, report.problems
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].prev_hash == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.chain_hash
        assert after.seq > before.seq


def test_application_cannot_update_or_delete_entries(db):
    _fill(3)
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason


class Attacker:
    """Someone with direct database access who can switch the append-only triggers off."""

    def __enter__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            else:
                cursor.execute("DROP TRIGGER audit_entry_no_update")
                cursor.execute("DROP TRIGGER audit_entry_no_delete")
        return self

    def __exit__(self, *exc):
        return False  # the test's transaction is rolled back, restoring the triggers


def _tamper(rng: random.Random, seqs: list[int]) -> str:
    """One random single change to the trail; every one of them changes what is stored."""
    kind = rng.choice(["edit", "delete", "truncate", "reorder"])
    with connection.cursor() as cursor:
        if kind == "edit":
            seq = rng.choice(seqs)
            column, value = rng.choice([("reason", "innocent"), ("username", "someone-else"), ("outcome", "denied"),
                                        ("person_id", "5f0c3b8e-7d2a-4c55-9a1e-0b7c2d4e6f81"), ("action", "person.read"), ("categories", '["housing","offending"]')])
            cursor.execute(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = %s", [value, seq])
        elif kind == "delete":
            cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [rng.choice(seqs)])
        elif kind == "truncate":
            cursor.execute("DELETE FROM audit_auditentry WHERE seq >= %s", [rng.choice(seqs[1:])])
        else:
            i = rng.randrange(len(seqs) - 1)
            a, b = seqs[i], seqs[i + 1]
            cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [-1, a])
            cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [a, b])
            cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [b, -1])
    return kind


def test_verify_catches_1000_of_1000_random_tamperings(db):
    _fill(60)
    recorder.write_checkpoint()
    assert verify().ok
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    rng = random.Random(20261123)
    caught = {"edit": 0, "delete": 0, "truncate": 0, "reorder": 0}
    tried = dict.fromkeys(caught, 0)
    with Attacker():
        for _ in range(1000):
            sid = transaction.savepoint()
            kind = _tamper(rng, seqs)
            tried[kind] += 1
            if not verify().ok:
                caught[kind] += 1
            transaction.savepoint_rollback(sid)
    assert caught == tried, (caught, tried)
    assert sum(tried.values()) == 1000
    assert verify().ok


def test_recomputing_the_whole_chain_is_caught_by_the_signed_checkpoint(db):
    from throughcare.audit import chain

    _fill(10)
    checkpoint = recorder.write_checkpoint()
    with Attacker(), connection.cursor() as cursor:
        rows = list(AuditEntry.objects.order_by("seq").values("seq", *AuditEntry.CONTENT_FIELDS))
        prev = "0" * 64
        for row in rows:
            if row["seq"] == rows[3]["seq"]:
                row["reason"] = "rewritten"
            content = chain.content_hash(row)
            link = chain.link(prev, content)
            cursor.execute("UPDATE audit_auditentry SET reason=%s, content_hash=%s, prev_hash=%s, chain_hash=%s "
                           "WHERE seq=%s", [row["reason"], content, prev, link, row["seq"]])
            prev = link
        report = verify()
    assert not report.ok
    assert any(f"checkpoint at entry {checkpoint.seq}" in p for p in report.problems)


def test_exported_checkpoints_detect_a_deleted_checkpoint_table(db, tmp_path):
    _fill(5)
    path = tmp_path / "checkpoints.jsonl"
    export_checkpoint(recorder.write_checkpoint(), path)
    _fill(2)
    external = load_checkpoints(path)
    assert verify(external=external).ok
    forged = [{**external[0], "chain_hash": "f" * 64}]
    assert not verify(external=forged).ok


def test_checkpoints_are_written_periodically(db, monkeypatch):
    monkeypatch.setattr(recorder, "CHECKPOINT_EVERY", 5)
    _fill(12)
    seqs = list(AuditEntry.objects.values_list("seq", flat=True))
    assert len(seqs) == 12
    expected = sorted(seq for seq in seqs if seq % 5 == 0)
    assert expected, seqs  # twelve consecutive entries always include a multiple of five
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == expected
    assert verify().ok


def test_one_entry_per_request_for_reads_and_writes(api, world):
    amara = api("amara")
    jo = world["jo"]
    before = AuditEntry.objects.count()
    amara.get(f"/people/{jo.pk}/timeline")
    assert AuditEntry.objects.count() == before + 1
    amara.post(f"/people/{jo.pk}/notes", {"text": "hello", "category": "housing"})
    assert AuditEntry.objects.count() == before + 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome, entry.categories) == ("note.add", "allowed", ["housing"])
    amara.get("/people", q="bloggs")
    search = AuditEntry.objects.order_by("-seq").first()
    assert search.action == "person.search" and search.subjects == [str(jo.pk)]
    assert AuditEntry.objects.count() == before + 3
    assert verify().ok


def test_a_failed_write_leaves_no_entry_for_the_write(api, world):
    before = AuditEntry.objects.filter(action="note.add", outcome="allowed", resource="event").count()
    api("amara").post(f"/people/{world['jo'].pk}/notes", {"text": "", "category": "housing"})
    assert AuditEntry.objects.filter(action="note.add", outcome="allowed", resource="event").count() == before


def _entries(request_id: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(request_id=request_id))


def test_an_action_another_action_takes_is_folded_into_its_one_entry(db):
    """audit.recorder.one_entry: the calling action's entry names what it called, with resource, id and reason;
    the reads before, and the reads after of what the entry named, are part of it."""
    with request_context(channel="api") as ctx:
        recorder.record_access(actor=None, action="person.read", person_id=PERSON, categories=["housing"])
        with transaction.atomic():
            with recorder.one_entry():
                recorder.record_action(actor=None, action="inner.write", person_id=PERSON, resource="plan",
                                       resource_id="p1", categories=["housing"], reason="automatic")
            recorder.record_action(actor=None, action="outer.write", person_id=PERSON, resource="custody",
                                   resource_id="c1", categories=["offending"])
        recorder.record_access(actor=None, action="plan.read", person_id=PERSON, categories=["housing"])
        recorder.flush(ctx)  # what AuditMiddleware does when the response is ready
    [entry] = _entries(ctx.request_id)
    assert (entry.action, entry.resource_id) == ("outer.write", "c1")
    assert "inner.write plan p1 (automatic)" in entry.reason and "person.read allowed" in entry.reason
    assert sorted(entry.categories) == ["housing", "offending"]
    from throughcare.audit.reads import actions_of

    assert actions_of(entry) == ["outer.write", "person.read", "inner.write"]
    # A folded write with no resource is named by its code alone, last or not.
    entry.reason = "automatic; person.read allowed; bare.write"
    assert actions_of(entry) == ["outer.write", "person.read", "bare.write"]


@pytest.mark.two_entries_expected
@pytest.mark.parametrize(("person", "category"), [("0f0f0f0f-0000-4000-8000-000000000001", "housing"),
                                                   (PERSON, "offending")], ids=["someone else", "more categories"])
def test_a_read_after_a_write_of_someone_else_or_more_is_written_too(db, person, category):
    """Only a read of what the write's entry named is part of it: anything more is its own entry."""
    with request_context(channel="api") as ctx:
        with transaction.atomic():
            recorder.record_action(actor=None, action="outer.write", person_id=PERSON, categories=["housing"])
        recorder.record_access(actor=None, action="person.read", person_id=person, categories=[category])
        recorder.flush(ctx)
    assert [e.action for e in _entries(ctx.request_id)] == ["outer.write", "person.read"]


def test_a_failed_folded_action_leaves_nothing_to_fold(db):
    with request_context(channel="api") as ctx:
        with pytest.raises(ValueError), transaction.atomic(), recorder.one_entry():
            recorder.record_action(actor=None, action="inner.write", person_id=PERSON, resource="plan")
            raise ValueError("the inner action failed")
        assert ctx.folded == [] and ctx.folding == 0
        with transaction.atomic():
            recorder.record_action(actor=None, action="next.write", person_id=PERSON)
    [entry] = _entries(ctx.request_id)
    assert entry.action == "next.write" and "inner.write" not in entry.reason
