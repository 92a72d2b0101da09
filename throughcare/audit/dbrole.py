"""The deployment shape on PostgreSQL: the schema belongs to an owner role that runs the migrations, and the
server logs in as a separate application role that may only read and add to the audit tables.

Triggers refuse UPDATE, DELETE and TRUNCATE on the audit tables (migration 0002), but a table's owner can
switch its triggers off (`ALTER TABLE ... DISABLE TRIGGER`). So the login the server uses must not own them:
`grant_app_role` creates (or brings up to date) a role that is not the owner, not a member of it and not a
superuser, with SELECT and INSERT only on the audit tables and ordinary reads and writes elsewhere.
`throughcare db app-role NAME` runs it; docs/decisions/0004-audit-trail.md explains the shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from throughcare.audit.models import AuditCheckpoint, AuditEntry

#: The audit tables: the application role may SELECT and INSERT, nothing more.
AUDIT_TABLES = (AuditEntry._meta.db_table, AuditCheckpoint._meta.db_table)
#: Tables the application role may only read (the server never records migrations itself).
READ_ONLY_TABLES = ("django_migrations",)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: What the application role may do to the audit tables, and what it must not.
AUDIT_ALLOWED = ("SELECT", "INSERT")
AUDIT_REFUSED = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


class RoleError(Exception):
    """The role cannot be made safe; the message says why and what to do."""


@dataclass
class RoleReport:
    name: str
    created: bool
    owner: str
    schema: str
    tables: int
    #: {table: {privilege: held}} for the audit tables, read back from PostgreSQL after granting.
    audit_privileges: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(held == (privilege in AUDIT_ALLOWED) for table in self.audit_privileges.values()
                   for privilege, held in table.items())


def _one(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()


def grant_app_role(connection, name: str, *, password: str | None = None, schema: str = "public") -> RoleReport:
    """Create or update the application role `name` and its grants, idempotently, as the schema's owner.

    Refuses (RoleError) a name that is not a plain lower-case identifier, the connecting role itself, a
    superuser or a role that bypasses row security, a role that owns tables here, and a member of the owner
    role (members act with the owner's rights, so could disable the triggers).
    """
    if connection.vendor != "postgresql":
        raise RoleError("This is for PostgreSQL. SQLite has no logins: its append-only triggers protect the audit "
                        "trail, and whoever can write the file can change anything in it.")
    if not ROLE_NAME.match(name or ""):
        raise RoleError("The role name must be lower-case letters, digits and underscores, starting with a letter "
                        "or underscore (at most 63 characters)")
    quote = connection.ops.quote_name
    role = quote(name)
    with connection.cursor() as cursor:
        owner, database = _one(cursor, "SELECT current_user, current_database()")
        if name == owner:
            raise RoleError(f"{name} is the role you are connected as (the owner). The application needs a "
                            "separate login: choose another name.")
        existing = _one(cursor, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [name])
        if existing and (existing[0] or existing[1]):
            raise RoleError(f"{name} is a superuser (or bypasses row security): it could switch the audit "
                            "triggers off. Use a plain role.")
        if existing and _one(cursor, "SELECT pg_has_role(%s, %s, 'MEMBER')", [name, owner])[0]:
            raise RoleError(f"{name} is a member of {owner}, the owner of the tables, so it acts with the owner's "
                            f"rights. Run REVOKE {quote(owner)} FROM {role} first.")
        if existing:
            owned = [row[0] for row in _rows(cursor, "SELECT tablename FROM pg_tables WHERE tableowner = %s "
                                                     "ORDER BY tablename", [name])]
            if owned:
                raise RoleError(f"{name} owns {len(owned)} table(s) (e.g. {owned[0]}): the application's login "
                                "must not own the schema. Run the migrations as the owner role, and ALTER TABLE "
                                f"... OWNER TO {quote(owner)} for these.")
        # Identifiers are quoted by Django's own quote_name after the strict check above; the password is a
        # parameter.
        login = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        if existing:
            cursor.execute(f"ALTER ROLE {role} {login}")
        else:
            cursor.execute(f"CREATE ROLE {role} {login}")
        if password:
            cursor.execute(f"ALTER ROLE {role} PASSWORD %s", [password])
        schema_name, db = quote(schema), quote(database)
        for statement in (
            f"GRANT CONNECT ON DATABASE {db} TO {role}",
            f"GRANT USAGE ON SCHEMA {schema_name} TO {role}",
            f"REVOKE CREATE ON SCHEMA {schema_name} FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_name} TO {role}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema_name} FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_name} TO {role}",
            f"REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA {schema_name} FROM {role}",
            # Tables and sequences later migrations create (as the owner) are usable by the application too;
            # `throughcare migrate` with THROUGHCARE_DB_APP_ROLE set runs this again to take the audit rights back.
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {schema_name} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {schema_name} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement)
        tables = [row[0] for row in _rows(cursor, "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])]
        for table in AUDIT_TABLES:
            if table in tables:
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {quote(table)} FROM {role}")
        for table in READ_ONLY_TABLES:
            if table in tables:
                cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} FROM {role}")
        report = RoleReport(name=name, created=not existing, owner=owner, schema=schema, tables=len(tables))
        for table in AUDIT_TABLES:
            if table in tables:
                report.audit_privileges[table] = {
                    privilege: _one(cursor, "SELECT has_table_privilege(%s, %s, %s)",
                                    [name, f"{schema}.{table}", privilege])[0]
                    for privilege in AUDIT_ALLOWED + AUDIT_REFUSED}
    if not report.ok:
        raise RoleError(f"{name} still holds rights on the audit tables it must not have (granted through PUBLIC or "
                        f"another role?): {report.audit_privileges}")
    return report


def _rows(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def owns_audit_tables(connection) -> bool | None:
    """Does the login in use own (or act as the owner of) the audit tables? None when not on PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        row = _one(cursor, "SELECT pg_has_role(current_user, tableowner, 'USAGE') OR "
                           "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
                           "FROM pg_tables WHERE tablename = %s", [AUDIT_TABLES[0]])
    return bool(row and row[0])
