"""One gunicorn of the project per test session (two workers sharing a PROMETHEUS_MULTIPROC_DIR), on the test database.

The tests that use it share one xdist worker (xdist_group "observability-server").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import DjangoDbBlocker

from tests.observability.servers import Gunicorn, start_gunicorn
from tests.reliability.processes import database_url

SERVER_TESTS = [
    pytest.mark.django_db(transaction=True),  # the server must see what the test commits
    pytest.mark.postgres,
    pytest.mark.processes,
    pytest.mark.xdist_group("observability-server"),
]


@pytest.fixture(scope="session")
def multiprocess_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prometheus-multiproc")


@pytest.fixture(scope="session")
def shop_server(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
    multiprocess_dir: Path,
) -> Iterator[Gunicorn]:
    with django_db_blocker.unblock():
        url = database_url(connection)
    server = start_gunicorn(
        env={
            "DATABASE_URL": url,
            "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir),
            "METRICS_PUBLIC": "true",
            "GUNICORN_THREADS": "1",  # one request per worker at a time: concurrent requests reach both
        },
        log_dir=tmp_path_factory.mktemp("gunicorn"),
        workers=2,
    )
    yield server
    server.stop()
