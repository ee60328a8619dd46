"""Test-wide setup: fast password hashing, hypothesis profile, and servers CI may not skip."""

from __future__ import annotations

import functools
import os

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

CI = os.environ.get("CI", "").lower() == "true"

hypothesis_settings.register_profile("modulith", deadline=None, print_blob=True)
hypothesis_settings.load_profile("modulith")


def require_server(what: str) -> None:
    """Skip a test that needs `what` locally; fail it on CI, where every test must run."""
    if CI:
        pytest.fail(f"This test needs {what}. CI=true, so it fails instead of skipping.")
    pytest.skip(f"needs {what}")


@functools.cache
def redis_unreachable() -> str:
    """Why Redis at REDIS_URL cannot be used, or '' when it answers (asked once per test process)."""
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        require_server("PostgreSQL as the test database: DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith")
    if item.get_closest_marker("redis") and redis_unreachable():
        require_server(f"Redis at REDIS_URL={settings.REDIS_URL} ({redis_unreachable()})")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> object:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield
