"""The baseline: the violations a codebase had when it adopted the rules, per domain. It may only shrink.

    {"domains": {"catalog": [], "orders": [{"id": "modulith.E061", "file": "...", "message": "..."}], ...}}

Every domain of the tree has its list (empty when clean), and KERNEL holds the rest; entries are
sorted, so the file diffs well in review. An entry has no line number: lines move with every
unrelated edit, the rule broken, the file and the message do not.

`boundaries check` compares today's violations with it: a violation not in it is new (fails),
an entry no violation matches is stale (fails too: the fix must shrink the file, by
`boundaries baseline`), the rest are the debt that remains, counted per domain.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.boundaries.violations import KERNEL, Violation

BASELINE_FILE = "boundaries-baseline.json"

Key = tuple[str, str, str, str]


class BaselineFileError(ValueError):
    """The baseline file is not what `boundaries baseline` writes."""


BAD_BASELINE = "{path} is not a boundaries baseline ({problem}). Write it again with `manage.py boundaries baseline`."


@dataclasses.dataclass(frozen=True, slots=True)
class Comparison:
    new: list[Violation]
    baselined: list[Violation]
    stale: list[Key]
    """Baseline entries (domain, id, file, message) that no violation matches any more."""
    remaining: dict[str, int]
    """Baselined violations still present, per domain (every domain listed, 0 when clean)."""

    @property
    def ok(self) -> bool:
        return not self.new and not self.stale


def read_baseline(path: Path) -> Counter[Key] | None:
    """The baseline's entries (with their counts), or None when there is no baseline file."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        entries = Counter(
            (domain, entry["id"], entry["file"], entry["message"])
            for domain, listed in data["domains"].items()
            for entry in listed
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BaselineFileError(BAD_BASELINE.format(path=path, problem=error)) from error
    return entries


def render_baseline(domains: Iterable[str], violations: Iterable[Violation]) -> str:
    listed: dict[str, list[dict[str, Any]]] = {domain: [] for domain in (*domains, KERNEL)}
    for violation in violations:
        listed.setdefault(violation.domain, []).append(
            {"id": violation.check, "file": violation.file, "message": violation.message}
        )
    for entries in listed.values():
        entries.sort(key=lambda entry: (entry["file"], entry["id"], entry["message"]))
    return json.dumps({"domains": dict(sorted(listed.items()))}, indent=2, sort_keys=True) + "\n"


def compare(baseline: Counter[Key], violations: Iterable[Violation], domains: Iterable[str]) -> Comparison:
    unmatched = Counter(baseline)
    new: list[Violation] = []
    baselined: list[Violation] = []
    for violation in violations:
        key = violation.key()
        if unmatched[key] > 0:
            unmatched[key] -= 1
            baselined.append(violation)
        else:
            new.append(violation)
    remaining = dict.fromkeys(sorted({*domains, KERNEL}), 0)
    for violation in baselined:
        remaining[violation.domain] = remaining.get(violation.domain, 0) + 1
    return Comparison(new=new, baselined=baselined, stale=sorted(unmatched.elements()), remaining=remaining)
