"""`manage.py boundaries`: new violations fail, baselined ones are counted, the baseline only shrinks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shared.boundaries.import_contracts import CONTRACT_FIX
from shared.boundaries.report import STALE_FIX
from shared.boundaries.source_rules import GET_MODEL_FIX
from tests.architecture.source_trees import write_tree

ROOT = Path(__file__).resolve().parents[2]

LEGACY = {
    # An import past catalog's interface (import-linter) and a model fetched from catalog (E061).
    "domains/catalog/models.py": "PRODUCTS = []\n",
    "domains/orders/services.py": """\
        from django.apps import apps
        from domains.catalog.models import PRODUCTS

        def count():
            return len(PRODUCTS), apps.get_model("catalog", "Product")
        """,
}


def boundaries(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("boundaries", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def legacy_tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, LEGACY)


def test_the_project_has_no_violations_and_an_empty_baseline() -> None:
    output, error = boundaries("check")

    assert error is None, output
    assert output.splitlines()[-2:] == [
        "Baselined violations remaining per domain: billing 0, cart 0, catalog 0, identity 0, kernel 0, "
        "notifications 0, orders 0 (total 0).",
        "No new boundary violations.",
    ]
    baseline = json.loads((ROOT / "boundaries-baseline.json").read_text())
    assert baseline == {
        "domains": {key: [] for key in ("billing", "cart", "catalog", "identity", "kernel", "notifications", "orders")}
    }


def test_without_a_baseline_every_violation_is_new_and_json_carries_the_fix(legacy_tree: Path) -> None:
    output, error = boundaries("check", "--root", str(legacy_tree), "--format", "json")

    assert error is not None
    assert error.returncode == 1
    report = json.loads(output)
    assert report["ok"] is False
    assert report["violations"] == [
        {
            "domain": "orders",
            "file": "domains/orders/services.py",
            "fix": CONTRACT_FIX,
            "id": "imports",
            "line": 2,
            "message": "domains.orders.services imports domains.catalog.models "
            "(Domains talk to each other only through domains.<d>.interface).",
            "new": True,
        },
        {
            "domain": "orders",
            "file": "domains/orders/services.py",
            "fix": GET_MODEL_FIX.format(other="catalog"),
            "id": "modulith.E061",
            "line": 5,
            "message": "apps.get_model('catalog', 'Product') reaches the models of domain 'catalog'.",
            "new": True,
        },
    ]
    assert report["remaining"] == {"catalog": 0, "kernel": 0, "orders": 0}


def test_adoption_baselines_todays_violations_then_fails_only_on_new_ones(legacy_tree: Path) -> None:
    output, error = boundaries("baseline", "--root", str(legacy_tree))

    assert error is None, output
    assert output.splitlines() == [
        f"Wrote 2 violation(s) to {legacy_tree / 'boundaries-baseline.json'}.",
        "Baselined violations remaining per domain: catalog 0, kernel 0, orders 2 (total 2).",
    ]
    written = json.loads((legacy_tree / "boundaries-baseline.json").read_text())
    assert [entry["id"] for entry in written["domains"]["orders"]] == ["imports", "modulith.E061"]
    assert written["domains"]["catalog"] == []
    assert written["domains"]["kernel"] == []

    output, error = boundaries("check", "--root", str(legacy_tree))
    assert error is None, output
    assert output.splitlines() == [
        "Baselined violations remaining per domain: catalog 0, kernel 0, orders 2 (total 2).",
        "No new boundary violations.",
    ]

    # A new violation, in another domain: only it is reported, and the check fails.
    write_tree(
        legacy_tree,
        {"domains/catalog/signals.py": "from django.apps import apps\nM = apps.get_model('orders.Order')\n"},
    )
    output, error = boundaries("check", "--root", str(legacy_tree))
    assert error is not None
    assert output.splitlines()[0] == (
        "domains/catalog/signals.py:2: modulith.E061 [catalog] apps.get_model('orders.Order') reaches the models of "
        "domain 'orders'."
    )
    assert output.splitlines()[-2:] == [
        "Baselined violations remaining per domain: catalog 0, kernel 0, orders 2 (total 2).",
        "1 new boundary violation(s): fix each as its `fix:` line says (the baseline only shrinks).",
    ]


def test_the_baseline_only_shrinks(legacy_tree: Path) -> None:
    boundaries("baseline", "--root", str(legacy_tree))
    baseline_file = legacy_tree / "boundaries-baseline.json"
    before = baseline_file.read_text()

    # Growing needs --grow, said out loud.
    write_tree(
        legacy_tree,
        {"domains/catalog/signals.py": "from django.apps import apps\nM = apps.get_model('orders.Order')\n"},
    )
    output, error = boundaries("baseline", "--root", str(legacy_tree))
    assert error is not None
    assert "1 violation(s) are not in" in str(error)
    assert "--grow" in str(error)
    assert baseline_file.read_text() == before
    (legacy_tree / "domains/catalog/signals.py").unlink()

    # A violation fixed: its entry is stale, and the check fails until the baseline shrinks.
    write_tree(legacy_tree, {"domains/orders/services.py": "from domains.catalog.models import PRODUCTS\n"})
    output, error = boundaries("check", "--root", str(legacy_tree), "--format", "json")
    assert error is not None
    report = json.loads(output)
    assert report["stale"] == [
        {
            "domain": "orders",
            "file": "domains/orders/services.py",
            "fix": STALE_FIX,
            "id": "modulith.E061",
            "line": None,
            "message": "The baseline lists a violation that no longer exists: apps.get_model('catalog', 'Product') "
            "reaches the models of domain 'catalog'.",
        }
    ]
    assert report["remaining"] == {"catalog": 0, "kernel": 0, "orders": 1}

    output, error = boundaries("baseline", "--root", str(legacy_tree))
    assert error is None, output
    assert (
        output.splitlines()[-1] == "Baselined violations remaining per domain: catalog 0, kernel 0, orders 1 (total 1)."
    )
    output, error = boundaries("check", "--root", str(legacy_tree))
    assert error is None, output


def test_a_baseline_that_is_not_one_says_how_to_rewrite_it(legacy_tree: Path) -> None:
    (legacy_tree / "boundaries-baseline.json").write_text('{"orders": []}')

    _output, error = boundaries("check", "--root", str(legacy_tree))

    assert error is not None
    assert str(error).endswith("Write it again with `manage.py boundaries baseline`.")


def test_a_folder_without_domains_is_refused(tmp_path: Path) -> None:
    _output, error = boundaries("check", "--root", str(tmp_path))

    assert error is not None
    assert (
        str(error)
        == f"{tmp_path} has no domains/ folder: pass --root the folder that holds domains/ and pyproject.toml."
    )
