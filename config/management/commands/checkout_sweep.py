"""Release what checkouts that died left reserved, in a loop (or once); celery beat runs the same sweep."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from config.checkout_sweep import sweep
from shared.bus.management.commands.bus import count, seconds  # the same argument types as `bus work`

DATABASE_DOWN = "checkout sweep: the database did not answer ({error}); trying again in {interval:g}s"


class Command(BaseCommand):
    help = (
        "The checkout sweep: stop checkouts whose process died or that ran past ORDERS_CHECKOUT_TIMEOUT_SECONDS, "
        "and release reservations whose order was never recorded within CATALOG_RESERVATION_TTL_SECONDS. "
        "Runs in a loop beside the server (celery beat runs the same as shop.checkout_sweep); --once for cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run a single sweep and exit.")
        parser.add_argument("--interval", type=seconds, default=5.0, help="Seconds between sweeps (default 5).")
        parser.add_argument(
            "--batch", type=count, default=100, help="Checkouts and reservations per sweep (default 100)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"checkout sweep: {sweep(limit=options['batch'])}")
            return
        while True:
            try:
                report = sweep(limit=options["batch"])
            except DatabaseError as error:
                # A restart of the database must not end the loop: it is what cleans up after one.
                self.stderr.write(DATABASE_DOWN.format(error=str(error).strip(), interval=options["interval"]))
                close_old_connections()
                time.sleep(options["interval"])
                continue
            if report.total:
                self.stdout.write(f"checkout sweep: {report}")
            if report.total < options["batch"]:
                time.sleep(options["interval"])
