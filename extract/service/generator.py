"""Put the service together and write it (see the package docstring)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from django.conf import settings

from extract.planning.planner import settings_module
from extract.planning.settings_reads import settings_reads
from extract.planning.source import read_source
from extract.service.kernel_wheel import kernel_wheel, wheel_version
from extract.service.rendering import read_project, render
from extract.service.sources import monolith_files
from extract.service.writer import Change, changes, write

WHEELS = "wheels"
EXISTS = (
    "{out} already holds a service, and writing this one would change {count} file(s) (the diff is above). "
    "Run again with --force to write them; files the generator did not write are left alone."
)


class ServiceExistsError(Exception):
    """The directory holds files that this run would change; `changes` has them, with their diffs."""

    def __init__(self, message: str, changes: list[Change]) -> None:
        super().__init__(message)
        self.changes = changes


@dataclasses.dataclass(frozen=True, slots=True)
class Generated:
    out: Path
    changes: tuple[Change, ...]
    """What was written (empty: the service was up to date)."""


def service_files(domain: str, *, monolith_url: str, root: Path | None = None) -> dict[str, bytes]:
    """Every file of the service of `domain`, by path relative to its directory."""
    root = Path(root or settings.BASE_DIR)
    project = read_project(root)
    wheel = kernel_wheel(root)
    files = monolith_files(root, domain, settings.DOMAINS)
    files.update(
        render(
            domain=domain,
            domains=settings.DOMAINS,
            monolith_url=monolith_url.rstrip("/"),
            kernel_version=wheel_version(wheel),
            kernel_wheel=f"{WHEELS}/{wheel.name}",
            settings=settings_reads(read_source(root, ("domains",)), domain, settings_module()),
            project=project,
        )
    )
    files[f"{WHEELS}/{wheel.name}"] = wheel.read_bytes()
    return files


def generate(domain: str, *, out: Path, monolith_url: str, force: bool = False) -> Generated:
    """Write the service of `domain` into `out`; a run that would change existing files needs `force`."""
    files = service_files(domain, monolith_url=monolith_url)
    found = changes(out, files)
    existing = out.is_dir() and any(out.iterdir())
    if found and existing and not force:
        raise ServiceExistsError(EXISTS.format(out=out, count=len(found)), found)
    out.mkdir(parents=True, exist_ok=True)
    write(out, files, found)
    return Generated(out=out, changes=tuple(found))
