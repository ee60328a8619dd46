"""Create the PostgreSQL databases named in DATABASE_URL and DOMAIN_DATABASES when they do not exist yet."""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Create each database of DATABASE_URL and DOMAIN_DATABASES that is missing (PostgreSQL only; "
        "SQLite creates its file on first use). Connects to each server's 'postgres' database to do it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        for alias in connections:
            self._create(alias, connections[alias])

    def _create(self, alias: str, connection: BaseDatabaseWrapper) -> None:
        if connection.vendor != "postgresql":
            self.report(f"{alias}: {connection.vendor}, nothing to create.")
            return
        params = connection.get_connection_params()
        name = connection.settings_dict["NAME"]
        params["dbname"] = "postgres"
        try:
            with psycopg.connect(**params, autocommit=True) as admin:
                exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                if exists:
                    self.report(f"{alias}: database {name!r} exists.")
                    return
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot reach PostgreSQL at {params.get('host')}:{params.get('port')} for database {alias!r} "
                f"({exc}). Start the server, or unset DATABASE_URL to use SQLite."
            ) from exc
        self.report(self.style.SUCCESS(f"{alias}: created database {name!r}."))

    def report(self, message: str) -> None:
        """Say what happened, unless called with --verbosity 0 (benchmarks and scripts)."""
        if self.verbosity > 0:
            self.stdout.write(message)
