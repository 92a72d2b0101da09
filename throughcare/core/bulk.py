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
    tables = list(tables)
    with transaction.atomic():
        for table in tables:
            if table.rows:
                _load_one(table)
                table.total += len(table.rows)
                table.rows = []


def _load_one(table: Table) -> None:
    name = connection.ops.quote_name(table.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_at = table.json
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:  # nosec B608 - model names
                write = copy.write_row
                if json_at:
                    for row in table.rows:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i])
                        write(row)
                else:
                    for row in table.rows:
                        write(row)
        else:
            fields = table.fields
            prepared = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in table.rows]
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", prepared)  # noqa: S608  # nosec B608
