from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "throughcare.referrals"
    label = "referrals"
    default_auto_field = "django.db.models.BigAutoField"
