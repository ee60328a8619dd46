"""Shared benchmark plumbing: a throwaway database, interleaved timing, tables."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import django
from django.apps import apps
from django.core.management import call_command
from django.db import connection


def setup_django() -> str:
    """Configure Django on a fresh database; returns a description of it.

    DATABASE_URL is respected (benchmark PostgreSQL with it); otherwise a temporary
    SQLite file, so a benchmark never touches db.sqlite3.
    """
    if apps.ready:
        return _describe_database()
    if "DATABASE_URL" not in os.environ:
        directory = Path(tempfile.mkdtemp(prefix="modulith-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    django.setup()
    call_command("create_database", verbosity=0)  # a PostgreSQL DATABASE_URL may name a new database
    call_command("migrate", verbosity=0)
    return _describe_database()


def _describe_database() -> str:
    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def time_per_call(function: Callable[[], object], *, calls: int) -> float:
    """Seconds per call of `function`, over `calls` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def interleaved(variants: dict[str, Callable[[], object]], *, calls: int, rounds: int = 7) -> dict[str, float]:
    """Median seconds per call of each variant, measured round-robin so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for function in variants.values():  # warm-up
        time_per_call(function, calls=max(1, calls // 10))
    for _ in range(rounds):
        for name, function in variants.items():
            samples[name].append(time_per_call(function, calls=calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows under headers: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print(f"\n{title}")
    print(line(cells[0]))
    print(line(["-" * w for w in widths]))
    for row in cells[1:]:
        print(line(row))


def ratio_rows(
    results: dict[str, float], *, labels: dict[str, str], baseline: str, unit: float, extra: Sequence[object] = ()
) -> list[tuple[object, ...]]:
    """One row per variant: label, extra columns, time in `unit` seconds, ratio to the baseline."""
    return [
        (labels[name], *extra, f"{results[name] / unit:.1f}", f"{results[name] / results[baseline]:.2f}")
        for name in labels
    ]
