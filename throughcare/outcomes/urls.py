from django.urls import path

from throughcare.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("people/<str:person_id>/outcomes", views.progress_page, name="progress"),
    path("people/<str:person_id>/outcomes/record/<str:instrument_key>", views.record_page, name="record"),
    path("outcome-reviews/<str:review_id>", views.review_page, name="review"),
]
