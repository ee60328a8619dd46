"""What a service takes from the monolith's checkout, as it is there.

config/                 the deployment's composition root: the same settings, URLs, apps and
                        commands in every process of the deployment; the environment (and the
                        service's config/service.env) decides which domains run where
manage.py, conftest.py  the same entry point and test fixtures
.env.example            every setting, documented
domains/<d>/            the domain itself: its code, migrations and tests (its home from now on)
domains/<other>/        every other domain's interface and recorded contract, nothing else: what
                        this service calls and decodes, and what its tests fake
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

COMPOSITION_ROOT = "config"
ROOT_FILES = ("manage.py", "conftest.py", ".env.example")
CONTRACT_FILES = ("__init__.py", "interface.py", "contract.json")
TOOLING_IMPORT = re.compile(rb"^\s*(?:from|import)\s+extract\b", re.MULTILINE)
SKIPPED_PARTS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = frozenset({".pyc", ".sqlite3"})


def monolith_files(root: Path, domain: str, domains: Iterable[str]) -> dict[str, bytes]:
    """Relative path -> content of every file the service of `domain` takes from the checkout at `root`."""
    files: dict[str, bytes] = {}
    for name in ROOT_FILES:
        files[name] = (root / name).read_bytes()
    for path in _tree(root / COMPOSITION_ROOT):
        content = path.read_bytes()
        if not TOOLING_IMPORT.search(content):
            files[path.relative_to(root).as_posix()] = content
    files["domains/__init__.py"] = (root / "domains" / "__init__.py").read_bytes()
    for path in _tree(root / "domains" / domain):
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    for other in domains:
        if other == domain:
            continue
        for name in CONTRACT_FILES:
            path = root / "domains" / other / name
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _tree(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not SKIPPED_PARTS.intersection(path.parts) and path.suffix not in SKIPPED_SUFFIXES:
            yield path
