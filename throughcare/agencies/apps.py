from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "throughcare.agencies"
    label = "agencies"
    default_auto_field = "django.db.models.BigAutoField"
