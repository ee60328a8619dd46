"""The shared kernel as a wheel: what a generated service installs instead of carrying a copy of `shared/`.

Built from this checkout with pip (setuptools, as pyproject.toml says) in a scratch
directory holding only what the distribution needs, so the checkout gets no build
litter and two builds at once do not meet. The wheel's version is the project's with the
hash of the kernel's sources as its local part (0.1.0+k1a2b3c4d5e6f7a8b): a service pins
the exact kernel it was written with, and an installer never mistakes one build for
another of the same release. Wheels are kept by that hash under .extract/kernel/: one
build per version of the kernel, however many services.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_PACKAGE = "shared"
DISTRIBUTION_FILES = ("pyproject.toml", "README.md")
CACHE = Path(".extract") / "kernel"
PROJECT_VERSION = re.compile(r'^version = "[^"]+', re.MULTILINE)
BUILD_FAILED = "Building the kernel wheel failed (pip wheel {root}):\n{output}"


class KernelBuildError(RuntimeError):
    """pip could not build the kernel's wheel; the message holds pip's output."""


def kernel_sources(root: Path) -> list[Path]:
    package = root / KERNEL_PACKAGE
    files = [path for path in sorted(package.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
    return [*(root / name for name in DISTRIBUTION_FILES), *files]


def source_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in kernel_sources(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def kernel_wheel(root: Path) -> Path:
    """The wheel of the kernel as the checkout at `root` has it now (built once per version of its sources)."""
    cached = root / CACHE / source_hash(root)
    found = sorted(cached.glob("*.whl")) if cached.is_dir() else []
    if found:
        return found[0]
    with tempfile.TemporaryDirectory(prefix="kernel-wheel-") as scratch:
        source = Path(scratch) / "source"
        for path in kernel_sources(root):
            target = source / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        project = source / "pyproject.toml"
        project.write_text(PROJECT_VERSION.sub(rf"\g<0>+k{cached.name}", project.read_text(), count=1))
        built = Path(scratch) / "wheel"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(built), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = sorted(built.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise KernelBuildError(BUILD_FAILED.format(root=root, output=result.stdout + result.stderr))
        cached.mkdir(parents=True, exist_ok=True)
        kept = cached / wheels[0].name
        shutil.copy2(wheels[0], kept.with_suffix(".part"))
        kept.with_suffix(".part").replace(kept)  # atomic: a concurrent build finds a whole wheel or none
    return kept


def wheel_version(wheel: Path) -> str:
    """The version in a wheel's file name (modulith-0.1.0+k1a2b...-py3-none-any.whl -> 0.1.0+k1a2b...)."""
    return wheel.name.split("-")[1]
