"""GET /api/v1/people/{id}, the hottest read: the same answer as django-ninja would give, in three queries,
with nothing cached between requests."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from tests.conftest import Api
from throughcare.accounts.actions import create_token, revoke_token
from throughcare.accounts.models import ApiToken
from throughcare.audit.models import AuditEntry
from throughcare.episodes.models import Episode
from throughcare.people.access import get_person
from throughcare.people.actions import register_person
from throughcare.people.inputs import OtherName, PersonDetails
from throughcare.people.schemas import PersonOut
from throughcare.people.summary import person_summary


def _person(world):
    """Someone with aliases, identifiers and episodes at two agencies, one of them ended."""
    amara = world["staff"]["amara"].user
    person = register_person(actor=amara, details=PersonDetails(
        given_names="Rhian", family_name="Pryce", date_of_birth=dt.date(1979, 11, 2), nhs_number="943 476 5919",
        prison_number="A7654ZX", postcode="cf10 1aa", safe_to_contact={"text": True, "letter": False},
        other_names=[OtherName(kind="alias", given_names="Ree", family_name="Price"),
                     OtherName(kind="previous", given_names="Rhian", family_name="Jones")]))
    riverside, prison = world["agencies"]["riverside"], world["agencies"]["prison"]
    for agency, setting, started, ended, reason in [
        (riverside, "community", dt.date(2025, 2, 1), dt.date(2025, 9, 30), "eb5f6301-dfea-55d1-a111-0ec893a04912"),
        (riverside, "community", dt.date(2026, 1, 10), None, ""),
        (prison, "prison", dt.date(2025, 10, 4), None, ""),
    ]:
        Episode.objects.create(person=person, agency=agency, setting=setting, service="Key working", started_on=started,
                               ended_on=ended, discharge_reason=reason, created_by=amara)
    return person


def _as_ninja_would_render(user, person_id) -> bytes:
    """The body django-ninja renders for PersonOut from the summary built with the ORM (no details loaded)."""
    person, grant = get_person(user, person_id, audit=False)
    model = PersonOut.model_validate(person_summary(person, grant))
    return json.dumps(model.model_dump(), cls=NinjaJSONEncoder).encode()


def test_the_body_is_what_django_ninja_renders_for_every_caller(api, world):
    person = _person(world)
    for username in ("amara", "ben", "grace"):  # registered here / same agency / holds them in custody
        response = api(username).get(f"/people/{person.pk}")
        assert response.status_code == 200, (username, response.content)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["ETag"] == f'"{person.version}"'
        assert response.content == _as_ninja_would_render(world["staff"][username].user, person.pk), username
        PersonOut.model_validate_json(response.content)
    amara = api("amara").get(f"/people/{person.pk}").json()
    grace = api("grace").get(f"/people/{person.pk}").json()
    # Each sees the episodes their grant allows: Riverside's two for Riverside, the prison's for the prison.
    assert [e["started_on"] for e in amara["episodes"]] == ["2026-01-10", "2025-02-01"]
    assert [e["agency"]["name"] for e in grace["episodes"]] == ["HMP Northgate"]
    assert amara["episodes"][1]["discharge_reason"]["id"] == "eb5f6301-dfea-55d1-a111-0ec893a04912"
    assert [n["kind"] for n in amara["names"]] == ["alias", "previous", "usual"]
    assert {"scheme": "prison", "value": "A7654ZX"} in amara["identifiers"]


def test_a_denied_read_and_a_missing_person_are_the_same_404(api, world):
    person = _person(world)
    denied = api("una").get(f"/people/{person.pk}")  # a peer mentor at an agency with no relationship
    missing = api("una").get("/people/5f0c3b8e-7d2a-4c55-9a1e-0b7c2d4e6f81")
    assert denied.status_code == missing.status_code == 404
    assert denied.content == missing.content
    entries = list(AuditEntry.objects.order_by("-seq")[:2])
    assert [(e.action, e.outcome) for e in entries] == [("person.read", "denied")] * 2


def test_three_queries_token_person_and_audit_entry(api, world):
    person = _person(world)
    client = api("amara")
    client.get(f"/people/{person.pk}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/people/{person.pk}").status_code == 200
    # (A signed checkpoint every 1,000 entries adds its own queries; not part of the read.)
    own = [q["sql"] for q in queries.captured_queries if "audit_auditcheckpoint" not in q["sql"]
           and '"audit_auditentry"."lane"' not in q["sql"]]
    assert len(own) == 3, own
    assert "apitoken" in own[0] and "people_person" in own[1] and own[2].startswith("INSERT INTO audit_auditentry")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome, str(entry.person_id), entry.username) == (
        "person.read", "allowed", str(person.pk), "amara")


def test_a_revoked_token_or_a_deactivated_user_is_refused_on_the_next_request(world):
    person = world["jo"]
    token = create_token(actor=None, username="amara")
    client = Api(token)
    assert client.get(f"/people/{person.pk}").status_code == 200
    revoke_token(actor=None, token_id=ApiToken.objects.get(user__username="amara").pk)
    assert client.get(f"/people/{person.pk}").status_code == 401
    other = Api(create_token(actor=None, username="ben"))
    assert other.get(f"/people/{person.pk}").status_code == 200
    user = world["staff"]["ben"].user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert other.get(f"/people/{person.pk}").status_code == 401
