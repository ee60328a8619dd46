"""`manage.py extract plan|data|service`: split one domain out of the monolith (README "Extracting a domain")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from extract.copying import (
    CheckpointError,
    CopyError,
    DatabaseUrlError,
    Sides,
    close_database,
    copy_domain,
    fingerprint,
    open_database,
)
from extract.copying.report import CopyProgress, copy_lines
from extract.planning import UnknownDomainError, make_plans
from extract.planning import render as plan_render
from extract.service import ServiceExistsError, generate
from extract.service.kernel_wheel import KernelBuildError

BLOCKED = "{domains}: {count} blocker(s) stop the split; each is listed with its fix. Exit status 1."
PLAN_WHAT = "Name a domain (extract plan orders) or plan every domain with --all."
UNKNOWN_DOMAIN = "{domain!r} is no domain of this deployment. Name one of: {domains}."
CHECKPOINTS = ".extract"
DEFAULT_MONOLITH_URL = "http://127.0.0.1:8000"
WROTE = "Wrote the {domain} service in {out}: {count} file(s) added or changed. Next: cd {out} && make check"
UP_TO_DATE = "The {domain} service in {out} is up to date: nothing to write."


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
        data = actions.add_parser(
            "data",
            help="Copy a domain's rows to its service's database (or --back), in batches, resumable, verified.",
            description=(
                "Make the rows of a domain in the database at --to equal to this process's (with --back: this "
                "process's equal to --to's): its own tables, and its rows of the kernel's tables (outbox, inbox, "
                "idempotency keys). Copies in batches with a checkpoint per table (an interrupted run resumes), "
                "then verifies row counts and an order-independent checksum per table. Run it where the domain's "
                "app is installed, after migrating the other database, while nothing writes to the domain."
            ),
        )
        data.add_argument("domain", help="The domain whose rows move, e.g. orders.")
        data.add_argument("--to", required=True, metavar="DATABASE_URL", help="The service's database.")
        data.add_argument("--back", action="store_true", help="Copy from --to back into this process's database.")
        data.add_argument("--dry-run", action="store_true", help="Count and compare; write nothing.")
        data.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default: 500).")
        data.add_argument(
            "--checkpoint",
            help=f"Where progress is kept (default: {CHECKPOINTS}/data-<domain>-<direction>-<database>.json).",
        )

        service = actions.add_parser(
            "service",
            help="Write a runnable standalone Django project for a domain (refuses to overwrite without --force).",
            description=(
                "Write the service of a domain into --out: the deployment's config/, the domain's app with its "
                "migrations and tests, the other domains' interfaces and contracts, the kernel as a wheel, and a "
                "README, Makefile (make run, make check), pyproject.toml, Procfile, Dockerfile and config/service.env "
                "placing the other domains at --monolith-url. Run again, it shows the diff of what would change and "
                "writes it only with --force."
            ),
        )
        service.add_argument("domain", help="The domain to extract, e.g. orders.")
        service.add_argument("--out", required=True, help="The directory to write the service into.")
        service.add_argument(
            "--monolith-url",
            default=DEFAULT_MONOLITH_URL,
            help="Where the other domains run, as the service will reach them (default: %(default)s).",
        )
        service.add_argument("--force", action="store_true", help="Write over files an earlier run wrote.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plan":
            self.plan(domain=options["domain"], every=options["all"], output=options["format"])
        elif options["action"] == "data":
            self.data(**options)
        elif options["action"] == "service":
            self.service(**options)

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

    def data(self, *, domain: str, to: str, back: bool, dry_run: bool, batch_size: int, **options: Any) -> None:
        if domain not in settings.DOMAINS:
            raise CommandError(UNKNOWN_DOMAIN.format(domain=domain, domains=", ".join(settings.DOMAINS)))
        direction = "back" if back else "to"
        checkpoint = options["checkpoint"] or (
            f"{settings.BASE_DIR}/{CHECKPOINTS}/data-{domain}-{direction}-{fingerprint(to)}.json"
        )
        try:
            alias = open_database(to)
        except DatabaseUrlError as exc:
            raise CommandError(str(exc)) from None
        sides = Sides(source=alias, target="") if back else Sides(source="", target=alias)
        try:
            with CopyProgress(self.stderr) as progress:
                report = copy_domain(
                    domain,
                    sides=sides,
                    checkpoint=Path(checkpoint),
                    batch_size=batch_size,
                    dry_run=dry_run,
                    progress=progress,
                )
        except (CopyError, CheckpointError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            close_database(alias)
        for line in copy_lines(report, back=back):
            self.stdout.write(line)

    def service(self, *, domain: str, out: str, monolith_url: str, force: bool, **options: Any) -> None:
        if domain not in settings.DOMAINS:
            raise CommandError(UNKNOWN_DOMAIN.format(domain=domain, domains=", ".join(settings.DOMAINS)))
        try:
            generated = generate(domain, out=Path(out).resolve(), monolith_url=monolith_url, force=force)
        except ServiceExistsError as exc:
            for change in exc.changes:
                self.stdout.write(f"{change.kind}: {change.path}")
                if change.diff:
                    self.stdout.write(change.diff.rstrip("\n"))
            raise CommandError(str(exc)) from None
        except KernelBuildError as exc:
            raise CommandError(str(exc)) from None
        for change in generated.changes:
            self.stdout.write(f"{change.kind}: {change.path}")
        message = WROTE if generated.changes else UP_TO_DATE
        self.stdout.write(message.format(domain=domain, out=generated.out, count=len(generated.changes)))
