"""`manage.py extract plan|data|service`: split one domain out of the monolith (README "Extracting a domain")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extract.planning import UnknownDomainError, make_plans
from extract.planning import render as plan_render

BLOCKED = "{domains}: {count} blocker(s) stop the split; each is listed with its fix. Exit status 1."
PLAN_WHAT = "Name a domain (extract plan orders) or plan every domain with --all."


class Command(BaseCommand):
    help = "Plan, generate and move the data of a domain's split into its own service."
    # The plan reports coupling (a relation into another domain) that the system checks would
    # refuse to start with: it must run on exactly such a tree.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{plan,data,service}")
        plan = actions.add_parser(
            "plan",
            help="What a split touches: calls, events, tables, settings, and blockers with their fixes.",
            description=(
                "Report what splitting a domain out touches: interface calls across the boundary (file:line, and "
                "those inside loops), events across it, tables and rows that move, settings it reads, and blockers "
                "with the fix for each. Exit status 1 when anything blocks the split."
            ),
        )
        plan.add_argument("domain", nargs="?", help="The domain to plan, e.g. orders.")
        plan.add_argument("--all", action="store_true", help="Plan every domain: one table, then every blocker.")
        plan.add_argument("--format", choices=("text", "json"), default="text", help="Output (default: text).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plan":
            self.plan(domain=options["domain"], every=options["all"], output=options["format"])

    def plan(self, *, domain: str | None, every: bool, output: str) -> None:
        if bool(domain) == every:
            raise CommandError(PLAN_WHAT)
        try:
            plans = make_plans(None if every else [domain])
        except UnknownDomainError as exc:
            raise CommandError(str(exc)) from None
        if output == "json":
            self.stdout.write(plan_render.as_json(plans, single=not every))
        elif every:
            self.stdout.write(plan_render.summary(plans))
        else:
            self.stdout.write(plan_render.as_text(plans[0]))
        blocked = [plan for plan in plans if not plan.ready]
        if blocked:
            raise CommandError(
                BLOCKED.format(
                    domains=", ".join(plan.domain for plan in blocked),
                    count=sum(len(plan.blockers) for plan in blocked),
                ),
                returncode=1,
            )
