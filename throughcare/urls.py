from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from throughcare.api import api
from throughcare.core.views import home


def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("", include("throughcare.accounts.urls")),
    path("", include("throughcare.matching.urls")),
    path("", include("throughcare.people.urls")),
    path("", include("throughcare.journey.urls")),
    path("", include("throughcare.episodes.urls")),
    path("", include("throughcare.agencies.urls")),
    path("", include("throughcare.consent.urls")),
    path("", include("throughcare.audit.urls")),
    path("", include("throughcare.plans.urls")),
    path("", include("throughcare.reviews.urls")),
    path("", include("throughcare.appointments.urls")),
    path("", include("throughcare.referrals.urls")),
    path("", include("throughcare.careteam.urls")),
    path("", include("throughcare.today.urls")),
    path("", include("throughcare.myrecord.urls")),
    path("", include("throughcare.custody.urls")),
    path("", include("throughcare.releases.urls")),
    path("", include("throughcare.directory.urls")),
    path("", include("throughcare.assessments.urls")),
    path("", include("throughcare.outcomes.urls")),
    path("", include("throughcare.reporting.urls")),
    path("", include("throughcare.voice.urls")),
]


def handler404(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found", "fields": {}}}, status=404)
    if request.path.startswith("/my/"):  # the person's own record: in their language (English or Welsh)
        from throughcare.myrecord.views import not_found

        return not_found(request, exception)
    return page_not_found(request, exception)
