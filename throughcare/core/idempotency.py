"""Idempotency-Key: a client may send the same creating request again and get the same result.

One mechanism for every API that takes a key (referrals, notes, appointments; assessments: start, submit,
amend), and for the one-time key of every page's form that makes something (core.forms.GovForm.once,
core.views.form_page): `run_once` claims the key, runs the action and marks the key done in the action's
transaction, or says what an earlier request with the key made (docs/decisions/0023).

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from ninja import Header, Status

from throughcare.core.errors import Conflict, ValidationFailed
from throughcare.core.models import IdempotencyKey

T = TypeVar("T")

HEADER = "Idempotency-Key"
#: The optional header parameter of every API endpoint that takes a key.
KEY_HEADER = Header(None, alias=HEADER,
                    description="Optional: send a new key (e.g. a UUID) and the same key again to retry safely")
#: An in-flight key older than this belongs to a request that can no longer be running.
STALE_AFTER = dt.timedelta(minutes=5)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


def request_hash(body: dict, **context) -> str:
    """sha256 of the canonical JSON of the request (sorted keys, no spaces) and its path parameters. A field
    left out and the same field sent as null are the same request (so an optional field added to the body
    later leaves earlier requests' hashes as they were). Endpoints other than referral creation pass
    `scope` (e.g. "assessment.submit") in `context`, so a key used on one endpoint never replays on another;
    the referral hash predates it and is kept as it was, so keys already stored still replay."""
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


@dataclass(frozen=True)
class Once(Generic[T]):
    """What `run_once` did: made `made` now, or (replayed) found `resource_id` made by an earlier request."""

    made: T | None
    resource_id: str
    replayed: bool


def run_once(*, user, key: str | None, request_hash: str, make: Callable[[], T],
             result_id: Callable[[T], str] = lambda made: str(made.pk)) -> Once[T]:
    """Run `make` (an action: it returns the record it made, with a `pk`) at most once for `key`.

    `result_id(made)` is what a replay is told (`Once.resource_id`): the record's id, or for a page's form the
    address it led to (core.views.form_page).

    No key: `make` runs as it is. Otherwise the key is claimed (in its own transaction, committed at once), then
    `make` and the key's done mark commit together in one transaction: a crash before that commit leaves no
    record and the key in flight (409, reclaimed after STALE_AFTER); a crash after it leaves both, and a retry
    replays. If `make` fails, the key is released so the same request can be sent again."""
    if key is None:
        made = make()
        return Once(made, result_id(made), replayed=False)
    claimed = claim(user=user, key=check_key(key), request_hash=request_hash)
    if claimed.replay:
        return Once(None, claimed.resource_id, replayed=True)
    try:
        with transaction.atomic():
            made = make()
            resource_id = result_id(made)
            complete(claimed, resource_id)
    except BaseException:
        release(claimed)
        raise
    return Once(made, resource_id, replayed=False)


def respond_once(request, response, key: str | None, *, request_hash: str, make: Callable[[], T],
                 made: Callable[[T], object], replayed: Callable[[str], object], made_status: int = 201) -> Status:
    """The API's answer to a request that makes something and takes an Idempotency-Key: the first time `make`
    runs and the answer is `made(record)` with `made_status`; a retry makes nothing and answers 200 with
    `replayed(resource_id)` (the earlier result as it is now, read through the scoped, audited look-up) and
    `Idempotent-Replayed: true` (decision 0023)."""
    once = run_once(user=request.user, key=key, request_hash=request_hash, make=make)
    if once.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, replayed(once.resource_id))
    return Status(made_status, made(once.made))


#: How long a key is kept once its request is done: far past any client's retry, or anyone going Back to a form.
KEEP_FOR = dt.timedelta(days=30)


def prune(*, older_than: dt.timedelta = KEEP_FOR) -> int:
    """Forget keys made more than `older_than` ago (`throughcare keys prune`, daily): every page's form that makes
    something claims one, so the table would otherwise grow for ever. A request sent again with a forgotten key
    runs again. Returns how many were forgotten."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
