"""The architecture as data: domains with their operations, what depends on what, which events flow where.

Built from the code of the running process (shared.architecture.survey), rendered as a
page, JSON, Mermaid or Graphviz (shared.architecture.render). Frozen, so that one
description can be rendered several ways and compared.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    name: str
    signature: str
    """`(*, product_id: UUID) -> ProductDTO`"""
    summary: str
    """The first paragraph of its docstring in the Protocol."""
    idempotent: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """Whether a domain could leave the process today, and what stands in the way."""

    ready: bool
    blockers: tuple[str, ...]
    """Each a sentence naming the offending code and what to do."""
    notes: tuple[str, ...]
    """What a split would cost without blocking it (calls that would become remote, events that would cross)."""
    source: str
    """Who judged: `boundary checks` until the extraction planner is plugged in (shared.architecture.readiness)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Domain:
    name: str
    summary: str
    """The first paragraph of its interface module's docstring."""
    operations: tuple[Operation, ...]
    publishes: tuple[str, ...]
    """Wire names of the events it declares ('orders.OrderPlaced.v1')."""
    errors: tuple[str, ...]
    """Codes of the errors it declares."""
    placement: str
    """`local`, or the base URL of the service that serves it."""
    readiness: Readiness


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Dependency:
    """`source` imports `target`'s interface from the modules listed (outside its event handlers)."""

    source: str
    target: str
    modules: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventFlow:
    """Events of `publisher` that `subscriber` handles, and under which subscriber ids."""

    publisher: str
    subscriber: str
    events: tuple[str, ...]
    subscriptions: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Architecture:
    domains: tuple[Domain, ...]
    dependencies: tuple[Dependency, ...]
    event_flows: tuple[EventFlow, ...]

    def domain(self, name: str) -> Domain:
        return next(d for d in self.domains if d.name == name)
