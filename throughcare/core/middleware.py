from __future__ import annotations

import re

from throughcare.core.context import request_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestContextMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) and records the client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else None
        channel = "api" if request.path.startswith("/api/") else "web"
        with request_context(
            channel=channel, client_address=request.META.get("REMOTE_ADDR", ""), request_id=request_id
        ) as ctx:
            request.throughcare = ctx
            response = self.get_response(request)
            response["X-Request-ID"] = ctx.request_id
            return response
