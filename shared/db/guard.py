"""The table guard: while a domain's code runs, SQL that touches another domain's tables is refused.

Installed on every database connection, every alias (`install`, through Django's
`connection_created` signal), as an `execute_wrapper`. For each statement:

1. Whose code runs? `shared.work_context.current_domain()`: the domain whose route serves the
   request, whose handler takes the event, whose task runs, or whose interface operation was
   called (the proxy enters the called domain). Outside any domain's work (the kernel, a
   command, a migration, test set-up) nothing is checked.
2. Does the statement name a table of another domain? One regular expression over the text
   finds every domain table named in it; when all are the running domain's, that is the answer
   (the ORM's statements, almost all of them). Otherwise sqlglot parses the statement, and the
   tables it really reads or writes decide (a name inside a string literal is no table).
   Parses are cached by SQL text: the ORM repeats its statements.
3. A table of another domain: DOMAIN_TABLE_GUARD=raise raises TableOwnershipError (the
   default with DEBUG, so in development and in tests), `log` logs a warning and lets the
   statement run (the default in production), `off` checks nothing.

Who owns a table: the app registry (shared.boundaries.domains.domain_tables, handed to
`install` by the boundaries app). Every model of a domain app (`domains.<d>`), with its
many-to-many tables, is that domain's (`model._meta.db_table`); every other table (the bus,
idempotency keys, auth, content types, sessions) is the kernel's, and any domain may use it.
The cost per statement, guard on against off: bench/guard.py.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

import sqlglot
from django.conf import settings
from django.core import checks
from django.db import connections
from django.db.backends.signals import connection_created
from sqlglot import exp

from shared.work_context import current_domain

logger = logging.getLogger(__name__)
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns on statements it keeps as commands (SAVEPOINT)

RAISE, LOG, OFF = "raise", "log", "off"
MODES = (RAISE, LOG, OFF)
PARSED_STATEMENTS = 4096
"""Distinct SQL texts whose parse is kept (an LRU): the ORM's statements repeat."""

FOREIGN_TABLES = "Domain {domain!r} ran SQL on {tables}, owned by {owners}: {sql}"
FOREIGN_TABLES_FIX = (
    "A domain reads and writes only its own tables. Ask the owner through its interface "
    "({interfaces}), or react to its events; kernel code that must touch every domain's tables runs "
    "outside any domain's scope. DOMAIN_TABLE_GUARD=log only logs this (production's default)."
)
BAD_MODE = "DOMAIN_TABLE_GUARD={value!r} is not a mode."
BAD_MODE_HINT = "Set DOMAIN_TABLE_GUARD to raise (development and tests), log (production) or off."
SQL_SHOWN = 300
"""Characters of the statement quoted in the error: enough to find it, not a page of columns."""


class TableOwnershipError(RuntimeError):
    """A domain's code touched another domain's table (DOMAIN_TABLE_GUARD=raise). The message says whose."""


class TableGuard:
    """The execute_wrapper. `owners()` gives table -> domain; it is read once, when first needed."""

    def __init__(self, owners: Callable[[], dict[str, str]]) -> None:
        self._read_owners = owners
        self._owners: dict[str, str] | None = None
        self._pattern: re.Pattern[str] | None = None
        self._verdicts: dict[tuple[str, str], dict[str, str]] = {}
        """foreign_tables' answers by (SQL text, domain): the same statements run on every request."""

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        domain = current_domain()
        if domain and settings.DOMAIN_TABLE_GUARD != OFF:
            foreign = self.foreign_tables(sql, domain)
            if foreign:
                self.refuse(domain, foreign, sql)
        return execute(sql, params, many, context)

    def foreign_tables(self, sql: str, domain: str) -> dict[str, str]:
        """The tables of other domains that `sql` touches: table -> owning domain (do not change the answer)."""
        if not isinstance(sql, str):
            return {}
        verdict = self._verdicts.get((sql, domain))
        if verdict is None:
            if len(self._verdicts) >= PARSED_STATEMENTS:
                self._verdicts.clear()  # statements with ever new texts (IN lists of every length) start it over
            verdict = self._verdicts[(sql, domain)] = self._foreign_tables(sql, domain)
        return verdict

    def _foreign_tables(self, sql: str, domain: str) -> dict[str, str]:
        owners, pattern = self._table_owners()
        if pattern is None:
            return {}
        named = {name.lower() for name in pattern.findall(sql)}
        if all(owners[name] == domain for name in named):
            return {}
        touched = tables_in(sql)
        if touched is None:  # sqlglot could not read it: trust the names
            touched = frozenset(named)
        return {table: owners[table] for table in sorted(touched) if owners.get(table, domain) != domain}

    def refuse(self, domain: str, foreign: dict[str, str], sql: str) -> None:
        others = sorted(set(foreign.values()))
        message = FOREIGN_TABLES.format(
            domain=domain,
            tables=", ".join(foreign),
            owners=", ".join(f"domain {other!r}" for other in others),
            sql=sql if len(sql) <= SQL_SHOWN else f"{sql[:SQL_SHOWN]}...",
        )
        fix = FOREIGN_TABLES_FIX.format(interfaces=", ".join(f"domains.{other}.interface" for other in others))
        if settings.DOMAIN_TABLE_GUARD == RAISE:
            raise TableOwnershipError(f"{message} {fix}")
        logger.warning("%s %s", message, fix, extra={"foreign_tables": sorted(foreign), "guard_domain": domain})

    def _table_owners(self) -> tuple[dict[str, str], re.Pattern[str] | None]:
        if self._owners is None:
            owners = self._read_owners()
            names = sorted(owners, key=len, reverse=True)  # the longest first: orders_orderline before orders_order
            self._pattern = (
                re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE) if names else None
            )
            self._owners = owners
        return self._owners, self._pattern


@functools.lru_cache(maxsize=PARSED_STATEMENTS)
def tables_in(sql: str) -> frozenset[str] | None:
    """The tables a statement reads or writes (lower case), by sqlglot; None when it cannot tell."""
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.SqlglotError:
        return None
    tables: set[str] = set()
    for statement in statements:
        if statement is None:
            continue
        if isinstance(statement, exp.Command):  # kept as text (LOCK TABLE ...): no tables to read
            return None
        tables.update(table.name.lower() for table in statement.find_all(exp.Table) if table.name)
    return frozenset(tables)


_installed: list[TableGuard] = []


def install(owners: Callable[[], dict[str, str]]) -> TableGuard:
    """Guard every connection of every alias, those open now and every one opened from now on (once per process).

    `owners` says which domain owns which table (shared.boundaries.domains.domain_tables).
    """
    if not _installed:
        _installed.append(TableGuard(owners))
        connection_created.connect(_on_connection_created, dispatch_uid="modulith-table-guard")
        for connection in connections.all(initialized_only=True):
            add_guard(connection)
    return _installed[0]


def add_guard(connection: Any) -> None:
    """Put the installed guard on one connection (once)."""
    if _installed and _installed[0] not in connection.execute_wrappers:
        connection.execute_wrappers.append(_installed[0])


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    add_guard(connection)


def check_guard_mode(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E065: DOMAIN_TABLE_GUARD must name a mode."""
    value = getattr(settings, "DOMAIN_TABLE_GUARD", None)
    if value in MODES:
        return []
    return [
        checks.Error(BAD_MODE.format(value=value), hint=BAD_MODE_HINT, obj="DOMAIN_TABLE_GUARD", id="modulith.E065")
    ]
