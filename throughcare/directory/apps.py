from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "throughcare.directory"
    label = "directory"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Service directory"
