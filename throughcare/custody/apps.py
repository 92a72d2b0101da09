from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "throughcare.custody"
    label = "custody"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Custody"
