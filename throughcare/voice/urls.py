from django.urls import path

from throughcare.voice import views, views_analysis, views_public

app_name = "voice"
C = "consultations/<uuid:cid>"
urlpatterns = [
    # Public: no sign-in.
    path("have-your-say/", views_public.index, name="public-index"),
    path("have-your-say/<uuid:cid>/", views_public.respond, name="respond"),
    path("have-your-say/<uuid:cid>/thank-you", views_public.thank_you, name="thank-you"),
    path("have-your-say/<uuid:cid>/summary", views_public.summary, name="summary"),
    path("have-your-say/<uuid:cid>/summary.pdf", views_public.summary_pdf, name="summary-pdf"),
    # Consultation analysts.
    path("consultations/", views.consultation_list, name="list"),
    path("consultations/new", views.consultation_new, name="new"),
    path("consultations/analysts", views.analysts, name="analysts"),
    path(f"{C}/", views.overview, name="consultation"),
    path(f"{C}/edit", views.consultation_edit, name="edit"),
    path(f"{C}/status", views.consultation_status, name="status"),
    path(f"{C}/paper", views.paper_import, name="paper"),
    path(f"{C}/questions", views.questions, name="questions"),
    path(f"{C}/questions/new", views.question_new, name="question-new"),
    path(f"{C}/questions/<int:qpk>/edit", views.question_edit, name="question-edit"),
    path(f"{C}/questions/<int:qpk>/remove", views.question_remove, name="question-remove"),
    path(f"{C}/responses", views.responses, name="responses"),
    path(f"{C}/responses/import", views.responses_import, name="import"),
    path(f"{C}/responses/<int:rpk>", views.response_detail, name="response"),
    path(f"{C}/responses/<int:rpk>/about", views.respondent_edit, name="respondent-edit"),
    path(f"{C}/responses/<int:rpk>/remove", views.respondent_remove, name="respondent-remove"),
    path(f"{C}/passages/<int:ppk>/question", views.passage_remap, name="passage-remap"),
    path(f"{C}/passages/<int:ppk>/answer", views.passage_closed, name="passage-closed"),
    path(f"{C}/analysis", views_analysis.run, name="run"),
    path(f"{C}/themes", views_analysis.themes_index, name="themes"),
    path(f"{C}/themes/<int:qpk>", views_analysis.question_themes, name="question-themes"),
    path(f"{C}/themes/<int:qpk>/propose", views_analysis.propose, name="propose"),
    path(f"{C}/themes/<int:qpk>/classify", views_analysis.classify, name="classify"),
    path(f"{C}/themes/<int:qpk>/merge", views_analysis.merge, name="merge"),
    path(f"{C}/themes/<int:qpk>/add", views_analysis.theme_add, name="theme-add"),
    path(f"{C}/themes/<int:qpk>/code", views_analysis.code_next, name="code-next"),
    path(f"{C}/themes/<int:qpk>/review", views_analysis.review_queue, name="review"),
    path(f"{C}/themes/<int:qpk>/responses/<int:rpk>", views_analysis.code, name="code"),
    path(f"{C}/theme/<int:tpk>/edit", views_analysis.theme_edit, name="theme-edit"),
    path(f"{C}/theme/<int:tpk>/approve", views_analysis.theme_approve, name="theme-approve"),
    path(f"{C}/theme/<int:tpk>/split", views_analysis.theme_split, name="theme-split"),
    path(f"{C}/compare", views_analysis.compare, name="compare"),
    path(f"{C}/campaigns", views_analysis.campaigns, name="campaigns"),
    path(f"{C}/redactions", views_analysis.redactions, name="redactions"),
    path(f"{C}/redactions/<int:pk>", views_analysis.redaction_decide, name="redaction"),
    path(f"{C}/decisions", views_analysis.decisions, name="decisions"),
    path(f"{C}/decisions/<int:pk>/edit", views_analysis.decision_edit, name="decision-edit"),
    path(f"{C}/decisions/<int:pk>/remove", views_analysis.decision_remove, name="decision-remove"),
    path(f"{C}/publish", views_analysis.publish, name="publish"),
]
