"""The alert rules shipped for Prometheus: each tested by promtool on series that should and should not fire it."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

from conftest import require_server

RULES = Path(settings.BASE_DIR) / "shared" / "observability" / "alerts" / "rules.yml"
RULE_TESTS = sorted((RULES.parent / "tests").glob("*.yml"))
INSTALL_PROMTOOL = "promtool (Debian: `apt-get install -y prometheus`; `make check` installs it when run as root)"
METRIC = re.compile(r"\b(modulith_[a-z_]+)\b")


def alerts() -> list[dict[str, object]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        require_server(INSTALL_PROMTOOL)
    return str(found)


def test_every_rule_has_a_test_file_of_its_own() -> None:
    tested = {}
    for path in RULE_TESTS:
        names = {case["alertname"] for test in yaml.safe_load(path.read_text())["tests"]
                 for case in test["alert_rule_test"]}  # fmt: skip
        tested[path.name] = names

    assert all(len(names) == 1 for names in tested.values()), tested
    assert sorted(name for names in tested.values() for name in names) == sorted(rule["alert"] for rule in alerts())


def test_the_rules_are_valid_prometheus_rules() -> None:
    checked = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout


@functools.cache
def promtool_tests() -> dict[str, str]:
    """promtool's verdict on every rule test file (one run for all of them): file name -> its report."""
    result = subprocess.run(
        [promtool(), "test", "rules", *(path.name for path in RULE_TESTS)],
        cwd=RULES.parent / "tests", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    reports = re.split(r"^Unit Testing:\s+", result.stdout + result.stderr, flags=re.MULTILINE)[1:]
    return {report.split("\n", 1)[0].strip(): report for report in reports}


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=lambda path: path.stem)
def test_a_rule_fires_exactly_when_its_test_says(rule_test: Path) -> None:
    report = promtool_tests().get(rule_test.name, "no report")

    assert report.split("\n")[1].strip() == "SUCCESS", report


@pytest.mark.django_db
def test_the_rules_use_only_metrics_that_the_processes_export(client: Client) -> None:
    exported = client.get("/metrics").content.decode()
    families = set(re.findall(r"^# TYPE (\S+) ", exported, flags=re.MULTILINE))
    names = set(families)
    names |= {f"{family}_total" for family in families} | {f"{family}_bucket" for family in families}

    used = {metric for rule in alerts() for metric in METRIC.findall(str(rule["expr"]))}

    assert used, "the rules use the project's metrics"
    assert sorted(used - names) == []
