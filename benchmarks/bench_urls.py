"""The app's URLs plus two reads of the same person for comparison (benchmarks only: `throughcare.settings`
does not know these routes exist; only benchmarks.bench_settings serves them).

- /bench/v1/people/{id}: the same read as /api/v1/people/{id} — the same django-ninja route machinery,
  Bearer token look-up, single prepared statement (less the policy's facts), summary and JSON rendering —
  but with no consent check and no audit entry. The difference is what access control and auditing
  cost (issue 3: at most 25%).
- /bench/bare/people/{id}: a bare Django read of the same row: a plain view, no token, no consent check,
  no audit, `Person.objects.values()` to JSON through the same middleware and server. What Django itself
  costs for one row (issue 12: the checked, audited read should manage at least 0.75 of its throughput).
"""

import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from ninja import NinjaAPI
from ninja.responses import NinjaJSONEncoder

from throughcare.api import BearerToken
from throughcare.consent.policy import ROLE_CATEGORY_CAP, Grant
from throughcare.core.errors import NotFound
from throughcare.core.ids import parse_uuid
from throughcare.people.access import _load
from throughcare.people.models import Person
from throughcare.people.schemas import PersonOut
from throughcare.people.summary import person_summary
from throughcare.urls import urlpatterns as app_urlpatterns

unchecked = NinjaAPI(title="bench", version="bench", urls_namespace="bench", auth=BearerToken(), docs_url=None)
EVERYTHING = Grant(person_id=None, categories=ROLE_CATEGORY_CAP["key_worker"], basis="bench")


@unchecked.get("/people/{person_id}", response=PersonOut)
def unchecked_person(request, person_id: str, response: HttpResponse):
    """people.api.read_person without get_person's consent check and audit entry (the same statement, less
    the policy's facts: they are loaded for the user only when the user is staff, so pass no user)."""
    pid = parse_uuid(person_id)
    person = _load(None, pid, details=True) if pid else None
    if person is None:
        raise NotFound("Person not found")
    response["ETag"] = f'"{person.version}"'
    summary = person_summary(person, EVERYTHING)
    agency = summary["registered_by_agency"]
    summary["registered_by_agency"] = {"id": agency.pk, "name": agency.name, "kind": agency.kind}
    response.content = json.dumps(summary, cls=NinjaJSONEncoder)
    return response


def bare_person(request, person_id):
    row = Person.objects.filter(pk=person_id).values().first()
    if row is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(row)

urlpatterns = [
    path("bench/v1/", unchecked.urls),
    path("bench/bare/people/<uuid:person_id>", bare_person),
    *app_urlpatterns,
]
