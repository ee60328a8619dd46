"""System checks of the databases per domain, ids modulith.E040-E043. Each says what to write instead.

E040  DOMAIN_DATABASES names a domain the shop does not have
E041  a database's engine is neither PostgreSQL nor SQLite (with DOMAIN_DATABASES set)
E042  two aliases name one database
E043  a module in domains/ uses django.db's `transaction` or `connection` instead of shared.db
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

SUPPORTED_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")

UNKNOWN_DOMAIN = "DOMAIN_DATABASES names {domain!r}, which is no domain of this shop."
UNKNOWN_DOMAIN_HINT = "Name some of: {domains}. (A domain's database alias is the domain's name.)"
UNSUPPORTED_ENGINE = "Database {alias!r} runs on {engine}, with DOMAIN_DATABASES set."
UNSUPPORTED_ENGINE_HINT = (
    "Each domain's database holds its outbox, inbox and idempotency keys, whose SQL the bus writes for "
    "PostgreSQL and SQLite only. Give {alias!r} a postgres:// or sqlite:// URL."
)
SAME_DATABASE = "Database aliases {aliases} all name the database {where}."
SAME_DATABASE_HINT = (
    "A domain listed in DOMAIN_DATABASES needs a database of its own: its bus tables would otherwise be "
    "another alias's. Give it another URL, or leave it out of DOMAIN_DATABASES to keep it on 'default'."
)
BARE_TRANSACTION = "{path}:{line} uses django.db's {name} in domain {domain!r}: it opens on the 'default' database."
BARE_TRANSACTION_HINT = (
    "Use shared.db: `with atomic({domain!r}):` for transaction.atomic(), `on_commit({domain!r}, f)` for "
    "transaction.on_commit(f), `connection_for({domain!r})` for connection. Then the domain's transactions, "
    "select_for_update and SQL follow it into a database of its own (DOMAIN_DATABASES)."
)
BARE_NAMES = frozenset({"transaction", "connection"})


def check_domain_databases(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E040, E041, E042: the DOMAIN_DATABASES configuration can work."""
    listed: Mapping[str, str] = getattr(settings, "DOMAIN_DATABASES", {})
    if not listed:
        return []
    errors: list[checks.CheckMessage] = [
        checks.Error(
            UNKNOWN_DOMAIN.format(domain=domain),
            hint=UNKNOWN_DOMAIN_HINT.format(domains=", ".join(settings.DOMAINS)),
            id="modulith.E040",
        )
        for domain in listed
        if domain not in settings.DOMAINS
    ]
    errors += [
        checks.Error(
            UNSUPPORTED_ENGINE.format(alias=alias, engine=config.get("ENGINE")),
            hint=UNSUPPORTED_ENGINE_HINT.format(alias=alias),
            id="modulith.E041",
        )
        for alias, config in settings.DATABASES.items()
        if config.get("ENGINE") not in SUPPORTED_ENGINES
    ]
    by_database: dict[tuple[str, ...], list[str]] = {}
    for alias, config in settings.DATABASES.items():
        by_database.setdefault(_identity(config), []).append(alias)
    errors += [
        checks.Error(
            SAME_DATABASE.format(aliases=", ".join(map(repr, aliases)), where=where[-1]),
            hint=SAME_DATABASE_HINT,
            id="modulith.E042",
        )
        for where, aliases in by_database.items()
        if len(aliases) > 1 and ":memory:" not in where
    ]
    return errors


def _identity(config: Mapping[str, Any]) -> tuple[str, ...]:
    name = str(config.get("NAME") or "")
    if config.get("ENGINE") == "django.db.backends.sqlite3":
        return ("sqlite", name if name == ":memory:" else repr(str(Path(name).resolve())))
    return (str(config.get("ENGINE")), str(config.get("HOST") or ""), str(config.get("PORT") or ""), repr(name))


def check_domain_transactions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E043: domain code (its tests too: they travel with it) reaches the database through shared.db."""
    errors = []
    for app in apps.get_app_configs():
        if not app.name.startswith("domains."):
            continue
        root = Path(app.path)
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            errors += [
                checks.Error(
                    BARE_TRANSACTION.format(
                        path=path.relative_to(root.parent.parent), line=line, name=name, domain=app.label
                    ),
                    hint=BARE_TRANSACTION_HINT.format(domain=app.label),
                    id="modulith.E043",
                )
                for line, name in bare_database_uses(path.read_text(encoding="utf-8"))
            ]
    return errors


def bare_database_uses(source: str) -> Iterable[tuple[int, str]]:
    """(line, what) for each import of django.db's `transaction` or `connection` in `source`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "django.db":
            yield from ((node.lineno, alias.name) for alias in node.names if alias.name in BARE_NAMES)
        elif isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
            yield from ((node.lineno, f"transaction.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names if alias.name == "django.db.transaction")
