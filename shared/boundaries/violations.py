"""A boundary violation as the `boundaries` command reports it: where, which check, what, and the fix.

The same record comes from every source (the ORM rules read from the source, import-linter's
broken contracts), so that text, JSON and the baseline treat them alike.
"""

from __future__ import annotations

import dataclasses
from typing import Any

KERNEL = "kernel"
"""The owner of violations in code that is no domain's (shared/, config/, extract/)."""

IMPORTS_CHECK = "imports"
"""The check id of a broken import-linter contract (its contract name is in the message)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    check: str
    """The check id, e.g. modulith.E061, or `imports` for a broken import-linter contract."""
    domain: str
    """The domain held to account (whose code or tests break the rule); KERNEL for the rest."""
    file: str
    """Path relative to the checked tree, with forward slashes."""
    line: int
    message: str
    fix: str

    def key(self) -> tuple[str, str, str, str]:
        """What identifies a violation in the baseline: not its line, which moves with unrelated edits."""
        return (self.domain, self.check, self.file, self.message)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "id": self.check,
            "domain": self.domain,
            "message": self.message,
            "fix": self.fix,
        }


def sort_key(violation: Violation) -> tuple[str, str, int, str, str]:
    return (violation.domain, violation.file, violation.line, violation.check, violation.message)
