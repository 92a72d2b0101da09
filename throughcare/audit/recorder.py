"""Writing the audit trail: one entry per request (decision 4).

Reads are noted on the request context as they happen (`record_access`) and written
as one entry when the response is ready (AuditMiddleware). A write action calls
`record_action` inside its own transaction, so the write and its entry commit
together; that entry also carries the reads the request made before it, and the reads
after it of what it named (an API answering with the record it wrote). An action that
calls other actions (receiving someone into custody opens their release plan) does so
within `one_entry()`, and their entries are folded into its own. Outside a request
(the command line), each call writes its entry at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from throughcare.audit import chain
from throughcare.audit.models import CHAIN_LANES, ZERO_HASH, AuditCheckpoint, AuditEntry
from throughcare.core import prepared
from throughcare.core.context import RequestContext, current

#: A checkpoint is signed every this many entries (and on demand by the command line).
CHECKPOINT_EVERY = 1000
logger = logging.getLogger(__name__)


@dataclass
class Access:
    action: str
    outcome: str = "allowed"
    person_id: uuid.UUID | None = None
    subjects: list[str] = field(default_factory=list)
    resource: str = ""
    resource_id: str = ""
    categories: list[str] = field(default_factory=list)
    purpose: str = ""
    lawful_basis: str = ""
    reason: str = ""
    recipient_agency: str = ""
    write: bool = False


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"user_id": None, "username": "" if actor is None else "anonymous", "role": "",
                "agency_id": "", "agency_name": ""}
    staff = getattr(actor, "_staff_cache", None)
    if staff is None:
        try:
            staff = actor.staff
        except Exception:  # a user with no agency  # noqa: BLE001
            staff = None
    return {
        "user_id": actor.pk,
        "username": actor.get_username(),
        "role": staff.role if staff else "",
        "agency_id": str(staff.agency_id) if staff else "",
        "agency_name": staff.agency.name if staff else "",
    }


def _merge(accesses: list[Access]) -> Access:
    """One entry for a request: its last write (the calling action's, when actions were folded) if there is one,
    else the first read, naming every subject; `reason` lists the rest."""
    writes = [access for access in accesses if access.write]
    primary = writes[-1] if writes else accesses[0]
    subjects: list[str] = []
    categories: list[str] = []
    for access in accesses:
        for subject in ([str(access.person_id)] if access.person_id else []) + list(access.subjects):
            if subject not in subjects:
                subjects.append(subject)
        for category in access.categories:
            if category not in categories:
                categories.append(category)
    merged = Access(**{**primary.__dict__})
    merged.subjects = subjects if len(subjects) > 1 or not primary.person_id else []
    merged.categories = categories
    if len(accesses) > 1:
        merged.reason = "; ".join(filter(None, [primary.reason] + [
            _folded_write(a) if a.write else f"{a.action} {a.outcome}"
            for a in accesses if a is not primary]))[:300]
    return merged


def _folded_write(access: Access) -> str:
    """How an entry's reason names a write folded into it: "release_plan.open release_plan <id> (why)"."""
    said = f"{access.action} {access.resource} {access.resource_id}".rstrip()
    return f"{said} ({access.reason})" if access.reason else said


_CONTENT_COLUMNS = [f for f in AuditEntry._meta.concrete_fields
                    if f.name not in {"seq", "prev_hash", "chain_hash", "lane"}]
_INSERT_SQL: dict[str, str] = {}


def _insert_sql() -> str:
    """The one INSERT for an entry, built once per database from the model's own metadata.

    PostgreSQL: the BEFORE INSERT trigger (migration 0005) takes a lane's lock, assigns lane and seq and
    fills prev_hash and chain_hash, so concurrent writers cannot fork a chain. SQLite: writers are
    serialised, and the statement itself reads the previous chain hash and links to it through the
    tc_chain() function registered on every connection (throughcare.audit.apps).
    """
    if connection.vendor not in _INSERT_SQL:
        table = AuditEntry._meta.db_table
        columns = ", ".join(f.column for f in _CONTENT_COLUMNS)
        placeholders = ", ".join(["%s"] * len(_CONTENT_COLUMNS))
        if connection.vendor == "postgresql":
            # Table and column names come from the model's metadata; every value is a parameter.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING seq"  # nosec B608
        else:
            last = f"COALESCE((SELECT chain_hash FROM {table} ORDER BY seq DESC LIMIT 1), '{ZERO_HASH}')"  # nosec B608
            sql = (f"INSERT INTO {table} ({columns}, prev_hash, chain_hash) "  # nosec B608
                   f"VALUES ({placeholders}, {last}, tc_chain({last}, %s)) RETURNING seq")
        _INSERT_SQL[connection.vendor] = sql
    return _INSERT_SQL[connection.vendor]


_JSON_COLUMNS = frozenset(f.attname for f in _CONTENT_COLUMNS if f.get_internal_type() == "JSONField")


def _insert(values: dict) -> int:
    """One statement. Outside a transaction it is its own; inside an action's, it commits with the write."""
    values["content_hash"] = chain.content_hash(values)
    wrapper = prepared.db()
    if wrapper.vendor == "postgresql":
        # The values are already what psycopg sends (str, int, UUID, aware datetime); JSON as jsonb.
        from psycopg.types.json import Jsonb

        params = [Jsonb(values[f.attname]) if f.attname in _JSON_COLUMNS else values[f.attname]
                  for f in _CONTENT_COLUMNS]
    else:
        params = [f.get_db_prep_save(values.get(f.attname, f.get_default()), wrapper) for f in _CONTENT_COLUMNS]
        params.append(values["content_hash"])  # for tc_chain(previous, content_hash)
    return prepared.fetchone(_insert_sql(), params)[0]


def _write(actor, ctx: RequestContext | None, access: Access) -> int:
    values = {
        "at": timezone.now(),
        "request_id": ctx.request_id if ctx else uuid.uuid4().hex,
        "channel": ctx.channel if ctx else "cli",
        "client_address": ctx.client_address if ctx else "",
        **_actor_fields(actor),
        "person_id": access.person_id,
        "subjects": [str(s) for s in access.subjects],
        "action": access.action,
        "resource": access.resource,
        "resource_id": str(access.resource_id or ""),
        "categories": sorted(access.categories),
        "purpose": access.purpose,
        "lawful_basis": access.lawful_basis,
        "outcome": access.outcome,
        "reason": access.reason[:300],
        "recipient_agency": access.recipient_agency,
    }
    if connection.vendor == "sqlite" and connection.get_autocommit():
        # An IMMEDIATE transaction takes SQLite's write lock before the statement reads the previous hash.
        with transaction.atomic():
            seq = _insert(values)
    else:
        seq = _insert(values)
    if seq % CHECKPOINT_EVERY == 0:
        write_checkpoint()
    return seq


def record_access(*, actor, action: str, person_id=None, outcome: str = "allowed", categories: Iterable[str] = (),
                  purpose: str = "", lawful_basis: str = "", reason: str = "", resource: str = "person",
                  resource_id: str = "", subjects: Iterable = (), recipient_agency: str = "") -> None:
    """Note a read (or a denied read). Within a request it is written when the response is ready."""
    access = Access(action=action, outcome=outcome, person_id=person_id, categories=list(categories),
                    purpose=purpose, lawful_basis=lawful_basis, reason=reason, resource=resource,
                    resource_id=str(resource_id or ""), subjects=[str(s) for s in subjects],
                    recipient_agency=recipient_agency)
    ctx = current()
    if ctx is None:
        _write(actor, None, access)
        return
    ctx.pending.append(access)
    ctx.actor = actor


def disclose(categories: Iterable[str]) -> None:
    """Name the categories the request's latest read disclosed, once the caller knows them."""
    ctx = current()
    if ctx is not None and ctx.pending:
        ctx.pending[-1].categories = list(categories)


def record_action(*, actor, action: str, person_id=None, resource: str = "", resource_id: str = "",
                  categories: Iterable[str] = (), purpose: str = "", lawful_basis: str = "", reason: str = "",
                  recipient_agency: str = "", subjects: Iterable = ()) -> None:
    """Write the entry for a write, inside the caller's transaction, with the request's earlier reads.
    `subjects`: every record a write about several names (a merge names both), `person_id` among them."""
    access = Access(action=action, person_id=person_id, resource=resource, resource_id=str(resource_id or ""),
                    categories=list(categories), purpose=purpose, lawful_basis=lawful_basis, reason=reason,
                    recipient_agency=recipient_agency, write=True, subjects=[str(s) for s in subjects])
    ctx = current()
    if ctx is None:
        _write(actor, None, access)
        return
    if ctx.folding:
        ctx.folded.append(access)  # the calling action writes it, in the same transaction (one_entry)
        return
    pending, ctx.pending = ctx.pending, []
    folded, ctx.folded = ctx.folded, []
    # Reads that led up to this write, and the writes of the actions it called, are folded into its entry.
    accesses = [*pending, *folded, access]
    entry = _merge(accesses) if len(accesses) > 1 else access
    _write(actor, ctx, entry)
    ctx.audited = True
    ctx.written = (_people(entry), set(entry.categories))


@contextmanager
def one_entry() -> Iterator[None]:
    """Within an action's transaction, around the other actions it calls: their entries are folded into the
    calling action's own (its `record_action`, after this block, writes them as one). If the block fails, the
    writes roll back and so do their folded entries."""
    ctx = current()
    if ctx is None:
        yield
        return
    ctx.folding += 1
    try:
        yield
    except BaseException:
        if ctx.folding == 1:
            ctx.folded = []
        raise
    finally:
        ctx.folding -= 1


def _people(access: Access) -> set[str]:
    return ({str(access.person_id)} if access.person_id else set()) | set(access.subjects)


def flush(ctx: RequestContext) -> None:
    """Write the request's remaining reads as one entry (called once the response is ready).

    Reads after the request's write of only the people and categories its entry named (an API answering with
    the record it has just written) are part of that entry, not a second one."""
    if ctx.folded:  # one_entry() without the calling action's record_action: a mistake, but never lose them
        logger.error("audit: %s folded with no calling action's entry", [a.action for a in ctx.folded])
        ctx.pending, ctx.folded = [*ctx.pending, *ctx.folded], []
    if not ctx.pending:
        return
    pending, ctx.pending = ctx.pending, []
    if ctx.written is not None and all(access.outcome == "allowed" and not access.write for access in pending):
        people, categories = ctx.written
        if all(_people(access) <= people and set(access.categories) <= categories for access in pending):
            return
    _write(getattr(ctx, "actor", None), ctx, _merge(pending))
    ctx.audited = True


def lane_heads() -> list[list]:
    """Every chain's last entry, [lane, seq, chain_hash], the single chain (lane None) first."""
    heads = []
    for lane in [None, *range(1, CHAIN_LANES + 1)]:
        entries = AuditEntry.objects.filter(lane__isnull=True) if lane is None else AuditEntry.objects.filter(lane=lane)
        last = entries.order_by("-seq").values_list("seq", "chain_hash").first()
        if last is not None:
            heads.append([lane, last[0], last[1]])
    return heads


def write_checkpoint() -> AuditCheckpoint | None:
    """Sign every lane's head (decision 0018): one checkpoint covers all the chains."""
    heads = lane_heads()
    if not heads:
        return None
    seq = max(head[1] for head in heads)
    digest = chain.heads_digest(heads)
    now = timezone.now()
    return AuditCheckpoint.objects.create(seq=seq, chain_hash=digest, created_at=now, heads=heads,
                                          signature=chain.sign_checkpoint(seq, digest, now))


def signing_key_configured() -> bool:
    return bool(settings.AUDIT_SIGNING_KEY)
