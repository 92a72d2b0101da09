from django.urls import path

from throughcare.people import views

app_name = "people"
urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/new", views.register, name="register"),
    path("people/<str:person_id>/", views.detail, name="detail"),
]
