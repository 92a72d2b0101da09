"""Backup and restore of a PostgreSQL database, proven by checksums.

`backup` runs pg_dump (custom format) and writes a manifest next to the dump: the dump's sha256 and,
for every table, its row count and a checksum of its rows (md5 over each row's text, sorted, so the
physical order of rows does not matter). `restore` checks the dump against its manifest, refuses a
database that already holds tables, runs pg_restore in one transaction, then recomputes the table
checksums on the restored database and compares them with the manifest: equal, or it says which
tables differ. `drill` does both into a scratch database, then verifies the restored audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess  # nosec B404 - runs pg_dump / pg_restore with fixed arguments, never a shell
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(RuntimeError):
    pass


@dataclass
class Comparison:
    tables: int = 0
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def connection_settings(database: dict) -> dict:
    """libpq keywords and environment for a Django DATABASES entry (PostgreSQL only)."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        raise BackupError("Backup and restore need PostgreSQL: set DATABASE_URL=postgresql://...")
    return {"dbname": database["NAME"], "user": database.get("USER") or None,
            "password": database.get("PASSWORD") or None, "host": database.get("HOST") or None,
            "port": database.get("PORT") or None}


def _env(conn: dict) -> dict:
    env = dict(os.environ)
    for key, name in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD"),
                      ("dbname", "PGDATABASE")):
        if conn.get(key):
            env[name] = str(conn[key])
    return env


def _connect(conn: dict, **kwargs) -> psycopg.Connection:
    return psycopg.connect(**{k: v for k, v in conn.items() if v}, **kwargs)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_checksums(conn: dict) -> dict[str, dict]:
    """{table: {"rows": n, "md5": ...}} for every table in the public schema, in one snapshot."""
    with _connect(conn) as db:
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _checksums_in(db)


def backup(database: dict, out: Path) -> dict:
    """Dump the database to `out` and write `out.manifest.json`. Returns the manifest."""
    conn = connection_settings(database)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The checksums and the dump are two reads; nothing may write in between for them to agree, so the
    # dump runs first and the checksums are taken from the dump's own snapshot via pg_export_snapshot.
    with _connect(conn, autocommit=False) as db:
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]
        result = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={out}"], env=_env(conn), capture_output=True, text=True, timeout=6 * 3600)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        tables = _checksums_in(db)
    manifest = {
        "format": "throughcare-backup-1",
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": conn["dbname"],
        "dump": out.name,
        "sha256": sha256_file(out),
        "tables": tables,
    }
    Path(f"{out}{MANIFEST_SUFFIX}").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    return manifest


def _checksums_in(db: psycopg.Connection) -> dict[str, dict]:
    tables = [row[0] for row in db.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    result = {}
    for table in tables:
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                        "FROM (SELECT md5(t::text) AS h FROM {} t) rows").format(sql.Identifier(table))
        rows, digest = db.execute(query).fetchone()
        result[table] = {"rows": rows, "md5": digest}
    return result


def read_manifest(dump: Path) -> dict:
    path = Path(f"{dump}{MANIFEST_SUFFIX}")
    if not path.exists():
        raise BackupError(f"No manifest next to the dump: {path} is missing")
    manifest = json.loads(path.read_text("utf-8"))
    if manifest.get("format") != "throughcare-backup-1":
        raise BackupError(f"{path} is not a Throughcare backup manifest")
    return manifest


def compare(expected: dict[str, dict], actual: dict[str, dict]) -> Comparison:
    report = Comparison(tables=len(expected), rows=sum(t["rows"] for t in expected.values()))
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            report.differences.append(f"{table}: missing after restore")
        elif table not in expected:
            report.differences.append(f"{table}: not in the backup")
        elif expected[table] != actual[table]:
            report.differences.append(f"{table}: {expected[table]['rows']} rows backed up, "
                                      f"{actual[table]['rows']} restored, checksums differ")
    return report


def restore(dump: Path, database: dict) -> Comparison:
    """Restore `dump` into an empty database and prove it equals what was backed up."""
    dump = Path(dump)
    manifest = read_manifest(dump)
    if sha256_file(dump) != manifest["sha256"]:
        raise BackupError(f"{dump} does not match its manifest (sha256 differs): the file is damaged or altered")
    conn = connection_settings(database)
    with _connect(conn) as db:
        existing = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    if existing:
        raise BackupError(f"Database {conn['dbname']} already holds {existing} tables: restore into an empty one")
    result = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={conn['dbname']}", str(dump)], env=_env(conn), capture_output=True, text=True,
        timeout=6 * 3600)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    return compare(manifest["tables"], table_checksums(conn))


def create_database(database: dict, name: str) -> dict:
    conn = connection_settings(database)
    with _connect({**conn, "dbname": "postgres"}, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return {**database, "NAME": name}


def drop_database(database: dict, name: str) -> None:
    conn = connection_settings(database)
    with _connect({**conn, "dbname": "postgres"}, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class Drill:
    comparison: Comparison
    audit_ok: bool
    audit_output: str
    seconds: float


def drill(database: dict, workdir: Path, database_url_for) -> Drill:
    """Back up, restore into a scratch database, compare, and verify the restored audit trail there.

    `database_url_for(name)` gives the DATABASE_URL of database `name` on the same server.
    """
    started = dt.datetime.now(dt.UTC)
    dump = Path(workdir) / "drill.dump"
    backup(database, dump)
    scratch = f"{database['NAME']}_drill_{uuid.uuid4().hex[:8]}"
    target = create_database(database, scratch)
    try:
        comparison = restore(dump, target)
        env = {**os.environ, "DATABASE_URL": database_url_for(scratch)}
        verify = subprocess.run(  # nosec B603 - this interpreter, fixed arguments
            [sys.executable, "-m", "throughcare.cli", "audit", "verify"], env=env, capture_output=True,
            text=True, timeout=6 * 3600)
    finally:
        drop_database(database, scratch)
    return Drill(comparison=comparison, audit_ok=verify.returncode == 0,
                 audit_output=(verify.stdout + verify.stderr).strip(),
                 seconds=(dt.datetime.now(dt.UTC) - started).total_seconds())
