"""Denied looks like missing on every page and API operation that names a record in its address (decision 3),
not only on those the access matrix samples.

Every page the casework users, the Caldicott guardian and a person holding their own record reach
(tests/page_walk.py, over demo-world's partnership) whose address holds a record's id, and every API GET
operation with ids (as a key worker finds them), is asked for again by users who must see no one's case: a
commissioner, an administrator and (pages) nobody signed in. Each answer must be either
- byte for byte the answer the same address gets with every id in it replaced by one that exists nowhere
  (after the ids themselves and the CSRF token are masked): a 404 for a record withheld is the 404 for no
  record, a 403 or a sign-in redirect says nothing about the record either; or
- a page that shows no person (by name, identifier or record id; tests/test_audit_every_page.py's oracle),
  such as a directory service's page, which is not person data.

Writes too: every form those users' pages post to an address holding an id, sent as its page filled it in, and
every API operation that writes with an id in its address (sent with an empty body), answers the users who must
see no one's case as it answers the same request about ids that exist nowhere, and saves nothing.
"""

from __future__ import annotations

import urllib.parse
import uuid

from django.contrib.auth import get_user_model
from django.test import Client

from tests.page_walk import PERSON_START, SHAPE, STAFF_START, walk
from tests.people_shown import (
    UUID,
    api_client,
    api_paths,
    api_writes,
    people_shown,
    person_markers,
    without_csrf,
)
from tests.row_counts import SESSIONS, changed, row_counts
from tests.test_refusals_name_the_field import filled_in, forms_found
from throughcare.myrecord.models import PersonAccount

#: Whose walks find the addresses: the casework roles, the Caldicott guardian (reviews, access requests) and
#: the person (their own appointments, sharing); the person is the one user with a PersonAccount.
SOURCES = ["kw.amara", "sm.nadia", "pt.grace", "pw.jess", "pm.una", "cg.alan", "person"]
#: Who must see none of it: a commissioner, an administrator, nobody signed in, and another person holding
#: their own record (the person's appointments and sharing are theirs alone).
INTRUDERS = ["cm.yusuf", "admin", None, "another person"]




def _sources():
    """(a client signed in as each of SOURCES, where their walk starts)."""
    users = get_user_model().objects
    for username in SOURCES:
        client = Client(raise_request_exception=False)
        if username == "person":
            client.force_login(PersonAccount.objects.select_related("user").get().user)
        else:
            client.force_login(users.get(username=username))
        yield client, PERSON_START if username == "person" else STAFF_START


def _intruders():
    """(a client for each of INTRUDERS, who they are)."""
    users = get_user_model().objects
    for username in INTRUDERS:
        client = Client(raise_request_exception=False)
        if username == "another person":
            client.force_login(_another_person())
        elif username:
            client.force_login(users.get(username=username))
        yield client, username or "nobody signed in"


def _record_pages() -> list[str]:
    """One address of each shape that holds an id, from the casework users' walks."""
    pages, shapes = [], set()
    for client, start in _sources():
        visited, _params, _forms = walk(client, start, limit=150)
        for url, status, _html, _found_on in visited:
            shape = SHAPE.sub("N", url.split("?")[0])
            if status == 200 and UUID.search(url) and shape not in shapes:
                shapes.add(shape)
                pages.append(url)
    return pages


def _another_person():
    """A second person who can sign in to their own record: the next person kw.amara leads on."""
    from throughcare.careteam.models import CareTeamMember
    from throughcare.myrecord.actions import invite_person
    from throughcare.people.models import Person

    first = PersonAccount.objects.get().person_id
    lead = (CareTeamMember.objects.filter(worker__username="kw.amara", is_lead=True, left_at__isnull=True)
            .exclude(person_id=first).select_related("worker").order_by("person_id").first())
    Person.objects.filter(pk=lead.person_id).update(phone="07700 900002", safe_to_contact={"text": True})
    return invite_person(actor=lead.worker, person_id=lead.person_id, channel="sms").user


def _elsewhere(address: str) -> tuple[list[str], str, list[str]]:
    """The ids in an address, the address with each replaced by one that exists nowhere, and those."""
    real = UUID.findall(address)
    elsewhere = [str(uuid.uuid4()) for _ in real]
    other = address
    for value, replacement in zip(real, elsewhere, strict=True):
        other = other.replace(value, replacement)
    return real, other, elsewhere


def _masked(response, ids: list[str]) -> tuple[int, str, str]:
    body = without_csrf(response.content).decode(errors="replace")
    location = response.get("Location", "")
    for index, value in enumerate(ids):
        body, location = body.replace(value, f"ID{index}"), location.replace(value, f"ID{index}")
    return response.status_code, location, body


def test_a_record_withheld_answers_as_a_record_that_does_not_exist_on_every_page(partnership):
    markers = person_markers()
    pages = _record_pages()
    assert len(pages) >= 25, pages  # the walk reached the record pages of the service
    checked, shown_nothing, problems = 0, 0, []
    for client, who in _intruders():
        for url in pages:
            real, other, elsewhere = _elsewhere(url)
            answer, missing = client.get(url), client.get(other)
            checked += 1
            if answer.status_code == 200 and missing.status_code != 200:
                # Something the address names exists and is shown: it must not be a person's.
                people = people_shown(answer.content.decode(), markers)
                if people:
                    problems.append(f"{url} as {who}: shows {len(people)} people ({answer.status_code})")
                else:
                    shown_nothing += 1
            elif _masked(answer, real) != _masked(missing, elsewhere):
                status, location, _body = _masked(answer, real)
                problems.append(f"{url} as {who}: answers {status} {location} for the record, "
                                f"{missing.status_code} {missing.get('Location', '')} for no record, or differs in body")
    assert checked >= 75 and shown_nothing >= 3  # (directory services, consultations: not person data)
    assert problems == [], f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def test_a_record_withheld_answers_as_a_record_that_does_not_exist_in_the_api(partnership):
    markers = person_markers()
    paths = [path for path in api_paths(api_client("kw.amara")) if UUID.search(path)]
    assert len(paths) >= 30, paths
    checked, problems = 0, []
    for username in INTRUDERS[:2]:
        client = api_client(username)
        for path in paths:
            real, other, elsewhere = _elsewhere(path)
            answer, missing = client.get(path), client.get(other)
            checked += 1
            if answer.status_code == 200 and missing.status_code != 200:
                if people := people_shown(answer.content.decode(errors="replace"), markers):
                    problems.append(f"GET /api/v1{path} as {username}: shows {len(people)} people")
            elif _masked(answer, real) != _masked(missing, elsewhere):
                problems.append(f"GET /api/v1{path} as {username}: answers {answer.status_code} for the record, "
                                f"{missing.status_code} for no record, or differs in body")
    assert checked >= 60
    assert problems == [], f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def _record_forms() -> list[tuple[str, dict]]:
    """One form of each shape that posts to an address holding a record's id, from the casework users' pages, as
    the page fills it in: (where it posts, what it sends)."""
    forms, shapes = [], set()
    for client, start in _sources():
        for action, form in forms_found(client, start, 150):
            shape = SHAPE.sub("N", urllib.parse.urlsplit(action).path)
            if UUID.search(action) and shape not in shapes:
                shapes.add(shape)
                data: dict[str, list[str]] = {}
                for name, value in filled_in(form):
                    data.setdefault(name, []).append(value)
                forms.append((urllib.parse.urlsplit(action).path, data))
    return forms


def test_a_form_about_a_withheld_record_answers_as_one_about_no_record_and_saves_nothing(partnership):
    """Writes too: each form that names a record in its address, sent as its page filled it in by the users who
    must see no one's case, answers as the same form sent about records that exist nowhere, and saves nothing."""
    markers = person_markers()
    forms = _record_forms()
    assert len(forms) >= 30, [action for action, _data in forms]
    checked, problems = 0, []
    for client, who in _intruders():
        for action, data in forms:
            real, other, elsewhere = _elsewhere(action)
            before = row_counts(leave_out=SESSIONS)
            answer = client.post(action, data)
            if saved := changed(before, row_counts(leave_out=SESSIONS)):
                problems.append(f"POST {action} as {who}: saved {saved}")
            missing = client.post(other, data)
            checked += 1
            if _masked(answer, real) != _masked(missing, elsewhere) and (
                    missing.status_code == answer.status_code or people_shown(answer.content.decode(), markers)):
                # (A form about what is not person data, such as an open consultation's public response form,
                # may answer differently for one that exists: it shows no one.)
                problems.append(f"POST {action} as {who}: answers {answer.status_code} {answer.get('Location', '')} "
                                f"for the record, {missing.status_code} {missing.get('Location', '')} for no record, "
                                "or differs in body")
    assert checked >= 120
    assert problems == [], f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def _smallest_bodies() -> dict[tuple[str, str], str]:
    """For each API operation that writes, the smallest body its OpenAPI description accepts (hypothesis `find`
    over schemathesis's positive cases, derandomised): a body that passes the schema, so the operation itself
    runs, and that the business rules mostly refuse (a blank reason, a made-up kind): if an operation checked
    those before the caller's access, it would answer 422 for a record that exists and 404 for one that does
    not. {(method, path as described): JSON}."""
    import json

    import schemathesis
    from hypothesis import HealthCheck, find, settings
    from schemathesis import GenerationMode

    from throughcare.api import api as ninja_api

    # From the description itself, not over WSGI: a request's end would close the test's database connection.
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(ninja_api.get_openapi_schema())))
    bodies = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.lower() not in ("post", "put", "patch", "delete") or "{" not in operation.path:
            continue
        case = find(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), lambda _case: True,
                    settings=settings(database=None, derandomize=True, max_examples=50,
                                      suppress_health_check=list(HealthCheck)))
        body = case.body if isinstance(case.body, dict | list) else {}
        bodies[(operation.method.lower(), operation.path.removeprefix("/api/v1"))] = json.dumps(body)
    return bodies


def test_an_api_write_about_a_withheld_record_answers_as_one_about_no_record_and_saves_nothing(partnership):
    """Every API operation that writes (POST, PUT, PATCH, DELETE) with a record's id in its address, its ids as a
    key worker finds them, sent by a commissioner and an administrator with an empty body and with the smallest
    body its description accepts: the answer is the one for ids that exist nowhere (never a 422 that says the
    record is there), and nothing is saved."""
    # The service directory holds no person data: administrators keep it, and others are refused it openly.
    operations = [(method, template, path) for method, template, path in api_writes(api_client("kw.amara"))
                  if UUID.search(path) and not template.startswith("/directory/")]
    assert len(operations) >= 35, operations
    bodies = _smallest_bodies()
    assert len(bodies) >= 45
    checked, problems = 0, []
    for username in INTRUDERS[:2]:
        client = api_client(username)
        for method, template, path in operations:
            real, other, elsewhere = _elsewhere(path)
            send = getattr(client.client, method)
            for body in dict.fromkeys(["{}", bodies[(method, template)]]):
                before = row_counts(leave_out=SESSIONS)
                answer = send(f"/api/v1{path}", body, content_type="application/json", headers=client.headers)
                if saved := changed(before, row_counts(leave_out=SESSIONS)):
                    problems.append(f"{method.upper()} /api/v1{path} {body} as {username}: saved {saved}")
                missing = send(f"/api/v1{other}", body, content_type="application/json", headers=client.headers)
                checked += 1
                if _masked(answer, real) != _masked(missing, elsewhere):
                    problems.append(f"{method.upper()} /api/v1{path} {body} as {username}: answers "
                                    f"{answer.status_code} for the record, {missing.status_code} for no record, "
                                    "or differs in body")
    assert checked >= 130
    assert problems == [], f"{len(problems)} of {checked}:\n" + "\n".join(problems)
