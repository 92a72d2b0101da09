from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "throughcare.assessments"
    label = "assessments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Assessments"
