from django.urls import path

from throughcare.consent import views

app_name = "consent"
urlpatterns = [
    path("people/<str:person_id>/consents/", views.consent_page, name="list"),
    path("people/<str:person_id>/consents/new", views.consent_new, name="new"),
    path("people/<str:person_id>/lawful-basis/new", views.basis_new, name="basis-new"),
    path("consents/<str:consent_id>/withdraw", views.consent_withdraw, name="withdraw"),
    path("emergency-access", views.break_glass_page, name="break-glass"),
    path("caldicott/", views.review_queue, name="review-queue"),
    path("caldicott/emergency-access/<str:glass_id>", views.review_break_glass, name="review"),
    path("caldicott/lawful-basis/<str:basis_id>", views.decide_basis, name="decide"),
]
