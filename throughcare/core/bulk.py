"""Loading many rows fast, for the demo world and the benchmarks (docs/decisions/0022-bulk-loading.md).

A `Table` collects rows for one model as tuples, in the order of the model's concrete columns (the auto
primary key left to the database). `load` writes them: PostgreSQL's COPY (text format, the lines made here:
`copy_text`), one stream per table, elsewhere (SQLite) one `executemany` of the values each field prepares
for the database, as Django's own bulk_create would.

`Loader(demo=True)` loads a whole demo world in one PostgreSQL transaction with the secondary indexes
dropped and rebuilt after, and the foreign keys proven after (see the class).

No model's save() runs and no signal is sent: only for synthetic data in a database marked as a demo,
or a benchmark's own database.
"""

from __future__ import annotations

import functools
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable

from django.db import IntegrityError, connection, models, transaction
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
        self._line: Callable[[tuple], str] | None | bool = False  # made on first use (copy_text)

    def add(self, **values) -> None:
        if not self._known.issuperset(values):
            raise KeyError(f"{self.model.__name__} has no column {sorted(set(values) - self._known)}")
        self.rows.append(tuple(values[c] if c in values else d() for c, d in zip(self.columns, self._defaults, strict=True)))

    def add_row(self, row: tuple) -> None:
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def copy_sql(self) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        return f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"  # nosec B608 - model names


# --- COPY's text format, made in Python ------------------------------------------------------------------
# One line a row: fields separated by tabs, NULL as \N, and in text a backslash, tab, newline or carriage
# return escaped with a backslash. psycopg's `write_row` does the same field by field through its adapters;
# a line made by one f-string per row costs about half as much Python time (docs/benchmarks.md).

#: How each kind of field is written (by the internal type of the field, or of the field a key points at).
_KINDS = {
    "UUIDField": "str", "AutoField": "str", "BigAutoField": "str", "SmallAutoField": "str", "IntegerField": "str",
    "BigIntegerField": "str", "SmallIntegerField": "str", "PositiveIntegerField": "str",
    "PositiveBigIntegerField": "str", "PositiveSmallIntegerField": "str",
    "CharField": "text", "TextField": "text", "SlugField": "text", "EmailField": "text", "URLField": "text",
    "DateTimeField": "iso", "DateField": "iso", "BooleanField": "bool", "JSONField": "json",
}
_special = re.compile("[\\\\\t\n\r\x00]").search


def _escape(text: str) -> str:
    if "\x00" in text:
        raise ValueError("PostgreSQL text cannot hold a NUL character")
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _line_maker(fields) -> Callable[[tuple], str] | None:
    """A function from a row (tuple) to its COPY text line, made for these fields; None if a field is of a
    kind not written here (the table then goes through psycopg's `write_row`)."""
    kinds = []
    for f in fields:
        target = f
        while target.is_relation:
            target = target.target_field
        kind = _KINDS.get(target.get_internal_type())
        if kind is None:
            return None
        kinds.append(kind)
    env = {"_N": "\\N", "_special": _special, "_escape": _escape}
    for i, f in enumerate(fields):
        if kinds[i] == "json":
            env[f"_dumps{i}"] = functools.partial(json.dumps, cls=f.encoder)

    def field(i: int, kind: str, escaped: bool) -> str:
        v = f"r[{i}]"
        if kind == "iso":
            return f"{{_N if {v} is None else {v}.isoformat()}}"
        if kind == "bool":
            return f"{{_N if {v} is None else ('t' if {v} else 'f')}}"
        if kind == "json":
            return f"{{_escape(j{i})}}" if escaped else f"{{j{i}}}"
        if kind == "text" and escaped:
            return f"{{_N if {v} is None else _escape(str({v}))}}"
        return f"{{_N if {v} is None else {v}}}"  # str(), by the f-string: uuid, int, text

    def line(escaped: bool) -> str:
        return 'f"' + "\\t".join(field(i, kind, escaped) for i, kind in enumerate(kinds)) + '\\n"'

    texts = [i for i, kind in enumerate(kinds) if kind in ("text", "json")]
    source = ["def line(r):"]
    source += [f"    j{i} = _dumps{i}(r[{i}])" for i in texts if kinds[i] == "json"]
    if texts:  # the rare row with a character to escape takes the slower line
        check = "".join(f"{{j{i}}}" if kinds[i] == "json" else f"{{r[{i}]}}" for i in texts)
        source += [f'    if _special(f"{check}"):', f"        return {line(True)}"]
    source += [f"    return {line(False)}"]
    source = "\n".join(source)
    exec(source, env)  # noqa: S102  # nosec B102 - made here from the model's field kinds, no outside text
    return env["line"]


def copy_text(table: Table, rows: list[tuple]) -> str | None:
    """The rows as COPY text, or None if the table has a kind of field not written here."""
    if table._line is False:
        table._line = _line_maker(table.fields)
    line = table._line
    if line is None:
        return None
    return "".join(map(line, rows))  # type: ignore[arg-type]


def load(tables: Iterable[Table]) -> None:
    """Write every table's rows, in the order given (parents first), in one transaction, and empty them."""
    with transaction.atomic():
        for table, rows in _take(tables):
            _load_one(table, rows)


def _take(tables: Iterable[Table]) -> list[tuple[Table, list[tuple]]]:
    taken = []
    for table in tables:
        if table.rows:
            taken.append((table, table.rows))
            table.total += len(table.rows)
            table.rows = []
    return taken


def _load_one(table: Table, rows: list[tuple], text: str | None = None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if text is None:
                text = copy_text(table, rows)
            with cursor.cursor.copy(table.copy_sql) as copy:
                if text is not None:
                    copy.write(text)
                else:  # a kind of field copy_text does not write: psycopg's adapters, row by row
                    for row in rows:
                        row = list(row)
                        for i in table.json:
                            row[i] = json.dumps(row[i])
                        copy.write_row(row)
        else:
            fields = table.fields
            prepared = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]
            name = connection.ops.quote_name(table.model._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", prepared)  # noqa: S608  # nosec B608


class Loader:
    """`submit(tables)` loads each batch like `load`; `close()` waits for the last one and raises the loading
    thread's error, if any; `abort()` (after an error in the caller) rolls back what it can.

    On PostgreSQL outside a transaction, a thread with its own connection loads one batch behind: PostgreSQL
    takes in one batch while Python makes the next, so two cores are both at work. The batch's COPY text is
    made by the caller (`submit`), so the thread only streams it. Inside a transaction (tests) the rows
    would not see the caller's uncommitted parents: there it loads in place.

    `demo=True` (a database marked as a demo, whose login is a superuser; docs/decisions/0022-bulk-loading.md):
    the thread loads every batch in ONE transaction, which first drops the secondary indexes of `models`'
    tables (every index but the primary key and those a foreign key relies on; a unique constraint is
    dropped with its index) and sets `session_replication_role = replica` (no row-by-row foreign-key
    triggers). `close()` then, in the same transaction: proves every foreign key of those tables (one scan a
    table, `check_foreign_keys`), puts every dropped index and constraint back as `migrate` made it (unique
    ones proven again as they are built; PostgreSQL's parallel workers share the sorting), ANALYZEs the
    tables and commits. DDL is transactional: a failure anywhere rolls all of it back, indexes included.
    Without a superuser login it loads batch by batch with the schema untouched, as `load` does."""

    def __init__(self, *, demo: bool = False, models_loaded: Iterable[type[models.Model]] = (),
                 stage: Callable[[str], None] | None = None):
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.demo = self.threaded and demo and _superuser()
        self.models = list(models_loaded)
        self.stage = stage or (lambda _name: None)
        self.seconds: dict[str, float] = {}
        self._error: BaseException | None = None
        if self.threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._work, name="bulk-loader", daemon=True)
            self._thread.start()

    def submit(self, tables: Iterable[Table]) -> None:
        if not self.threaded:
            load(tables)
            return
        if self._error is not None:
            raise self._error
        batch = [(table, rows, copy_text(table, rows)) for table, rows in _take(tables)]
        self._queue.put(batch)

    def close(self) -> None:
        if self.threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        if self.threaded and self._thread.is_alive():
            self._queue.put(_ABORT)
            self._thread.join()

    def _work(self) -> None:
        try:
            if self.demo:
                with transaction.atomic():
                    restore = _prepare_demo_load(self.models)
                    if not self._stream():
                        transaction.set_rollback(True)
                        return
                    self._finish_demo_load(restore)
            else:
                self._stream(each_in_own_transaction=True)
        except BaseException as exc:  # handed to the caller's next submit() or close()
            self._error = exc
            while self._queue.get() not in (None, _ABORT):  # let the caller's submit() return
                pass
        finally:
            connection.close()  # this thread's own connection

    def _stream(self, *, each_in_own_transaction: bool = False) -> bool:
        """Load batches until the caller closes (True) or aborts (False)."""
        while True:
            batch = self._queue.get()
            if batch is None or batch is _ABORT:
                return batch is None
            if each_in_own_transaction:
                with transaction.atomic():
                    for table, rows, text in batch:
                        _load_one(table, rows, text)
            else:
                for table, rows, text in batch:
                    _load_one(table, rows, text)

    def _finish_demo_load(self, restore: list[str]) -> None:
        for name, step in (("keys", lambda: check_foreign_keys(self.models)),
                           ("indexes", lambda: _execute(restore)),
                           ("analyze", lambda: _execute([f"ANALYZE {connection.ops.quote_name(m._meta.db_table)}"
                                                         for m in self.models]))):
            self.stage(name)
            began = time.monotonic()
            step()
            self.seconds[name] = round(time.monotonic() - began, 1)


_ABORT = object()


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _prepare_demo_load(models_loaded) -> list[str]:
    """In the loading transaction: no row-by-row foreign-key triggers, memory for sorts and hashes, and the
    secondary indexes of these tables dropped. Returns the statements that put them back."""
    tables = [m._meta.db_table for m in models_loaded]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Every index of these tables but primary keys and indexes a foreign key relies on; with the
        # constraint it backs, if any (a unique constraint is dropped and added back with its index).
        cursor.execute("""
            SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), c.conname, pg_get_constraintdef(c.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
            LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid)
            ORDER BY t.relname, i.relname""", [tables])
        found = cursor.fetchall()
        quote = connection.ops.quote_name
        drop, restore = [], []
        for table, index, index_sql, constraint, constraint_sql in found:
            if constraint:
                drop.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(constraint)}")
                restore.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} {constraint_sql}")
            else:
                drop.append(f"DROP INDEX {quote(index)}")
                restore.append(index_sql)
        for sql in drop:
            cursor.execute(sql)
    return restore


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def check_foreign_keys(models_loaded) -> None:
    """Every foreign key of these models' tables points at a row: for each table, one query that reads it
    once, left-joined to each table its keys point at; raises IntegrityError naming the first row found
    pointing nowhere (table, column and value)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_loaded:
            keys = [f for f in model._meta.concrete_fields
                    if f.is_relation and (f.many_to_one or f.one_to_one) and getattr(f, "db_constraint", True)]
            if not keys:
                continue
            joins, missing = [], []
            for n, f in enumerate(keys):
                target = f.target_field
                joins.append(f"LEFT JOIN {quote(target.model._meta.db_table)} p{n} "
                             f"ON p{n}.{quote(target.column)} = c.{quote(f.column)}")
                missing.append(f"(c.{quote(f.column)} IS NOT NULL AND p{n}.{quote(target.column)} IS NULL)")
            columns = ", ".join(f"c.{quote(f.column)}, p{n}.{quote(f.target_field.column)} IS NULL"
                                for n, f in enumerate(keys))
            cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)} c {' '.join(joins)} "  # noqa: S608  # nosec B608
                           f"WHERE {' OR '.join(missing)} LIMIT 1")
            row = cursor.fetchone()
            if row:
                for n, f in enumerate(keys):
                    value, nowhere = row[2 * n], row[2 * n + 1]
                    if value is not None and nowhere:
                        raise IntegrityError(f"{model._meta.db_table}.{f.column} = {value} points at no "
                                             f"{f.target_field.model._meta.db_table} row")
