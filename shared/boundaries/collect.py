"""Every boundary violation of a source tree: import-linter's broken contracts and the ORM rules."""

from __future__ import annotations

from pathlib import Path

from shared.boundaries.import_contracts import CONTRACT_FIX, broken_imports
from shared.boundaries.source import DOMAINS_DIR, SourceTree
from shared.boundaries.source_rules import tree_violations
from shared.boundaries.violations import IMPORTS_CHECK, KERNEL, Violation, sort_key

BROKEN_CONTRACT = "{importer} imports {imported} ({contract})."


def collect(root: Path) -> tuple[SourceTree, list[Violation]]:
    """The tree at `root` and its violations, sorted by domain, file and line."""
    tree = SourceTree(root)
    found = tree_violations(tree)
    found.extend(
        Violation(
            check=IMPORTS_CHECK,
            domain=owner_of_module(entry["importer"], tree.domains),
            file=entry["file"],
            line=entry["line"],
            message=BROKEN_CONTRACT.format(**entry),
            fix=CONTRACT_FIX,
        )
        for entry in broken_imports(tree.root)
    )
    return tree, sorted(set(found), key=sort_key)


def owner_of_module(module: str, domains: frozenset[str]) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == DOMAINS_DIR and parts[1] in domains else KERNEL
