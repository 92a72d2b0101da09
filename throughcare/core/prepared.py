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
statements: docs/configuration.md. Restart the workers after a migration that changes a column these
statements read (a deploy does): PostgreSQL refuses a prepared statement whose result type changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections


def db():
    """This thread's default database connection itself (`django.db.connection` is a proxy that looks it up
    on every attribute: measurable on a hot path)."""
    return connections[DEFAULT_DB_ALIAS]


def fetchone(sql: str, params: Sequence) -> tuple | None:
    """The first row of `sql` (None when there is none)."""
    wrapper = db()
    if wrapper.vendor != "postgresql" or wrapper.queries_logged or wrapper.execute_wrappers:
        with wrapper.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    # What connection.cursor() does first: reconnect if the health check failed, connect if need be.
    wrapper.close_if_health_check_failed()
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        cursor = _cursor(wrapper)
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def _cursor(wrapper):
    """One server-side-binding cursor per database connection, reused (making one copies its adapters)."""
    import psycopg

    cursor = getattr(wrapper, "_tc_prepared_cursor", None)
    if cursor is None or cursor.connection is not wrapper.connection or cursor.closed:
        cursor = wrapper._tc_prepared_cursor = psycopg.Cursor(wrapper.connection)
    return cursor


def columns(model, alias: str, names: Sequence[str] | None = None) -> str:
    """`alias.column, ...` for a model's concrete fields in their order (or for the fields named, in that order)."""
    wrapper = db()
    return ", ".join(f"{alias}.{wrapper.ops.quote_name(field.column)}" for field in _plan(model, names, wrapper)[0])


def instance(model, values: Sequence, names: Sequence[str] | None = None, *, from_json: bool = False):
    """A model instance from raw column values, converted as the ORM converts them (dates on SQLite, JSON, ...).

    `values` are for the model's concrete fields in order, or for the fields `names` names, in that
    order (the others are deferred: loaded from the database if touched). `from_json`: the values came
    out of a JSON array built in SQL (ids and dates as text), so each goes through its field's to_python.
    """
    wrapper = db()
    fields, attnames, order, converters = _plan(model, names, wrapper)
    converted = list(values)
    if from_json:
        converted = [None if value is None else field.to_python(value) for field, value in zip(fields, converted,
                                                                                                strict=True)]
    else:
        for index, expression, functions in converters:
            value = converted[index]
            if value is not None:
                for function in functions:
                    value = function(value, expression, wrapper)
                converted[index] = value
    if order is not None:
        converted = [converted[i] for i in order]
    return model.from_db(wrapper.alias, attnames, converted)


_PLANS: dict = {}


def _plan(model, names, wrapper):
    """The fields in the caller's order; their attnames in the model's order (None: all fields); how to put
    the caller's values in the model's order; and the ORM's converters for each field that has some."""
    key = (wrapper.vendor, model, tuple(names) if names is not None else None)
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
            functions = [*wrapper.ops.get_db_converters(column), *field.get_db_converters(wrapper)]
            if functions:
                converters.append((index, column, functions))  # each called as f(value, expression, connection)
        _PLANS[key] = (fields, attnames, order, converters)
    return _PLANS[key]
