from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "throughcare.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from throughcare.notifications import checks  # noqa: F401  (registers the system checks)
