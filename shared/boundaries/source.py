"""A project's source tree as the boundary rules read it: its domains, its kernel app labels, its files.

Read from the files alone (nothing imported), so the rules judge any tree: this project, a
service written by `extract service`, a generated tree of 100 domains (bench/boundaries.py).

    domains/<d>/            a domain, if the folder is a package; its app label is <d>
    tests/                  the cross-domain suite, held to interfaces and HTTP (check E064)
    pyproject.toml          [tool.modulith.boundaries.white_box_tests]: test paths allowed to
                            import a domain's private modules, each with the reason why
"""

from __future__ import annotations

import ast
import os
import tomllib
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

DOMAINS_DIR = "domains"
TESTS_DIR = "tests"

SKIPPED_DIRS = frozenset({"__pycache__", ".venv", "venv", "node_modules", ".git", "build", "dist"})


class SourceTree:
    """The files of one project, each parsed at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._parsed: dict[Path, ast.Module | None] = {}

    @cached_property
    def domains(self) -> frozenset[str]:
        base = self.root / DOMAINS_DIR
        if not base.is_dir():
            return frozenset()
        return frozenset(
            entry.name for entry in os.scandir(base) if entry.is_dir() and (Path(entry.path) / "__init__.py").is_file()
        )

    @cached_property
    def white_box_tests(self) -> dict[str, str]:
        """Test paths (files or folders, relative to the root) allowed to reach past interfaces: path -> reason."""
        pyproject = self.root / "pyproject.toml"
        if not pyproject.is_file():
            return {}
        with pyproject.open("rb") as handle:
            config = tomllib.load(handle)
        allowed = config.get("tool", {}).get("modulith", {}).get("boundaries", {}).get("white_box_tests", {})
        return {str(path).rstrip("/"): str(reason) for path, reason in allowed.items()}

    def domain_files(self, domain: str) -> Iterator[Path]:
        yield from python_files(self.root / DOMAINS_DIR / domain)

    def test_files(self) -> Iterator[Path]:
        yield from python_files(self.root / TESTS_DIR)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def parse(self, path: Path) -> ast.Module | None:
        """The file's syntax tree, or None when it does not parse (Python itself reports that)."""
        if path not in self._parsed:
            try:
                self._parsed[path] = ast.parse(path.read_bytes(), filename=str(path))
            except (SyntaxError, ValueError):
                self._parsed[path] = None
        return self._parsed[path]


def python_files(base: Path) -> Iterator[Path]:
    """Every .py file under `base`, in a stable order."""
    if not base.is_dir():
        return
    for directory, subdirectories, files in os.walk(base):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory) / name
