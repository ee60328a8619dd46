"""What a split of one domain touches, as frozen dataclasses: the plan's public shape.

The command renders a `Plan` as text or JSON; the architecture page reads `Plan.ready`
and the blockers. Everything here is plain data (JSON-friendly through `as_json`), so a
plan can be stored, compared or sent over HTTP.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    """Another part of the monolith calls the domain: the call leaves the monolith for the service."""
    OUTBOUND = "outbound"
    """The domain calls another domain: the call leaves the service for the monolith."""


class BlockerKind(enum.StrEnum):
    PRIVATE_IMPORT = "private_import"
    ORM_COUPLING = "orm_coupling"
    SPANNING_TRANSACTION = "spanning_transaction"
    SHARED_TABLE = "shared_table"
    BOUNDARY_CHECK = "boundary_check"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    path: str
    """Relative to the project root, with forward slashes."""
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CallSite:
    """One place that calls an interface operation across the boundary (it becomes an HTTP call)."""

    direction: Direction
    caller: str
    """The calling domain, or the top-level package (config) for the composition root."""
    callee: str
    operation: str
    where: Location
    function: str
    """The enclosing function's qualified name, or '<module>'."""
    loop: Location | None
    """The innermost loop or comprehension around the call: one remote call per iteration."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventFlow:
    """An event that crosses the boundary: published on one side, handled on the other."""

    direction: Direction
    """OUTBOUND: the domain publishes it, others handle it; INBOUND: the domain handles another's event."""
    event: str
    """Wire id, e.g. 'orders.OrderPlaced.v1'."""
    publisher: str
    subscriber: str
    """The subscription's stable id, e.g. 'catalog.keep_stock_for_placed_order'."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TableMove:
    """A table whose rows (or some of them) move with the domain."""

    table: str
    model: str
    rows: int | None
    """None when the table does not exist in this database yet (not migrated)."""
    kernel: bool
    """A kernel table of which only the domain's rows move (its outbox, inbox, idempotency keys)."""
    selection: str
    """Which rows move: 'all', or what a kernel table's rows are filtered by."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SettingRead:
    setting: str
    where: tuple[Location, ...]
    environment: tuple[str, ...]
    """The environment variables config/settings.py reads it from (empty for a constant or a read of os.environ)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Blocker:
    kind: BlockerKind
    where: Location
    message: str
    """What couples the domain to the rest, in one sentence."""
    fix: str
    """What to change so that the split needs no rewrite."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    domain: str
    calls: tuple[CallSite, ...]
    events: tuple[EventFlow, ...]
    tables: tuple[TableMove, ...]
    settings: tuple[SettingRead, ...]
    blockers: tuple[Blocker, ...]

    @property
    def ready(self) -> bool:
        """Nothing blocks the split: `extract service` and `extract data` can run as they are."""
        return not self.blockers

    @property
    def calls_in_loops(self) -> tuple[CallSite, ...]:
        return tuple(call for call in self.calls if call.loop is not None)

    def as_json(self) -> dict[str, Any]:
        """The plan as JSON-ready data (enums are strings, tuples lists once dumped), with `ready`."""
        return {**dataclasses.asdict(self), "ready": self.ready}
