"""Throwaway source trees with deliberate boundary violations, for the rules and the `boundaries` command."""

from __future__ import annotations

import textwrap
from pathlib import Path

PYPROJECT = """\
[tool.importlinter]
root_packages = ["domains"]

[[tool.importlinter.contracts]]
name = "Domains talk to each other only through domains.<d>.interface"
type = "independence"
modules = ["domains.*"]
ignore_imports = ["domains.** -> domains.*.interface"]
unmatched_ignore_imports_alerting = "none"

[tool.modulith.boundaries.white_box_tests]
"tests/kernel" = "white-box on purpose"
"""


def write_tree(root: Path, files: dict[str, str], *, domains: tuple[str, ...] = ("orders", "catalog")) -> Path:
    """A project at `root`: each domain a package with an empty interface, plus `files` (path -> source)."""
    (root / "domains").mkdir(parents=True, exist_ok=True)
    (root / "domains" / "__init__.py").write_text("")
    for domain in domains:
        (root / "domains" / domain).mkdir(exist_ok=True)
        (root / "domains" / domain / "__init__.py").write_text("")
        (root / "domains" / domain / "interface.py").write_text('"""The public face."""\n')
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text(PYPROJECT)
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root
