"""`pytest domains/<d>` runs with the kernel and <d> installed alone, every other domain's interface
served by a fake of its recorded contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.conf import settings

from shared.contracts.pytest_plugin import ALONE_HEADER, DOMAINS_VARIABLE, domains_named_by

ROOT = Path(settings.BASE_DIR)

PROBE = '''
import json, os
from django.apps import apps
from django.conf import settings
from django.db import connection
from shared.interfaces import registry

databases = set()


def pytest_runtest_call(item):
    databases.add(connection.settings_dict["NAME"])


def pytest_sessionfinish(session):
    """What the run had installed and bound, for the test that started it."""
    with open(os.environ["PROBE_OUT"], "w") as out:
        json.dump(
            {
                "apps": [app.label for app in apps.get_app_configs()],
                "bindings": {i.meta.name: type(i.target).__name__ for i in registry.interfaces()},
                "databases": sorted(databases),
            },
            out,
        )
'''


@pytest.mark.parametrize(
    ("paths", "invoked_in", "domains"),
    [
        pytest.param(["domains/cart"], ".", ["cart"], id="a-domain"),
        pytest.param(["domains/cart/tests/test_cart_api.py::test_x"], ".", ["cart"], id="one-test"),
        pytest.param(["domains/orders/tests", "domains/cart/"], ".", ["cart", "orders"], id="two-domains"),
        pytest.param(["tests"], "domains/cart", ["cart"], id="from-inside-the-domain"),
        pytest.param([str(ROOT / "domains" / "billing")], "/", ["billing"], id="absolute"),
        pytest.param([], ".", [], id="nothing-named-runs-everything"),
        pytest.param(["domains"], ".", [], id="all-domains"),
        pytest.param(["domains/cart", "tests/flows"], ".", [], id="a-path-elsewhere"),
        pytest.param(["domains/shipping"], ".", [], id="no-such-domain"),
        pytest.param(["domains/__init__.py"], ".", [], id="a-file-of-the-package"),
    ],
)
def test_the_domains_alone_are_those_whose_directories_hold_every_path(
    paths: list[str], invoked_in: str, domains: list[str]
) -> None:
    assert domains_named_by(paths, invoked_in=ROOT / invoked_in, root=ROOT) == domains


@pytest.mark.processes
def test_pytest_on_a_domains_directory_installs_that_domain_alone_with_fakes_for_the_others(tmp_path: Path) -> None:
    (tmp_path / "alone_probe.py").write_text(PROBE, encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "MODULITH_"))}
    environment |= {"PYTHONPATH": str(tmp_path), "PROBE_OUT": str(tmp_path / "probe.json"), "LOG_LEVEL": "ERROR"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "domains/notifications",
            "-p",
            "alone_probe",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ALONE_HEADER.format(domains="notifications", variable=DOMAINS_VARIABLE) in result.stdout.splitlines()
    probe = json.loads((tmp_path / "probe.json").read_text(encoding="utf-8"))
    domains = [label for label in probe["apps"] if label in settings.DOMAINS]
    assert domains == ["notifications"]
    assert probe["bindings"] == {
        "billing": "FakeInterface",
        "cart": "FakeInterface",
        "catalog": "FakeInterface",
        "identity": "FakeInterface",
        "notifications": "NotificationsService",
        "orders": "FakeInterface",
    }
    database = environ.Env.db_url_config(environment.get("DATABASE_URL", "sqlite://"))
    if database["ENGINE"] != "django.db.backends.sqlite3":  # its own test database, beside this run's
        assert probe["databases"] == [f"test_{database['NAME']}_only_notifications"]


@pytest.mark.processes
def test_a_domain_that_does_not_exist_stops_the_start_naming_those_that_do() -> None:
    environment = {"PATH": "/usr/bin:/bin", "MODULITH_DOMAINS": "orders,shipping", "LOG_LEVEL": "ERROR"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: MODULITH_DOMAINS names shipping, which is no domain. "
        "Name some of: identity, catalog, cart, orders, billing, notifications."
    )
