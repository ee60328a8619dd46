"""The shop deployed with Celery, every server its own, for a test that kills and restarts them under load.

    PostgreSQL   a cluster of the test's own (initdb/pg_ctl on a free port), restarted by the test
    Redis        a redis-server of the test's own on a free port, no persistence: restarted empty
    gunicorn     the shop (2 workers of 8 threads), BUS_TRANSPORT=celery
    workers      two `celery -A config worker` (2 pool processes each), SIGKILLed by the test
    beat         `celery -A config beat`: the bus's sweep and the checkout sweep

Workers and beat run under a supervisor, as the README asks of any deployment: a process
that ended (killed, or exited on a broken connection to Redis) is started again. The bus and
checkout timings are the project's defaults, so the recovery bounds the README documents are
the ones the test holds the shop to. Only the password hasher differs
(tests/reliability/shop_settings.py): registering a few hundred customers must not cost
minutes of PBKDF2 on two cores.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from domains.identity.tests.keys import write_private_key
from tests.flows.shop_processes import PostgresServer, ShopServer
from tests.reliability.processes import RedisServer, free_port, wait_until

SETTINGS_MODULE = "tests.reliability.shop_settings"
WORKERS = ("worker-a", "worker-b")
SUPERVISED_BACK_SECONDS = 30.0


def celery_shop_env(directory: Path, *, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": database_url,
        "BUS_TRANSPORT": "celery",
        "REDIS_URL": redis_url,
        "SERVICE_REGISTRY_URL": redis_url,
        "CELERY_KEY_PREFIX": "shop:",
        "AUTH_SIGNING_KEYS": str(write_private_key(directory, "shop")),
        # The clients log in once; on a busy machine the run outlasts the default 15-minute access token.
        "AUTH_ACCESS_TOKEN_SECONDS": "7200",
        "RATE_LIMIT_ANON": "1000000/min",
        "RATE_LIMIT_USER": "1000000/min",
        "RATE_LIMIT_LOGIN": "1000000/min",
        "BILLING_FAKE_PROVIDER_STORE": str(directory / "provider.sqlite3"),
        "BILLING_FAKE_PROVIDER_OUTCOME": "",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }


@dataclasses.dataclass
class CeleryShop(ShopServer):
    """The shop under gunicorn with its Celery workers and beat supervised beside it."""

    HELPERS = {}  # no `bus work` or `checkout_sweep` loop: beat sends both sweeps to the workers

    def helper_commands(self) -> dict[str, list[str]]:
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        workers = {
            name: [
                *celery,
                "worker",
                "--loglevel=WARNING",
                f"--hostname={name}@localhost",
                "--concurrency=2",
                "--pool=prefork",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ]
            for name in WORKERS
        }
        beat = [*celery, "beat", "--loglevel=WARNING", f"--schedule={self.directory / 'beat-schedule'}"]
        return {**workers, "beat": beat}

    def kill(self, name: str) -> float:
        """SIGKILL a supervised process and its children at once; returns when it died (monotonic)."""
        process = self.helpers[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        killed_at = time.monotonic()
        wait_until(
            lambda: self.helpers[name] is not process,
            timeout=SUPERVISED_BACK_SECONDS,
            what=f"the supervisor to start {name} again",
        )
        return killed_at


def cpu_seconds(process_id: int) -> float:
    """CPU time (user and system) used so far by a process and its living children."""
    try:
        root = psutil.Process(process_id)
        return sum(sum(p.cpu_times()[:2]) for p in (root, *root.children(recursive=True)))
    except psutil.NoSuchProcess:
        return 0.0


@dataclasses.dataclass
class Servers:
    postgres: PostgresServer
    redis: RedisServer
    shop: CeleryShop

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds each part used so far (a killed worker's are lost with it)."""
        postmaster = int((self.postgres.data / "postmaster.pid").read_text().split()[0])
        assert self.shop.web is not None
        assert self.redis.process is not None
        parts = {"gunicorn": self.shop.web.pid, **{n: p.pid for n, p in self.shop.helpers.items()}}
        parts |= {"postgres": postmaster, "redis": self.redis.process.pid}
        used = {name: round(cpu_seconds(pid), 1) for name, pid in parts.items()}
        return {**used, "test and its clients": round(sum(psutil.Process().cpu_times()[:2]), 1)}


def celery_shop(directory: Path) -> Iterator[Servers]:
    """Start PostgreSQL, Redis and the shop (migrated, with the demo data); stop them all afterwards."""
    postgres = PostgresServer.create()
    redis_server = RedisServer(port=free_port(), directory=directory)
    shop: CeleryShop | None = None
    try:
        postgres.start()
        redis_server.start()
        database_url = postgres.create_database("shop")
        shop = CeleryShop(
            env=celery_shop_env(directory, database_url=database_url, redis_url=redis_server.url),
            directory=directory,
        )
        shop.start()
        yield Servers(postgres=postgres, redis=redis_server, shop=shop)
    finally:
        if shop is not None:
            shop.stop()
        redis_server.stop()
        postgres.stop()
