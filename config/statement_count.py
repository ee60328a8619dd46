"""SQL statements counted per process, for benchmarks: STATEMENT_COUNT_DIR=<directory> turns it on.

A benchmark that compares placements needs to know what each process asked of its database,
and PostgreSQL keeps no per-database statement count without pg_stat_statements (a server
restart with a preloaded library). So each process counts for itself: every statement its
database connections execute (Django's execute wrapper: each execute or executemany, the
ORM's and raw SQL alike, transaction control excluded) adds one to a running total kept in
`<directory>/<SERVICE_NAME>-<pid>.count`, rewritten in place with each statement (one pwrite
of a fixed-width number), so a reader gets the totals of running processes and of those that
exited. Off by default: it costs a system call per statement.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

WIDTH = 20


class StatementCounter:
    """The running total of one process, kept in its file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self._count = 0
        self._lock = threading.Lock()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        with self._lock:
            self._count += 1
            os.pwrite(self._descriptor, f"{self._count:>{WIDTH}}\n".encode(), 0)
        return execute(sql, params, many, context)


def count_statements(directory: Path, *, process: str) -> None:
    """Count every statement of every connection this process opens from now on (see the module docstring)."""
    directory.mkdir(parents=True, exist_ok=True)
    counters: dict[int, StatementCounter] = {}  # by pid: a forked worker counts in a file of its own

    def wrap(sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
        pid = os.getpid()
        if pid not in counters:
            counters[pid] = StatementCounter(directory / f"{process}-{pid}.count")
        connection.execute_wrappers.append(counters[pid])

    connection_created.connect(wrap, weak=False, dispatch_uid="config.statement_count")


def read_counts(directory: Path) -> dict[str, int]:
    """Every process's total so far, by its file's name (`<SERVICE_NAME>-<pid>`)."""
    return {path.stem: int(path.read_text().strip() or 0) for path in sorted(directory.glob("*.count"))}
