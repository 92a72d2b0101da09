import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
application = get_wsgi_application()


def _load_urls() -> None:
    """Import every view now, not in each worker's first request: with `gunicorn --preload` they are loaded
    once, before the workers fork, and shared (docs/configuration.md). Opens no database connection."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


_load_urls()
