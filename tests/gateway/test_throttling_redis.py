"""With RATE_LIMIT_CACHE_URL on a real Redis, every process counts against one limit, exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import LazySettings
from django.test import Client

from conftest import require_server
from shared.api.throttling import RATE_LIMIT_CACHE
from tests.reliability.processes import RedisServer, free_port

pytestmark = [pytest.mark.redis, pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
RATES = {"anon": "3/day", "user": "100/day", "login": "100/day"}

# A second process of the project, configured only through its environment, asking once.
ANOTHER_PROCESS = """
import json, django
django.setup()
from django.test import Client
print(json.dumps(Client().get("/api/catalog/products/").status_code))
"""


@pytest.fixture
def redis_url(settings: LazySettings) -> Iterator[str]:
    """A real Redis behind the rate-limit cache, under a key prefix of this test's own."""
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        require_server(f"Redis at REDIS_URL={settings.REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        RATE_LIMIT_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    yield f"{settings.REDIS_URL}?key_prefix={prefix}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.mark.processes
def test_a_second_process_sees_the_requests_the_first_one_counted(client: Client, redis_url: str) -> None:
    here = [client.get("/api/catalog/products/").status_code for _ in range(3)]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RATE_LIMIT_CACHE_URL": redis_url,
        "RATE_LIMIT_ANON": RATES["anon"],
    }

    there = subprocess.run(
        [sys.executable, "-c", ANOTHER_PROCESS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert there.returncode == 0, there.stderr

    assert (here, json.loads(there.stdout)) == ([200, 200, 200], 429)


def test_concurrent_requests_let_exactly_the_limit_through(redis_url: str) -> None:
    # DRF's stock throttle reads, appends and writes a list: concurrent requests overwrite
    # each other's counts. One atomic counter per window lets exactly the limit through.
    attempts = 20
    barrier = threading.Barrier(attempts)
    results: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        client = Client()
        barrier.wait(timeout=30)
        status = client.get("/api/test/echo/").status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=call) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [200] * 3 + [429] * (attempts - 3)


@pytest.fixture
def own_redis(settings: LazySettings, tmp_path: Path) -> Iterator[RedisServer]:
    """The rate-limit cache on a redis-server of the test's own: commands counted are the test's, and it may stop it."""
    server = RedisServer(port=free_port(), directory=tmp_path)
    server.start()
    settings.CACHES = {
        **settings.CACHES,
        RATE_LIMIT_CACHE: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url},
    }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.processes
def test_a_throttle_check_is_one_command_to_redis(own_redis: RedisServer, client: Client) -> None:
    # given the rate-limit cache on a redis-server of this test's own, so its command counts are ours alone
    stats = redis.Redis.from_url(own_redis.url)
    client.get("/api/test/echo/")  # connects, and creates the window's counter
    before = stats.info("commandstats")

    # when an anonymous request is checked against its one limit
    response = client.get("/api/test/echo/")

    # then the check sent one command, the counting script (whose INCR Redis counts too), and nothing else
    after = stats.info("commandstats")
    counted = {
        name: after[name]["calls"] - before.get(name, {"calls": 0})["calls"]
        for name in after
        if name not in ("cmdstat_info",)
    }
    assert response.status_code == 200
    assert {name: calls for name, calls in counted.items() if calls} == {"cmdstat_evalsha": 1, "cmdstat_incr": 1}


@pytest.mark.processes
def test_counting_goes_on_after_redis_restarts_empty(own_redis: RedisServer, client: Client) -> None:
    # given the rate-limit cache on a redis-server of this test's own, which has counted one request
    assert client.get("/api/test/echo/").status_code == 200

    # when Redis restarts empty: the counter's connection is closed and its script forgotten
    own_redis.stop()
    own_redis.start()
    statuses = [client.get("/api/test/echo/").status_code for _ in range(3)]
    counters = {key: int(value) for key, value in _counters_in(own_redis.url).items()}
    commands = redis.Redis.from_url(own_redis.url).info("commandstats")

    # then the counter connects again, sends the script whole once, and counts from zero
    assert statuses == [200, 200, 200]
    assert list(counters.values()) == [3]
    assert (commands["cmdstat_eval"]["calls"], commands["cmdstat_evalsha"]["calls"]) == (1, 3)


def _counters_in(url: str) -> dict[bytes, bytes]:
    client = redis.Redis.from_url(url)
    return {key: client.get(key) for key in client.scan_iter()}
