from django.urls import path

from throughcare.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/code", views.two_factor_page, name="two-factor"),
    path("two-step-sign-in", views.two_factor_setup, name="two-factor-setup"),
    path("sign-out", views.SignOutView.as_view(), name="sign-out"),
]
