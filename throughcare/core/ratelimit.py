"""Counting attempts in the shared cache (THROUGHCARE_CACHE_URL), so every worker counts the same ones."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache


def key(scope: str, value: str) -> str:
    """A cache key for `value` that does not keep the value itself (usernames, addresses, IPs)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"rate:{scope}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"tc:rate:{scope}:{digest[:32]}"


def hit(cache_key: str, window_seconds: int) -> int:
    """Count one more attempt in the window that started with the first; returns the count so far."""
    cache.add(cache_key, 0, window_seconds)
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window ended between add and incr
        cache.set(cache_key, 1, window_seconds)
        return 1


def count(cache_key: str) -> int:
    return int(cache.get(cache_key) or 0)
