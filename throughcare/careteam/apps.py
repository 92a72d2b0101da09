from django.apps import AppConfig


class CareteamConfig(AppConfig):
    name = "throughcare.careteam"
    label = "careteam"
    default_auto_field = "django.db.models.BigAutoField"
