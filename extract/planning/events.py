"""Events that cross the boundary: what the domain publishes that others handle, and what it handles of others'.

Subscriptions are read from each domain's `handlers.py` SUBSCRIPTIONS table in the source,
so a domain placed elsewhere (its app not installed here) is read like any other; the
event classes they name are looked up in the module that declares them.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
from collections.abc import Iterator

from extract.planning.report import Direction, EventFlow
from extract.planning.source import Source, SourceModule
from shared.events import event_meta, is_event_type

HANDLERS_MODULE = "handlers"
TABLE_NAME = "SUBSCRIPTIONS"


@dataclasses.dataclass(frozen=True, slots=True)
class Subscribed:
    subscriber: str
    wire_id: str
    domain: str
    """The subscribing domain."""


def subscriptions(source: Source, domains: tuple[str, ...]) -> list[Subscribed]:
    """Every subscription of every domain, read from its SUBSCRIPTIONS table."""
    found: list[Subscribed] = []
    for domain in domains:
        module = source.module(f"domains.{domain}.{HANDLERS_MODULE}")
        if module is not None:
            found.extend(_table(module))
    return found


def _table(module: SourceModule) -> Iterator[Subscribed]:
    for statement in module.tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if not any(isinstance(target, ast.Name) and target.id == TABLE_NAME for target in targets):
            continue
        for call in ast.walk(statement.value):
            if not isinstance(call, ast.Call):
                continue
            arguments = {keyword.arg: keyword.value for keyword in call.keywords}
            subscriber, event = arguments.get("id"), arguments.get("event")
            if not isinstance(subscriber, ast.Constant) or event is None:
                continue
            wire_id = _wire_id(module, event)
            if wire_id is not None:
                yield Subscribed(subscriber=str(subscriber.value), wire_id=wire_id, domain=module.owner)


def _wire_id(module: SourceModule, event: ast.expr) -> str | None:
    origin = module.imports.origin(event)
    if origin is None and isinstance(event, ast.Name):
        origin = (module.name.rpartition(".")[0] + f".{HANDLERS_MODULE}", event.id)
    if origin is None:
        return None
    declared = getattr(importlib.import_module(origin[0]), origin[1], None)
    return event_meta(declared).wire_id if is_event_type(declared) else None


def publisher_of(wire_id: str) -> str:
    """The domain an event belongs to: its wire name starts with it ('orders.OrderPlaced.v1')."""
    return wire_id.partition(".")[0]


def flows(domain: str, subscribed: list[Subscribed]) -> tuple[EventFlow, ...]:
    """Events published on one side of the boundary and handled on the other."""
    found = []
    for subscription in subscribed:
        publisher = publisher_of(subscription.wire_id)
        if (publisher == domain) == (subscription.domain == domain):
            continue
        direction = Direction.OUTBOUND if publisher == domain else Direction.INBOUND
        found.append(
            EventFlow(
                direction=direction,
                event=subscription.wire_id,
                publisher=publisher,
                subscriber=subscription.subscriber,
            )
        )
    return tuple(sorted(found, key=lambda flow: (flow.direction, flow.event, flow.subscriber)))
