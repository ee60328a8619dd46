"""Subscriptions: which handler reacts to which event, under a stable subscriber id.

Each domain lists its wiring in one table in `handlers.py`:

    SUBSCRIPTIONS = (
        Subscription(
            id="notifications.confirm_order",
            event=OrderConfirmed,
            handler=send_order_confirmation,
        ),
    )

The id, never the function's dotted path, keys the delivery rows, so renaming or moving
a handler orphans nothing.

`event` is the schema the handler receives: the publisher's class from its interface
module, or a frozen dataclass of the subscriber's own declared with the same
`@event(name, version=...)`, which is all a subscriber in another service needs. A
subscription is to one name and version; an event published at a newer version reaches
it through the publisher's downcasts (shared.events).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from shared.events import EventMeta, event_meta, is_event_type

SUBSCRIBER_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

BAD_SUBSCRIBER_ID = (
    "Subscriber id {id!r} is not of the form '<domain>.<effect>', e.g. "
    "'notifications.send_order_confirmation'. It keys stored deliveries, so keep it stable."
)
DUPLICATE_SUBSCRIBER = "Subscriber id {id!r} is used twice ({first} and {second}). Each subscription needs its own id."
NOT_AN_EVENT_SUBSCRIPTION = "Subscription {id!r} listens to {event!r}, which is not an @event class."
BAD_HANDLER = "Subscription {id!r}: handler {handler!r} must be a function taking exactly the event."
BAD_TABLE = "{module}.SUBSCRIPTIONS must be a tuple of Subscription, got {value!r}."


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    id: str
    event: type
    handler: Callable[[Any], object]

    def __post_init__(self) -> None:
        if not SUBSCRIBER_ID.match(self.id):
            raise ValueError(BAD_SUBSCRIBER_ID.format(id=self.id))
        if not is_event_type(self.event):
            raise TypeError(NOT_AN_EVENT_SUBSCRIPTION.format(id=self.id, event=self.event))
        try:
            inspect.signature(self.handler).bind(object())
        except (TypeError, ValueError):
            raise TypeError(BAD_HANDLER.format(id=self.id, handler=self.handler)) from None

    @property
    def wire_id(self) -> str:
        return event_meta(self.event).wire_id

    @property
    def name(self) -> str:
        """The event's wire name."""
        return event_meta(self.event).name

    @property
    def version(self) -> int:
        """The version of the event this subscriber reads."""
        return event_meta(self.event).version


class Router:
    """Subscriptions indexed by event name and by subscriber id."""

    def __init__(self, subscriptions: Iterable[Subscription]) -> None:
        self._by_id: dict[str, Subscription] = {}
        self._by_name: dict[str, list[Subscription]] = {}
        for subscription in subscriptions:
            first = self._by_id.get(subscription.id)
            if first is not None:
                raise ValueError(
                    DUPLICATE_SUBSCRIBER.format(id=subscription.id, first=first.handler, second=subscription.handler)
                )
            self._by_id[subscription.id] = subscription
            self._by_name.setdefault(subscription.name, []).append(subscription)

    def for_event(self, meta: EventMeta) -> Sequence[Subscription]:
        """The subscriptions an event published as `meta` reaches: its version, or one it downcasts to."""
        versions = meta.versions
        return [s for s in self._by_name.get(meta.name, ()) if s.version in versions]

    def for_name(self, name: str) -> Sequence[Subscription]:
        """Every subscription to any version of the event `name`."""
        return self._by_name.get(name, ())

    def get(self, subscriber_id: str) -> Subscription | None:
        return self._by_id.get(subscriber_id)

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._by_id.values())


def discover_subscriptions(app_modules: Iterable[str]) -> list[Subscription]:
    """Read SUBSCRIPTIONS from `<app>.handlers` of every app that has such a module."""
    found: list[Subscription] = []
    for app_module in app_modules:
        module_name = f"{app_module}.handlers"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        table = getattr(module, "SUBSCRIPTIONS", ())
        if not isinstance(table, tuple) or not all(isinstance(s, Subscription) for s in table):
            raise TypeError(BAD_TABLE.format(module=module_name, value=table))
        found.extend(table)
    return found
