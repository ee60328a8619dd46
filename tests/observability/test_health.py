"""Liveness and readiness: each dependency with its status and latency; 503 when a required one is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from shared.placement import parse_placement
from tests.flows.shop_processes import PostgresServer
from tests.observability.servers import Gunicorn, get, start_gunicorn
from tests.reliability.processes import ROOT, RedisServer, free_port, wait_until

pytestmark = pytest.mark.django_db

DOWN_SECONDS = 30.0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), directory=tmp_path)
    server.start()
    yield server
    server.stop()


def checks(body: dict[str, object]) -> dict[str, tuple[str, bool]]:
    """Each check's status and whether it is required (latencies vary)."""
    return {name: (check["status"], check["required"]) for name, check in body["checks"].items()}  # type: ignore[attr-defined,index]


def databases_up() -> dict[str, tuple[str, bool]]:
    """Every database alias up and required: "default", and each domain's own with DOMAIN_DATABASES."""
    return {f"database:{alias}": ("up", True) for alias in settings.DATABASES}


def test_live_answers_ok_whatever_the_dependencies(client: Client) -> None:
    with override_settings(BUS_TRANSPORT="celery", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz/live")
        old_url = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert (old_url.status_code, old_url.json()) == (200, {"status": "ok"})  # /healthz was and stays liveness
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_the_database_with_its_latency(client: Client) -> None:
    response = client.get("/healthz/ready")

    body = response.json()
    assert (response.status_code, body["status"], checks(body)) == (200, "ok", databases_up())
    assert body["checks"]["database:default"]["latency_ms"] >= 0


@pytest.mark.redis
@pytest.mark.processes
def test_ready_fails_while_the_broker_is_down_and_recovers_when_it_is_back(
    client: Client, own_redis: RedisServer
) -> None:
    with override_settings(BUS_TRANSPORT="celery", REDIS_URL=own_redis.url):
        up = client.get("/healthz/ready")
        own_redis.stop()
        down = client.get("/healthz/ready")
        own_redis.start()
        back = client.get("/healthz/ready")

    assert (up.status_code, checks(up.json())["broker"]) == (200, ("up", True))
    assert (down.status_code, down.json()["status"], checks(down.json())["broker"]) == (
        503,
        "unavailable",
        ("down", True),
    )
    assert down.json()["checks"]["broker"]["error"].startswith("ConnectionError: Error 111 connecting to 127.0.0.1")
    assert down.json()["checks"]["broker"]["latency_ms"] < 1500
    assert (back.status_code, checks(back.json())["broker"]) == (200, ("up", True))


@pytest.mark.processes
def test_a_dependency_listed_as_optional_only_degrades_readiness(client: Client) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(BUS_TRANSPORT="celery", REDIS_URL=nobody, HEALTH_OPTIONAL_CHECKS=["broker"]):
        response = client.get("/healthz/ready")

    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert checks(response.json()) == {**databases_up(), "broker": ("down", False)}


@pytest.mark.redis
@pytest.mark.processes
def test_a_cache_on_redis_is_checked(client: Client, own_redis: RedisServer) -> None:
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url}
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                                   "rate_limit": redis_cache}):  # fmt: skip
        response = client.get("/healthz/ready")

    assert checks(response.json()) == {**databases_up(), "cache:rate_limit": ("up", True)}


@pytest.mark.redis
@pytest.mark.processes
def test_ready_fails_while_a_cache_on_redis_is_down_and_recovers_when_it_is_back(
    client: Client, own_redis: RedisServer
) -> None:
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url}
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                                   "rate_limit": redis_cache}):  # fmt: skip
        up = client.get("/healthz/ready")
        own_redis.stop()
        down = client.get("/healthz/ready")
        own_redis.start()
        back = client.get("/healthz/ready")

    assert (up.status_code, up.json()["status"]) == (200, "ok")
    body = down.json()
    assert (down.status_code, body["status"], checks(body)) == (
        503,
        "unavailable",
        {**databases_up(), "cache:rate_limit": ("down", True)},
    )
    cache_check = body["checks"]["cache:rate_limit"]
    assert cache_check["error"].startswith(f"ConnectionError: Error 111 connecting to 127.0.0.1:{own_redis.port}.")
    assert 0 <= cache_check["latency_ms"] < 1500
    assert (back.status_code, checks(back.json())["cache:rate_limit"]) == (200, ("up", True))


@pytest.mark.processes
def test_ready_fails_while_the_service_of_a_remote_domain_is_down(client: Client, tmp_path: Path) -> None:
    catalog_service = start_gunicorn(env={"DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.sqlite3'}"},
                                     log_dir=tmp_path, workers=1)  # fmt: skip
    try:
        with override_settings(
            DOMAIN_PLACEMENT=parse_placement(f"catalog={catalog_service.url}", domains=settings.DOMAINS)
        ):
            up = client.get("/healthz/ready")
            catalog_service.stop()
            down = client.get("/healthz/ready")
    finally:
        catalog_service.stop()

    assert (up.status_code, checks(up.json())["service:catalog"]) == (200, ("up", True))
    assert (down.status_code, checks(down.json())["service:catalog"]) == (503, ("down", True))
    assert "Connection refused" in down.json()["checks"]["service:catalog"]["error"]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.create()
    server.start()
    yield server
    server.stop()


def create_databases(env: Mapping[str, str]) -> None:
    """`manage.py create_database` with a server's `env`, as a deployment runs it before the server starts.

    It creates DATABASE_URL's database and, with DOMAIN_DATABASES (inherited from this run),
    each domain's beside it: a fresh PostgreSQL has none of them.
    """
    created = subprocess.run(
        [sys.executable, "manage.py", "create_database"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stdout + created.stderr


@pytest.mark.processes
def test_a_server_whose_database_stops_turns_unready_and_ready_again_when_it_is_back(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": own_postgres.url("shop")}
    create_databases(env)
    server: Gunicorn = start_gunicorn(env=env, log_dir=tmp_path, workers=1)
    try:
        first = get(f"{server.url}/healthz/ready")
        own_postgres.halt()
        down = wait_until(lambda: _with_status(server, 503), timeout=DOWN_SECONDS, what="readiness to fail")
        live = get(f"{server.url}/healthz/live")
        own_postgres.start()
        back = wait_until(lambda: _with_status(server, 200), timeout=DOWN_SECONDS, what="readiness to recover")
    finally:
        server.stop()

    assert (first[0], checks(json.loads(first[1]))) == (200, databases_up())
    assert checks(down) == dict.fromkeys(databases_up(), ("down", True))
    failures = down["checks"].items()  # type: ignore[attr-defined]
    errors = {name: check["error"].split(":")[0] for name, check in failures}
    assert errors == dict.fromkeys(databases_up(), "OperationalError")
    assert live == (200, b'{"status": "ok"}')
    assert checks(back) == databases_up()


def _with_status(server: Gunicorn, status: int) -> dict[str, object] | None:
    answered, body = get(f"{server.url}/healthz/ready")
    return json.loads(body) if answered == status else None
