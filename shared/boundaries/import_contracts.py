"""import-linter's broken contracts as boundary violations, one per forbidden import.

import-linter reads the tree's own pyproject.toml ([tool.importlinter]) and finds the tree's
packages on sys.path. It runs in a child Python whose path starts at the tree's root, so the
tree's `domains` is the one analysed even when the checking process has imported another
(manage.py runs inside this project). This module is that child's program too:

    python shared/boundaries/import_contracts.py ROOT     prints the violations as JSON lines

and imports nothing of the project for that reason (only the standard library and import-linter).
A chain of imports is reported at its first link, the import in the code that must change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONTRACT_FIX = (
    "Import only domains.<other>.interface from another domain (README, 'The boundary rules'); "
    "the contract's own text in pyproject.toml [tool.importlinter] says what it allows."
)
NOT_RUN = "import-linter could not check the contracts of {root}: {error}"


class ContractsNotRunError(RuntimeError):
    """import-linter could not run (no configuration, a package it cannot find): nothing was checked."""


def broken_imports(root: Path) -> list[dict[str, Any]]:
    """Each forbidden import of the tree at `root`: module, imported, file, line, contract name."""
    completed = subprocess.run(
        [sys.executable, "-I", str(Path(__file__).resolve()), str(root)],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if completed.returncode != 0:
        error = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "no output"
        raise ContractsNotRunError(NOT_RUN.format(root=root, error=error))
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


def _report_lines(root: Path) -> Iterator[dict[str, Any]]:
    # The child's imports: only here is the tree on sys.path.
    from importlinter import configuration
    from importlinter.application import use_cases

    configuration.configure()
    options = use_cases.read_user_options(config_filename=str(root / "pyproject.toml"))
    use_cases._register_built_in_contract_types()
    report = use_cases.create_report(options, cache_dir=None)
    if report.could_not_run or report.invalid_contract_options:
        problems = "; ".join(f"{name}: {error}" for name, error in report.invalid_contract_options.items())
        raise SystemExit(f"invalid import-linter contracts: {problems or 'could not run'}")
    for contract, check in report.get_contracts_and_checks():
        if check.kept:
            continue
        for importer, imported, line in _first_links(check.metadata):
            yield {
                "contract": contract.name,
                "importer": importer,
                "imported": imported,
                "file": _module_file(root, importer),
                "line": line,
            }


def _first_links(metadata: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    for chains in metadata.get("invalid_chains", ()):
        for chain in chains["chains"]:
            link = chain["chain"][0]
            lines = [n for n in link["line_numbers"] if n is not None]
            yield link["importer"], link["imported"], min(lines, default=1)
    for breakers in metadata.get("cycle_breakers_by_package", {}).values():
        for breaker in breakers:
            importer, imported = (breaker.importer, breaker.imported) if hasattr(breaker, "importer") else breaker
            yield str(importer), str(imported), 1


def _module_file(root: Path, module: str) -> str:
    base = root.joinpath(*module.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return path.relative_to(root).as_posix()


if __name__ == "__main__":
    tree_root = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(tree_root))  # the tree's packages, as lint-imports run in the tree sees them
    os.chdir(tree_root)
    for entry in sorted(_report_lines(tree_root), key=lambda e: (e["file"], e["line"], e["imported"])):
        sys.stdout.write(json.dumps(entry, sort_keys=True) + "\n")
