from django.urls import path

from throughcare.reviews import views

app_name = "reviews"
urlpatterns = [
    path("people/<str:person_id>/plan/reviews", views.reviews_page, name="list"),
    path("people/<str:person_id>/plan/reviews/new", views.review_new, name="new"),
]
