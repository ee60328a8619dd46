"""Writing a generated service: never over someone's changes without --force, and saying what would change.

A manifest (`.extract-service.json`) lists the files the generator wrote, with their
hashes. A second run compares what it would write with what is there: files it would add,
change (with a unified diff; a wheel by the files it holds) or remove (written last
time, no longer generated). Files the generator never wrote are left alone.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

MANIFEST = ".extract-service.json"
BINARY_NOTE = "(binary file; {size} bytes)"


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    path: str
    kind: ChangeKind
    diff: str


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def changes(out: Path, files: Mapping[str, bytes]) -> list[Change]:
    """What writing `files` into `out` would change, in path order."""
    written = _manifest(out)
    found: list[Change] = []
    for path, content in sorted(files.items()):
        target = out / path
        if not target.exists():
            found.append(Change(path, ChangeKind.ADDED, _diff(path, b"", content)))
            continue
        current = target.read_bytes()
        if _comparable(path, current) != _comparable(path, content):
            found.append(Change(path, ChangeKind.CHANGED, _diff(path, current, content)))
    for path in sorted(set(written) - set(files)):
        if (out / path).exists():
            found.append(Change(path, ChangeKind.REMOVED, _diff(path, (out / path).read_bytes(), b"")))
    return found


def write(out: Path, files: Mapping[str, bytes], found: Sequence[Change]) -> None:
    for change in found:
        target = out / change.path
        if change.kind is ChangeKind.REMOVED:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[change.path])
        if change.path in ("manage.py",):
            target.chmod(0o755)
    manifest = {"files": {path: digest(content) for path, content in sorted(files.items())}}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def _manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text()).get("files", {}))


def _comparable(path: str, content: bytes) -> bytes:
    """A wheel is compared by what it holds (its RECORD of file hashes), not by its zip bytes."""
    if path.endswith(".whl"):
        with zipfile.ZipFile(io.BytesIO(content)) as wheel:
            records = [name for name in wheel.namelist() if name.endswith(".dist-info/RECORD")]
            return b"".join(sorted(wheel.read(records[0]).splitlines(keepends=True))) if records else content
    return content


def _diff(path: str, before: bytes, after: bytes) -> str:
    before, after = _comparable(path, before) if before else b"", _comparable(path, after) if after else b""
    try:
        old, new = before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)
    except UnicodeDecodeError:
        return BINARY_NOTE.format(size=len(after))
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"))
