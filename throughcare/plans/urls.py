from django.urls import path

from throughcare.plans import views

app_name = "plans"
urlpatterns = [
    path("people/<str:person_id>/plan", views.plan_page, name="plan"),
    path("people/<str:person_id>/plan/stage", views.stage_page, name="stage"),
    path("people/<str:person_id>/plan/goals/new", views.goal_page, name="goal-new"),
    path("people/<str:person_id>/plan/goals/<str:goal_id>", views.goal_page, name="goal-edit"),
    path("people/<str:person_id>/plan/goals/<str:goal_id>/remove", views.remove_goal_page, name="goal-remove"),
    path("people/<str:person_id>/plan/versions", views.versions_page, name="versions"),
    path("people/<str:person_id>/plan/versions/<str:number>", views.version_page, name="version"),
]
