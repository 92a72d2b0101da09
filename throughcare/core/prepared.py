"""Prepared statements for the few queries every API request makes (token, person, audit entry).

Django's PostgreSQL backend binds parameters on the client, so the server parses and plans every
statement anew; for the person look-up (the access policy's facts in one UNION ALL) planning cost
more than running it. Here, on PostgreSQL, a statement is sent with server-side binding and prepared
once per database connection (psycopg keeps the prepared statements per connection and re-prepares
after a reconnect); PostgreSQL re-plans it by itself if the schema changes. Measured in
docs/benchmarks.md. Anywhere else — SQLite, or while Django is logging queries (DEBUG, or a test
counting them) — the statement goes through Django's own cursor, so it is counted and logged as usual.

Only fixed SQL built from model metadata goes through here; every value is a parameter. Not for use
behind a transaction-pooling proxy (PgBouncer in transaction mode) that cannot keep prepared
statements: docs/configuration.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def _prepared() -> bool:
    return connection.vendor == "postgresql" and not connection.queries_logged and not connection.execute_wrappers


def fetchone(sql: str, params: Sequence) -> tuple | None:
    """The first row of `sql` (None when there is none)."""
    if not _prepared():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    # What connection.cursor() does first: reconnect if the health check failed, connect if need be.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def columns(model, alias: str, names: Sequence[str] | None = None) -> str:
    """`alias.column, ...` for a model's concrete fields in their order (or for the fields named, in that order)."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in _plan(model, names)[0])


def instance(model, values: Sequence, names: Sequence[str] | None = None, *, from_json: bool = False):
    """A model instance from raw column values, converted as the ORM converts them (dates on SQLite, JSON, ...).

    `values` are for the model's concrete fields in order, or for the fields `names` names, in that
    order (the others are deferred: loaded from the database if touched). `from_json`: the values came
    out of a JSON array built in SQL (ids and dates as text), so each goes through its field's to_python.
    """
    fields, attnames, order, converters = _plan(model, names)
    converted = list(values)
    if from_json:
        converted = [None if value is None else field.to_python(value) for field, value in zip(fields, converted,
                                                                                                strict=True)]
    else:
        for index, expression, functions in converters:
            value = converted[index]
            if value is not None:
                for function in functions:
                    value = function(value, expression, connection)
                converted[index] = value
    if order is not None:
        converted = [converted[i] for i in order]
    return model.from_db(connection.alias, attnames, converted)


_PLANS: dict = {}


def _plan(model, names):
    """The fields in the caller's order; their attnames in the model's order (None: all fields); how to put
    the caller's values in the model's order; and the ORM's converters for each field that has some."""
    key = (connection.vendor, model, tuple(names) if names is not None else None)
    if key not in _PLANS:
        concrete = list(model._meta.concrete_fields)
        if names is None:
            fields, attnames, order = concrete, None, None
        else:
            by_name = {f.name: f for f in concrete} | {f.attname: f for f in concrete}
            fields = [by_name[name] for name in names]
            ordered = sorted(range(len(fields)), key=lambda i: concrete.index(fields[i]))
            attnames, order = [fields[i].attname for i in ordered], ordered
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            functions = [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]
            if functions:
                converters.append((index, column, functions))  # each called as f(value, expression, connection)
        _PLANS[key] = (fields, attnames, order, converters)
    return _PLANS[key]
