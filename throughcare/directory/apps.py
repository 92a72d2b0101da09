from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "throughcare.directory"
    label = "directory"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Service directory"

    def ready(self) -> None:
        # Eligibility facts from the holistic assessment (directory/facts.py registers itself).
        from throughcare.directory import facts  # noqa: F401
