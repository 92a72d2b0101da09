from django.urls import path

from throughcare.referrals import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("people/<str:person_id>/referrals/new", views.referral_new, name="new"),
    path("referrals/<str:referral_id>", views.referral_detail, name="detail"),
    path("referrals/<str:referral_id>/<str:word>/now", views.referral_move_now, name="move-now"),
    path("referrals/<str:referral_id>/<str:word>", views.referral_move_form, name="move"),
]
