"""Shared fixtures: a small partnership and the personas every view and API test uses.

Personas (after healthchecks' Alice/Bob/Charlie):
- amara: key worker at Riverside (community treatment), where the person has a current episode
- grace: prison team at HMP Northgate, where the person has no relationship
- una: peer mentor at Open Door, which also works with the person (contact details only)
- yusuf: commissioner (no case content)
- alan: Caldicott guardian (no case content)
- sam: administrator (configuration, no case content)
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from throughcare.accounts.actions import create_token
from throughcare.agencies.actions import create_agency, create_staff
from throughcare.episodes.actions import start_episode
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails

PASSWORD = "correct-horse-battery"


class Api:
    """An HTTP client for /api/v1 that signs every request with a persona's token."""

    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path, body=None, raw: str | None = None):
        return self.client.post(f"/api/v1{path}", raw if raw is not None else json.dumps(body or {}),
                                content_type="application/json", headers=self.headers)

@pytest.fixture(scope="module")
def audit_trail_flushable(django_db_setup, django_db_blocker):
    """For a module whose tests commit rows (transaction=True, several connections, a live server or a
    subprocess): pytest-django empties every table after such a test, and the audit tables refuse DELETE and
    TRUNCATE by trigger. So the refusing triggers are switched off while the module runs (the INSERT triggers
    that link the hash chain stay on) and restored, unchanged, at its end, after the last flush: hence module
    scope."""
    from django.db import connection

    from tests.audit_triggers import switch_off_refusing_triggers

    with django_db_blocker.unblock():
        restore = switch_off_refusing_triggers(connection)
    yield
    with django_db_blocker.unblock():
        restore()



@pytest.fixture(autouse=True)
def _one_audit_entry_per_request(request):
    """Every request a test makes writes at most one audit entry (decision 4; audit.recorder.one_entry): checked
    after every test that used the database, over every page, API call and action it ran. Directory actions
    are left out: the directory holds no person data, and an import writes an entry per organisation."""
    if "_django_db_helper" not in request.fixturenames or request.node.get_closest_marker("two_entries_expected"):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so that it is torn down after this check
    yield
    from django.db.models import Count

    from throughcare.audit.models import AuditEntry

    twice = list(AuditEntry.objects.exclude(channel="cli").exclude(action__startswith="directory_")
                 .values("request_id").annotate(entries=Count("seq")).filter(entries__gt=1)
                 .values_list("request_id", flat=True)[:3])
    assert not twice, [list(AuditEntry.objects.filter(request_id=r).values_list("action", flat=True)) for r in twice]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Password hashing is deliberately slow; tests need no protection from brute force."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_world() -> dict:
    """Agencies, staff personas and one person (Jo Bloggs) known to Riverside and Open Door.

    A plain function so that fixtures on other kinds of database (tests/e2e) build the same world.
    """
    riverside = create_agency(actor=None, name="Riverside Recovery", kind="community_treatment")
    prison = create_agency(actor=None, name="HMP Northgate", kind="prison")
    peer = create_agency(actor=None, name="Open Door", kind="voluntary")
    daat = create_agency(actor=None, name="Northgate DAAT", kind="commissioner")
    people = {
        "amara": create_staff(actor=None, username="amara", agency=riverside, role="key_worker", password=PASSWORD,
                              first_name="Amara", last_name="Okafor"),
        "ben": create_staff(actor=None, username="ben", agency=riverside, role="key_worker", password=PASSWORD),
        "grace": create_staff(actor=None, username="grace", agency=prison, role="prison_team", password=PASSWORD),
        "una": create_staff(actor=None, username="una", agency=peer, role="peer_mentor", password=PASSWORD),
        "xena": create_staff(actor=None, username="xena", agency=peer, role="key_worker", password=PASSWORD),
        "yusuf": create_staff(actor=None, username="yusuf", agency=daat, role="commissioner", password=PASSWORD),
        "alan": create_staff(actor=None, username="alan", agency=riverside, role="caldicott_guardian", password=PASSWORD),
        "sam": create_staff(actor=None, username="sam", agency=daat, role="administrator", password=PASSWORD),
    }
    jo = register_person(actor=people["amara"].user, details=PersonDetails(
        given_names="Jo", family_name="Bloggs", date_of_birth=dt.date(1985, 3, 27), nhs_number="485 777 3457",
        postcode="sa1 1aa", prison_number="A1234BC"))
    start_episode(actor=people["amara"].user, person_id=jo.pk, setting="community",
                  service="Key working", started_on=dt.date(2026, 1, 5))
    return {"agencies": {"riverside": riverside, "prison": prison, "peer": peer, "daat": daat},
            "staff": people, "jo": jo}


@pytest.fixture
def world(db):
    """Agencies, staff personas and one person (Jo Bloggs) known to Riverside and Open Door."""
    return build_world()


@pytest.fixture
def partnership(db):
    """demo-world's partnership (40 people, seed 3): every kind of staff (tests.page_walk.DEMO_STAFF), and one
    person who holds their own record. The sweeps walk it."""
    from throughcare.core.demo import build_world as build_demo_world
    from throughcare.core.models import DatabaseMark

    DatabaseMark.objects.create(key=DatabaseMark.DEMO)
    build_demo_world(people=40, seed=3)


@pytest.fixture
def api(world):
    """api("amara") is an API client for that persona."""
    cache = {}

    def make(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(create_token(actor=None, username=username))
        return cache[username]

    return make


@pytest.fixture
def browser_client(world):
    """browser_client("amara") is a Django test client signed in as that persona."""

    def make(username: str) -> Client:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        return client

    return make
