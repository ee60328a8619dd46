"""`manage.py boundaries check | baseline`: every boundary rule over a source tree, against its baseline.

    python manage.py boundaries check                  fail on violations the baseline does not list,
                                                       and on baseline entries that no longer occur
    python manage.py boundaries check --format json    the same, as JSON (file, line, id, message, fix)
    python manage.py boundaries baseline               write today's violations to the baseline
                                                       (adoption); later, only to shrink it
    python manage.py boundaries baseline --grow        record new violations too, on purpose

The rules: import-linter's contracts (pyproject.toml) and the ORM rules read from the source
(shared/boundaries/source_rules.py). `--root` checks another tree (a service, a generated tree).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.boundaries.baseline import (
    BASELINE_FILE,
    BaselineFileError,
    compare,
    read_baseline,
    render_baseline,
)
from shared.boundaries.collect import collect
from shared.boundaries.import_contracts import ContractsNotRunError
from shared.boundaries.report import as_json, as_text, remaining_line, summary

NOT_A_TREE = "{root} has no domains/ folder: pass --root the folder that holds domains/ and pyproject.toml."
REFUSE_TO_GROW = (
    "{count} violation(s) are not in {path}; the baseline only shrinks. Fix them (`boundaries check` says how), "
    "or record them on purpose with `boundaries baseline --grow` and let review see the diff."
)
WROTE = "Wrote {count} violation(s) to {path}."


class Command(BaseCommand):
    help = "Check the domain boundaries against the baseline (check), or write the baseline (baseline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("check", "baseline"))
        parser.add_argument("--root", type=Path, default=None, help="The tree to check (default: this project).")
        parser.add_argument(
            "--baseline", type=Path, default=None, help=f"The baseline file (default: <root>/{BASELINE_FILE})."
        )
        parser.add_argument("--format", choices=("text", "json"), default="text", help="Output of `check`.")
        parser.add_argument(
            "--grow", action="store_true", help="`baseline`: also record violations the baseline does not list."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = (options["root"] or Path(settings.BASE_DIR)).resolve()
        if not (root / "domains").is_dir():
            raise CommandError(NOT_A_TREE.format(root=root))
        path = options["baseline"] or root / BASELINE_FILE
        try:
            baseline = read_baseline(path)
            tree, violations = collect(root)
        except (BaselineFileError, ContractsNotRunError) as error:
            raise CommandError(str(error)) from error
        comparison = compare(baseline or Counter(), violations, tree.domains)
        if options["action"] == "check":
            self.stdout.write(as_json(comparison) if options["format"] == "json" else as_text(comparison))
            if not comparison.ok:
                raise CommandError(summary(comparison), returncode=1)
            return
        if baseline is not None and comparison.new and not options["grow"]:
            self.stdout.write(as_text(comparison))
            raise CommandError(REFUSE_TO_GROW.format(count=len(comparison.new), path=path), returncode=1)
        path.write_text(render_baseline(tree.domains, violations))
        written = compare(read_baseline(path) or Counter(), violations, tree.domains)
        self.stdout.write(WROTE.format(count=len(violations), path=path))
        self.stdout.write(remaining_line(written))
