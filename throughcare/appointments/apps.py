from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "throughcare.appointments"
    label = "appointments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Appointments"
