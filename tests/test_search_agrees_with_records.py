"""Search and the record agree, for every person and every kind of user (issue 3: "the same rule filters every
list and search").

Over demo-world's partnership (40 people, with custody, referrals, care teams, consents and episodes across
its agencies), each user searches for every person by their name and by each of their identifiers, through
the API and the search page, and opens their record: a person is found exactly when their record opens. A
search never lists someone whose record answers "not found" (it would confirm they exist), and never misses
someone the user may open. Neither side is worked out from the access policy: the test only compares them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.people_shown import api_client
from throughcare.core.demo import build_world
from throughcare.core.models import DatabaseMark
from throughcare.people.models import Identifier, Person

USERS = ["kw.amara", "sm.nadia", "pt.grace", "pw.jess", "pm.una", "cg.alan", "cm.yusuf", "admin"]


@pytest.fixture
def partnership(db):
    DatabaseMark.objects.create(key=DatabaseMark.DEMO)
    build_world(people=40, seed=3)


def _found(client, query: str) -> set[str]:
    """Every record id a search lists, over all its pages."""
    found, page = set(), 1
    while True:
        answer = client.get("/people", q=query, page=page, page_size=100)
        assert answer.status_code == 200, (query, answer.status_code)
        data = answer.json()
        found |= {item["id"] for item in data["items"]}
        if page * data["page_size"] >= data["total"]:
            assert data["total"] == len(found), (query, data["total"], len(found))  # totals count only those listed
            return found
        page += 1


def test_a_person_is_found_exactly_when_their_record_opens(partnership):
    people = list(Person.objects.values_list("id", "display_name"))
    identifiers = {}
    for person_id, value in Identifier.objects.values_list("person_id", "value"):
        identifiers.setdefault(person_id, []).append(value)
    users = get_user_model().objects
    problems, opened, asked = [], 0, 0
    for username in USERS:
        api = api_client(username)
        page = Client(raise_request_exception=False)
        page.force_login(users.get(username=username))
        for person_id, name in people:
            record = api.get(f"/people/{person_id}").status_code
            assert record in (200, 404), (username, record)
            opened += record == 200
            for query in [name, *identifiers.get(person_id, [])]:
                asked += 1
                found = str(person_id) in _found(api, query)
                if found != (record == 200):
                    problems.append(f"{username} searching the API for {query!r}: found {found}, record answers {record}")
            on_page = str(person_id) in page.get("/people/", {"q": name}).content.decode()
            if on_page != (record == 200):
                problems.append(f"{username} on the search page for {name!r}: listed {on_page}, record answers {record}")
    # Every user was asked about every person; some records opened, and many did not.
    assert asked >= len(USERS) * len(people) * 2 and 40 <= opened < len(USERS) * len(people), (asked, opened)
    assert problems == [], f"{len(problems)} of {asked}:\n" + "\n".join(problems)
