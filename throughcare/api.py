"""The JSON API, versioned at /api/v1, with one error envelope:

    {"error": {"code": "...", "message": "...", "fields": {"field": "message"}}}
"""

from __future__ import annotations

import functools
import json

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from throughcare.accounts.actions import user_for_token
from throughcare.core.errors import ThroughcareError, ValidationFailed


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
            request.throughcare.actor = user
        return user


#: Every operation may answer with the one error envelope under these codes; the spec says so.
ERROR_RESPONSES = {
    "400": "The request could not be read",
    "401": "No valid token: send `Authorization: Bearer <token>`",
    "403": "Your role may not do this",
    "404": "Not found, or not yours to see (the two look the same)",
    "409": "A conflicting request is in progress, or the record is in the wrong state",
    "412": "If-Match names a version that is no longer current",
    "422": "Invalid input: `fields` names each problem",
    "428": "This change needs If-Match with the version you read",
}
ERROR_ENVELOPE = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }},
}


class ThroughcareAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI spec documents the error envelope on every operation."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, description in ERROR_RESPONSES.items():
                    responses.setdefault(code, {"description": description, "content": error})
        return schema


api = ThroughcareAPI(
    title="Throughcare API",
    version="1",
    description="The shared recovery record. Every call needs `Authorization: Bearer <token>` "
    "(create one with `throughcare token create USERNAME`). A person you may not see is "
    "answered exactly as a person who does not exist: 404.",
    auth=BearerToken(),
    urls_namespace="api-v1",
    docs_url="/docs",
)


def envelope(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"error": {"code": code, "message": message, "fields": fields or {}}},
                               status=status)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form"}:
        parts = parts[1:]
        # django-ninja puts the parameter's own name first for bodies ("payload"); drop it.
        if len(parts) > 1 and parts[0] in {"payload", "data", "body"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES = {
    "missing": "This field is required",
    "date_from_datetime_parsing": "Enter a real date in the format YYYY-MM-DD",
    "date_parsing": "Enter a real date in the format YYYY-MM-DD",
    "date_from_datetime_inexact": "Enter a date without a time, in the format YYYY-MM-DD",
    "extra_forbidden": "This field is not recognised",
    "bool_parsing": "Enter true or false",
    "string_type": "Enter text",
    "int_parsing": "Enter a whole number",
    "uuid_parsing": "Enter a valid id",
    "datetime_parsing": "Enter a date and time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00",
    "datetime_from_date_parsing": "Enter a date and time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00",
    "datetime_type": "Enter a date and time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00",
}


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    fields = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()))
        fields.setdefault(name, _PYDANTIC_MESSAGES.get(error.get("type", ""), error.get("msg", "Invalid value")))
    return envelope(request, 422, "validation_error", "There is a problem with what was sent", fields)


@api.exception_handler(ThroughcareError)
def _domain(request, exc: ThroughcareError):
    return envelope(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return envelope(request, 401, "unauthenticated", "Send a valid token: Authorization: Bearer <token>")


@api.exception_handler(HttpError)
def _http(request, exc: HttpError):
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    # django-ninja's only 400 is a body it could not parse: the body is the field at fault.
    fields = {"body": "Send the body as a JSON object"} if exc.status_code == 400 else None
    return envelope(request, exc.status_code, code, str(exc), fields)


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    import logging

    logging.getLogger("throughcare.api").exception("unhandled error in %s", request.path)
    return envelope(request, 500, "server_error", "Something went wrong. It has been logged; try again later.")


def query_names(operation) -> frozenset[str]:
    """The query parameters an operation declares (what its OpenAPI `parameters` list `in: query`)."""
    return frozenset(name for model in operation.signature.models if model.__ninja_param_source__ == "query"
                     for name in model.__ninja_flatten_map__)


def body_read(operation) -> bool:
    """Whether an operation reads a request body (always JSON: `sources` in the test holds that)."""
    return any(model.__ninja_param_source__ == "body" for model in operation.signature.models)


NULL_CHARACTER = "Null characters are not allowed"  # Django's own forms say the same


def _unknown_query_parameters(request, allowed: frozenset[str]) -> dict[str, str]:
    unknown = [name for name in request.GET if name not in allowed]
    expected = ", ".join(sorted(allowed)) or "none"
    return {name or "(no name)": f"This query parameter is not recognised (expected: {expected})" for name in unknown}


def _null_characters(request, query: str, reads_body: bool) -> dict[str, str]:
    """The fields holding a null character (U+0000): PostgreSQL cannot store one in text, so the write would
    fail with a server error; the pages' forms refuse them the same way (Django's ProhibitNullCharactersValidator)."""
    fields = {}
    if "%00" in query:
        fields.update({name: NULL_CHARACTER for name, values in request.GET.lists()
                       if "\x00" in name or any("\x00" in value for value in values)})
    # A body the operation reads has been read and parsed as JSON by now (django-ninja's parser json.loads it,
    # whatever Content-Type says; no operation takes a form or a file), and JSON carries a NUL only escaped.
    if reads_body and b"\\u0000" in request.body:
        fields.update({".".join(map(str, path)) or "body": NULL_CHARACTER
                       for path in _paths_with_null(json.loads(request.body))})
    return fields


def _paths_with_null(value, path: tuple = ()):
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from ([(*path, key.replace("\x00", ""))] if "\x00" in key else _paths_with_null(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_null(item, (*path, index))


def guard_input(view_func):
    """What every operation refuses, naming the field, with the usual 422, before its view runs:

    - a query parameter it does not declare: otherwise a mistyped filter (`?serach=jo`, `?persn=` on the
      audit trail) would be ignored without a word and the answer would look like the filtered one;
    - a null character in any field, query or body.

    Runs after authentication and after the declared parameters are validated (django-ninja's "operation"
    decorators), so a caller with no token still gets 401 first, and before anything is written."""
    allowed = query_names(view_func._ninja_operation)
    reads_body = body_read(view_func._ninja_operation)

    @functools.wraps(view_func)
    def checked(request, *args, **kwargs):
        # A read with no query string (most requests) costs one dictionary look-up here: an empty query
        # string is not parsed (7 µs).
        query = request.META.get("QUERY_STRING", "")
        if query:
            unknown = _unknown_query_parameters(request, allowed)
            if unknown:
                raise ValidationFailed(unknown, "There is a query parameter this request does not take")
        if query or reads_body:
            nulls = _null_characters(request, query, reads_body)
            if nulls:
                raise ValidationFailed(nulls)
        return view_func(request, *args, **kwargs)

    return checked


api.add_decorator(guard_input, mode="operation")


def _mount() -> None:
    from throughcare.appointments.api import router as appointments_router
    from throughcare.assessments.api import router as assessments_router
    from throughcare.audit.api import router as audit_router
    from throughcare.careteam.api import router as careteam_router
    from throughcare.consent.api import router as consent_router
    from throughcare.custody.api import router as custody_router
    from throughcare.directory.api import router as directory_router
    from throughcare.episodes.api import router as episodes_router
    from throughcare.journey.api import router as journey_router
    from throughcare.matching.api import router as matching_router
    from throughcare.outcomes.api import router as outcomes_router
    from throughcare.people.api import router as people_router
    from throughcare.plans.api import router as plans_router
    from throughcare.referrals.api import router as referrals_router
    from throughcare.releases.api import router as releases_router
    from throughcare.reviews.api import router as reviews_router
    from throughcare.voice.api import router as voice_router

    api.add_router("/", matching_router)  # before people: /people/candidates must not be read as a person id
    api.add_router("/", people_router)
    api.add_router("/", journey_router)
    api.add_router("/", episodes_router)
    api.add_router("/", consent_router)
    api.add_router("/", referrals_router)
    api.add_router("/", audit_router)
    from throughcare.today.api import router as today_router  # a worker's day (issue 5)

    api.add_router("/", today_router)
    api.add_router("/", careteam_router)
    api.add_router("/", appointments_router)
    api.add_router("/", plans_router)
    api.add_router("/", reviews_router)
    api.add_router("/", custody_router)
    api.add_router("/", releases_router)
    api.add_router("/", directory_router)
    api.add_router("/", assessments_router)
    api.add_router("/", outcomes_router)
    api.add_router("/", voice_router)


_mount()
