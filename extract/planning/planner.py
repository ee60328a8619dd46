"""Put a plan together: read the source once, then ask each question of it for each domain."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.db import connections

from extract.planning import blockers as blocking
from extract.planning.calls import Proxies, Reach, scan
from extract.planning.events import flows, subscriptions
from extract.planning.report import CallSite, Direction, Plan, TableMove
from extract.planning.settings_reads import settings_reads
from extract.planning.source import DOMAINS_PACKAGE, read_source
from extract.rows import row_sets
from shared.interfaces import Interface

SOURCE_PACKAGES = ("config", DOMAINS_PACKAGE)
"""Where calls come from: the domains and the composition root (the kernel imports no domain)."""
DOMAINS_VARIABLE = "MODULITH_DOMAINS"
UNKNOWN_DOMAIN = "{domain!r} is no domain of this deployment. Plan one of: {domains}, or all of them with --all."
SETTINGS_PROBE = (
    "import importlib, json, os; s = importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE']); "
    "print(json.dumps({'AUTH_USER_MODEL': s.AUTH_USER_MODEL}))"
)


class UnknownDomainError(ValueError):
    """A domain the deployment does not have."""


def proxies(domains: Sequence[str]) -> Proxies:
    declared: dict[tuple[str, str], str] = {}
    operations: dict[str, frozenset[str]] = {}
    for domain in domains:
        module_name = f"{DOMAINS_PACKAGE}.{domain}.interface"
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, Interface):
                declared[(module_name, name)] = value.meta.name
                operations[value.meta.name] = frozenset(value.meta.operations)
    return Proxies(declared=declared, operations=operations)


def make_plans(domains: Sequence[str] | None = None, *, root: Path | None = None) -> tuple[Plan, ...]:
    """The plan of each domain (every domain of the deployment by default), from one reading of the source."""
    every = tuple(settings.DOMAINS)
    wanted = tuple(domains or every)
    for domain in wanted:
        if domain not in every:
            raise UnknownDomainError(UNKNOWN_DOMAIN.format(domain=domain, domains=", ".join(every)))
    source = read_source(Path(root or settings.BASE_DIR), SOURCE_PACKAGES)
    scanned = scan(source, proxies(every))
    reach = Reach(scanned)
    subscribed = subscriptions(source, every)
    blocks = [block for module in scanned.values() for block in module.blocks]
    plans = []
    for domain in wanted:
        calls = tuple(
            CallSite(
                direction=Direction.OUTBOUND if module.module.owner == domain else Direction.INBOUND,
                caller=module.module.owner,
                callee=use.domain,
                operation=use.operation,
                where=use.where,
                function=use.function,
                loop=use.loop,
            )
            for module in scanned.values()
            for use in module.uses
            if (module.module.owner == domain) != (use.domain == domain)
        )
        plans.append(
            Plan(
                domain=domain,
                calls=tuple(sorted(calls, key=lambda call: (call.direction, call.where.path, call.where.line))),
                events=flows(domain, subscribed),
                tables=tables(domain),
                settings=settings_reads(source, domain, settings_module()),
                blockers=(
                    *blocking.private_imports(source, domain),
                    *blocking.orm_coupling(domain),
                    *blocking.spanning_transactions(blocks, reach, domain),
                    *blocking.shared_tables(domain, user_model_without=user_model_without(domain)),
                ),
            )
        )
    return tuple(plans)


def plan(domain: str) -> Plan:
    """The plan of one domain: what its split touches and what blocks it."""
    return make_plans([domain])[0]


def tables(domain: str) -> tuple[TableMove, ...]:
    """The tables that move, with their rows counted (None for a table the database does not have yet)."""
    moves = []
    for rows in row_sets(domain):
        using = rows.database
        exists = rows.table in connections[using].introspection.table_names()
        moves.append(
            TableMove(
                table=rows.table,
                model=rows.model._meta.label,
                rows=rows.queryset(using).count() if exists else None,
                kernel=rows.kernel,
                selection=rows.selection,
            )
        )
    return tuple(moves)


def settings_module() -> str:
    """The settings module's name (settings.SETTINGS_MODULE is None while a test overrides settings)."""
    return settings.SETTINGS_MODULE or os.environ[ENVIRONMENT_VARIABLE]


def user_model_without(domain: str) -> str | None:
    """AUTH_USER_MODEL in the settings of a process that does not run `domain` (read by a child process).

    None when the user model is not the domain's (nothing to ask) or the settings cannot load.
    """
    if settings.AUTH_USER_MODEL.partition(".")[0] != domain:
        return None
    others = ",".join(other for other in settings.DOMAINS if other != domain)
    environment = {**os.environ, DOMAINS_VARIABLE: others, ENVIRONMENT_VARIABLE: settings_module()}
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=settings.BASE_DIR,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])["AUTH_USER_MODEL"]
