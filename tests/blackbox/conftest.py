"""One deployment per placement, started once and switched back after its tests (tests/blackbox/deployments.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.blackbox.deployments import PLACEMENTS, Deployment, Placement, Suite
from tests.extract.services import create_venv


@pytest.fixture(scope="session")
def blackbox_suite(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    base = tmp_path_factory.mktemp("blackbox")
    return Suite(base=base, venv=create_venv(base / "venv"))


@pytest.fixture(scope="session", params=PLACEMENTS, ids=[placement.name for placement in PLACEMENTS])
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
