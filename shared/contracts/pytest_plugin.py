"""`pytest domains/<d>` tests domain <d> on its own: only the kernel and <d> are installed.

Loaded early (`-p shared.contracts.pytest_plugin` in pytest's configuration), before
pytest-django reads the settings: when every path given to pytest lies inside one or more
domains' directories, it sets MODULITH_DOMAINS to those domains, and the settings install
those and no other (config/settings.py). The project's conftest then binds fakes of the
other domains' recorded contracts (shared.contracts.fakes) to their interfaces.

This is what a team owning one service runs. With no paths, or any path outside domains/,
every domain is installed, as before. MODULITH_DOMAINS set by hand wins over the paths.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

DOMAINS_VARIABLE = "MODULITH_DOMAINS"
DOMAINS_DIRECTORY = "domains"
ALONE_HEADER = "domains installed: {domains} ({variable}); every other domain is a fake of its recorded contract"


def domains_named_by(paths: Sequence[str], *, invoked_in: Path, root: Path) -> list[str]:
    """The domains whose directories hold every one of `paths`; [] when one lies elsewhere (or none is given)."""
    domains: set[str] = set()
    for argument in paths:
        path = Path(argument.split("::", 1)[0])
        path = (path if path.is_absolute() else invoked_in / path).resolve()
        try:
            parts = path.relative_to((root / DOMAINS_DIRECTORY).resolve()).parts
        except ValueError:
            return []
        if not parts or not (root / DOMAINS_DIRECTORY / parts[0]).is_dir():
            return []
        domains.add(parts[0])
    return sorted(domains)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if DOMAINS_VARIABLE in os.environ:
        return  # chosen by hand, or inherited by an xdist worker from its controller
    paths = early_config.known_args_namespace.file_or_dir or []
    domains = domains_named_by(paths, invoked_in=early_config.invocation_params.dir, root=early_config.rootpath)
    if domains:
        os.environ[DOMAINS_VARIABLE] = ",".join(domains)


def pytest_report_header(config: pytest.Config) -> str | None:
    domains = os.environ.get(DOMAINS_VARIABLE)
    return ALONE_HEADER.format(domains=domains, variable=DOMAINS_VARIABLE) if domains else None
