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

import datetime
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
        # row(values): the tuple, each column from values or its default (made once, as one expression)
        env = {f"d{i}": d for i, d in enumerate(self._defaults)}
        items = ", ".join(f"v[{c!r}] if {c!r} in v else d{i}()" for i, c in enumerate(self.columns))
        exec(f"def row(v):\n    return ({items},)", env)  # noqa: S102  # nosec B102 - the model's column names
        self._row = env["row"]
        self.rows: list[tuple] = []
        self.total = 0
        self._line: Callable[[tuple], str] | None | bool = False  # made on first use (copy_text)

    def add(self, **values) -> None:
        if not self._known.issuperset(values):
            raise KeyError(f"{self.model.__name__} has no column {sorted(set(values) - self._known)}")
        self.rows.append(self._row(values))

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


#: Moments already written (a demo world has a few hundred thousand distinct ones, each used many times):
#: a datetime's isoformat() costs about a microsecond, mostly asking its time zone for the offset.
_ISOS: dict = {}


def _iso(moment) -> str:
    if moment is None:
        return "\\N"
    text = moment.isoformat()
    # Kept only if the wall time is not ambiguous (a clock going back): equal datetimes in one time zone
    # then have one offset, whatever their `fold`.
    if (not isinstance(moment, datetime.datetime) or moment.tzinfo is None
            or moment.replace(fold=1 - moment.fold).utcoffset() == moment.utcoffset()):
        if len(_ISOS) >= 500_000:
            _ISOS.clear()
        _ISOS[moment] = text
    return text


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
    env = {"_N": "\\N", "_special": _special, "_escape": _escape, "_isos": _ISOS, "_iso": _iso}
    for i, f in enumerate(fields):
        if kinds[i] == "json":
            env[f"_dumps{i}"] = functools.partial(json.dumps, cls=f.encoder)

    def field(i: int, kind: str, escaped: bool, nulls: bool) -> str:
        v = f"r[{i}]"
        if kind == "iso":
            return f"{{d{i}}}"
        if kind == "json":
            return f"{{_escape(j{i})}}" if escaped else f"{{j{i}}}"
        if kind == "bool":
            value = f"('t' if {v} else 'f')"
        elif kind == "text" and escaped:
            value = f"_escape(str({v}))"
        else:
            value = v  # str(), by the f-string: uuid, int, text
        return f"{{_N if {v} is None else {value}}}" if nulls else f"{{{value}}}"

    def line(escaped: bool, nulls: bool) -> str:
        return 'f"' + "\\t".join(field(i, kind, escaped, nulls) for i, kind in enumerate(kinds)) + '\\n"'

    texts = [i for i, kind in enumerate(kinds) if kind in ("text", "json")]
    source = ["def line(r):"]
    isos: list[int] = []
    for i in (i for i, kind in enumerate(kinds) if kind == "iso"):  # the same moment twice: written once
        same = "".join(f"d{k} if r[{i}] is r[{k}] else " for k in isos)
        source.append(f"    d{i} = {same}_isos.get(r[{i}]) or _iso(r[{i}])")
        isos.append(i)
    source += [f"    j{i} = _dumps{i}(r[{i}])" for i in texts if kinds[i] == "json"]
    # Three lines: the usual one (no NULL, nothing to escape) asks nothing of each field; a row with a NULL
    # asks each field; the rare row with a character to escape in its text escapes every text.
    check = "".join(f"{{j{i}}}" if kinds[i] == "json" else f"{{r[{i}]}}" for i in texts)
    special = f'_special(f"{check}")' if texts else "False"
    source += [f"    if {special}:", f"        return {line(True, True)}",
               "    if None in r:", f"        return {line(False, True)}",
               f"    return {line(False, False)}"]
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
    _load_taken(_take(tables))


def _take(tables: Iterable[Table]) -> list[tuple[Table, list[tuple]]]:
    taken = []
    for table in tables:
        if table.rows:
            taken.append((table, table.rows))
            table.total += len(table.rows)
            table.rows = []
    return taken


def _load_taken(taken: list[tuple[Table, list[tuple]]]) -> None:
    """Each taken batch of rows, in one transaction."""
    with transaction.atomic():
        for table, rows in taken:
            _load_one(table, rows)


def _load_one(table: Table, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
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
    """`submit(tables)` loads each batch like `load`; `close()` waits for the last one and raises the loader's
    error, if any; `abort()` (after an error in the caller) rolls back what it can.

    On PostgreSQL outside a transaction the rows go in while Python makes the next batch, so two cores are
    both at work. Inside a transaction (tests) the rows would not see the caller's uncommitted parents:
    there it loads in place, as `load`.

    `demo=True` (a database marked as a demo whose login is a superuser; docs/decisions/0022-bulk-loading.md):
    the whole load is ONE transaction, on a connection of its own held by a writer process (`_demo_writer`).
    The caller's process only makes rows and their COPY text and sends each batch down a pipe; the writer
    streams it into COPY. (A thread in the caller's process would need the GIL for every write to the socket
    and wait for it behind the busy caller: PostgreSQL sat idle.) In that transaction the writer first drops
    the secondary indexes of `models_loaded`' tables (every index but the primary key and those a foreign
    key relies on; a unique constraint goes with its index) and sets `session_replication_role = replica`
    (no row-by-row foreign-key triggers); after the last batch it ANALYZEs the tables, proves every foreign
    key (`check_foreign_keys`: one scan a table), puts every dropped index and constraint back as `migrate`
    made it (unique ones proven as they are built; PostgreSQL's parallel workers share the sorting) and
    commits. DDL is transactional: a failure anywhere, or the caller's abort, rolls all of it back.

    Otherwise (no superuser login) a thread with its own connection loads each batch in its own transaction,
    one batch behind, with the schema untouched and every check in place."""

    def __init__(self, *, demo: bool = False, models_loaded: Iterable[type[models.Model]] = (),
                 stage: Callable[[str], None] | None = None):
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.models = list(models_loaded)
        self.demo = (self.threaded and demo and _superuser()
                     and all(_line_maker(Table(m).fields) is not None for m in self.models))
        self.stage = stage or (lambda _name: None)
        self.seconds: dict[str, float] = {}
        self._error: BaseException | None = None
        if self.demo:
            self._writer = _WriterProcess(self.models)
        elif self.threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._work, name="bulk-loader", daemon=True)
            self._thread.start()

    def submit(self, tables: Iterable[Table]) -> None:
        if not self.threaded:
            load(tables)
            return
        if self.demo:
            for table, rows in _take(tables):
                self._writer.send(self.models.index(table.model), copy_text(table, rows))
            return
        if self._error is not None:
            raise self._error
        self._queue.put(_take(tables))

    def close(self) -> None:
        if self.demo:
            self.seconds = self._writer.finish(self.stage)
        elif self.threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        if self.demo:
            self._writer.abort()
        elif self.threaded and self._thread.is_alive():
            self._queue.put(_ABORT)
            self._thread.join()

    def _work(self) -> None:
        try:
            while (taken := self._queue.get()) not in (None, _ABORT):
                if self._error is None:
                    try:
                        _load_taken(taken)
                    except BaseException as exc:  # handed to the caller's next submit() or close()
                        self._error = exc
        finally:
            connection.close()  # this thread's own connection


_ABORT = object()


# --- The demo world's writer process ----------------------------------------------------------------------

class LoadFailed(RuntimeError):
    """The writer process failed (the load was rolled back): its error, by name and message."""


class _WriterProcess:
    """The caller's side of `_demo_writer`: a spawned process (a fresh interpreter, no Django), given the
    connection's parameters and what it will need to say (COPY statements, tables, keys), then the batches."""

    def __init__(self, models_loaded: list[type[models.Model]]):
        import multiprocessing

        params = {k: v for k, v in connection.get_connection_params().items()
                  if isinstance(v, str | int | float) and k != "prepare_threshold"}
        plan = {"copy": [Table(m).copy_sql for m in models_loaded],
                "tables": [m._meta.db_table for m in models_loaded],
                "keys": [_keys_of(m) for m in models_loaded]}
        context = multiprocessing.get_context("spawn")
        self._frames, frames_out = context.Pipe(duplex=False)  # (receiving end, sending end)
        results_in, self._results = context.Pipe(duplex=False)
        self._frames_out, self._results_in = frames_out, results_in
        self._process = context.Process(target=_demo_writer, args=(params, plan, self._frames, self._results),
                                        name="throughcare-bulk-writer", daemon=True)
        self._process.start()
        self._frames.close()  # the child's ends
        self._results.close()

    def send(self, position: int, text: str) -> None:
        try:
            self._frames_out.send_bytes(position.to_bytes(2, "big") + text.encode())
        except (BrokenPipeError, EOFError, OSError):
            self._raise_result()
            raise

    def finish(self, stage: Callable[[str], None]) -> dict[str, float]:
        try:
            self._frames_out.send_bytes(b"")
        except (BrokenPipeError, OSError):
            pass
        while True:
            kind, value = self._recv()
            if kind == "stage":
                stage(value)
            elif kind == "done":
                self._process.join()
                return value
            else:
                self._fail(value)

    def abort(self) -> None:
        self._frames_out.close()  # the writer rolls back on the end of its input
        self._process.join(timeout=60)
        if self._process.is_alive():
            self._process.kill()

    def _recv(self):
        try:
            return self._results_in.recv()
        except EOFError:
            self._process.join()
            raise LoadFailed(f"the writer process ended (exit code {self._process.exitcode}); "
                             "the load was rolled back") from None

    def _raise_result(self) -> None:
        kind, value = self._recv()
        self._fail(value)

    @staticmethod
    def _fail(value) -> None:
        name, message = value
        if name in ("IntegrityError", "UniqueViolation", "ForeignKeyViolation", "NotNullViolation",
                    "CheckViolation"):
            raise IntegrityError(message)
        raise LoadFailed(f"{name}: {message}")


def _demo_writer(params: dict, plan: dict, frames, results) -> None:
    """The writer process: one connection, one transaction (Loader, demo=True)."""
    import psycopg

    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute("SET LOCAL TIME ZONE 'UTC'")
                restore = _prepare_demo_load(cursor, plan["tables"])
                batches: queue.Queue = queue.Queue(maxsize=8)  # read ahead of PostgreSQL, ~ a batch

                def read() -> None:
                    try:
                        while data := frames.recv_bytes():
                            batches.put(data)
                        batches.put(None)
                    except (EOFError, OSError):
                        batches.put(_ABORT)  # the caller went away or aborted: roll back

                threading.Thread(target=read, daemon=True).start()
                while (data := batches.get()) is not None:
                    if data is _ABORT:
                        raise LoadFailed("aborted by the caller")
                    with cursor.copy(plan["copy"][int.from_bytes(data[:2], "big")]) as copy:
                        copy.write(memoryview(data)[2:])
                seconds = {}
                steps = (("analyze", lambda: [cursor.execute(f"ANALYZE {_quote(t)}") for t in plan["tables"]]),
                         ("keys", lambda: _prove_keys(cursor, plan["keys"], postgresql=True)),
                         ("indexes", lambda: [cursor.execute(sql) for sql in restore]))
                for name, step in steps:
                    results.send(("stage", name))
                    began = time.monotonic()
                    step()
                    seconds[name] = round(time.monotonic() - began, 1)
        results.send(("done", seconds))
    except BaseException as exc:  # noqa: BLE001 - told to the caller, which raises it
        try:
            results.send(("error", (type(exc).__name__, str(exc))))
        except OSError:
            pass


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prepare_demo_load(cursor, tables: list[str]) -> list[str]:
    """In the loading transaction: no row-by-row foreign-key triggers, memory for sorts and hashes, and the
    secondary indexes of these tables dropped. Returns the statements that put them back."""
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '2GB'")  # index sorts in memory, shared by the parallel workers
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # Every index of these tables but primary keys and indexes a foreign key relies on; with the constraint
    # it backs, if any (a unique constraint is dropped and added back with its index). Kept, and kept up to
    # date row by row: an index of one foreign key to a table outside the load (agencies, staff): with so
    # few values each new entry goes at the end of its value's run, a handful of pages always in memory,
    # and PostgreSQL has a core to spare while Python makes the rows, but not while it builds indexes.
    cursor.execute("""
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid)
          AND NOT (x.indnatts = 1 AND NOT x.indisunique AND x.indexprs IS NULL AND x.indpred IS NULL
                   AND EXISTS (SELECT 1 FROM pg_constraint f JOIN pg_class r ON r.oid = f.confrelid
                               WHERE f.contype = 'f' AND f.conrelid = x.indrelid
                                 AND f.conkey = ARRAY[x.indkey[0]]::smallint[] AND r.relname <> ALL(%s)))
        ORDER BY t.relname, i.relname""", [tables, tables])
    drop, restore = [], []
    for table, index, index_sql, constraint, constraint_sql in cursor.fetchall():
        if constraint:
            drop.append(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(constraint)}")
            restore.append(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(constraint)} {constraint_sql}")
        else:
            drop.append(f"DROP INDEX {_quote(index)}")
            restore.append(index_sql)
    for sql in drop:
        cursor.execute(sql)
    return restore


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _keys_of(model: type[models.Model]) -> tuple[str, list[tuple[str, str, str]]]:
    """The model's table and its foreign keys: (column, the table it points at, that table's column)."""
    return (model._meta.db_table,
            [(f.column, f.target_field.model._meta.db_table, f.target_field.column) for f in model._meta.concrete_fields
             if f.is_relation and (f.many_to_one or f.one_to_one) and getattr(f, "db_constraint", True)])


def check_foreign_keys(models_loaded) -> None:
    """Every foreign key of these models' tables points at a row; raises IntegrityError naming the first row
    found pointing nowhere (table, column and value)."""
    with connection.cursor() as cursor:
        _prove_keys(cursor, [_keys_of(m) for m in models_loaded], postgresql=connection.vendor == "postgresql")


def _prove_keys(cursor, tables: list[tuple[str, list[tuple[str, str, str]]]], *, postgresql: bool) -> None:
    """On PostgreSQL one scan a table, each key looked up in a hash of the table it points at (`NOT IN` a
    hashed subplan, when the planner says it will hash every one); otherwise, or to name the row found,
    one anti-join a key."""
    for table, keys in tables:
        if keys and postgresql:
            where = " OR ".join(f"c.{_quote(column)} NOT IN (SELECT {_quote(target_column)} FROM {_quote(target)})"  # noqa: S608  # nosec B608
                                for column, target, target_column in keys)
            # count(*), not LIMIT 1: the planner then shares the scan with parallel workers (both cores)
            sql = f"SELECT count(*) FROM {_quote(table)} c WHERE {where}"  # noqa: S608  # nosec B608
            cursor.execute(f"EXPLAIN {sql}")
            if "\n".join(line for line, in cursor.fetchall()).count("hashed SubPlan") >= len(keys):
                cursor.execute(sql)
                if not cursor.fetchone()[0]:
                    keys = []
        for column, target, target_column in keys:  # (if a row was found, to name it): an anti-join each
            cursor.execute(f"SELECT c.{_quote(column)} FROM {_quote(table)} c "  # noqa: S608  # nosec B608
                           f"WHERE c.{_quote(column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {_quote(target)} p "
                           f"WHERE p.{_quote(target_column)} = c.{_quote(column)}) LIMIT 1")
            missing = cursor.fetchone()
            if missing:
                raise IntegrityError(f"{table}.{column} = {missing[0]} points at no {target} row")
