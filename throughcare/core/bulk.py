"""Loading many rows fast, for the demo world and the benchmarks (docs/decisions/0022-bulk-loading.md).

A `Table` collects rows for one model as tuples, in the order of the model's concrete columns (the auto
primary key left to the database). `load` writes them: PostgreSQL's COPY through psycopg's
`cursor.copy()` (one stream per table), elsewhere (SQLite) one `executemany` of the values each field
prepares for the database, as Django's own bulk_create would. Nothing about the schema changes: every
constraint, index and trigger is in place while the rows go in.

No model's save() runs and no signal is sent: only for synthetic data in a database marked as a demo,
or a benchmark's own database.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone


class _Required:
    def __init__(self, name: str):
        self.name = name

    def __call__(self):
        raise KeyError(f"{self.name}: a value is needed (the column has no default)")


class Table:
    """Rows for one model. `add(**values)` takes attribute names (person_id, not person); a column left
    out gets the field's default (auto_now fields: the moment the table was made), or an error if it has
    none. `add_row(tuple)` takes a row already in `columns` order, for the hottest tables."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        now = timezone.now()
        self.fields = [f for f in model._meta.concrete_fields
                       if not (f.primary_key and isinstance(f, AutoFieldMixin))]
        self.columns = [f.attname for f in self.fields]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self._defaults: list[Callable] = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self._defaults.append(lambda now=now: now)
            elif f.has_default():
                self._defaults.append(f.get_default)
            elif f.null:
                self._defaults.append(lambda: None)
            elif f.blank and isinstance(f, models.CharField | models.TextField):
                self._defaults.append(lambda: "")
            else:
                self._defaults.append(_Required(f"{model.__name__}.{f.attname}"))
        self._known = set(self.columns)
        self.rows: list[tuple] = []
        self.total = 0

    def add(self, **values) -> None:
        if not self._known.issuperset(values):
            raise KeyError(f"{self.model.__name__} has no column {sorted(set(values) - self._known)}")
        self.rows.append(tuple(values[c] if c in values else d() for c, d in zip(self.columns, self._defaults, strict=True)))

    def add_row(self, row: tuple) -> None:
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)


def load(tables: Iterable[Table]) -> None:
    """Write every table's rows, in the order given (parents first), in one transaction, and empty them."""
    _load_all(_take(tables))


def _take(tables: Iterable[Table]) -> list[tuple[Table, list[tuple]]]:
    taken = []
    for table in tables:
        if table.rows:
            taken.append((table, table.rows))
            table.total += len(table.rows)
            table.rows = []
    return taken


def _load_all(taken: list[tuple[Table, list[tuple]]], *, unchecked: bool = False) -> None:
    with transaction.atomic():
        if unchecked:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        for table, rows in taken:
            _load_one(table, rows)


class Loader:
    """`submit(tables)` loads each batch like `load`, but on PostgreSQL outside a transaction it does so in a
    thread with its own connection, one batch behind: PostgreSQL takes in one batch (COPY, its indexes and
    foreign-key checks, the commit) while Python makes the next, so two cores are both at work. Inside a
    transaction (tests) the rows would not see the caller's uncommitted parents: there it loads in place.
    `close()` waits for the last batch and raises the thread's error, if any.

    `checks_after=True` (demo databases only): when the database login is a superuser, the thread loads with
    `session_replication_role = replica`, so PostgreSQL skips the row-by-row foreign-key triggers, and
    `close()` then proves every foreign key of every loaded table with one anti-join each, raising
    `IntegrityError` naming the table and column if any row points nowhere. Indexes, unique and check
    constraints are enforced as always; the schema is not touched."""

    def __init__(self, *, checks_after: bool = False):
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.checks_after = self.threaded and checks_after and _superuser()
        self._models: dict = {}
        self._error: BaseException | None = None
        if self.threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=1)
            self._thread = threading.Thread(target=self._work, name="bulk-loader", daemon=True)
            self._thread.start()

    def submit(self, tables: Iterable[Table]) -> None:
        if not self.threaded:
            load(tables)
            return
        if self._error is not None:
            raise self._error
        taken = _take(tables)
        for table, _rows in taken:
            self._models[table.model] = table
        self._queue.put(taken)

    def close(self) -> None:
        if self.threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error
        if self.checks_after:
            check_foreign_keys(self._models)

    def _work(self) -> None:
        try:
            while (taken := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        _load_all(taken, unchecked=self.checks_after)
                    except BaseException as exc:  # handed to the caller's next submit() or close()
                        self._error = exc
        finally:
            connection.close()  # this thread's own connection


def _load_one(table: Table, rows: list[tuple]) -> None:
    name = connection.ops.quote_name(table.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_at = table.json
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:  # nosec B608 - model names
                write = copy.write_row
                if json_at:
                    for row in rows:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i])
                        write(row)
                else:
                    for row in rows:
                        write(row)
        else:
            fields = table.fields
            prepared = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", prepared)  # noqa: S608  # nosec B608


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def check_foreign_keys(models_loaded) -> None:
    """Every foreign key of these models' tables points at a row: one anti-join per key (PostgreSQL)."""
    from django.db import IntegrityError

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_loaded:
            for f in model._meta.concrete_fields:
                if not (f.is_relation and (f.many_to_one or f.one_to_one)) or not getattr(f, "db_constraint", True):
                    continue
                target = f.target_field
                sql = (f"SELECT c.{quote(f.column)} FROM {quote(model._meta.db_table)} c "  # noqa: S608  # nosec B608
                       f"WHERE c.{quote(f.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                       f"{quote(target.model._meta.db_table)} p WHERE p.{quote(target.column)} = c.{quote(f.column)}) "
                       "LIMIT 1")
                cursor.execute(sql)
                missing = cursor.fetchone()
                if missing:
                    raise IntegrityError(f"{model._meta.db_table}.{f.column} = {missing[0]} points at no "
                                         f"{target.model._meta.db_table} row")
