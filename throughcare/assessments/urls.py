from django.urls import path

from throughcare.assessments import views

app_name = "assessments"
urlpatterns = [
    path("people/<str:person_id>/assessments", views.list_page, name="list"),
    path("people/<str:person_id>/assessments/start", views.start_page, name="start"),
    path("assessments/<str:assessment_id>", views.detail_page, name="detail"),
    path("assessments/<str:assessment_id>/sections/<str:section_id>", views.section_page, name="section"),
    path("assessments/<str:assessment_id>/sections/<str:section_id>/<str:question_id>", views.question_page,
         name="question"),
    path("assessments/<str:assessment_id>/check", views.check_page, name="check"),
    path("assessments/<str:assessment_id>/amend", views.amend_page, name="amend"),
    path("assessments/<str:assessment_id>/discard", views.discard_page, name="discard"),
]
