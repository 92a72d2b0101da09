"""The audit trail: append-only, hash-chained, with signed checkpoints (docs/decisions/0004)."""

from __future__ import annotations

from django.db import models

ZERO_HASH = "0" * 64
#: PostgreSQL links entries in this many chains ("lanes") so that concurrent requests commit together
#: (docs/decisions/0018-audit-chain-lanes.md). Lane NULL is the one chain of SQLite, and of PostgreSQL
#: databases before migration 0005.
CHAIN_LANES = 16


class AuditEntry(models.Model):
    """One entry per request that touches person data, allowed or denied.

    The fields are those the Data Protection Act 2018 s.62 asks of logs: who (user,
    agency, role), whose record, what (action, resource, categories), why (purpose,
    lawful basis), the outcome, the recipient agency, when, the request and the
    client address. Rows are never updated or deleted: database triggers refuse it.
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    request_id = models.CharField(max_length=64)
    channel = models.CharField(max_length=8)  # web | api | cli
    client_address = models.CharField(max_length=64, blank=True)
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, blank=True)
    agency_id = models.CharField(max_length=36, blank=True)
    agency_name = models.CharField(max_length=200, blank=True)
    person_id = models.UUIDField(null=True)  # indexed with seq below: "this person's entries, in order"
    subjects = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=60)
    resource = models.CharField(max_length=60, blank=True)
    resource_id = models.CharField(max_length=64, blank=True)
    categories = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=40, blank=True)
    lawful_basis = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=10)  # allowed | denied
    reason = models.CharField(max_length=300, blank=True)
    recipient_agency = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    #: The chain this entry is linked in: chosen by the PostgreSQL trigger (1..CHAIN_LANES); NULL on SQLite.
    lane = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        # Every index is paid for on every request, so only what the trail's readers need; (lane, seq)
        # is how the trigger finds the head of its chain.
        indexes = [models.Index(fields=["person_id", "seq"]), models.Index(fields=["lane", "seq"], name="audit_lane_seq")]

    #: The fields that make up an entry's content hash, in a fixed order.
    CONTENT_FIELDS = (
        "at", "request_id", "channel", "client_address", "user_id", "username", "role", "agency_id",
        "agency_name", "person_id", "subjects", "action", "resource", "resource_id", "categories",
        "purpose", "lawful_basis", "outcome", "reason", "recipient_agency",
    )


class AuditCheckpoint(models.Model):
    """A signed statement that the chain reached `chain_hash` at entry `seq`.

    With lanes, `heads` lists every chain's last entry, `[lane, seq, chain_hash]`, `chain_hash` is
    `audit.chain.heads_digest(heads)` and `seq` the highest of them; checkpoints written before lanes
    have no heads and name the one chain's hash at `seq`.

    Export them elsewhere (`throughcare audit checkpoint --export`) so that even a
    database administrator cannot rewrite history without it showing.
    """

    seq = models.BigIntegerField()
    chain_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=64)
    heads = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
