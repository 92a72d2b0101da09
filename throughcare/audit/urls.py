from django.urls import path

from throughcare.audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_list, name="list"),
    path("people/<str:person_id>/access-log", views.person_access_log, name="person"),
]
