from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "throughcare.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_started

        from throughcare.core.dbhealth import check_connections

        # PostgreSQL connections are checked by polling their socket (core.dbhealth), not by SELECT 1.
        request_started.connect(check_connections, dispatch_uid="throughcare-db-health")
