"""The deployment shape on PostgreSQL: the server's login is not the owner of the audit tables.

`throughcare db app-role NAME` makes a role that may read and add to the audit trail, and nothing more: it
cannot update, delete or truncate entries, and, not being the owner, cannot switch the refusing triggers
off. These tests connect as that role, to a test database the owner built, and try.
"""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from typer.testing import CliRunner

from tests.audit_triggers import switch_off_refusing_triggers
from tests.conftest import Api, build_world
from throughcare.accounts.actions import create_token
from throughcare.audit.dbrole import AUDIT_TABLES, RoleError, grant_app_role, owns_audit_tables
from throughcare.audit.models import AuditEntry
from throughcare.audit.verify import verify
from throughcare.cli import app

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: SQLite has no logins or grants "
                                                          "(its append-only triggers are tested in test_audit.py)")
runner = CliRunner()
PASSWORD = "app-role-test-password"
_switched_off: list = []


def _role_name() -> str:
    """Roles belong to the whole server: one per test database, so parallel test runs never share one."""
    return f"{connection.settings_dict['NAME']}_app"[:63]


@pytest.fixture(scope="module")
def _triggers_back_at_the_end(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        while _switched_off:
            _switched_off.pop()()


@pytest.fixture
def committed(_triggers_back_at_the_end, transactional_db):
    """Committed data (another connection must see it), with the refusing triggers ON during the test; they are
    switched off only afterwards, so pytest-django can empty the tables, and back on for the next test."""
    while _switched_off:
        _switched_off.pop()()
    yield
    _switched_off.append(switch_off_refusing_triggers(connection))


@pytest.fixture
def app_role(committed):
    name = _role_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {connection.ops.quote_name(name)}")
    yield name
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(name)
        cursor.execute(f"DROP OWNED BY {quoted}")
        cursor.execute(f"DROP ROLE IF EXISTS {quoted}")


def _connect_as(name: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"], user=name,
                           password=PASSWORD, autocommit=True, connect_timeout=5)


def _refused(conn: psycopg.Connection, sql: str) -> str:
    """Run `sql` as the app role; return PostgreSQL's refusal (the test fails if it is allowed)."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refusal, conn.cursor() as cursor:
        cursor.execute(sql)
    return str(refusal.value)


def _login_warnings() -> list[str]:
    from django.core.checks import run_checks

    return [m.id for m in run_checks(tags=["database"], include_deployment_checks=True, databases=["default"])
            if m.id == "throughcare.D001"]


@postgres_only
def test_the_app_role_cannot_change_the_audit_trail_or_switch_its_triggers_off(app_role, tmp_path, settings):
    world = build_world()
    token = create_token(actor=None, username="amara")
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    made = runner.invoke(app, ["db", "app-role", app_role, "--password-file", str(password_file)])
    assert made.exit_code == 0, made.output
    assert f"Role {app_role} created" in made.output and "SELECT and INSERT only" in made.output
    again = runner.invoke(app, ["db", "app-role", app_role])  # idempotent: the same rights again
    assert again.exit_code == 0 and "brought up to date" in again.output, again.output
    # A migration that (re)creates a table grants it by default privileges; `throughcare migrate` with
    # THROUGHCARE_DB_APP_ROLE set takes any extra rights on the audit tables back.
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, DELETE ON audit_auditentry TO {connection.ops.quote_name(app_role)}")
    migrated = runner.invoke(app, ["migrate"], env={"THROUGHCARE_DB_APP_ROLE": app_role})
    assert migrated.exit_code == 0 and "brought up to date" in migrated.output, migrated.output
    with connection.cursor() as cursor:  # the refusing triggers are on (the owner could switch them off)
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid::regclass::text = ANY(%s) AND NOT tgisinternal "
                       "AND tgenabled = 'O' AND (tgtype & 4) = 0", [list(AUDIT_TABLES)])
        assert cursor.fetchone()[0] == 4
    before = AuditEntry.objects.count()
    with _connect_as(app_role) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_user, count(*) FROM audit_auditentry")
            assert cursor.fetchone() == (app_role, before)  # it may read the trail
        for table in AUDIT_TABLES:
            assert "permission denied" in _refused(conn, f"UPDATE {table} SET seq = seq")
            assert "permission denied" in _refused(conn, f"DELETE FROM {table}")
            assert "permission denied" in _refused(conn, f"TRUNCATE {table}")
            assert "must be owner" in _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            assert "must be owner" in _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER USER")
            assert "must be owner" in _refused(conn, f"ALTER TABLE {table} OWNER TO {app_role}")
        assert "must be owner" in _refused(conn, "DROP TRIGGER audit_entry_append_only ON audit_auditentry")
        assert "permission denied" in _refused(conn, "SET session_replication_role = replica")  # skips triggers
        assert "permission denied" in _refused(conn, "INSERT INTO django_migrations (app, name, applied) "
                                                     "VALUES ('audit', 'fake', now())")
        assert "permission denied" in _refused(conn, "CREATE TABLE sneaky (id int)")
    # The server, logged in as the app role, still serves an audited write: the note and its entry commit.
    main = connections["default"]
    original = dict(main.settings_dict)
    main.close()
    main.settings_dict.update(USER=app_role, PASSWORD=PASSWORD)
    try:
        assert owns_audit_tables(main) is False
        settings.PRODUCTION = True
        assert _login_warnings() == []  # `check --deploy --database default` is content with this login
        response = Api(token).post(f"/people/{world['jo'].pk}/notes", {"text": "Seen today", "category": "housing"})
        assert response.status_code == 201, response.content
        read = Api(token).get(f"/people/{world['jo'].pk}")
        assert read.status_code == 200
        with main.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
    finally:
        main.close()
        main.settings_dict.clear()
        main.settings_dict.update(original)
    written = AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[:2]
    assert [e.action for e in written] == ["person.read", "note.add"]
    assert AuditEntry.objects.count() == before + 2
    assert verify().ok
    assert owns_audit_tables(connection) is True  # the test's own login is the owner
    assert _login_warnings() == ["throughcare.D001"]  # and the deployment check says so


@postgres_only
def test_unsafe_roles_are_refused(app_role):
    owner = connection.settings_dict["USER"] or "postgres"
    for name, message in [(owner, "the role you are connected as"), ("Bad-Name", "lower-case letters"),
                          ("postgres", "")]:
        with pytest.raises(RoleError) as refused:
            grant_app_role(connection, name)
        assert message in str(refused.value)
    quoted = connection.ops.quote_name(app_role)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {quoted} SUPERUSER")
    with pytest.raises(RoleError, match="superuser"):
        grant_app_role(connection, app_role)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {quoted} NOSUPERUSER")
        cursor.execute(f"GRANT {connection.ops.quote_name(owner)} TO {quoted}")
    with pytest.raises(RoleError, match="member of"):
        grant_app_role(connection, app_role)
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE {connection.ops.quote_name(owner)} FROM {quoted}")
        cursor.execute(f"CREATE TABLE tc_owned_by_app (id int); ALTER TABLE tc_owned_by_app OWNER TO {quoted}")
    try:
        refused = runner.invoke(app, ["db", "app-role", app_role])
        assert refused.exit_code == 2 and "owns 1 table" in refused.output
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE tc_owned_by_app")


@pytest.mark.skipif(ON_POSTGRES, reason="what the command says on SQLite")
def test_on_sqlite_the_command_says_why_there_is_no_role(db):
    result = runner.invoke(app, ["db", "app-role", "throughcare_app"])
    assert result.exit_code == 2 and "SQLite has no logins" in result.output
