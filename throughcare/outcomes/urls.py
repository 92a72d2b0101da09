from django.urls import path

from throughcare.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("people/<str:person_id>/outcomes", views.progress_page, name="progress"),
    path("people/<str:person_id>/outcomes/record/<str:instrument_key>", views.record_page, name="record"),
    path("outcome-drafts/<str:draft_id>", views.draft_page, name="draft"),
    path("outcome-drafts/<str:draft_id>/sections/<str:section_id>/<str:question_id>", views.draft_question,
         name="question"),
    path("outcome-drafts/<str:draft_id>/check", views.draft_check, name="check"),
    path("outcome-drafts/<str:draft_id>/discard", views.draft_discard, name="discard"),
    path("outcome-reviews/<str:review_id>", views.review_page, name="review"),
]
