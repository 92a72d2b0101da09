from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "throughcare.releases"
    label = "releases"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Release planning"
