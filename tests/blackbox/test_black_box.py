"""The black-box suite stays black-box: it imports no domain's models or private modules, and reaches no table.

Read by `ast` from its files, so a new module or a lazy import inside a function counts too.
A flow may use a domain's interface (its DTOs, errors and proxy) and HTTP; nothing else of a
domain, nothing that reads tables (the ORM, the app registry, a connection), and no test
helper that does. The contract suites of tests/interfaces are allowed: they too reach
domains through their interfaces alone (tests/interfaces/conftest.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent
ROOT = SUITE.parent.parent
ALLOWED_TEST_HELPERS = ("tests.blackbox", "tests.extract.services", "tests.reliability.processes", "tests.interfaces")
"""The suite's own helpers, the process helpers, and the contract suites, which call domains through interfaces only."""
FORBIDDEN = ("django.db", "django.apps", "django.contrib.auth", "shared.bus.models", "shared.api.models", "conftest")
REACHES_IN = "{path}:{line} imports {module}: black-box tests reach a domain through its interface or HTTP only."
FORBIDDEN_IMPORT = "{path}:{line} imports {module}, which reads or writes tables behind the API's back."
FORBIDDEN_HELPER = "{path}:{line} imports {module}; black-box tests use only tests.blackbox and the process helpers."


def statements(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each import statement's line and the dotted names it may bring in."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]


def verdict(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "domains" and len(parts) > 2 and parts[2] != "interface":
        return REACHES_IN
    if module == "conftest" or module.startswith(tuple(f"{f}." for f in FORBIDDEN)) or module in FORBIDDEN:
        return FORBIDDEN_IMPORT
    if parts[0] == "tests" and not module.startswith(ALLOWED_TEST_HELPERS):
        return FORBIDDEN_HELPER
    return None


def problems(path: Path, *, root: Path = ROOT) -> list[str]:
    found = []
    for line, modules in statements(path):
        for module in modules:
            message = verdict(module)
            if message:
                found.append(message.format(path=path.relative_to(root), line=line, module=module))
                break
    return found


@pytest.mark.parametrize("path", sorted(SUITE.glob("*.py")), ids=lambda path: path.name)
def test_the_suite_reaches_domains_only_through_interfaces_and_http(path: Path) -> None:
    assert problems(path) == []


@pytest.mark.parametrize(
    ("source", "message", "module"),
    [
        ("from domains.orders.models import Order", REACHES_IN, "domains.orders.models"),
        ("import domains.catalog.services", REACHES_IN, "domains.catalog.services"),
        ("from domains.catalog import inventory", REACHES_IN, "domains.catalog.inventory"),
        ("from django.db import connection", FORBIDDEN_IMPORT, "django.db"),
        ("from django.apps import apps", FORBIDDEN_IMPORT, "django.apps"),
        ("from shared.bus.models import StoredEvent", FORBIDDEN_IMPORT, "shared.bus.models"),
        ("from tests.flows.conftest import settled", FORBIDDEN_HELPER, "tests.flows.conftest"),
    ],
    ids=["models", "services", "private-module", "connection", "app-registry", "kernel-tables", "helper"],
)
def test_a_reach_past_the_interface_is_caught(tmp_path: Path, source: str, message: str, module: str) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(f"def later() -> None:\n    {source}\n")

    assert problems(probe, root=tmp_path) == [message.format(path="test_probe.py", line=2, module=module)]


@pytest.mark.parametrize(
    "source",
    [
        "from domains.orders.interface import orders",
        "from domains.orders import interface",
        "import httpx",
        "from tests.blackbox.shop import register",
    ],
)
def test_interfaces_http_and_the_suites_own_helpers_are_allowed(tmp_path: Path, source: str) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(f"{source}\n")

    assert problems(probe, root=tmp_path) == []
