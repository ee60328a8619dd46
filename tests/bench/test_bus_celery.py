"""The Celery benchmark leaves nothing behind in the Redis it shares: its own keys go at exit, and only those."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

pytestmark = [
    pytest.mark.redis,
    pytest.mark.processes,
    pytest.mark.xdist_group("celery"),  # its worker would compete with the reliability tests' for two cores
]

DELETED = re.compile(r"its (\d+) keys under (modulith-bench-[0-9a-f]+:) deleted")


@pytest.fixture
def neighbour() -> Iterator[str]:
    """A key of another benchmark run, which this one must not touch."""
    key = f"modulith-bench-{uuid.uuid4().hex[:8]}:_kombu.binding.celery"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set(key, "another run's")
    yield key
    client.delete(key)


def test_the_benchmark_deletes_its_own_keys_from_redis_at_exit_and_no_others(neighbour: str) -> None:
    # A throwaway SQLite, one database: the benchmark's baseline and its subject run on the same one.
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DOMAIN_DATABASES")}
    bench = subprocess.run(
        [sys.executable, "-m", "bench.bus_celery", "--events", "10", "--rounds", "1"],
        cwd=settings.BASE_DIR,
        env={**environment, "REDIS_URL": settings.REDIS_URL},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert bench.returncode == 0, bench.stderr
    [(deleted, prefix)] = DELETED.findall(bench.stdout)
    assert int(deleted) > 0  # it had keys: its queue bindings at least
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert list(client.scan_iter(match=f"{prefix}*")) == []
    assert client.get(neighbour) == b"another run's"
