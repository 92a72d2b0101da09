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
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.test import Client

from tests.page_walk import PERSON_START, SHAPE, STAFF_START, walk
from tests.people_shown import UUID, api_client, api_paths, people_shown, person_markers, without_csrf
from throughcare.myrecord.models import PersonAccount

#: Whose walks find the addresses: the casework roles, the Caldicott guardian (reviews, access requests) and
#: the person (their own appointments, sharing); the person is the one user with a PersonAccount.
SOURCES = ["kw.amara", "sm.nadia", "pt.grace", "pw.jess", "pm.una", "cg.alan", "person"]
#: Who must see none of it: a commissioner, an administrator, nobody signed in, and another person holding
#: their own record (the person's appointments and sharing are theirs alone).
INTRUDERS = ["cm.yusuf", "admin", None, "another person"]




def _record_pages() -> list[str]:
    """One address of each shape that holds an id, from the casework users' walks."""
    users, pages, shapes = get_user_model().objects, [], set()
    for username in SOURCES:
        client = Client(raise_request_exception=False)
        if username == "person":
            client.force_login(PersonAccount.objects.select_related("user").get().user)
        else:
            client.force_login(users.get(username=username))
        visited, _params, _forms = walk(client, PERSON_START if username == "person" else STAFF_START, limit=150)
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
    users, checked, shown_nothing, problems = get_user_model().objects, 0, 0, []
    for username in INTRUDERS:
        client = Client(raise_request_exception=False)
        if username == "another person":
            client.force_login(_another_person())
        elif username:
            client.force_login(users.get(username=username))
        who = username or "nobody signed in"
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
