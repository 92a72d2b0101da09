from django.urls import path

from throughcare.matching import access_views, views

app_name = "matching"
urlpatterns = [
    path("people/join", views.join, name="join"),
    path("people/ask-for-access", access_views.ask, name="access-ask"),
    path("access-requests/", access_views.requests_page, name="access-requests"),
    path("access-requests/<str:request_id>/answer", access_views.answer, name="access-answer"),
    path("access-requests/<str:request_id>/join", access_views.join, name="access-join"),
    path("caldicott/merges/", views.proposals, name="proposals"),
    path("caldicott/merges/<str:proposal_id>", views.proposal, name="proposal"),
    path("caldicott/merges/separate/<str:merge_id>", views.unmerge, name="unmerge"),
]
