from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        from throughcare.audit.chain import link

        connection.connection.create_function("tc_chain", 2, link, deterministic=True)


def _check_login_does_not_own_the_audit_trail(app_configs, databases=None, **kwargs):
    """`check --deploy --database default`, as the server's login: on PostgreSQL the login that serves requests
    must not own the audit tables (an owner can switch their append-only triggers off)."""
    from django.conf import settings
    from django.core.checks import Warning as CheckWarning
    from django.db import connections

    if not databases or not settings.PRODUCTION:
        return []
    found = []
    for alias in databases:
        from throughcare.audit.dbrole import owns_audit_tables

        if owns_audit_tables(connections[alias]):
            found.append(CheckWarning(
                "The database login owns the audit tables, so it could switch their append-only triggers off.",
                hint="Run the server as a separate role made by `throughcare db app-role NAME` and the migrations "
                     "as the owner (THROUGHCARE_MIGRATE_DATABASE_URL). docs/configuration.md, Production.",
                id="throughcare.D001"))
    return found


class AuditConfig(AppConfig):
    name = "throughcare.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.checks import Tags, register

        connection_created.connect(_register_sqlite_functions, dispatch_uid="throughcare-audit-sqlite")
        register(Tags.database, deploy=True)(_check_login_does_not_own_the_audit_trail)
