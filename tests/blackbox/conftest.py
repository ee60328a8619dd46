"""One deployment per placement, started once and switched back after its tests (tests/blackbox/deployments.py).

A test that fails against a deployment shows the tail of every process's log under its
failure ("process logs"): the monolith's and each service's web and worker.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.blackbox.deployments import PLACEMENTS, Deployment, Placement, Suite
from tests.extract.services import create_venv


@pytest.fixture(scope="session")
def blackbox_suite(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    base = tmp_path_factory.mktemp("blackbox")
    return Suite(base=base, venv=create_venv(base / "venv"))


PARAMS = [
    pytest.param(placement, id=placement.name, marks=[pytest.mark.extracted] if placement.extracted else [])
    for placement in PLACEMENTS
]


@pytest.fixture(scope="session", params=PARAMS)
def deployment(request: pytest.FixtureRequest, blackbox_suite: Suite) -> Iterator[Deployment]:
    placement: Placement = request.param
    deployed = blackbox_suite.deploy(placement)
    try:
        yield deployed
    finally:
        blackbox_suite.switch_back(deployed)


@pytest.fixture(scope="session")
def blackbox_base(blackbox_suite: Suite) -> Path:
    return blackbox_suite.base


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep a test marked `placements("catalog", ...)` only for the deployments it names.

    A fault or a flow that only makes sense where a given domain runs apart (a killed
    service) is not run, and not reported as skipped, against the other placements.
    """
    kept, deselected = [], []
    for item in items:
        marker = item.get_closest_marker("placements")
        callspec = getattr(item, "callspec", None)
        placement = callspec.params.get("deployment") if callspec is not None else None
        if marker is None or not isinstance(placement, Placement) or placement.name in marker.args:
            kept.append(item)
        else:
            deselected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    deployed = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and isinstance(deployed, Deployment):
        report.sections.append((f"process logs ({deployed.placement.name})", deployed.log_tails()))
    return report
