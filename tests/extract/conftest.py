"""Fixtures of the extraction tests: one virtualenv for every generated service, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.extract.services import create_venv


@pytest.fixture(scope="session")
def service_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_venv(tmp_path_factory.mktemp("services") / "venv")
