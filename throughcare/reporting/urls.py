from django.urls import path

from throughcare.reporting import views

app_name = "reporting"
urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/service/", views.service, name="service"),
    path("reports/service.csv", views.service_csv, name="service-csv"),
    path("reports/commissioner/", views.commissioner, name="commissioner"),
    path("reports/commissioner.csv", views.commissioner_csv, name="commissioner-csv"),
    path("reports/partner-figures", views.signals_import, name="signals-import"),
]
