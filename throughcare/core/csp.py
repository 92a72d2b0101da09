"""The Content Security Policy on every answer (settings.CONTENT_SECURITY_POLICY, set by
core.middleware.RequestContextMiddleware), and the one relaxation: pages that draw Vega charts."""

from __future__ import annotations

from functools import wraps

from django.conf import settings


def draws_charts(view):
    """A view whose page draws Vega charts: Vega compiles chart expressions with Function(), so its page's
    policy also allows eval (settings.CONTENT_SECURITY_POLICY_CHARTS). Scripts still come only from this site."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY_CHARTS
        return response

    return wrapper
