"""Parquet extracts of the reporting tables, written with DuckDB, and DuckDB views over them.

`write_extract(dir)` writes one `<table>.parquet` per reporting table (rpt_meta, rpt_person, ...), with
column types taken from the models, so a partner (or the national-size benchmark) can run the report SQL
in reporting.metrics on DuckDB without a database server. Rows stream through a CSV file in a temporary
directory (DuckDB reads it with the declared types and writes Parquet), a fixed amount of memory per row.

`open_extract(dir)` gives DuckDB views over the files (every column, read on each query); `load_extract(dir)`
reads each file once into a DuckDB table holding only the columns the metrics read
(metrics.REPORT_COLUMNS), which is what a full report should use: five metrics scan the episodes.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.db import connection, models

from throughcare.reporting.models import TABLES

NULL = r"\N"
BATCH = 10_000


def duck_type(field: models.Field) -> str:
    if isinstance(field, models.BigIntegerField):
        return "BIGINT"
    if isinstance(field, models.IntegerField):  # includes the small and positive integer fields
        return "INTEGER"
    if isinstance(field, models.FloatField):
        return "DOUBLE"
    return "VARCHAR"


def columns(model) -> list[tuple[str, str]]:
    return [(f.column, duck_type(f)) for f in model._meta.concrete_fields]


def write_extract(directory: str | Path) -> dict[str, int]:
    """Write every reporting table as Parquet into `directory`. Returns rows written per table."""
    import duckdb

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        for model in TABLES:
            table = model._meta.db_table
            cols = columns(model)
            path = Path(tmp) / f"{table}.csv"
            count = 0
            with path.open("w", newline="", encoding="utf-8") as handle, connection.cursor() as cursor:
                writer = csv.writer(handle)
                writer.writerow([name for name, _t in cols])
                cursor.execute(f"SELECT {', '.join(name for name, _t in cols)} FROM {table}")  # noqa: S608  # nosec B608 (model names)
                while batch := cursor.fetchmany(BATCH):
                    writer.writerows([NULL if v is None else v for v in row] for row in batch)
                    count += len(batch)
            types = ", ".join(f"'{name}': '{kind}'" for name, kind in cols)
            target = str(out / f"{table}.parquet").replace("'", "''")
            # Table and column names come from the models, the target path is quoted: nothing from input.
            sql = (f"COPY (SELECT * FROM read_csv(?, header = true, nullstr = '\\N', quote = '\"', "  # noqa: S608
                   f"escape = '\"', columns = {{{types}}})) TO '{target}' (FORMAT parquet)")  # nosec B608
            con.execute(sql, [str(path)])
            written[table] = count
    con.close()
    return written


def connect(threads: int | None = None):
    """A DuckDB connection for reports: results need no insertion order (every metric has ORDER BY), which
    lets DuckDB load and aggregate in parallel without keeping it; `threads` caps the worker threads."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load_extract(directory: str | Path, columns: dict[str, tuple[str, ...]] | None = None,
                 threads: int | None = None):
    """A DuckDB connection holding each reporting table the metrics read as an in-memory table, read once
    from its Parquet file with only the columns they need (default: metrics.REPORT_COLUMNS)."""
    from throughcare.reporting.metrics import REPORT_COLUMNS

    wanted = REPORT_COLUMNS if columns is None else columns
    known = {model._meta.db_table: {f.column for f in model._meta.concrete_fields} for model in TABLES}
    con = connect(threads)
    for table, cols in wanted.items():
        if table not in known or not set(cols) <= known[table]:
            raise ValueError(f"{table}: not a reporting table or column")
        path = str(Path(directory) / f"{table}.parquet").replace("'", "''")
        # Table and column names are checked against the models above: nothing from input.
        con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(cols)} FROM read_parquet('{path}')")  # noqa: S608  # nosec B608
    return con


def open_extract(directory: str | Path, threads: int | None = None):
    """A DuckDB connection where each reporting table's name is a view over its Parquet file."""
    con = connect(threads)
    for model in TABLES:
        table = model._meta.db_table
        path = str(Path(directory) / f"{table}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")  # noqa: S608  # nosec B608
    return con
