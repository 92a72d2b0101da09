from django.urls import path

from throughcare.journey import views

app_name = "journey"
urlpatterns = [
    path("people/<str:person_id>/notes/new", views.note_new, name="add-note"),
]
