from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "throughcare.reporting"
    label = "reporting"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Reporting and commissioning"
