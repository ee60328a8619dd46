"""Load the demo shop: each domain loads its own part, in dependency order."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from domains.catalog import demo as catalog_demo
from domains.identity import demo as identity_demo

LOADERS = (identity_demo.load_demo_data, catalog_demo.load_demo_data)


class Command(BaseCommand):
    help = "Load demo users and products. Safe to run again: it adds only what is missing."

    def handle(self, *args: Any, **options: Any) -> None:
        for load in LOADERS:
            for line in load():
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
