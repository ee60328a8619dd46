"""Events: tiny past-tense facts with a stable wire name and version.

    @event("catalog.ProductPriceChanged", version=1, key="product_id")
    class ProductPriceChanged:
        product_id: UUID
        new_price: Money

The decorator makes the class a frozen, slotted, keyword-only dataclass. The wire name
(not the class path) identifies stored events, so renaming the class orphans nothing.
`key` names the field whose value orders events: two events with the same key are
delivered to a subscriber in publish order.

Versions: a publisher that changes an event's shape publishes the new version and keeps
its older subscribers by saying how to turn the new payload into each older one:

    @event("catalog.ProductPriceChanged", version=2, key="product_id", downcasts={1: price_change_v1})

`price_change_v1` takes the v2 payload (JSON primitives, as stored) and returns the v1
payload. The event is stored once, at its published version; a subscriber to v1 receives
the v1 payload, computed where the publisher's code runs (in its process, or by its feed
before the payload leaves it), so a subscriber never needs the publisher's code.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*$")

BAD_EVENT_NAME = "Event name {name!r} is not of the form '<domain>.<PastTenseFact>', e.g. 'orders.OrderPlaced'."
BAD_EVENT_VERSION = "Event {name} has version {version}; versions are integers from 1."
BAD_DOWNCAST = (
    "Event {name} v{version} declares a downcast to version {target!r}; downcasts go to older versions "
    "(integers from 1 to {newest}) and are functions taking the payload: downcasts={{1: to_v1}}."
)
BAD_EVENT_KEY = "Event {name} orders by key {key!r}, but it has no such field. Fields: {fields}."
NOT_AN_EVENT = (
    "{type_name} is not an event. Declare it with @event('<domain>.<Fact>', version=1) "
    "from shared.events and list it in the domain's interface."
)


Payload = Any
"""An event's payload as stored and sent: JSON primitives (shared.wire.to_primitive)."""
Downcast = Callable[[Payload], Payload]


@dataclasses.dataclass(frozen=True, slots=True)
class EventMeta:
    name: str
    version: int
    key: str | None
    downcasts: Mapping[int, Downcast] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))
    """Older versions this version can be turned into, each with the function that does it."""

    @property
    def wire_id(self) -> str:
        return wire_id(self.name, self.version)

    @property
    def versions(self) -> frozenset[int]:
        """Every version a subscriber can receive this event as: its own and the downcast ones."""
        return frozenset({self.version, *self.downcasts})

    def payload_as(self, payload: Payload, version: int) -> Payload:
        """The payload of this version turned into `version` (KeyError if it cannot be)."""
        return payload if version == self.version else self.downcasts[version](payload)


def wire_id(name: str, version: int) -> str:
    """The id of one version of an event: 'orders.OrderPlaced.v1'."""
    return f"{name}.v{version}"


@dataclass_transform(frozen_default=True, kw_only_default=True)
def event(
    name: str, *, version: int = 1, key: str | None = None, downcasts: Mapping[int, Downcast] | None = None
) -> Callable[[type[T]], type[T]]:
    """Declare an event class with its stable wire name, version, optional ordering key and downcasts."""
    if not EVENT_NAME.match(name):
        raise TypeError(BAD_EVENT_NAME.format(name=name))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TypeError(BAD_EVENT_VERSION.format(name=name, version=version))
    for target, function in (downcasts or {}).items():
        if (
            not isinstance(target, int)
            or isinstance(target, bool)
            or not 1 <= target < version
            or not callable(function)
        ):
            raise TypeError(BAD_DOWNCAST.format(name=name, version=version, target=target, newest=version - 1))

    def decorate(cls: type[T]) -> type[T]:
        made = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(cls)
        field_names = [f.name for f in dataclasses.fields(made)]
        if key is not None and key not in field_names:
            raise TypeError(BAD_EVENT_KEY.format(name=name, key=key, fields=field_names))
        made.__event__ = EventMeta(  # type: ignore[attr-defined]
            name=name, version=version, key=key, downcasts=types.MappingProxyType(dict(downcasts or {}))
        )
        return made

    return decorate


def is_event_type(cls: object) -> bool:
    return isinstance(cls, type) and isinstance(cls.__dict__.get("__event__"), EventMeta)


def event_meta(value: Any) -> EventMeta:
    """The metadata of an event class or instance; TypeError with a fix if it is not one."""
    cls = value if isinstance(value, type) else type(value)
    if not is_event_type(cls):
        raise TypeError(NOT_AN_EVENT.format(type_name=getattr(cls, "__qualname__", repr(cls))))
    return cls.__dict__["__event__"]


def ordering_key(value: Any) -> str | None:
    """The value of the event's ordering key field, as text, or None if it has no key."""
    meta = event_meta(value)
    return None if meta.key is None else str(getattr(value, meta.key))
