"""Every boundary check over a generated tree of 100 domains, against the 2-second budget.

    python -m bench.boundaries [--domains 100] [--rounds 3]

The tree is written to a temporary folder: each domain an app with an interface, models
(relations inside the domain, other domains by id), services and handlers that call three
other domains through their interfaces, a named Celery task, a migration and tests; a
cross-domain flow test; pyproject.toml with import-linter's contracts (independence of the
domains, interfaces import nothing private, no cycles). `manage.py boundaries check --root`
runs over it in this process (Django is already set up, as it is when make runs the command):
the ORM rules read from the files, and import-linter in its child process.

Printed: the median seconds of each part and of the whole, and the ratio to the budget.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before the command is loaded.

from django.core.management import call_command  # noqa: E402

from shared.boundaries.import_contracts import broken_imports  # noqa: E402
from shared.boundaries.source import SourceTree  # noqa: E402
from shared.boundaries.source_rules import tree_violations  # noqa: E402

BUDGET_SECONDS = 2.0
CALLED = 3
"""How many other domains each domain calls through their interfaces."""

PYPROJECT = """\
[tool.importlinter]
root_packages = ["domains"]

[[tool.importlinter.contracts]]
name = "Domains talk to each other only through domains.<d>.interface"
type = "independence"
modules = ["domains.*"]
ignore_imports = ["domains.** -> domains.*.interface"]
unmatched_ignore_imports_alerting = "none"

[[tool.importlinter.contracts]]
name = "A domain's interface imports nothing private of any domain"
type = "forbidden"
source_modules = ["domains.*.interface"]
forbidden_modules = ["domains.*.models", "domains.*.services", "domains.*.handlers", "domains.*.migrations"]

[[tool.importlinter.contracts]]
name = "No import cycles, at any depth"
type = "acyclic_siblings"
ancestors = ["domains"]
"""


def domain_files(name: str, called: list[str]) -> dict[str, str]:
    calls = "\n".join(f"from domains.{other}.interface import {other}" for other in called)
    uses = ", ".join(f"{other}.ping(ref=ref)" for other in called) or "None"  # the last domains call none
    title = name.title()
    return {
        "__init__.py": "",
        "apps.py": f"""\
            from django.apps import AppConfig
            class {title}Config(AppConfig):
                name = "domains.{name}"
                label = "{name}"
            """,
        "interface.py": f"""\
            from dataclasses import dataclass
            from typing import Protocol
            @dataclass(frozen=True, slots=True, kw_only=True)
            class Pong:
                ref: str
            class {title}Api(Protocol):
                def ping(self, *, ref: str) -> Pong: ...
            {name}: {title}Api
            """,
        "models.py": f"""\
            import uuid
            from django.db import models
            class Shelf(models.Model):
                id = models.UUIDField(primary_key=True, default=uuid.uuid4)
                owner_id = models.UUIDField(db_index=True)
            class Item(models.Model):
                shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE, related_name="items")
                parent = models.ForeignKey("{name}.Item", null=True, on_delete=models.SET_NULL)
            """,
        "services.py": "\n".join(
            [
                "from django.db import transaction",
                calls,
                f"from domains.{name}.interface import Pong",
                f"from domains.{name}.models import Shelf",
                "def ping(*, ref: str) -> Pong:",
                "    with transaction.atomic():",
                "        Shelf.objects.create(owner_id=ref)",
                f"        {uses}",
                "    return Pong(ref=ref)",
                "",
            ]
        ),
        "handlers.py": "\n".join(
            [calls, "def on_pinged(event: object) -> None:", f"    {uses.replace('ref=ref', 'ref=repr(event)')}", ""]
        ),
        "tasks.py": f"""\
            from celery import shared_task
            from domains.{name}.services import ping
            @shared_task(name="{name}.ping")
            def ping_later(ref: str) -> None:
                ping(ref=ref)
            """,
        "migrations/__init__.py": "",
        "migrations/0001_initial.py": f"""\
            from django.db import migrations, models
            def seed(apps, schema_editor):
                apps.get_model("{name}", "Shelf").objects.all()
            class Migration(migrations.Migration):
                initial = True
                dependencies = [("bus", "0001_initial")]
                operations = [migrations.RunPython(seed)]
            """,
        "tests/__init__.py": "",
        "tests/test_services.py": f"""\
            from domains.{name}.models import Shelf
            from domains.{name}.services import ping
            def test_ping():
                assert ping(ref="x").ref == "x"
                assert Shelf.objects.count() == 1
            """,
    }


def write_tree(root: Path, count: int) -> None:
    names = [f"d{index:03d}" for index in range(count)]
    (root / "pyproject.toml").write_text(PYPROJECT)
    files: dict[str, str] = {"domains/__init__.py": "", "tests/__init__.py": "", "tests/flows/__init__.py": ""}
    for index, name in enumerate(names):
        called = names[index + 1 : index + 1 + CALLED]  # calls run one way: no cycles between domains
        files.update({f"domains/{name}/{path}": source for path, source in domain_files(name, called).items()})
    files["tests/flows/test_flow.py"] = "\n".join(f"from domains.{name}.interface import {name}" for name in names)
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def median_seconds(function: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def check(root: Path) -> None:
    out = io.StringIO()
    call_command("boundaries", "check", "--root", str(root), stdout=out)  # raises on any violation


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--domains", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="modulith-bench-boundaries-") as directory:
        root = Path(directory)
        write_tree(root, args.domains)
        files = sum(1 for _ in root.rglob("*.py"))
        check(root)  # warm-up, and proof that the generated tree is clean
        parts = {
            "ORM rules, read from the files": lambda: tree_violations(SourceTree(root)),
            "import-linter contracts (child process)": lambda: broken_imports(root),
            "boundaries check, all together": lambda: check(root),
        }
        results = {label: median_seconds(function, args.rounds) for label, function in parts.items()}
    print_table(
        f"Boundary checks over {args.domains} generated domains ({files} files), median of {args.rounds}; "
        f"budget {BUDGET_SECONDS:.0f} s",
        ("checks", "seconds", "ratio to budget"),
        [(label, f"{seconds:.2f}", f"{seconds / BUDGET_SECONDS:.2f}") for label, seconds in results.items()],
    )


if __name__ == "__main__":
    main()
