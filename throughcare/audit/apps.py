from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        from throughcare.audit.chain import link

        connection.connection.create_function("tc_chain", 2, link, deterministic=True)


class AuditConfig(AppConfig):
    name = "throughcare.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        connection_created.connect(_register_sqlite_functions, dispatch_uid="throughcare-audit-sqlite")
