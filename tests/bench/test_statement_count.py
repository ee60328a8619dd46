"""The benchmarks' statement count (config/statement_count.py): every statement of every new connection, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.signals import connection_created

from config.statement_count import StatementCounter, count_statements, read_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting(tmp_path: Path) -> Iterator[Path]:
    count_statements(tmp_path, process="bench-test")
    yield tmp_path
    connection_created.disconnect(dispatch_uid="config.statement_count")


def test_each_statement_of_a_new_connection_is_counted_in_the_processes_file(counting: Path) -> None:
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.executemany("SELECT %s", [(1,), (2,)])
            cursor.execute("SELECT 2")
    finally:
        connection.close()

    ((name, count),) = read_counts(counting).items()
    assert name.startswith("bench-test-")
    assert count == 3  # an executemany is one statement; the connection's own set-up is not counted


def test_without_the_setting_no_connection_is_wrapped(tmp_path: Path) -> None:
    connection = connections.create_connection("default")
    try:
        connection.ensure_connection()
        wrappers = list(connection.execute_wrappers)
    finally:
        connection.close()

    # The table guard (shared/db/guard.py) wraps every connection; the statement counter must not.
    assert [wrapper for wrapper in wrappers if isinstance(wrapper, StatementCounter)] == []
    assert list(tmp_path.iterdir()) == []
