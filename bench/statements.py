"""Counting what a piece of code asks of its databases: statements, transactions, savepoint operations.

    with count_sql() as counted:
        bus.publish(event)
    counted.statements, counted.transactions, counted.savepoints

Counted on every connection Django has open (each database alias), as the driver sees them:

  statements    every SQL statement other than a savepoint operation or BEGIN/COMMIT;
  transactions  what the server commits or rolls back: a statement run in autocommit mode is
                one, and so is an explicit transaction (atomic block) that ran at least one
                statement. An atomic block that ran nothing costs the server nothing (the
                driver sends no BEGIN) and is not counted;
  savepoints    SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT, each one.

Counts are not timings: they do not depend on the machine, so tests may assert them
(tests/bench/test_statement_counts.py) and benchmarks print them beside ratios.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

SAVEPOINT_PREFIXES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
TRANSACTION_CONTROL = ("BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "END")
"""Sent as SQL by some backends (SQLite's BEGIN IMMEDIATE), by the driver on others: a transaction's edges."""


@dataclasses.dataclass(slots=True)
class SqlCount:
    """What was counted so far; `log` holds (alias, SQL) in the order they ran."""

    statements: int = 0
    transactions: int = 0
    savepoints: int = 0
    log: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def figures(self) -> str:
        """`6 st / 5 tx / 0 sp`: the three counts in a table cell."""
        return f"{self.statements} st / {self.transactions} tx / {self.savepoints} sp"


class _Counter:
    """Counts one connection's statements into `total`; installed as an execute wrapper."""

    def __init__(self, alias: str, connection: BaseDatabaseWrapper, total: SqlCount) -> None:
        self.alias = alias
        self.connection = connection
        self.total = total
        self.open = False
        """An explicit transaction ran a statement and has not ended yet."""

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        text = sql.lstrip().upper()
        self.total.log.append((self.alias, sql))
        if text.startswith(SAVEPOINT_PREFIXES):
            self.total.savepoints += 1
        elif text.startswith(TRANSACTION_CONTROL):
            pass  # the transaction is counted with its first statement
        else:
            self.total.statements += 1
            if self.connection.get_autocommit():
                self.total.transactions += 1
            elif not self.open:
                self.open = True
                self.total.transactions += 1
        return execute(sql, params, many, context)

    def ended(self) -> None:
        self.open = False


@contextmanager
def _watching(alias: str, total: SqlCount) -> Iterator[None]:
    connection = connections[alias]
    counter = _Counter(alias, connection, total)
    commit, rollback = connection.commit, connection.rollback

    def counted_commit() -> None:
        counter.ended()
        commit()

    def counted_rollback() -> None:
        counter.ended()
        rollback()

    # Instance attributes shadow the methods for this connection only, for this block only.
    connection.commit, connection.rollback = counted_commit, counted_rollback  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(counter):
            yield
    finally:
        del connection.commit, connection.rollback


@contextmanager
def count_sql(*aliases: str) -> Iterator[SqlCount]:
    """Count the statements, transactions and savepoint operations run inside the block (all aliases by default)."""
    total = SqlCount()
    with ExitStack() as stack:
        for alias in aliases or tuple(connections):
            stack.enter_context(_watching(alias, total))
        yield total
