from django.urls import path

from throughcare.careteam import views

app_name = "careteam"
urlpatterns = [
    path("people/<str:person_id>/care-team/", views.team_page, name="page"),
    path("people/<str:person_id>/care-team/add", views.add_member, name="add"),
    path("people/<str:person_id>/care-team/handover", views.propose_handover, name="handover"),
    path("care-team/<str:member_id>/leave", views.remove_member, name="leave"),
    path("handovers/<str:handover_id>", views.handover_page, name="handover-decide"),
]
