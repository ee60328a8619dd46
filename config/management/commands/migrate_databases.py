"""Migrate every database: "default" and each domain's own (DOMAIN_DATABASES)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections


class Command(BaseCommand):
    help = (
        "Run `migrate --database <alias>` for every database alias: default, then each domain of "
        "DOMAIN_DATABASES. The router (shared.db.router) decides which tables each one gets: a domain's "
        "in its own database, the bus's and the idempotency keys' in every one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        for alias in connections:
            self.stdout.write(f"Migrating database {alias!r}")
            call_command("migrate", database=alias, interactive=options["interactive"], verbosity=options["verbosity"])
