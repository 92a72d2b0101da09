"""Benchmark-only settings: the real app plus a bare read of the same row, for comparison.

Never used outside benchmarks/: `throughcare.settings` does not know these routes exist.
"""

from throughcare.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
