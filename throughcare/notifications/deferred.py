"""Work that runs after the response has gone: `after_response(response, job)`.

The WSGI server calls a response's `close()` once it has written the whole response to the client (gunicorn,
Django's development and live test servers; Django's test client does the same, so tests see the work done
by the time `client.post` returns). A job attached here therefore costs the client nothing it could time.

The person's sign-in uses it so that asking for a code does the same work before the answer whether or not
the address has an account (throughcare/myrecord/signin.py; docs/decisions/0013-person-held-record.md):
looking the account up, writing the code and sending the message all happen afterwards.

The job runs in the request's context (the same request id and client address in the audit trail), before
Django's `request_finished` signal closes the database connection. A failure is logged, never raised: the
response has already gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from throughcare.core.context import current, request_context

logger = logging.getLogger("throughcare.notifications")


def after_response(response, job: Callable[[], None]):
    """Run `job` once `response` has been sent; returns the response."""
    ctx = current()
    request_id = ctx.request_id if ctx else None
    client, channel = (ctx.client_address, ctx.channel) if ctx else ("", "web")

    def run() -> None:
        try:
            with request_context(channel=channel, client_address=client, request_id=request_id):
                job()
        except Exception:  # the response has gone: log it, as the server would  # noqa: BLE001
            logger.exception("work after the response failed (request %s)", request_id)

    response._resource_closers.append(run)
    return response
