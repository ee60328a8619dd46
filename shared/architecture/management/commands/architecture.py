"""Print the architecture the code describes, as the page draws it: JSON, Mermaid or Graphviz DOT."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shared.architecture.render import FORMATS, render
from shared.architecture.views import current_architecture


class Command(BaseCommand):
    help = (
        "Print each domain with its operations, events, errors, placement and extraction readiness, the "
        "dependencies between domains (from their imports) and the event flows (from the subscriptions). "
        "Render DOT with Graphviz: `manage.py architecture --format dot | dot -Tsvg > architecture.svg`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="json", help="Output format (default json).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(render(current_architecture(), options["format"]), ending="")
