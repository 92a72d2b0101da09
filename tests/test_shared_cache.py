"""With THROUGHCARE_CACHE_URL set, every worker process counts the same sign-in attempts (Redis)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis server answered at 127.0.0.1:6379")

COUNT = """
import django, sys
django.setup()
from django.conf import settings
from django.core.cache import cache
assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), settings.CACHES
key = sys.argv[1]
cache.add(key, 0, 60)
print(cache.incr(key))
"""


def _worker(key: str, tmp_path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHCARE_")}
    env.update({"DJANGO_SETTINGS_MODULE": "throughcare.settings", "THROUGHCARE_DATA_DIR": str(tmp_path),
                "THROUGHCARE_CACHE_URL": "redis://127.0.0.1:6379/15"})
    result = subprocess.run([sys.executable, "-c", COUNT, key], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_separate_worker_processes_share_one_count(tmp_path):
    key = f"test-attempts-{uuid.uuid4().hex}"
    assert [_worker(key, tmp_path) for _ in range(3)] == [1, 2, 3]
