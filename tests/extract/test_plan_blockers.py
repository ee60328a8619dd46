"""`extract plan` on a copy of the shop with coupling added: each blocker with its place and fix, exit status 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from extract.management.commands.extract import BLOCKED
from extract.planning.blockers import PRIVATE_IMPORT_IN, PRIVATE_IMPORT_OUT, PRIVATE_IMPORT_OUT_FIX

pytestmark = pytest.mark.processes

ROOT = Path(settings.BASE_DIR)
COPIED = ("manage.py", "pyproject.toml", "config", "domains", "shared", "extract")
LEAK = """\
from domains.catalog.models import Product


def names():
    return list(Product.objects.values_list("name", flat=True))
"""
WISH = """

class Wish(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE)
"""


@pytest.fixture(scope="module")
def coupled_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coupled-shop")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy2(source, root / name)
    (root / "domains/cart/leak.py").write_text(LEAK)
    with (root / "domains/cart/models.py").open("a") as models:
        models.write(WISH)
    return root


def run_plan(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{root / 'plan.sqlite3'}",
        "AUTH_DEV_KEY_FILE": str(root / "jwt.pem"),
    }
    environment.pop("MODULITH_DOMAINS", None)
    return subprocess.run(
        [sys.executable, "manage.py", "extract", "plan", *arguments],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_blockers_are_listed_with_their_fixes_and_fail_the_command(coupled_shop: Path) -> None:
    result = run_plan(coupled_shop, "cart", "--format", "json")

    assert result.returncode == 1, result.stderr
    plan = json.loads(result.stdout)
    assert plan["ready"] is False
    found = {(b["kind"], b["where"]["path"], b["where"]["line"]) for b in plan["blockers"]}
    assert found == {
        ("private_import", "domains/cart/leak.py", 1),
        ("orm_coupling", "domains/cart/models.py", found_line(coupled_shop, "domains/cart/models.py", "product =")),
    }
    private = next(b for b in plan["blockers"] if b["kind"] == "private_import")
    assert private["message"] == PRIVATE_IMPORT_OUT.format(
        importer="domains.cart.leak", imported="domains.catalog.models", other="catalog"
    )
    assert private["fix"] == PRIVATE_IMPORT_OUT_FIX.format(domain="cart", other="catalog")
    assert all(row["rows"] is None for row in plan["tables"])  # a database never migrated
    assert BLOCKED.format(domains="cart", count=2) in result.stderr


def test_the_other_side_sees_the_same_coupling(coupled_shop: Path) -> None:
    result = run_plan(coupled_shop, "--all")

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    ready = {line.split()[0]: line.split()[-1] for line in lines[2:8]}
    assert ready == {
        "identity": "yes", "catalog": "no", "cart": "no", "orders": "yes", "billing": "yes", "notifications": "yes",
    }  # fmt: skip
    message = PRIVATE_IMPORT_IN.format(
        importer="domains.cart.leak", imported="domains.catalog.models", domain="catalog"
    )
    assert f"  [private_import] domains/cart/leak.py:1: {message}" in lines
    assert BLOCKED.format(domains="catalog, cart", count=4) in result.stderr


def found_line(root: Path, path: str, text: str) -> int:
    lines = (root / path).read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.strip().startswith(text))
