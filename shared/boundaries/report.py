"""`boundaries check` output: readable text, or JSON for CI annotations (file, line, id, message, fix)."""

from __future__ import annotations

import json
from typing import Any

from shared.boundaries.baseline import BASELINE_FILE, Comparison, Key

STALE_MESSAGE = "The baseline lists a violation that no longer exists: {message}"
STALE_FIX = f"Shrink the baseline: run `python manage.py boundaries baseline` and commit {BASELINE_FILE}."
NEW_SUMMARY = "{new} new boundary violation(s): fix each as its `fix:` line says (the baseline only shrinks)."
STALE_SUMMARY = "{stale} baseline entr(ies) no longer occur: " + STALE_FIX
CLEAN_SUMMARY = "No new boundary violations."


def remaining_line(comparison: Comparison) -> str:
    counts = ", ".join(f"{domain} {count}" for domain, count in comparison.remaining.items())
    return f"Baselined violations remaining per domain: {counts} (total {sum(comparison.remaining.values())})."


def summary(comparison: Comparison) -> str:
    parts = []
    if comparison.new:
        parts.append(NEW_SUMMARY.format(new=len(comparison.new)))
    if comparison.stale:
        parts.append(STALE_SUMMARY.format(stale=len(comparison.stale)))
    return " ".join(parts) or CLEAN_SUMMARY


def as_text(comparison: Comparison) -> str:
    lines: list[str] = []
    for violation in comparison.new:
        lines.append(f"{violation.file}:{violation.line}: {violation.check} [{violation.domain}] {violation.message}")
        lines.append(f"    fix: {violation.fix}")
    for domain, check, file, message in comparison.stale:
        lines.append(f"{file}: {check} [{domain}] {STALE_MESSAGE.format(message=message)}")
        lines.append(f"    fix: {STALE_FIX}")
    lines.append(remaining_line(comparison))
    lines.append(summary(comparison))
    return "\n".join(lines)


def as_json(comparison: Comparison) -> str:
    document: dict[str, Any] = {
        "ok": comparison.ok,
        "violations": [{**violation.as_json(), "new": True} for violation in comparison.new]
        + [{**violation.as_json(), "new": False} for violation in comparison.baselined],
        "stale": [_stale_json(key) for key in comparison.stale],
        "remaining": comparison.remaining,
        "summary": summary(comparison),
    }
    return json.dumps(document, indent=2, sort_keys=True)


def _stale_json(key: Key) -> dict[str, Any]:
    domain, check, file, message = key
    return {
        "file": file,
        "line": None,
        "id": check,
        "domain": domain,
        "message": STALE_MESSAGE.format(message=message),
        "fix": STALE_FIX,
    }
