"""The request context: who is acting, from where, under which request id.

Set by RequestContextMiddleware for web and API requests and by the command line
for commands, so that actions and the audit recorder never need the request.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class RequestContext:
    request_id: str
    client_address: str = ""
    channel: str = "web"  # web | api | cli
    #: Access facts gathered during the request; the audit recorder writes them as one entry.
    pending: list = field(default_factory=list)
    audited: bool = False
    #: The user the pending reads were made by.
    actor: object = None
    #: audit.recorder.one_entry: how deep the request is in actions that fold the entries of the actions they
    #: call into their own, and those entries, waiting for the calling action's record_action.
    folding: int = 0
    folded: list = field(default_factory=list)
    #: What the request's write entry named (people, categories): a read of the same afterwards (an API
    #: answering with what it wrote) is part of that entry (audit.recorder.flush).
    written: tuple | None = None
    #: consent.policy.visible_people, built once per user for the request (it is SQL: evaluated at each use).
    visible_people: dict = field(default_factory=dict)
    #: consent.policy.visible_person_ids: the same rule as a subquery, compiled to SQL once per user.
    visible_ids: dict = field(default_factory=dict)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("throughcare_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


@contextmanager
def request_context(*, channel: str, client_address: str = "", request_id: str | None = None) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id or uuid.uuid4().hex, client_address=client_address, channel=channel)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
