from django.apps import AppConfig


class MyrecordConfig(AppConfig):
    name = "throughcare.myrecord"
    label = "myrecord"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "The person-held record"
