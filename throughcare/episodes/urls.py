from django.urls import path

from throughcare.episodes import views

app_name = "episodes"
urlpatterns = [
    path("people/<uuid:person_id>/episodes/new", views.start, name="start"),
    path("episodes/<uuid:episode_id>/end", views.end, name="end"),
]
