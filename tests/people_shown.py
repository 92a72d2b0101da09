"""Who an answer shows, and the addresses of the API to ask: shared by the sweeps that check every page and API
answer is audited as showing the people it shows (tests/test_audit_every_page.py) and that a record withheld
answers as one that does not exist (tests/test_denied_like_missing.py).

Independent of the access policy and of the code that writes audit entries: a person is shown when one of
their names (the usual name, any other name they have had) or one of their identifiers (NHS number, prison
number, ...) is in the answer's text, or their record's id is anywhere in it (a link, an API field).
"""

from __future__ import annotations

import html
import re

from django.test import Client

from throughcare.people.models import Identifier, Person, PersonName

TAG = re.compile(r"<[^>]+>")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Every response's CSRF token is masked afresh (two pages for missing people differ in it too).
CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(body: bytes) -> bytes:
    """A page's bytes with its CSRF token blanked, to compare two answers byte for byte."""
    return CSRF_VALUE.sub(b'name="csrfmiddlewaretoken" value=""', body)


def person_markers() -> dict[str, str]:
    """{text that names a person: their id}: every name they have had and every identifier."""
    markers: dict[str, str] = {}
    for person_id, display_name in Person.objects.values_list("id", "display_name"):
        markers[display_name] = str(person_id)
    for person_id, given, family in PersonName.objects.values_list("person_id", "given_names", "family_name"):
        markers[f"{given} {family}"] = str(person_id)
    for person_id, value in Identifier.objects.values_list("person_id", "value"):
        if len(value) >= 6:  # a short identifier could be any number on a page
            markers[value] = str(person_id)
    return markers


def people_shown(body: str, markers: dict[str, str]) -> set[str]:
    """The people a page or an API answer shows: by name or identifier in its text, or by their record's id
    anywhere in it (a link to the record, an API field)."""
    text = re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", body)))
    people = set(markers.values())
    return ({person for marker, person in markers.items() if marker in text}
            | {found for found in UUID.findall(body) if found in people})


#: Where each id in an API path comes from: (the list that has them, the field that holds them). `{p}` is a
#: person the persona found in their own search.
SOURCES = {
    "person_id": [("/people", "id")],
    "referral_id": [("/referrals", "id"), ("/people/{p}/referrals", "id")],
    "appointment_id": [("/people/{p}/appointments", "id"), ("/today/appointments", "id")],
    "custody_id": [("/people/{p}/custody", "id")],
    "plan_id": [("/people/{p}/release-plans", "id"), ("/gate", "id")],
    "assessment_id": [("/people/{p}/assessments", "id")],
    "review_id": [("/people/{p}/outcome-reviews", "id")],
    "number": [("/people/{p}/plan/versions", "number")],
    "proposal_id": [("/matching/proposals", "id")],
    "consultation_id": [("/consultations", "id")],
    "service_id": [("/directory/services", "id")],
    "key": [("/instruments", "key")],
    # Only in the addresses of operations that write (api_writes):
    "episode_id": [("/people/{p}/episodes", "id")],
    "consent_id": [("/people/{p}/consents", "id")],
    "member_id": [("/people/{p}/care-team", "id")],
    "handover_id": [("/handovers", "id")],
    "organisation_id": [("/directory/organisations", "id")],
    "request_id": [("/access-requests", "id")],
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _values(data, field: str) -> list:
    """Every value of `field` in a JSON answer, in order (the first of each list's items first)."""
    if isinstance(data, dict):
        found = [data[field]] if field in data and not isinstance(data[field], dict | list) else []
        return found + [v for value in data.values() for v in _values(value, field)]
    if isinstance(data, list):
        return [v for item in data for v in _values(item, field)]
    return []


def api_client(username: str):
    """An API client for a persona (tests.conftest.Api) whose server errors come back as 500s, not exceptions."""
    from tests.conftest import Api
    from throughcare.accounts.actions import create_token

    client = Api(create_token(actor=None, username=username))
    client.client = Client(raise_request_exception=False)
    return client


def api_paths(client) -> list[str]:
    """Every GET operation of the API's OpenAPI description with its ids filled from the lists `client`'s user
    can read (up to two addresses each; an operation whose ids it cannot find is left out)."""
    return [path for _method, _template, path in _operations_filled(client, ("get",))]


def api_writes(client, methods: tuple[str, ...] = ("post", "put", "patch", "delete")) -> list[tuple[str, str, str]]:
    """Every operation of those `methods` as (method, its path as the description has it, an address with its ids
    filled as api_paths fills them)."""
    return _operations_filled(client, methods)


def _operations_filled(client, methods: tuple[str, ...]) -> list[tuple[str, str, str]]:
    from throughcare.api import api as ninja_api

    operations = [(method, path.removeprefix("/api/v1"))
                  for path, found in ninja_api.get_openapi_schema()["paths"].items()
                  for method in methods if method in found and not (method == "get" and path.endswith("/run"))]
    found = client.get("/people")
    people = _values(found.json(), "id")[:2] if found.status_code == 200 else []
    filled_in = []
    for method, template in operations:
        names = PLACEHOLDER.findall(template)
        choices: dict[str, list] = {}
        for name in names:
            if name == "person_id":
                choices[name] = people
                continue
            values = []
            for source, field in SOURCES.get(name, []):
                for person in people[:1] if "{p}" in source else [None]:
                    answer = client.get(source.replace("{p}", str(person)))
                    if answer.status_code == 200 and "json" in answer.get("Content-Type", ""):
                        values += _values(answer.json(), field)
            choices[name] = values[:2]
        if any(not choices[name] for name in names):
            continue
        for index in range(max([len(choices[name]) for name in names] or [1])):
            # The index-th value of each placeholder (the last one it has, when it has fewer).
            filled = {name: values[min(index, len(values) - 1)] for name, values in choices.items()}
            filled_in.append((method, template, PLACEHOLDER.sub(lambda m, filled=filled: str(filled[m.group(1)]),
                                                                 template)))
    return filled_in


