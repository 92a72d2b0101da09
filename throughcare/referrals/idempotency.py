"""Idempotency-Key: a client may send the same creating request again and get the same result.

A key is claimed by INSERT in its own transaction: the unique (user, key) constraint makes the claim
atomic, so of two racing requests exactly one claims it and the other sees IntegrityError.
- same key, same request, done      → the same resource again (no second one is made)
- same key, same request, in flight → 409 Conflict (try again shortly)
- same key, different request       → 422 naming `Idempotency-Key`
If the action fails, the key is released so the client can try again with it. A key left in flight
by a process that died (longer than STALE_AFTER, well past the server's request time-out) is
reclaimed by the next request with the same body, atomically, so still only one can win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.core.errors import Conflict, ValidationFailed
from throughcare.referrals.models import IdempotencyKey

HEADER = "Idempotency-Key"
#: An in-flight key older than this belongs to a request that can no longer be running.
STALE_AFTER = dt.timedelta(minutes=5)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


def request_hash(body: dict, **context) -> str:
    """sha256 of the canonical JSON of the request (sorted keys, no spaces) and its path parameters. A field
    left out and the same field sent as null are the same request (so an optional field added to the body
    later leaves earlier requests' hashes as they were)."""
    given = {key: value for key, value in body.items() if value is not None}
    canonical = json.dumps({"body": given, **{k: str(v) for k, v in context.items()}}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed({HEADER: "Send a key of 1 to 255 visible characters, e.g. a UUID"})
    return key


@dataclass(frozen=True)
class Claim:
    record: IdempotencyKey | None  # ours to complete or release; None when replaying
    resource_id: str = ""  # the earlier result, when replaying

    @property
    def replay(self) -> bool:
        return self.record is None


def claim(*, user, key: str, request_hash: str) -> Claim:
    """Claim `key` for `user`, or say what an earlier request with it did. Raises Conflict or ValidationFailed."""
    try:
        with transaction.atomic():
            return Claim(IdempotencyKey.objects.create(user=user, key=key, request_hash=request_hash))
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise ValidationFailed({HEADER: "This key was used for a different request: use a new key"})
    if existing is not None and existing.state == IdempotencyKey.State.IN_FLIGHT:
        now = timezone.now()
        reclaimed = IdempotencyKey.objects.filter(pk=existing.pk, state=IdempotencyKey.State.IN_FLIGHT,
                                                  created_at__lt=now - STALE_AFTER).update(created_at=now)
        if reclaimed:
            return Claim(existing)
    if existing is None or existing.state != IdempotencyKey.State.DONE:
        # In flight (or released by a failure a moment ago): the client should try again shortly.
        raise Conflict("A request with this Idempotency-Key is still in progress: try again shortly")
    return Claim(None, existing.resource_id)


def complete(claimed: Claim, resource_id) -> None:
    """Mark the key done, inside the action's transaction so the result and the key commit together."""
    IdempotencyKey.objects.filter(pk=claimed.record.pk).update(state=IdempotencyKey.State.DONE,
                                                               resource_id=str(resource_id))


def release(claimed: Claim) -> None:
    """The action failed: free the key, so the same request can be tried again."""
    with transaction.atomic():
        IdempotencyKey.objects.filter(pk=claimed.record.pk, state=IdempotencyKey.State.IN_FLIGHT).delete()
