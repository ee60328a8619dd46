"""The project's source as the planner reads it: parsed modules, who owns each, and what each imports.

Read with `ast`, never imported, so a plan sees every line (also code behind an `if`) and
costs one parse per file. A module's owner is its domain (`domains/<d>/...`) or its
top-level package (`config`).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract.planning.report import Location

DOMAINS_PACKAGE = "domains"
SKIPPED_DIRECTORIES = frozenset({"tests", "__pycache__"})
"""Tests travel with their domain and are not running code; migrations are read only where asked."""
MIGRATIONS = "migrations"


@dataclasses.dataclass(frozen=True, slots=True)
class SourceModule:
    name: str
    """Dotted module name, e.g. 'domains.orders.services'."""
    path: str
    """Relative to the project root, with forward slashes."""
    owner: str
    tree: ast.Module
    imports: ImportMap

    def at(self, node: ast.AST) -> Location:
        return Location(path=self.path, line=getattr(node, "lineno", 1))


@dataclasses.dataclass(frozen=True, slots=True)
class ImportMap:
    """What the names bound by a module's imports refer to."""

    names: dict[str, tuple[str, str]]
    """Local name -> (module, attribute) for `from module import attribute [as name]`."""
    modules: dict[str, str]
    """Local name -> module for `import module as name` and `from package import module`."""

    def origin(self, node: ast.expr) -> tuple[str, str] | None:
        """(module, attribute) that `name` or `alias.name` refers to, if it came from an import."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            if base is not None and base in self.modules:
                return self.modules[base], node.attr
            if isinstance(node.value, ast.Name) and node.value.id in self.names:
                # `from package import module` where the module is not in the tree read.
                package, module = self.names[node.value.id]
                return f"{package}.{module}", node.attr
        return None


def dotted(node: ast.expr) -> str | None:
    """'a.b.c' for a chain of attribute accesses on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def import_map(tree: ast.Module, module_name: str, known_modules: frozenset[str]) -> ImportMap:
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    package = module_name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
                else:
                    # `import a.b.c` binds `a`; `a.b.c.x` is then read as dotted 'a.b.c' -> module.
                    modules[alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, package)
            for alias in node.names:
                local = alias.asname or alias.name
                submodule = f"{source}.{alias.name}"
                if submodule in known_modules:
                    modules[local] = submodule
                else:
                    names[local] = (source, alias.name)
    return ImportMap(names=names, modules=modules)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """Every parsed module of the packages the planner reads."""

    root: Path
    modules: tuple[SourceModule, ...]
    by_name: dict[str, SourceModule]

    def owned_by(self, owner: str, *, migrations: bool = False) -> Iterator[SourceModule]:
        for module in self.modules:
            if module.owner == owner and (migrations or f".{MIGRATIONS}." not in f".{module.name}."):
                yield module

    def not_owned_by(self, owner: str) -> Iterator[SourceModule]:
        for module in self.modules:
            if module.owner != owner and f".{MIGRATIONS}." not in f".{module.name}.":
                yield module

    def module(self, name: str) -> SourceModule | None:
        return self.by_name.get(name)


def read_source(root: Path, packages: Iterable[str]) -> Source:
    """Parse every .py file of `packages` under `root` (tests excluded)."""
    files = [
        path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(root).parts)
    ]
    names = {path: _module_name(path.relative_to(root)) for path in files}
    known = frozenset(names.values())
    modules = []
    for path, name in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(root).as_posix()
        modules.append(SourceModule(name, relative, _owner(relative), tree, import_map(tree, name, known)))
    return Source(root, tuple(modules), {module.name: module for module in modules})


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _owner(relative: str) -> str:
    parts = relative.split("/")
    if parts[0] == DOMAINS_PACKAGE and len(parts) > 2:
        return parts[1]
    return parts[0].removesuffix(".py")
