"""The `throughcare` command. Every command honours DATABASE_URL (see docs/configuration.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from throughcare.matching.cli import link_app
from throughcare.voice.cli import voice_app

app = typer.Typer(help="Throughcare: a shared recovery record for drug and alcohol partnerships.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
agency_app = typer.Typer(help="Agencies in the partnership.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
reminders_app = typer.Typer(help="Appointment reminders.", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(reminders_app, name="reminders")
app.add_typer(link_app, name="link")
app.add_typer(voice_app, name="voice")
releases_app = typer.Typer(help="Release planning and continuity of care after release.", no_args_is_help=True)
app.add_typer(releases_app, name="releases")
directory_app = typer.Typer(help="The service directory (Open Referral UK).", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
db_app = typer.Typer(help="The database: roles for a PostgreSQL deployment.", no_args_is_help=True)
app.add_typer(db_app, name="db")
reports_app = typer.Typer(help="Reporting tables, extracts and returns (docs/reporting.md).", no_args_is_help=True)
app.add_typer(reports_app, name="reports")
keys_app = typer.Typer(help="Idempotency keys and the one-time keys of forms (decision 0023).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console()
err = Console(stderr=True)


def setup(*, as_owner: bool = False) -> None:
    """Set Django up. `as_owner`: connect with THROUGHCARE_MIGRATE_DATABASE_URL when it is set (the role that owns
    the schema), for commands that change the schema or grants; the server keeps DATABASE_URL."""
    if as_owner:
        from throughcare.config import env_str

        owner_url = env_str("THROUGHCARE_MIGRATE_DATABASE_URL")
        if owner_url:
            os.environ["DATABASE_URL"] = owner_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def _validation(exc) -> None:
    fail("; ".join(f"{field}: {message}" for field, message in exc.fields.items()) or exc.message, 2)


@app.command()
def migrate(demo: bool = typer.Option(False, "--demo", help="Mark this database as a demo (synthetic data only)")):
    """Prepare the database: create or update every table (as THROUGHCARE_MIGRATE_DATABASE_URL's role when set)."""
    setup(as_owner=True)
    from django.core.management import call_command

    from throughcare.config import env_str
    from throughcare.core.models import DatabaseMark

    call_command("migrate", interactive=False, verbosity=0)
    app_role = env_str("THROUGHCARE_DB_APP_ROLE")
    if app_role:  # new tables from this migration: grant them, and take the audit tables' extra rights back
        _grant_app_role(app_role, None)
    if demo:
        from throughcare.people.models import Person

        if not DatabaseMark.is_demo() and Person.objects.exists():
            fail("This database already holds people and is not a demo: it will not be marked as one.")
        DatabaseMark.objects.get_or_create(key=DatabaseMark.DEMO)
    console.print("Database ready" + (" (marked as a demo)" if demo else ""))


@app.command("demo-world")
def demo_world(people: int = typer.Option(200, "--people", min=0, help="How many people"),
               seed: int = typer.Option(1, "--seed", help="Random seed: the same seed builds the same world"),
               batch_size: int = typer.Option(2000, "--batch-size", min=100),
               if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the database already has people"),
               reporting: bool = typer.Option(True, "--reporting/--no-reporting",
                                              help="Fill the reporting tables too (else: the nightly reports refresh)")):
    """Fill a demo database with a realistic synthetic partnership."""
    setup()
    from throughcare.core.demo import build_world
    from throughcare.core.models import DatabaseMark

    if not DatabaseMark.is_demo():
        fail("This database is not marked as a demo. Refusing to add synthetic people to it.\n"
             "For a new demo database run: throughcare migrate --demo")
    from throughcare.people.models import Person

    if if_empty and Person.objects.exists():
        console.print("The demo database already has people: leaving it as it is.")
        _print_sign_ins()
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=not sys.stderr.isatty()) as progress:
        task = progress.add_task("Building people", total=people)
        stages = {"keys": "Proving foreign keys", "indexes": "Building indexes", "analyze": "Analysing tables"}
        summary = build_world(people=people, seed=seed, batch_size=batch_size, reporting=reporting,
                              progress=lambda n: progress.advance(task, n),
                              stage=lambda name: progress.update(task, description=stages.get(name, name)))
    console.print(f"Demo world: {summary.agencies} agencies, {summary.staff} staff, {summary.people} people, "
                  f"{summary.episodes} episodes, {summary.events} events; "
                  f"{sum(summary.rows.values())} rows bulk-loaded in all")
    console.print("Seconds: " + ", ".join(f"{step} {seconds}" for step, seconds in summary.seconds.items()))
    _print_sign_ins()


def _print_sign_ins() -> None:
    from throughcare.core.demo import DEMO_PASSWORD, STAFF

    console.print(f"Demo sign-ins, all with the password [bold]{DEMO_PASSWORD}[/bold]:")
    table = Table()
    table.add_column("username")
    table.add_column("role")
    seen = set()
    for username, _index, role, *_ in STAFF:
        if role not in seen:
            seen.add(role)
            table.add_row(username, role.label)
    console.print(table)
    from throughcare.core.demo import DEMO_PERSON_MOBILE

    console.print(f"A person holding their own record: [bold]/my/sign-in[/bold] with {DEMO_PERSON_MOBILE} and "
                  "the same password (or ask for a code: it is printed in the server log).")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: int = typer.Option(0, help="Run gunicorn with this many workers (production); 0 = development server"),
          threads: int = typer.Option(4, help="Threads per gunicorn worker (production; docs/configuration.md)")):
    """Serve Throughcare over HTTP."""
    setup()
    if workers:
        from throughcare.core.serving import WORKER_CLASS

        # Production: gunicorn gthread workers (threads keep a worker busy while another request waits on the
        # database, keep-alive spares a TCP handshake per request) that share new connections out between
        # them (core.serving), the app loaded once before the workers fork (decision 0019).
        # nosec B606 - runs this interpreter's own gunicorn with fixed arguments.
        os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "throughcare.wsgi:application",  # noqa: S606  # nosec B606
                                   "--bind", f"{host}:{port}", "--workers", str(workers), "--worker-class", WORKER_CLASS,
                                   "--threads", str(threads), "--keep-alive", "5", "--preload",
                                   "--access-logfile", "-"])
    from django.core.management import call_command

    from throughcare.voice.worker import start_in_thread

    start_in_thread()  # the development server does Voice's analysis runs itself; production runs `voice work`
    console.print(f"Throughcare is running at [bold]http://{host}:{port}/[/bold] (Ctrl+C to stop)")
    call_command("runserver", f"{host}:{port}", use_reloader=False)


def _database_url_for(name: str) -> str:
    """DATABASE_URL with another database name on the same server."""
    from urllib.parse import urlparse, urlunparse

    from throughcare.config import env_str

    url = env_str("DATABASE_URL") or ""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@app.command("backup")
def backup_command(out: Path = typer.Argument(..., help="The dump file to write (a manifest is written beside it)")):
    """Back up the PostgreSQL database (pg_dump) with a manifest of per-table checksums."""
    setup()
    from django.conf import settings

    from throughcare.core.backup import BackupError, backup

    try:
        manifest = backup(settings.DATABASES["default"], out)
    except BackupError as exc:
        fail(str(exc))
    rows = sum(t["rows"] for t in manifest["tables"].values())
    console.print(f"Backed up {len(manifest['tables'])} tables, {rows:,} rows to {out} (sha256 {manifest['sha256'][:16]}…)")


@app.command("restore")
def restore_command(dump: Path = typer.Argument(..., help="A dump written by `throughcare backup`"),
                    into: str = typer.Option("", help="DATABASE_URL of the empty database to restore into "
                                                      "(default: DATABASE_URL)")):
    """Restore a backup into an empty database, then prove every table equals the backup."""
    setup()
    from django.conf import settings

    from throughcare.config import database_from_url
    from throughcare.core.backup import BackupError, restore

    target = database_from_url(into) if into else settings.DATABASES["default"]
    try:
        report = restore(dump, target)
    except BackupError as exc:
        fail(str(exc))
    for problem in report.differences:
        err.print(f"[red]{problem}[/red]")
    if not report.ok:
        fail(f"Restored, but {len(report.differences)} table(s) differ from the backup")
    console.print(f"Restored and checked: {report.tables} tables, {report.rows:,} rows equal the backup")


@app.command("restore-drill")
def restore_drill_command():
    """Back up, restore into a scratch database, compare every table, verify the audit trail there."""
    setup()
    import tempfile

    from django.conf import settings

    from throughcare.core.backup import BackupError, drill

    with tempfile.TemporaryDirectory(prefix="throughcare-drill-") as workdir:
        try:
            result = drill(settings.DATABASES["default"], Path(workdir), _database_url_for)
        except BackupError as exc:
            fail(str(exc))
    for problem in result.comparison.differences:
        err.print(f"[red]{problem}[/red]")
    console.print(result.audit_output)
    if not result.comparison.ok or not result.audit_ok:
        fail("Restore drill FAILED")
    console.print(f"Restore drill passed in {result.seconds:.1f} s: {result.comparison.tables} tables, "
                  f"{result.comparison.rows:,} rows restored equal; audit trail verified on the copy")


def _grant_app_role(name: str, password: str | None) -> None:
    from django.db import connection

    from throughcare.audit.dbrole import RoleError, grant_app_role

    try:
        report = grant_app_role(connection, name, password=password)
    except RoleError as exc:
        fail(str(exc), 2)
    console.print(f"Role {name} {'created' if report.created else 'brought up to date'}: reads and writes "
                  f"{report.tables} tables in schema {report.schema} owned by {report.owner}; on the audit tables "
                  "SELECT and INSERT only (no UPDATE, DELETE, TRUNCATE; not the owner, so it cannot disable "
                  "their triggers).")


@db_app.command("app-role")
def db_app_role(name: str = typer.Argument(..., help="The application's login role, e.g. throughcare_app"),
                password_file: Path | None = typer.Option(None, help="Set the role's password from this file")):
    """Create or update the login the server uses on PostgreSQL: not the owner, append-only on the audit tables.

    Run it as the schema's owner (THROUGHCARE_MIGRATE_DATABASE_URL, or DATABASE_URL); run it again after
    migrations, or set THROUGHCARE_DB_APP_ROLE so `throughcare migrate` does. Safe to repeat.
    """
    setup(as_owner=True)
    password = None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            fail(f"Cannot read the password file: {exc}", 2)
        if not password:
            fail("The password file is empty", 2)
    _grant_app_role(name, password)
    console.print(f"Run the server with DATABASE_URL=postgresql://{name}:PASSWORD@HOST:PORT/NAME and the migrations "
                  "with THROUGHCARE_MIGRATE_DATABASE_URL set to the owner's URL.")


@agency_app.command("create")
def agency_create(name: str, kind: str = typer.Option(..., help="e.g. community_treatment, prison, probation"),
                  area: str = ""):
    """Add an agency to the partnership."""
    setup()
    from throughcare.agencies.actions import create_agency
    from throughcare.core.errors import ValidationFailed

    try:
        agency = create_agency(actor=None, name=name, kind=kind, area=area)
    except ValidationFailed as exc:
        _validation(exc)
    console.print(f"Agency created: {agency.name} ({agency.pk})")


@user_app.command("create")
def user_create(username: str = typer.Option(..., "--username"), agency: str = typer.Option(..., "--agency"),
                role: str = typer.Option(..., "--role"), first_name: str = "", last_name: str = "",
                password: str = typer.Option("", "--password", help="Leave empty to be asked")):
    """Add a member of staff to an agency, with a role."""
    setup()
    from throughcare.agencies.actions import create_staff
    from throughcare.core.errors import ValidationFailed

    if not password and sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        staff = create_staff(actor=None, username=username, agency=agency, role=role, password=password or None,
                             first_name=first_name, last_name=last_name)
    except ValidationFailed as exc:
        _validation(exc)
    console.print(f"User created: {staff.user.username}, {staff.get_role_display()} at {staff.agency.name}")


@user_app.command("reset-two-factor")
def user_reset_two_factor(username: str):
    """Remove a user's authenticator app (a lost phone): they set up a new one at their next sign-in."""
    setup()
    from throughcare.accounts.two_factor import reset
    from throughcare.core.errors import ValidationFailed

    try:
        reset(actor=None, username=username)
    except ValidationFailed as exc:
        _validation(exc)
    console.print(f"Two-step sign-in reset for {username}: they set up their app again when they next sign in.")


@token_app.command("create")
def token_create(username: str, label: str = ""):
    """Print a new API token for USERNAME (shown once)."""
    setup()
    from throughcare.accounts.actions import create_token
    from throughcare.core.errors import ValidationFailed

    try:
        key = create_token(actor=None, username=username, label=label)
    except ValidationFailed as exc:
        _validation(exc)
    print(key)


@audit_app.command("verify")
def audit_verify(checkpoints: Path | None = typer.Option(None, help="Checkpoints exported earlier (JSON lines)")):
    """Check the audit trail for edited, deleted, re-ordered or truncated entries."""
    setup()
    from throughcare.audit.verify import load_checkpoints, verify

    report = verify(external=load_checkpoints(checkpoints) if checkpoints else None)
    for problem in report.problems[:50]:
        err.print(f"[red]{problem}[/red]")
    if report.ok:
        console.print(f"Audit trail intact: {report.entries} entries, {report.checkpoints} checkpoints verified")
    else:
        fail(f"Audit trail damaged: {len(report.problems)} problem(s) in {report.entries} entries")


@audit_app.command("checkpoint")
def audit_checkpoint(export: Path | None = typer.Option(None, help="Append the checkpoint to this file")):
    """Sign a checkpoint at the newest entry (run it on a schedule; export the file elsewhere)."""
    setup()
    from throughcare.audit.recorder import write_checkpoint
    from throughcare.audit.verify import export_checkpoint

    checkpoint = write_checkpoint()
    if checkpoint is None:
        fail("The audit trail is empty")
    if export:
        export_checkpoint(checkpoint, export)
    console.print(f"Checkpoint at entry {checkpoint.seq}: {checkpoint.chain_hash}")


@reminders_app.command("send")
def reminders_send():
    """Send every appointment reminder that is due, once (safe to run twice or at the same time)."""
    setup()
    from throughcare.notifications.reminders import send_due_reminders

    run = send_due_reminders()
    console.print(f"Reminders due: {run.due}; sent {run.sent}, not sent {run.skipped} (no safe way to contact), "
                  f"failed {run.failed}, already taken by another run {run.claimed_elsewhere}")
    if run.failed:
        fail(f"{run.failed} reminder(s) failed: see the notifications table for why")


@directory_app.command("import")
def directory_import(file: Path = typer.Argument(..., help="An Open Referral UK (HSDS 3.0) services page, JSON")):
    """Import services, organisations and places from an ORUK file: all of it, or nothing."""
    setup()
    from throughcare.core.errors import ValidationFailed
    from throughcare.directory.oruk import import_directory, load

    if not file.is_file():
        fail(f"No such file: {file}", 2)
    try:
        summary = import_directory(actor=None, data=load(file.read_bytes()))
    except ValidationFailed as exc:
        err.print(f"[red]{exc.message}. Nothing was imported.[/red]")
        _validation(exc)
    for warning in summary["warnings"]:
        err.print(f"[yellow]{warning}[/yellow]")
    console.print(f"Imported {summary['services']} services, {summary['organisations']} organisations and "
                  f"{summary['locations']} places from {file}")


@directory_app.command("export")
def directory_export(file: Path = typer.Argument(..., help="Where to write the JSON"),
                     format: str = typer.Option("oruk", "--format", help="oruk (Open Referral UK) or fhir (a FHIR R4 "
                                                                          "Bundle of HealthcareService)")):
    """Export the directory as Open Referral UK JSON (validated against its schema), or as FHIR."""
    setup()
    import json

    from throughcare.directory.fhir import export_bundle
    from throughcare.directory.oruk import export_directory, validate

    if format not in ("oruk", "fhir"):
        fail("--format: choose oruk or fhir", 2)
    data = export_bundle() if format == "fhir" else export_directory()
    if format == "oruk":
        validate(data)
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    count = len(data["entry"]) if format == "fhir" else data["total_items"]
    console.print(f"Exported {count} services to {file} ({'FHIR R4 Bundle' if format == 'fhir' else 'Open Referral UK 3.0'})")


@releases_app.command("open-due")
def releases_open_due():
    """Open a release plan for everyone whose release date has come into the window, and raise "review
    needed" for plans confirmed long before release (run daily)."""
    setup()
    from django.conf import settings

    from throughcare.releases.opening import flag_reviews_due, open_due_plans

    opened = open_due_plans()
    console.print(f"Release plans opened: {len(opened)} (releases within {settings.RELEASE_PLAN_WEEKS} weeks)")
    flagged = flag_reviews_due()
    console.print(f"Release plans needing a structured review: {len(flagged)} newly flagged")


@releases_app.command("engagement")
def releases_engagement():
    """The 21-day engagement clock (run daily): first interventions, day 7 and 14 alerts, day 21 outcomes."""
    setup()
    from throughcare.releases.engagement import run

    summary = run()
    console.print(f"Engaged: {len(summary.engaged)}; alerts raised: {len(summary.alerts)}; "
                  f"not engaged within 21 days: {len(summary.not_engaged)}")


@keys_app.command("prune")
def keys_prune(days: int = typer.Option(30, "--days", min=1, help="Keep the keys of the last this many days")):
    """Forget idempotency keys older than --days (run daily): a request sent again after that runs again."""
    setup()
    import datetime as dt

    from throughcare.core.idempotency import prune

    console.print(f"Keys forgotten: {prune(older_than=dt.timedelta(days=days))} (older than {days} days)")


@reports_app.command("refresh")
def reports_refresh(full: bool = typer.Option(False, "--full", help="Rebuild every person, not only those changed")):
    """Bring the reporting tables up to date from the live tables (incrementally unless --full)."""
    setup()
    from throughcare.reporting.refresh import refresh

    with Progress(TextColumn("Reporting tables"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as bar:
        task = bar.add_task("people", total=None)
        result = refresh(full=full, progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(f"{'Rebuilt' if result.full else 'Refreshed'} {result.people} people: "
                  + ", ".join(f"{table} {rows}" for table, rows in result.rows.items()))


@reports_app.command("extract")
def reports_extract(directory: Path = typer.Argument(..., help="Where to write one Parquet file per table")):
    """Write the reporting tables as Parquet (for DuckDB), without names or ids."""
    setup()
    from throughcare.reporting.extract import write_extract

    for table, rows in write_extract(directory).items():
        console.print(f"{table}: {rows} rows")


@reports_app.command("national-return")
def reports_national_return(out: Path = typer.Argument(..., help="The CSV file to write"),
                            agency: str = typer.Option(..., "--agency", help="The provider's name"),
                            start: str = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD"),
                            end: str = typer.Option(..., "--to", help="Last day of the period, YYYY-MM-DD")):
    """The national return (NDTMS-shaped CSV) for one provider: consented people only, validated first."""
    import datetime as dt
    import io

    setup()
    from throughcare.agencies.models import Agency
    from throughcare.core.errors import ValidationFailed
    from throughcare.reporting.national_return import write

    provider = Agency.objects.filter(name=agency).first()
    if provider is None:
        fail(f"No agency is called {agency}", 2)
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        fail("Enter the dates as YYYY-MM-DD", 2)
    text = io.StringIO()
    try:
        count = write(provider, first, last, text)
    except ValidationFailed as exc:
        for field, message in exc.fields.items():
            err.print(f"{field}: {message}")
        fail(f"{exc.message}", 2)
    out.write_text(text.getvalue(), encoding="utf-8")
    console.print(f"Wrote {count} records to {out}")


@reports_app.command("fhir-export")
def reports_fhir_export(directory: Path = typer.Argument(..., help="Where to write one NDJSON file per resource type"),
                        agency: str = typer.Option(..., "--agency", help="The provider's name")):
    """FHIR R4 bulk NDJSON of one provider's records of consented people, each resource validated."""
    setup()
    from throughcare.agencies.models import Agency
    from throughcare.reporting.fhir_export import export

    provider = Agency.objects.filter(name=agency).first()
    if provider is None:
        fail(f"No agency is called {agency}", 2)
    for kind, count in export(provider, directory).items():
        console.print(f"{kind}: {count}")


@reports_app.command("import-signals")
def reports_import_signals(file: Path = typer.Argument(..., help="CSV: month,area,source,signal,count")):
    """Import partners' aggregate signals (hospital admissions, police seizures): all rows or none."""
    setup()
    from throughcare.core.errors import ValidationFailed
    from throughcare.reporting.signals import import_signals

    try:
        count = import_signals(actor=None, text=file.read_text(encoding="utf-8"))
    except ValidationFailed as exc:
        for field, message in exc.fields.items():
            err.print(f"{field}: {message}")
        fail(exc.message, 2)
    console.print(f"Imported {count} rows")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
