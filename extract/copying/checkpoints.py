"""How far a copy got, per table, in a JSON file: an interrupted copy resumes where it stopped.

Rows are written with upserts, so a batch written again after a crash (written, but the
checkpoint not yet saved) changes nothing. The file is removed once the copy is verified.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

UNREADABLE = "The checkpoint {path} cannot be read ({error}). Delete it to start the copy over."


class CheckpointError(ValueError):
    """A checkpoint file that is not one."""


@dataclasses.dataclass(slots=True)
class Checkpoint:
    path: Path
    cleared: list[str] = dataclasses.field(default_factory=list)
    """Tables whose rows missing from the source were deleted in the target."""
    after: dict[str, str] = dataclasses.field(default_factory=dict)
    """Table -> the primary key (as text) of the last row copied."""
    copied: list[str] = dataclasses.field(default_factory=list)
    """Tables copied completely."""

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text())
            return cls(path, list(data["cleared"]), dict(data["after"]), list(data["copied"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(UNREADABLE.format(path=path, error=exc)) from exc

    @property
    def started(self) -> bool:
        return bool(self.cleared or self.after or self.copied)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"cleared": self.cleared, "after": self.after, "copied": self.copied}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2))
        temporary.replace(self.path)  # atomic: a crash leaves the old checkpoint or the new one

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
