from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.locale import LocaleMiddleware

from throughcare.core.context import request_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestContextMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) and records the client address.

    Every answer it sees is also marked `Cache-Control: no-store` unless the view said otherwise: pages and
    API answers carry a person's record, and a browser on a shared computer (a prison wing office, a
    drop-in) must not keep a copy on disk or show it again from its back button after sign-out. Static
    files never get here (WhiteNoise answers them first, with their own long cache life). And each gets the
    Content Security Policy (settings.CONTENT_SECURITY_POLICY; core.csp.draws_charts relaxes it for charts).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else None
        channel = "api" if request.path.startswith("/api/") else "web"
        with request_context(
            channel=channel, client_address=request.META.get("REMOTE_ADDR", ""), request_id=request_id
        ) as ctx:
            request.throughcare = ctx
            response = self.get_response(request)
            response["X-Request-ID"] = ctx.request_id
            if "Cache-Control" not in response:
                response["Cache-Control"] = "no-store"
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
            return response


API_PREFIX = "/api/"


def _web_only(middleware_class):
    """`middleware_class` for pages only: an /api/ request (Bearer token and JSON: never a session, a flash
    message or a translated word) passes straight through, skipping work it cannot use."""

    class WebOnly(middleware_class):
        def __init__(self, get_response):
            super().__init__(get_response)
            self._api_response = get_response

        def __call__(self, request):
            if request.path_info.startswith(API_PREFIX):
                return self._api_response(request)
            return super().__call__(request)

        if hasattr(middleware_class, "process_view"):
            def process_view(self, request, callback, callback_args, callback_kwargs):
                if request.path_info.startswith(API_PREFIX):
                    return None
                return super().process_view(request, callback, callback_args, callback_kwargs)

    WebOnly.__name__ = WebOnly.__qualname__ = f"WebOnly{middleware_class.__name__}"
    WebOnly.__doc__ = f"{middleware_class.__module__}.{middleware_class.__name__}, for pages only (not /api/)."
    return WebOnly


WebSessionMiddleware = _web_only(SessionMiddleware)
WebLocaleMiddleware = _web_only(LocaleMiddleware)
WebAuthenticationMiddleware = _web_only(AuthenticationMiddleware)
WebMessageMiddleware = _web_only(MessageMiddleware)
