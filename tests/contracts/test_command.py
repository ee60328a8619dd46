"""`manage.py contracts check` and `update` on the shop: on the committed contracts, and on a copy
of the project whose interfaces a test changed, as a developer would."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from shared.contracts import Change
from shared.contracts.compare import (
    ERROR_ADDED,
    FIX_KEEP_RETURNING,
    FIX_NEW_EVENT_VERSION,
    TYPE_WIDENED,
)
from shared.contracts.differences import FIELD_REMOVED, NOW_ALSO
from shared.contracts.management.commands.contracts import (
    BREAKING_FOUND,
    BREAKING_RECORDED,
    NOT_RECORDED,
    UNKNOWN_DOMAIN,
    UPDATE_REFUSED,
)

ROOT = Path(settings.BASE_DIR)
DOMAINS = ("billing", "cart", "catalog", "identity", "notifications", "orders")

CART_RETURNS_NONE = Change(
    domain="cart",
    breaking=True,
    where="cart.get_cart() -> return",
    what=TYPE_WIDENED.format(detail=NOW_ALSO.format(what="null")),
    fix=FIX_KEEP_RETURNING,
)
EVENT_LOSES_NAME = Change(
    domain="catalog",
    breaking=True,
    where="event catalog.ProductCreated v1",
    what=FIELD_REMOVED.format(field="name"),
    fix=FIX_NEW_EVENT_VERSION.format(name="catalog.ProductCreated", version=1, next=2),
)
NEW_ERROR = Change(domain="cart", breaking=False, where="error cart.coupon_expired", what=ERROR_ADDED)

NEW_CART_ERROR = """

class CouponExpiredError(CartError):
    code = "cart.coupon_expired"
    kind = ErrorKind.CONFLICT
    message = "The coupon expired."
"""


def test_the_committed_contracts_are_those_of_the_code() -> None:
    out = io.StringIO()

    call_command("contracts", "check", "--strict", stdout=out)

    assert out.getvalue().splitlines() == [f"{d}: up to date (domains/{d}/contract.json)" for d in DOMAINS]


def test_an_unknown_domain_is_refused_with_those_there_are() -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("contracts", "check", "shipping")

    assert str(excinfo.value) == UNKNOWN_DOMAIN.format(domain="shipping", known=", ".join(DOMAINS))


# -- on a copy of the project ------------------------------------------------------------------


class Project:
    """A copy of the shop's code, to change and run `manage.py contracts` in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        for part in ("config", "domains", "shared", "extract"):
            shutil.copytree(ROOT / part, path / part, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        shutil.copy(ROOT / "manage.py", path / "manage.py")

    def edit(self, relative: str, old: str, new: str) -> None:
        file = self.path / relative
        text = file.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{relative} does not hold {old!r} once"
        file.write_text(text.replace(old, new), encoding="utf-8")

    def contract(self, domain: str) -> str:
        return (self.path / "domains" / domain / "contract.json").read_text(encoding="utf-8")

    def contracts(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{self.path / 'db.sqlite3'}",
            "LOG_LEVEL": "ERROR",  # the development signing key it creates is logged; not what is tested
        }
        return subprocess.run(
            [sys.executable, "manage.py", "contracts", *arguments],
            cwd=self.path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def breaking_lines(*changes: Change) -> list[str]:
    return [f"  BREAKING  {change.message}" for change in changes]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "shop")


@pytest.fixture
def broken(project: Project) -> Project:
    """The cart's get_cart may now answer None; catalog.ProductCreated lost `name`; the cart declares a new error."""
    project.edit(
        "domains/cart/interface.py",
        "def get_cart(self, *, customer_id: UUID) -> CartDTO:",
        "def get_cart(self, *, customer_id: UUID) -> CartDTO | None:",
    )
    project.edit(
        "domains/catalog/interface.py",
        "    sku: str\n    name: str\n    price: Money\n",
        "    sku: str\n    price: Money\n",
    )
    project.edit("domains/cart/interface.py", "\n\n# -- Operations", NEW_CART_ERROR + "\n\n# -- Operations")
    project.edit(
        "domains/cart/interface.py",
        "        CartFullError,\n    ),\n)",
        "        CartFullError,\n        CouponExpiredError,\n    ),\n)",
    )
    return project


@pytest.mark.processes
def test_check_fails_on_breaking_changes_naming_each_with_its_fix_and_lists_additive_ones(broken: Project) -> None:
    result = broken.contracts("check")

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[lines.index("cart: 1 breaking, 1 additive change(s) against domains/cart/contract.json") + 1 :][
        :2
    ] == [
        *breaking_lines(CART_RETURNS_NONE),
        f"  additive  {NEW_ERROR.message}",
    ]
    assert (
        lines[lines.index("catalog: 1 breaking, 0 additive change(s) against domains/catalog/contract.json") + 1]
        == (breaking_lines(EVENT_LOSES_NAME)[0])
    )
    assert "orders: up to date (domains/orders/contract.json)" in lines
    assert result.stderr.strip() == f"CommandError: {BREAKING_FOUND.format(count=2, domains='cart, catalog')}"


@pytest.mark.processes
def test_update_refuses_breaking_changes_and_writes_nothing_unless_allowed(broken: Project) -> None:
    before = {domain: broken.contract(domain) for domain in DOMAINS}

    refused = broken.contracts("update")

    assert refused.returncode == 1
    assert refused.stderr.strip() == f"CommandError: {UPDATE_REFUSED.format(count=2, domains='cart, catalog')}"
    assert {domain: broken.contract(domain) for domain in DOMAINS} == before

    allowed = broken.contracts("update", "--allow-breaking")

    assert allowed.returncode == 0
    assert allowed.stderr.strip() == BREAKING_RECORDED.format(count=2, domains="cart, catalog")
    assert "cart: wrote domains/cart/contract.json" in allowed.stdout.splitlines()
    assert "orders: unchanged (domains/orders/contract.json)" in allowed.stdout.splitlines()
    assert broken.contracts("check", "--strict").returncode == 0


@pytest.mark.processes
def test_additive_changes_pass_check_are_recorded_by_update_and_strict_check_waits_for_that(project: Project) -> None:
    project.edit("domains/cart/interface.py", "\n\n# -- Operations", NEW_CART_ERROR + "\n\n# -- Operations")
    project.edit(
        "domains/cart/interface.py",
        "        CartFullError,\n    ),\n)",
        "        CartFullError,\n        CouponExpiredError,\n    ),\n)",
    )

    check, strict = project.contracts("check", "cart"), project.contracts("check", "--strict", "cart")
    update = project.contracts("update", "cart")

    assert (check.returncode, check.stdout.splitlines()) == (
        0,
        [
            "cart: 0 breaking, 1 additive change(s) against domains/cart/contract.json",
            f"  additive  {NEW_ERROR.message}",
        ],
    )
    assert (strict.returncode, strict.stderr.strip()) == (1, f"CommandError: {NOT_RECORDED.format(domains='cart')}")
    assert (update.returncode, update.stdout.splitlines()[0]) == (0, "cart: wrote domains/cart/contract.json")
    assert '"cart.coupon_expired"' in project.contract("cart")
    assert project.contracts("check", "--strict").returncode == 0


@pytest.mark.processes
def test_check_speaks_json_for_tools(broken: Project) -> None:
    result = broken.contracts("check", "--format", "json", "cart", "orders")

    report = json.loads(result.stdout)
    assert (result.returncode, report["ok"]) == (1, False)
    assert report["domains"]["cart"] == {
        "path": "domains/cart/contract.json",
        "recorded": True,
        "breaking": [CART_RETURNS_NONE.as_json()],
        "additive": [NEW_ERROR.as_json()],
    }
    assert report["domains"]["orders"] == {
        "path": "domains/orders/contract.json",
        "recorded": True,
        "breaking": [],
        "additive": [],
    }
