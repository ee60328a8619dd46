"""The import-linter contracts hold on the tree, and do fail on a deliberate violation."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("config", "domains", "shared", "extract")

pytestmark = pytest.mark.xdist_group("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on `cwd`; stdout with runs of spaces collapsed, for stable matching."""
    # Wide enough that no contract's name is wrapped in the summary (rich wraps at COLUMNS).
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "500"}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    result.stdout = re.sub(r"[ ]+", " ", result.stdout)
    return result


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the code and contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_tree() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "reported"),
    [
        pytest.param(
            "domains/catalog/pricing_rules.py",
            "from domains.identity.services import register_user\n",
            "Domains talk to each other only through domains.<d>.interface",
            "- domains.catalog.pricing_rules -> domains.identity.services (l.1)",
            id="domain-imports-another-domains-services",
        ),
        pytest.param(
            "domains/identity/interface_helpers.py",
            "from domains.catalog.models import Product\n",
            "Domains talk to each other only through domains.<d>.interface",
            "- domains.identity.interface_helpers -> domains.catalog.models (l.1)",
            id="domain-imports-another-domains-models",
        ),
        pytest.param(
            "shared/shortcuts.py",
            "import domains.catalog.interface\n",
            "The shared kernel knows no domain",
            "- shared.shortcuts -> domains.catalog.interface (l.1)",
            id="kernel-imports-a-domain",
        ),
        pytest.param(
            "domains/catalog/settings_access.py",
            "from config import settings\n",
            "Only config and extract compose the application",
            "- domains.catalog.settings_access -> config.settings (l.1)",
            id="domain-imports-the-composition-root",
        ),
        pytest.param(
            "domains/catalog/http/edge_hooks.py",
            "from shared.gateway.routing import served_routes\n",
            "The gateway is the edge: no domain imports it",
            "- domains.catalog.http.edge_hooks -> shared.gateway.routing (l.1)",
            id="domain-imports-the-edge",
        ),
        pytest.param(
            "shared/auth/error_pages.py",
            "from shared.api.errors import problem\n",
            "Auth and the bus know nothing of the API toolkit or the edge",
            "- shared.auth.error_pages -> shared.api.errors (l.1)",
            id="auth-imports-the-api-toolkit",
        ),
        pytest.param(
            "domains/catalog/http/paging.py",
            "from shared.api.pagination import LimitOffsetPagination\n",
            "A domain builds its HTTP layer on the API toolkit's public modules alone",
            "- domains.catalog.http.paging -> shared.api.pagination (l.1)",
            id="domain-imports-a-private-module-of-the-api-toolkit",
        ),
        pytest.param(
            "shared/api/edge_links.py",
            "from shared.gateway.routing import served_routes\n",
            "The API toolkit knows nothing of the edge",
            "- shared.api.edge_links -> shared.gateway.routing (l.1)",
            id="api-toolkit-imports-the-edge",
        ),
        pytest.param(
            "shared/remote/edge_routes.py",
            "from shared.gateway.routing import served_routes\n",
            "Remote interfaces know nothing of the edge",
            "- shared.remote.edge_routes -> shared.gateway.routing (l.1)",
            id="remote-imports-the-edge",
        ),
        pytest.param(
            "shared/db/bus_tables.py",
            "import shared.bus\n",
            "The databases per domain (shared.db) are used by every part of the kernel and import none of it",
            "- shared.db.bus_tables -> shared.bus (l.1)",
            id="databases-import-the-bus",
        ),
        pytest.param(
            "shared/placement.py",
            "import shared.remote\n",
            "The placement map is read by every part of the kernel and imports none of it",
            "- shared.placement -> shared.remote (l.1)",
            id="placement-imports-remote",
        ),
        pytest.param(
            "shared/work_context.py",
            "import shared.observability\n",
            "The work context is a leaf: logs, the proxy and the table guard read it, and it imports none of them",
            "- shared.work_context -> shared.observability (l.1)",
            id="work-context-imports-observability",
        ),
    ],
)
def test_a_deliberate_violation_fails_and_names_the_offending_import(
    project_copy: Path, module: str, line: str, contract: str, reported: str
) -> None:
    # a new module, or an existing one reduced to the offending import (import-linter reads imports only)
    (project_copy / module).write_text(line)

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert f"{contract} BROKEN" in result.stdout
    assert reported in result.stdout


def test_an_interface_importing_its_own_models_breaks_the_interface_contract(project_copy: Path) -> None:
    interface = project_copy / "domains/catalog/interface.py"
    interface.write_text(interface.read_text() + "\nfrom domains.catalog.models import Product  # noqa: E402\n")

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert "A domain's interface imports nothing private of any domain BROKEN" in result.stdout
    assert re.search(r"- domains\.catalog\.interface -> domains\.catalog\.models \(l\.\d+\)", result.stdout)


def test_an_import_cycle_anywhere_breaks_the_acyclic_contract(project_copy: Path) -> None:
    # given two kernel modules that import each other (a late import hides it from nobody)
    (project_copy / "shared/bus/tasks_helpers.py").write_text(
        "def later():\n    from shared.bus.worker_helpers import x\n    return x\n"
    )
    (project_copy / "shared/bus/worker_helpers.py").write_text("from shared.bus.tasks_helpers import later\nx = 1\n")

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert "No import cycles, at any depth BROKEN" in result.stdout
    assert "No cycles are allowed in shared.bus." in result.stdout
