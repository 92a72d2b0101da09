from django.urls import path

from throughcare.matching import views

app_name = "matching"
urlpatterns = [
    path("people/join", views.join, name="join"),
    path("caldicott/merges/", views.proposals, name="proposals"),
    path("caldicott/merges/<str:proposal_id>", views.proposal, name="proposal"),
    path("caldicott/merges/separate/<str:merge_id>", views.unmerge, name="unmerge"),
]
