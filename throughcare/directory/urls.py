from django.urls import path

from throughcare.directory import views

app_name = "directory"
urlpatterns = [
    # Public: no sign-in, no case data.
    path("find-support/", views.public_search, name="public-search"),
    path("find-support/<str:service_id>", views.public_service, name="public-service"),
    # Staff.
    path("directory/", views.search, name="search"),
    path("directory/services/new", views.service_new, name="service-new"),
    path("directory/services/<str:service_id>", views.service_detail, name="service"),
    path("directory/services/<str:service_id>/edit", views.service_edit, name="service-edit"),
    path("directory/organisations/new", views.organisation_new, name="organisation-new"),
    path("directory/organisations/<str:organisation_id>/edit", views.organisation_edit, name="organisation-edit"),
    path("directory/organisations/<str:organisation_id>/locations/new", views.location_new, name="location-new"),
    path("directory/organisations/<str:organisation_id>/locations/<str:location_id>/edit", views.location_edit,
         name="location-edit"),
    path("directory/people/<str:person_id>", views.person_services, name="person"),
    path("directory/exchange", views.exchange, name="exchange"),
    path("directory/exchange/oruk.json", views.export_oruk, name="export-oruk"),
    path("directory/exchange/fhir.json", views.export_fhir, name="export-fhir"),
]
