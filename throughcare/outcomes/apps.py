from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "throughcare.outcomes"
    label = "outcomes"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Outcome reviews"
