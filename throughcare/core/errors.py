"""The few exceptions every layer understands.

Views turn them into GOV.UK error summaries, the API into the one error envelope
{"error": {"code", "message", "fields"}}. Neither ever shows a stack trace.
"""

from __future__ import annotations


class ThroughcareError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(ThroughcareError):
    """Input broke a rule. `fields` maps each field name to a plain-English message."""

    code = "validation_error"
    status = 422

    def __init__(self, fields: dict[str, str], message: str = "There is a problem with what was sent"):
        super().__init__(message, fields=fields)


class NotFound(ThroughcareError):
    """Missing, or not visible to the caller: the two are deliberately indistinguishable."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "Not found"):
        super().__init__(message)


class Forbidden(ThroughcareError):
    """The caller may not do this (for actions on things they can already see)."""

    code = "forbidden"
    status = 403

    def __init__(self, message: str = "You do not have permission to do that"):
        super().__init__(message)


class Conflict(ThroughcareError):
    code = "conflict"
    status = 409


class PreconditionFailed(ThroughcareError):
    """An If-Match version that is no longer current: someone else changed the record first."""

    code = "precondition_failed"
    status = 412
