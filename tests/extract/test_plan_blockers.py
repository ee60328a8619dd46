"""`extract plan` on a copy of the shop with coupling added: each blocker with its place and fix, exit status 1.

The copy has one blocker of every kind the planner finds without data: cart imports catalog's
models (private import), cart's Wish has a ForeignKey to catalog's Product (ORM coupling), cart
calls catalog inside a transaction (spanning transaction), and its settings keep identity's
user model in a process without identity (Django's admin log shares the user table).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry

from extract.management.commands.extract import BLOCKED
from extract.planning.blockers import (
    PRIVATE_IMPORT_IN,
    PRIVATE_IMPORT_IN_FIX,
    PRIVATE_IMPORT_OUT,
    PRIVATE_IMPORT_OUT_FIX,
    RELATION_FIX,
    SHARED_INTO,
    SHARED_INTO_FIX,
    SPANNING,
    SPANNING_CALL,
    SPANNING_FIX,
    USER_MODEL_SETTING,
)
from shared.boundaries.checks import CROSS_DOMAIN_RELATION, CROSS_DOMAIN_RELATION_HINT

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
HOLD = """\
from django.db import transaction

from domains.catalog.interface import catalog


def hold(product_id):
    with transaction.atomic():
        return catalog.get_product(product_id=product_id)
"""
USER_MODEL_PER_PROCESS = 'AUTH_USER_MODEL = "identity.User" if "identity" in INSTALLED_DOMAINS else "auth.User"'
USER_MODEL_EVERYWHERE = 'AUTH_USER_MODEL = "identity.User"'
TEXT_BLOCKER = re.compile(r"^  \[(?P<kind>\w+)\] (?P<path>[^:]+):(?P<line>\d+): (?P<message>.*)$")
TEXT_FIX = "      fix: "


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
    (root / "domains/cart/holds.py").write_text(HOLD)
    settings_file = root / "config/settings.py"
    text = settings_file.read_text()
    assert text.count(USER_MODEL_PER_PROCESS) == 1, "config/settings.py no longer picks the user model per process"
    settings_file.write_text(text.replace(USER_MODEL_PER_PROCESS, USER_MODEL_EVERYWHERE))
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
    as_json = run_plan(coupled_shop, "cart", "--format", "json")
    as_text = run_plan(coupled_shop, "cart")

    assert as_json.returncode == 1, as_json.stderr
    assert as_text.returncode == 1, as_text.stderr
    plan = json.loads(as_json.stdout)
    assert plan["ready"] is False
    expected = [private_import_out(), orm_coupling(coupled_shop), spanning_transaction(coupled_shop)]
    assert plan["blockers"] == expected
    assert blockers_in_text(as_text.stdout) == expected
    fixes = {blocker["kind"]: blocker["fix"] for blocker in plan["blockers"]}
    assert "Import only domains.catalog.interface and call its operations." in fixes["private_import"]
    assert "Store the id instead (product_id = models.UUIDField(db_index=True))" in fixes["orm_coupling"]
    assert "publish an event in the transaction and subscribe to it in catalog" in fixes["spanning_transaction"]
    assert all(row["rows"] is None for row in plan["tables"])  # a database never migrated
    assert BLOCKED.format(domains="cart", count=3) in as_json.stderr


def test_the_other_side_sees_the_same_coupling(coupled_shop: Path) -> None:
    result = run_plan(coupled_shop, "--all")

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    ready = {line.split()[0]: line.split()[-1] for line in lines[2:8]}
    assert ready == {
        "identity": "no", "catalog": "no", "cart": "no", "orders": "yes", "billing": "yes", "notifications": "yes",
    }  # fmt: skip
    catalog_side = lines[lines.index("catalog:") + 1 : lines.index("cart:")]
    assert blockers_in_text("\n".join(catalog_side)) == [
        {
            **private_import_out(),
            "message": PRIVATE_IMPORT_IN.format(
                importer="domains.cart.leak", imported="domains.catalog.models", domain="catalog"
            ),
            "fix": PRIVATE_IMPORT_IN_FIX.format(domain="catalog"),
        },
        orm_coupling(coupled_shop),
        spanning_transaction(coupled_shop),
    ]
    assert BLOCKED.format(domains="identity, catalog, cart", count=7) in result.stderr


def test_a_user_table_shared_with_a_process_without_identity_is_a_blocker_with_its_fix(coupled_shop: Path) -> None:
    as_json = run_plan(coupled_shop, "identity", "--format", "json")
    as_text = run_plan(coupled_shop, "identity")

    assert as_json.returncode == 1, as_json.stderr
    assert as_text.returncode == 1, as_text.stderr
    expected = [
        {
            "kind": "shared_table",
            "where": {"path": "django/contrib/admin/models.py", "line": admin_log_user_line()},
            "message": SHARED_INTO.format(
                model="admin.LogEntry",
                field="user",
                app="django.contrib.admin",
                target="identity_user",
                domain="identity",
            ),
            "fix": SHARED_INTO_FIX.format(domain="identity", setting=USER_MODEL_SETTING.format(domain="identity")),
        }
    ]
    blockers = json.loads(as_json.stdout)["blockers"]
    assert from_django_on(blockers) == expected
    assert from_django_on(blockers_in_text(as_text.stdout)) == expected
    assert (
        "Give this process its own table for it when identity runs elsewhere (AUTH_USER_MODEL must name another "
        "model in the settings of a process without identity)"
    ) in blockers[0]["fix"]
    assert BLOCKED.format(domains="identity", count=1) in as_json.stderr


def private_import_out() -> dict[str, Any]:
    return {
        "kind": "private_import",
        "where": {"path": "domains/cart/leak.py", "line": 1},
        "message": PRIVATE_IMPORT_OUT.format(
            importer="domains.cart.leak", imported="domains.catalog.models", other="catalog"
        ),
        "fix": PRIVATE_IMPORT_OUT_FIX.format(domain="cart", other="catalog"),
    }


def orm_coupling(root: Path) -> dict[str, Any]:
    return {
        "kind": "orm_coupling",
        "where": {"path": "domains/cart/models.py", "line": found_line(root, "domains/cart/models.py", "product =")},
        "message": CROSS_DOMAIN_RELATION.format(
            model="cart.Wish", field="product", kind="ForeignKey", target="catalog.Product", other="catalog"
        ),
        "fix": RELATION_FIX.format(hint=CROSS_DOMAIN_RELATION_HINT.format(field="product", other="catalog")),
    }


def spanning_transaction(root: Path) -> dict[str, Any]:
    call = found_line(root, "domains/cart/holds.py", "return catalog.get_product")
    return {
        "kind": "spanning_transaction",
        "where": {"path": "domains/cart/holds.py", "line": found_line(root, "domains/cart/holds.py", "with ")},
        "message": SPANNING.format(
            function="hold",
            owner="cart",
            what=SPANNING_CALL.format(domain="catalog", operation="get_product", where=f"domains/cart/holds.py:{call}"),
            other="catalog",
        ),
        "fix": SPANNING_FIX.format(owner="cart", other="catalog"),
    }


def blockers_in_text(text: str) -> list[dict[str, Any]]:
    """The blockers of a text plan, as the JSON plan has them: each `  [kind] path:line: message` line and its fix."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines):
        matched = TEXT_BLOCKER.match(line)
        if matched is None:
            continue
        fix = lines[number + 1]
        assert fix.startswith(TEXT_FIX), f"no fix under {line!r}"
        found.append(
            {
                "kind": matched["kind"],
                "where": {"path": matched["path"], "line": int(matched["line"])},
                "message": matched["message"],
                "fix": fix.removeprefix(TEXT_FIX),
            }
        )
    return found


def admin_log_user_line() -> int:
    lines = Path(inspect.getsourcefile(LogEntry) or "").read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.strip().startswith("user = "))


def from_django_on(blockers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blockers with paths in Django's own code (outside the project, so absolute) cut to `django/...`."""
    return [
        {**blocker, "where": {**blocker["where"], "path": _from_django_on(blocker["where"]["path"])}}
        for blocker in blockers
    ]


def _from_django_on(path: str) -> str:
    _, packages, inside = path.partition("/site-packages/")
    return inside if packages else path


def found_line(root: Path, path: str, text: str) -> int:
    lines = (root / path).read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.strip().startswith(text))
