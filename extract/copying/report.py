"""What `extract data` shows: a progress bar per table while copying (rich), then a table of the result."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from extract.copying.copier import CopyReport

HEADER = ("table", "source rows", "target rows", "copied", "deleted", "checksums")
VERIFIED = "Verified: {tables} tables of {domain}, the same rows and checksums on both sides."
DRY_RUN = "Dry run: nothing was written. {differ} of {tables} tables differ; run without --dry-run to copy."
RESUMED = "Resumed from the checkpoint of an interrupted run."
NO_TABLE = "no table"


class CopyProgress:
    """rich progress bars on `stream` (a terminal shows them live; a log gets the final state)."""

    def __init__(self, stream: TextIO) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> CopyProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def begin(self, table: str, *, total: int, done: int) -> None:
        self._tasks[table] = self._progress.add_task(table, total=total, completed=done)

    def advance(self, table: str, rows: int) -> None:
        self._progress.advance(self._tasks[table], rows)


def copy_lines(report: CopyReport, *, back: bool) -> Iterator[str]:
    rows = [HEADER]
    for table in report.tables:
        target = NO_TABLE if table.target_rows is None else str(table.target_rows)
        rows.append(
            (
                table.table,
                str(table.source_rows),
                target,
                str(table.copied),
                str(table.deleted),
                "equal" if table.verified else "differ",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    if report.resumed:
        yield RESUMED
    for row in rows:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
    if report.dry_run:
        differ = sum(not table.verified for table in report.tables)
        yield DRY_RUN.format(differ=differ, tables=len(report.tables))
    else:
        yield VERIFIED.format(tables=len(report.tables), domain=report.domain)
