"""Hashing for the audit chain, shared by the writer, the database trigger and the verifier."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid

from django.conf import settings

from throughcare.audit.models import ZERO_HASH, AuditEntry


def _normalise(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def content_hash(values: dict) -> str:
    """SHA-256 of an entry's content, canonical JSON of CONTENT_FIELDS in order."""
    payload = [_normalise(values.get(name)) for name in AuditEntry.CONTENT_FIELDS]
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def link(prev_hash: str | None, content: str, seq: int | None = None, lane: int | None = None) -> str:
    """The chain hash of an entry: SHA-256 of the previous chain hash and this content hash.

    An entry in a lane (PostgreSQL, decision 0018) also binds its seq and lane, so moving an entry
    between or within lanes breaks its link; the trigger in audit migration 0005 computes the same.
    """
    if lane is None:
        return hashlib.sha256(((prev_hash or ZERO_HASH) + content).encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{prev_hash or ZERO_HASH}{content}:{seq}:{lane}".encode()).hexdigest()


def heads_digest(heads: list) -> str:
    """One hash over every lane's head, [lane, seq, chain_hash] each: what a checkpoint signs."""
    raw = json.dumps(sorted(heads, key=lambda h: (h[0] is not None, h[0] or 0)), separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def sign_checkpoint(seq: int, chain_hash: str, created_at: dt.datetime, key: str | None = None) -> str:
    message = f"{seq}:{chain_hash}:{_normalise(created_at)}".encode()
    return hmac.new((key or settings.AUDIT_SIGNING_KEY).encode("utf-8"), message, hashlib.sha256).hexdigest()
