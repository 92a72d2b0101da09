"""The app's URLs plus /bench/v1/people/{id}: the same person read as /api/v1/people/{id}, through the
same django-ninja machinery, token authentication and serialisation, but with no consent check and no
audit entry. The difference between the two is what access control and auditing cost."""

from django.urls import path
from ninja import NinjaAPI

from throughcare.api import BearerToken
from throughcare.consent.policy import ROLE_CATEGORY_CAP, Grant
from throughcare.core.errors import NotFound
from throughcare.people.models import Person
from throughcare.people.schemas import PersonOut
from throughcare.people.summary import person_summary
from throughcare.urls import urlpatterns as app_urlpatterns

bare = NinjaAPI(title="bench", version="bench", urls_namespace="bench", auth=BearerToken(), docs_url=None)
EVERYTHING = Grant(person_id=None, categories=ROLE_CATEGORY_CAP["key_worker"], basis="bench")


@bare.get("/people/{person_id}", response=PersonOut)
def bare_person(request, person_id: str):
    person = Person.objects.select_related("registered_by_agency").filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person_summary(person, EVERYTHING)


urlpatterns = [path("bench/v1/", bare.urls), *app_urlpatterns]
