"""A persistent database connection the server has dropped is replaced before the request uses it, without a
SELECT 1 round trip on every request (throughcare.core.dbhealth)."""

from __future__ import annotations

import io
import sys
import time

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="PostgreSQL only: persistent connections to a database server")


def _get(app, path: str) -> str:
    """A request through the real WSGI handler (request_started and request_finished fire, unlike the test
    client's), so connections persist between requests as under gunicorn."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1"}
    status = []
    b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_replaced_and_a_healthy_one_is_not_pinged(audit_trail_flushable, monkeypatch):
    import psycopg

    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    app = WSGIHandler()
    assert _get(app, "/healthz").startswith("200")
    first = _backend_pid()

    # A healthy connection: the next request reuses it and sends no SELECT 1 first.
    pings = []
    wrapper = connections["default"]
    real_is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: pings.append(1) or real_is_usable())
    assert _get(app, "/healthz").startswith("200")
    assert pings == [] and _backend_pid() == first

    # The server drops it (as a restart does): the next request gets a new connection, and no error.
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                         dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [first])
        for _ in range(100):  # until the backend has gone
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [first]).fetchone():
                break
            time.sleep(0.05)
    assert _get(app, "/healthz").startswith("200")
    assert pings == [1]  # the socket had something to say, so it was checked, failed and replaced
    assert _backend_pid() != first


@pytest.mark.django_db
def test_the_connection_runs_without_jit_and_a_url_may_say_otherwise():
    """JIT compilation cost the access rule's big counts more than it saved (docs/benchmarks.md): it is off on
    every connection the server opens, unless DATABASE_URL asks for other options."""
    from throughcare.config import database_from_url

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    assert database_from_url("postgresql://u@h/db")["OPTIONS"]["options"] == "-c jit=off"
    assert database_from_url("postgresql://u@h/db?options=-c%20work_mem%3D64MB")["OPTIONS"]["options"] == (
        "-c work_mem=64MB")
