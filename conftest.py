"""Test-wide setup: fast password hashing, fresh rate limits, hypothesis profile, and servers CI may not skip."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from shared.gateway.throttling import RATE_LIMIT_CACHE

CI = os.environ.get("CI", "").lower() == "true"

hypothesis_settings.register_profile("modulith", deadline=None, print_blob=True)
hypothesis_settings.load_profile("modulith")


def require_server(what: str) -> None:
    """Skip a test that needs `what` locally; fail it on CI, where every test must run."""
    if CI:
        pytest.fail(f"This test needs {what}. CI=true, so it fails instead of skipping.")
    pytest.skip(f"needs {what}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        require_server("PostgreSQL as the test database: DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> object:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> object:
    """Every test starts with nothing counted against any rate limit, in this process's memory.

    Without it, requests of earlier tests in the same worker count against later ones, and a
    RATE_LIMIT_CACHE_URL in a developer's .env would share counts between parallel workers.
    """
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate-limit-tests"}
    with override_settings(CACHES={**settings.CACHES, RATE_LIMIT_CACHE: local}):
        caches[RATE_LIMIT_CACHE].clear()
        yield
