"""Every page and every API answer that shows a person is audited as showing them (issue 3: "exactly one audit
entry per request that touches person data"), over demo-world's partnership, for every kind of user and for a
person holding their own record. Pages are found the way the other sweeps find them (tests/page_walk.py);
the API's GET operations come from its OpenAPI description, with ids from the lists each user can read.

The oracle is independent of the access policy and of the code that writes entries: a person is shown when
one of their names (the usual name, any other name they have had) or one of their identifiers (NHS number,
prison number, ...) is in the answer's text, or their record's id is anywhere in it (a link, an API field).
Every request is then checked for at most one audit entry, naming every person shown (as its record or
among its subjects).
"""

from __future__ import annotations

import html
import re
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.page_walk import walk
from throughcare.audit.models import AuditEntry
from throughcare.core.demo import build_world
from throughcare.core.models import DatabaseMark
from throughcare.myrecord.models import PersonAccount
from throughcare.people.models import Identifier, Person, PersonName

STAFF = ["kw.amara", "sm.nadia", "pt.grace", "pw.jess", "pm.una", "cg.alan", "cm.yusuf", "admin"]
STAFF_START = ["/", "/today/", "/people/", "/reports/", "/referrals/", "/caldicott/"]
PERSON_START = ["/my/", "/my/story"]
TAG = re.compile(r"<[^>]+>")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def partnership(db):
    DatabaseMark.objects.create(key=DatabaseMark.DEMO)
    build_world(people=40, seed=3)


def _markers() -> dict[str, str]:
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


def _shown(body: str, markers: dict[str, str]) -> set[str]:
    """The people a page or an API answer shows: by name or identifier in its text, or by their record's id
    anywhere in it (a link to the record, an API field)."""
    text = re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", body)))
    people = set(markers.values())
    return ({person for marker, person in markers.items() if marker in text}
            | {found for found in UUID.findall(body) if found in people})


def _named(entry: AuditEntry) -> set[str]:
    return ({str(entry.person_id)} if entry.person_id else set()) | set(entry.subjects)


def _sweep(user, markers: dict[str, str]) -> tuple[int, list[str], dict[str, int]]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    start = PERSON_START if hasattr(user, "person_account") else STAFF_START
    visited, _params, _forms = walk(client, start, limit=150)
    pages, problems, counts = 0, [], defaultdict(int)
    for url, status, is_html, _found_on in visited:
        if status != 200 or not is_html:
            continue
        last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = client.get(url)
        if response.status_code != 200:
            continue
        pages += 1
        entries = list(AuditEntry.objects.filter(seq__gt=last))
        shown = _shown(response.content.decode(), markers)
        named = set().union(*(_named(e) for e in entries)) if entries else set()
        who = f"{url} as {user.get_username()}"
        counts["with a person shown" if shown else "with no one shown"] += 1
        if len(entries) > 1:
            problems.append(f"{who}: {len(entries)} audit entries for one request ({[e.action for e in entries]})")
        if shown - named:
            problems.append(f"{who}: shows {len(shown - named)} people the audit entry does not name "
                            f"(entry: {[e.action for e in entries] or 'none'})")
    return pages, problems, counts


def test_every_page_that_shows_a_person_is_audited_as_showing_them(partnership):
    markers = _markers()
    assert len(markers) >= 80  # 40 people, their names and identifiers
    users = get_user_model().objects
    personas = [*(users.get(username=name) for name in STAFF), PersonAccount.objects.select_related("user").get().user]
    total, problems, counts = 0, [], defaultdict(int)
    for user in personas:
        pages, found, seen = _sweep(user, markers)
        assert pages >= 3, user.get_username()
        total += pages
        problems += found
        for kind, n in seen.items():
            counts[kind] += n
    # The sweep saw the service: many pages showing people, and pages showing no one.
    assert counts["with a person shown"] >= 60 and counts["with no one shown"] >= 20, dict(counts)
    assert problems == [], f"{len(problems)} of {total} pages:\n" + "\n".join(problems)


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


def _api_sweep(username: str, markers: dict[str, str]) -> tuple[int, list[str], int]:
    from tests.conftest import Api
    from throughcare.accounts.actions import create_token
    from throughcare.api import api as ninja_api

    client = Api(create_token(actor=None, username=username))
    client.client = Client(raise_request_exception=False)
    templates = [path.removeprefix("/api/v1") for path, operations in ninja_api.get_openapi_schema()["paths"].items()
                 if "get" in operations and not path.endswith("/run")]
    people = _values(client.get("/people").json(), "id")[:2] if client.get("/people").status_code == 200 else []
    answers, problems, shown_in = 0, [], 0
    for template in templates:
        names = PLACEHOLDER.findall(template)
        choices: dict[str, list] = {}
        for name in names:
            if name == "person_id":
                choices[name] = people
                continue
            values = []
            for source, field in SOURCES[name]:
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
            path = PLACEHOLDER.sub(lambda m, filled=filled: str(filled[m.group(1)]), template)
            last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            response = client.get(path)
            entries = list(AuditEntry.objects.filter(seq__gt=last))
            answers += 1
            who = f"GET /api/v1{path} as {username} ({response.status_code})"
            if len(entries) > 1:
                problems.append(f"{who}: {len(entries)} audit entries for one request ({[e.action for e in entries]})")
            if response.status_code != 200 or "pdf" in response.get("Content-Type", ""):
                continue
            shown = _shown(response.content.decode(), markers)
            shown_in += bool(shown)
            named = set().union(*(_named(e) for e in entries)) if entries else set()
            if shown - named:
                problems.append(f"{who}: shows {len(shown - named)} people the audit entry does not name "
                                f"(entry: {[e.action for e in entries] or 'none'})")
    return answers, problems, shown_in


def test_every_api_answer_that_shows_a_person_is_audited_as_showing_them(partnership):
    """The same through the API: every GET operation in the OpenAPI description, for each kind of staff user,
    with ids taken from the lists that user can read."""
    markers = _markers()
    total, problems, shown = 0, [], 0
    for username in STAFF:
        answers, found, shown_in = _api_sweep(username, markers)
        total += answers
        problems += found
        shown += shown_in
    assert total >= 150 and shown >= 50, (total, shown)
    assert problems == [], f"{len(problems)} of {total} answers:\n" + "\n".join(problems)
