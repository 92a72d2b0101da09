"""The person API through HTTP, for every persona."""

from __future__ import annotations

import pytest

from throughcare.audit.models import AuditEntry
from throughcare.journey.models import Event
from throughcare.people.models import Identifier, Person, PersonName

NEW_PERSON = {
    "given_names": "Sam", "family_name": "Rees", "date_of_birth": "1990-06-01",
    "other_names": [{"kind": "alias", "given_names": "Sammy", "family_name": "Reese"}],
    "sex": "female", "gender": "Woman", "postcode": "cf10 1aa", "preferred_language": "Welsh",
    "learning_disability": True, "safe_to_contact": {"text": True, "letter": False},
    "nhs_number": "943 476 5919", "probation_reference": "x654321",
}


def test_key_worker_registers_and_reads_a_person(api):
    response = api("amara").post("/people", NEW_PERSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["display_name"] == "Sam Rees"
    assert body["postcode"] == "CF10 1AA"
    assert {"scheme": "nhs", "value": "9434765919"} in body["identifiers"]
    assert {"scheme": "probation", "value": "X654321"} in body["identifiers"]
    assert {"kind": "alias", "given_names": "Sammy", "family_name": "Reese"} in body["names"]
    again = api("amara").get(f"/people/{body['id']}")
    assert again.status_code == 200
    assert again.json()["learning_disability"] is True
    timeline = api("amara").get(f"/people/{body['id']}/timeline").json()
    assert [e["kind"] for e in timeline["items"]] == ["registration"]


@pytest.mark.parametrize("change,field,message", [
    ({"nhs_number": "4857773456"}, "nhs_number", "not valid"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "past"),
    ({"date_of_birth": "1990-02-30"}, "date_of_birth", "real date"),
    ({"pnc_id": "2012/0443201Z"}, "pnc_id", "check letter"),
    ({"prison_number": "12345"}, "prison_number", "A1234BC"),
    ({"ethnicity": "not-an-id"}, "ethnicity", "list"),
    ({"sex": "robot"}, "sex", "sex"),
    ({"postcode": "nowhere"}, "postcode", "postcode"),
    ({"unexpected": "x"}, "unexpected", "not recognised"),
    ({"other_names": [{"kind": "nickname", "given_names": "A", "family_name": "B"}]}, "other_names.0.kind", "alias"),
    # A null character: PostgreSQL cannot store one in text (it was a server error there).
    ({"given_names": "Sa\x00m"}, "given_names", "null characters"),
    ({"other_names": [{"kind": "alias", "given_names": "A", "family_name": "B\x00"}]}, "other_names.0.family_name",
     "null characters"),
])
def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(api, change, field, message):
    before = (Person.objects.count(), PersonName.objects.count(), Identifier.objects.count(), Event.objects.count())
    response = api("amara").post("/people", {**NEW_PERSON, **change})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert message.lower() in error["fields"][field].lower()
    after = (Person.objects.count(), PersonName.objects.count(), Identifier.objects.count(), Event.objects.count())
    assert after == before


@pytest.mark.parametrize("missing", ["given_names", "family_name", "date_of_birth"])
def test_missing_required_field(api, missing):
    body = {k: v for k, v in NEW_PERSON.items() if k != missing}
    response = api("amara").post("/people", body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][missing] == "This field is required"
    assert not Person.objects.filter(display_name__contains="Rees").exists()


def test_malformed_json_is_a_clear_error(api):
    response = api("amara").post("/people", raw="{not json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": "Send the body as a JSON object"}
    # A body sent as a form with no boundary is still read as the JSON it is (no server error), and its null
    # character is still found.
    client = api("amara")
    odd = client.client.post("/api/v1/people/candidates", '{"given_names": "A\\u0000", "family_name": "B", "date_of_birth": "1990-01-01"}',
                             content_type="multipart/form-data", headers=client.headers)
    assert odd.status_code == 422 and odd.json()["error"]["fields"] == {"given_names": "Null characters are not allowed"}


def test_duplicate_identifier_is_refused(api, world):
    response = api("amara").post("/people", {**NEW_PERSON, "nhs_number": "4857773457"})
    assert response.status_code == 422
    assert "already on a record" in response.json()["error"]["fields"]["nhs_number"]


def test_unseen_person_looks_exactly_like_a_missing_one(api, world):
    jo = world["jo"]
    unseen = api("grace").get(f"/people/{jo.pk}")
    missing = api("grace").get("/people/00000000-0000-4000-8000-000000000000")
    garbage = api("grace").get("/people/not-a-uuid")
    assert unseen.status_code == missing.status_code == garbage.status_code == 404
    assert unseen.content == missing.content == garbage.content
    assert api("grace").get(f"/people/{jo.pk}/timeline").content == missing.content


@pytest.mark.parametrize("persona,sees", [
    ("amara", True), ("ben", True), ("grace", False), ("una", False), ("xena", False),
    ("yusuf", False), ("alan", False), ("sam", False),
])
def test_who_can_read_the_person(api, world, persona, sees):
    response = api(persona).get(f"/people/{world['jo'].pk}")
    assert response.status_code == (200 if sees else 404)
    listing = api(persona).get("/people", q="Bloggs").json()
    assert (listing["total"] == 1) is sees
    assert any(item["id"] == str(world["jo"].pk) for item in listing["items"]) is sees


def test_search_by_name_alias_date_of_birth_and_identifier(api, world):
    api("amara").post("/people", NEW_PERSON)
    client = api("amara")
    for query, expected in [
        ("bloggs", {"Jo Bloggs"}), ("JO", {"Jo Bloggs"}), ("reese", {"Sam Rees"}), ("sammy", {"Sam Rees"}),
        ("27/03/1985", {"Jo Bloggs"}), ("1990-06-01", {"Sam Rees"}), ("485 777 3457", {"Jo Bloggs"}),
        ("A1234BC", {"Jo Bloggs"}), ("x654321", {"Sam Rees"}), ("sam 01/06/1990", {"Sam Rees"}),
        ("nobody", set()),
    ]:
        found = {item["display_name"] for item in client.get("/people", q=query).json()["items"]}
        assert found == expected, query


def test_search_totals_and_pages_count_only_visible_people(api, world):
    for i in range(3):
        api("grace").post("/people", {"given_names": f"Pat{i}", "family_name": "Bloggs", "date_of_birth": "1980-01-01",
                                      "confirm_no_match": True})  # similar on purpose (identity matching would ask)
    amara = api("amara").get("/people", q="bloggs", page_size=1).json()
    grace = api("grace").get("/people", q="bloggs", page_size=2, page=2).json()
    assert amara["total"] == 1
    assert grace["total"] == 3
    assert len(grace["items"]) == 1
    assert all(i["display_name"].startswith("Pat") for i in grace["items"])


def test_unauthenticated_and_bad_tokens_get_401_envelope(client, world):
    for headers in [{}, {"Authorization": "Bearer tc_wrong"}, {"Authorization": "Basic abc"}]:
        response = client.get("/api/v1/people", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


def test_unknown_api_path_is_json_404(api):
    response = api("amara").get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_query_parameter_is_refused_by_name_not_ignored(api, world, client):
    # A mistyped filter would otherwise answer as if no filter had been asked for: every visible person.
    response = api("amara").get("/people", serach="bloggs")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["serach"]
    assert "not recognised" in error["fields"]["serach"] and "q" in error["fields"]["serach"]
    # The declared ones still work beside it, an operation with none refuses any, and a parameter with no
    # name is named as such.
    assert api("amara").get("/people", q="bloggs", page=1, page_size=5).status_code == 200
    person = api("amara").get(f"/people/{world['jo'].pk}", fields="all")
    assert person.status_code == 422 and list(person.json()["error"]["fields"]) == ["fields"]
    assert list(api("amara").get("/people", **{"": "x"}).json()["error"]["fields"]) == ["(no name)"]
    nul = api("amara").get("/people", q="bl\x00oggs")
    assert nul.status_code == 422 and nul.json()["error"]["fields"] == {"q": "Null characters are not allowed"}
    # No token: 401 first, whatever the query says.
    assert client.get("/api/v1/people?serach=x").status_code == 401


def test_the_query_parameters_allowed_are_the_ones_the_spec_documents(client, db):
    from throughcare.api import api as ninja_api
    from throughcare.api import query_names

    documented = {}
    for methods in client.get("/api/v1/openapi.json").json()["paths"].values():
        for operation in methods.values():
            documented[operation["operationId"]] = {p["name"] for p in operation.get("parameters", [])
                                                    if p["in"] == "query"}
    allowed, sources = {}, set()
    for _prefix, router in ninja_api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                allowed[ninja_api.get_openapi_operation_id(operation)] = set(query_names(operation))
                sources.update(model.__ninja_param_source__ for model in operation.signature.models)
    assert allowed == documented
    # The null-character check reads bodies as JSON: no operation takes a form or a file.
    assert sources <= {"path", "query", "header", "body"}, sources
    assert sum(1 for names in allowed.values() if names) >= 10  # lists, searches and reports take filters


def test_openapi_spec_lists_the_endpoints(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in ["/api/v1/people", "/api/v1/people/{person_id}", "/api/v1/people/{person_id}/timeline",
                 "/api/v1/people/{person_id}/notes"]:
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_every_read_is_audited_once(api, world):
    amara, grace = api("amara"), api("grace")
    before = AuditEntry.objects.count()
    amara.get(f"/people/{world['jo'].pk}")
    grace.get(f"/people/{world['jo'].pk}")
    entries = list(AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[:2])
    assert AuditEntry.objects.count() == before + 2
    denied, allowed = entries
    assert (allowed.username, allowed.outcome, allowed.person_id) == ("amara", "allowed", world["jo"].pk)
    assert allowed.agency_name == "Riverside Recovery" and allowed.role == "key_worker"
    assert allowed.lawful_basis == "relationship:registered"
    assert (denied.username, denied.outcome, denied.person_id) == ("grace", "denied", world["jo"].pk)
    assert allowed.request_id and allowed.channel == "api"


def test_update_details_with_etag_and_no_escape_from_the_rules(api, world):
    jo = world["jo"]
    amara = api("amara")
    read = amara.get(f"/people/{jo.pk}")
    etag = read["ETag"]
    changed = amara.client.patch(f"/api/v1/people/{jo.pk}", '{"family_name": "Smith", "postcode": "cf10 1aa"}',
                                 content_type="application/json", headers={**amara.headers, "If-Match": etag})
    assert changed.status_code == 200, changed.content
    assert changed.json()["display_name"] == "Jo Smith" and changed.json()["postcode"] == "CF10 1AA"
    assert {"kind": "previous", "given_names": "Jo", "family_name": "Bloggs"} in changed.json()["names"]
    assert changed["ETag"] != etag
    stale = amara.client.patch(f"/api/v1/people/{jo.pk}", '{"phone": "07700 900000"}',
                               content_type="application/json", headers={**amara.headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    # An If-Match that holds no version is refused, not read as "no If-Match" (which would skip the check).
    for value in ['"', '""', "", " ", "*", '"³"', '"' + "9" * 30 + '"']:
        odd = amara.client.patch(f"/api/v1/people/{jo.pk}", '{"phone": "07700 900000"}',
                                 content_type="application/json", headers={**amara.headers, "If-Match": value})
        assert odd.status_code == 422 and list(odd.json()["error"]["fields"]) == ["If-Match"], value
    assert amara.get(f"/people/{jo.pk}").json()["phone"] != "07700 900000"
    # Still found by the old name.
    assert amara.get("/people", q="bloggs").json()["total"] == 1
    # An update cannot move the record out of the rules' reach (or into someone else's).
    prison = world["agencies"]["prison"].pk
    for body in [f'{{"registered_by_agency": "{prison}"}}', f'{{"id": "{jo.pk}"}}']:
        refused = amara.client.patch(f"/api/v1/people/{jo.pk}", body, content_type="application/json",
                                     headers=amara.headers)
        assert refused.status_code == 422
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404
    assert api("grace").client.patch(f"/api/v1/people/{jo.pk}", '{"phone": "1"}', content_type="application/json",
                                     headers=api("grace").headers).status_code == 404
    bad = amara.client.patch(f"/api/v1/people/{jo.pk}", '{"date_of_birth": "2999-01-01"}',
                             content_type="application/json", headers=amara.headers)
    assert bad.status_code == 422 and "date_of_birth" in bad.json()["error"]["fields"]
    jo.refresh_from_db()
    assert jo.date_of_birth.year == 1985 and jo.registered_by_agency == world["agencies"]["riverside"]
