from django.urls import path

from throughcare.custody import views

app_name = "custody"
urlpatterns = [
    path("custody/reception", views.reception, name="reception"),
    path("people/<str:person_id>/custody", views.person_list, name="list"),
    path("custody/<str:custody_id>", views.detail, name="detail"),
    path("custody/<str:custody_id>/screen/<str:kind>", views.screen, name="screen"),
    path("custody/<str:custody_id>/release-date", views.release_date, name="release-date"),
    path("custody/<str:custody_id>/transfer", views.transfer, name="transfer"),
    path("custody/<str:custody_id>/release", views.release, name="release"),
]
