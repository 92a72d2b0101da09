from django.urls import path

from throughcare.releases import views

app_name = "releases"
urlpatterns = [
    path("releases/", views.agency_list, name="list"),
    path("gate/", views.gate, name="gate"),
    path("continuity/", views.continuity, name="continuity"),
    path("custody/<str:custody_id>/release-plan", views.open_now, name="open"),
    path("release-plans/<str:plan_id>", views.plan, name="plan"),
    path("release-plans/<str:plan_id>/review", views.review, name="review"),
    path("release-plans/<str:plan_id>/handover", views.handover, name="handover"),
    path("release-plans/<str:plan_id>/pack.pdf", views.pack, name="pack"),
    path("release-plans/<str:plan_id>/handover.pdf", views.handover_pdf, name="handover-pdf"),
    path("release-plan-items/<str:item_id>", views.item, name="item"),
    path("release-handovers/<str:handover_id>/acknowledge", views.acknowledge, name="acknowledge"),
    path("release-handovers/<str:handover_id>/engagement", views.engagement, name="engagement"),
]
